import { and, eq } from 'drizzle-orm';
import { AppError, type FieldProblem, invalidAll, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { type TaxCodeInput, taxCodeProblems } from '../../core/tax';
import type { Tx } from '../../db/client';
import { catalogItems, jobTypes, organizations, taxCodes } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';

const refuse = (problems: FieldProblem[]) => {
  if (problems.length > 0) {
    throw invalidAll(problems);
  }
};

/** A unique code or SKU already in use is a 409 naming the field, not a database error. */
const ensureFree = async (taken: boolean, field: string, value: string) => {
  if (taken)
    throw new AppError('already_in_use', `${value} is already in use`, {
      fields: [{ field, message: 'already in use' }],
    });
};

const changesOf = <T extends Record<string, unknown>>(before: T, after: T, keys: string[]) => {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const k of keys) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      changes[k] = { before: before[k], after: after[k] };
  }
  return changes;
};

const taxSchemeOf = async (tx: Tx, organizationId: string) => {
  const [org] = await tx.db
    .select({ scheme: organizations.taxScheme })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  return org.scheme;
};

export type TaxCodeBody = TaxCodeInput & { code: string; name: string };

export const saveTaxCode = (
  deps: Deps,
  organizationId: string,
  id: string | null,
  input: TaxCodeBody,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    // The record must be the caller's before anything else is said about it.
    const [before] =
      id === null
        ? [undefined]
        : await tx.db
            .select()
            .from(taxCodes)
            .where(and(eq(taxCodes.organizationId, organizationId), eq(taxCodes.id, id)))
            .for('update');
    if (id !== null && !before) throw notFound('tax code');
    refuse(taxCodeProblems(await taxSchemeOf(tx, organizationId), input));
    const same = await tx.db
      .select({ id: taxCodes.id })
      .from(taxCodes)
      .where(and(eq(taxCodes.organizationId, organizationId), eq(taxCodes.code, input.code)));
    await ensureFree(
      same.some((r) => r.id !== id),
      'body.code',
      input.code,
    );
    const values = {
      code: input.code,
      name: input.name,
      category: input.category,
      rate: input.rate,
      exemptionReasonCode: input.exemptionReasonCode ?? null,
      exemptionReason: input.exemptionReason ?? null,
      jurisdiction: input.jurisdiction ?? null,
    };
    if (id === null) {
      const newId = deps.ids.uuid();
      await tx.db
        .insert(taxCodes)
        .values({ organizationId, id: newId, ...values, createdAt: deps.clock.now() });
      await appendAudit(tx, deps, {
        organizationId,
        aggregateType: 'tax_code',
        aggregateId: newId,
        action: 'tax_code.created',
        actor,
        changes: values,
      });
      return newId;
    }
    if (!before) throw notFound('tax code');
    const [after] = await tx.db
      .update(taxCodes)
      .set(values)
      .where(and(eq(taxCodes.organizationId, organizationId), eq(taxCodes.id, id)))
      .returning();
    if (!after) throw notFound('tax code');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'tax_code',
      aggregateId: id,
      action: 'tax_code.updated',
      actor,
      changes: changesOf(before, after, Object.keys(values)),
    });
    return id;
  });

export type CatalogItemBody = {
  sku: string;
  name: string;
  kind: 'labor' | 'part' | 'fee';
  unitCode: string;
  unitPrice: string;
  taxCodeId: string;
  glAccount?: string | null | undefined;
  active?: boolean | undefined;
};

export const saveCatalogItem = (
  deps: Deps,
  organizationId: string,
  id: string | null,
  input: CatalogItemBody,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    // The record must be the caller's before anything else is said about it.
    const [before] =
      id === null
        ? [undefined]
        : await tx.db
            .select()
            .from(catalogItems)
            .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.id, id)))
            .for('update');
    if (id !== null && !before) throw notFound('catalog item');
    const [tc] = await tx.db
      .select({ id: taxCodes.id })
      .from(taxCodes)
      .where(and(eq(taxCodes.organizationId, organizationId), eq(taxCodes.id, input.taxCodeId)));
    refuse(tc ? [] : [{ field: 'body.taxCodeId', message: 'no such tax code' }]);
    if (input.unitPrice.startsWith('-'))
      refuse([{ field: 'body.unitPrice', message: 'must not be negative' }]);
    const same = await tx.db
      .select({ id: catalogItems.id })
      .from(catalogItems)
      .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.sku, input.sku)));
    await ensureFree(
      same.some((r) => r.id !== id),
      'body.sku',
      input.sku,
    );
    const values = {
      sku: input.sku,
      name: input.name,
      kind: input.kind,
      unitCode: input.unitCode,
      unitPrice: input.unitPrice,
      taxCodeId: input.taxCodeId,
      glAccount: input.glAccount ?? null,
      active: input.active ?? true,
    };
    if (id === null) {
      const newId = deps.ids.uuid();
      await tx.db
        .insert(catalogItems)
        .values({ organizationId, id: newId, ...values, createdAt: deps.clock.now() });
      await appendAudit(tx, deps, {
        organizationId,
        aggregateType: 'catalog_item',
        aggregateId: newId,
        action: 'catalog_item.created',
        actor,
        changes: values,
      });
      return newId;
    }
    if (!before) throw notFound('catalog item');
    const [after] = await tx.db
      .update(catalogItems)
      .set(values)
      .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.id, id)))
      .returning();
    if (!after) throw notFound('catalog item');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'catalog_item',
      aggregateId: id,
      action: 'catalog_item.updated',
      actor,
      changes: changesOf(before, after, Object.keys(values)),
    });
    return id;
  });

export type JobTypeBody = {
  code: string;
  name: string;
  trade: string;
  defaultDurationMinutes: number;
  billingMode: 'fixed' | 'time_and_materials' | 'per_visit' | 'per_cycle';
  closeoutRequirements: unknown;
  approvalRules: unknown[];
  customFields?: unknown[] | undefined;
  cancellationFee?: string | null | undefined;
  noShowFee?: string | null | undefined;
  laborSku?: string | null | undefined;
};

/** Closeout requirements, approval rules and custom fields arrive already parsed by their core schemas. */
export const saveJobType = (
  deps: Deps,
  organizationId: string,
  id: string | null,
  input: JobTypeBody,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    // The record must be the caller's before anything else is said about it.
    const [before] =
      id === null
        ? [undefined]
        : await tx.db
            .select()
            .from(jobTypes)
            .where(and(eq(jobTypes.organizationId, organizationId), eq(jobTypes.id, id)))
            .for('update');
    if (id !== null && !before) throw notFound('job type');
    const same = await tx.db
      .select({ id: jobTypes.id })
      .from(jobTypes)
      .where(and(eq(jobTypes.organizationId, organizationId), eq(jobTypes.code, input.code)));
    await ensureFree(
      same.some((r) => r.id !== id),
      'body.code',
      input.code,
    );
    if (input.laborSku) {
      const [item] = await tx.db
        .select({ kind: catalogItems.kind })
        .from(catalogItems)
        .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.sku, input.laborSku)));
      if (item?.kind !== 'labor')
        throw new AppError('validation_failed', 'body.laborSku: not a labour item of the price book', {
          fields: [
            { field: 'body.laborSku', message: item ? 'not a labour item' : 'no such SKU in the price book' },
          ],
        });
    }
    const values = {
      code: input.code,
      name: input.name,
      trade: input.trade,
      defaultDurationMinutes: input.defaultDurationMinutes,
      billingMode: input.billingMode,
      closeoutRequirements: input.closeoutRequirements,
      approvalRules: input.approvalRules,
      customFields: input.customFields ?? [],
      cancellationFee: input.cancellationFee ?? null,
      noShowFee: input.noShowFee ?? null,
      laborSku: input.laborSku ?? null,
    };
    if (id === null) {
      const newId = deps.ids.uuid();
      await tx.db
        .insert(jobTypes)
        .values({ organizationId, id: newId, ...values, createdAt: deps.clock.now() });
      await appendAudit(tx, deps, {
        organizationId,
        aggregateType: 'job_type',
        aggregateId: newId,
        action: 'job_type.created',
        actor,
        changes: values,
      });
      return newId;
    }
    if (!before) throw notFound('job type');
    const [after] = await tx.db
      .update(jobTypes)
      .set({ ...values, version: before.version + 1 })
      .where(and(eq(jobTypes.organizationId, organizationId), eq(jobTypes.id, id)))
      .returning();
    if (!after) throw notFound('job type');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'job_type',
      aggregateId: id,
      action: 'job_type.updated',
      actor,
      changes: changesOf(before, after, Object.keys(values)),
    });
    return id;
  });
