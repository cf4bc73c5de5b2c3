import { and, eq, isNull, sql } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { Language } from '../../core/i18n';
import type { Actor } from '../../core/principal';
import { normalizeAddressKey, normalizeName, normalizeTaxId } from '../../core/tax';
import type { Tx } from '../../db/client';
import { customers, organizations, sites } from '../../db/schema/index';
import {
  type CustomerContact,
  DEFAULT_INVOICE_PREFERENCES,
  type InvoicePreferences,
  type PostalAddress,
} from '../../db/schema/operations';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';

export type SiteInput = { name: string; address: PostalAddress; accessNotes?: string | null | undefined };
export type CustomerInput = {
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  billingAddress: PostalAddress;
  taxId?: string | null | undefined;
  peppolEndpoint?: string | null | undefined;
  taxExempt?: boolean | undefined;
  taxExemptionReason?: string | null | undefined;
  paymentTermsDays?: number | null | undefined;
  invoiceCurrency?: string | null | undefined;
  timeZone?: string | null | undefined;
  language?: Language | null | undefined;
  contacts?: CustomerContact[] | undefined;
  invoicePreferences?: InvoicePreferences | undefined;
  closeoutOverrides?: Record<string, unknown> | undefined;
};

/** The organization's own currency is stored as null: the customer follows the organization. */
const invoiceCurrencyOf = async (tx: Tx, organizationId: string, currency: string | null | undefined) => {
  if (!currency) return null;
  const [org] = await tx.db
    .select({ currency: organizations.currency })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  return org?.currency === currency ? null : currency;
};

export type DuplicateCandidate = {
  id: string;
  name: string;
  matchedOn: ('email' | 'taxId' | 'nameAndAddress')[];
};

/** Existing customers that look like this one: same e-mail, same tax ID, or same normalized name and address. */
export const findDuplicateCandidates = async (
  tx: Tx,
  organizationId: string,
  input: Pick<CustomerInput, 'name' | 'email' | 'taxId' | 'billingAddress'>,
): Promise<DuplicateCandidate[]> => {
  const rows = await tx.db
    .select({
      id: customers.id,
      name: customers.name,
      email: customers.email,
      taxId: customers.taxId,
      normalizedName: customers.normalizedName,
      billingAddress: customers.billingAddress,
    })
    .from(customers)
    .where(
      and(
        eq(customers.organizationId, organizationId),
        isNull(customers.mergedIntoId),
        sql`(lower(${customers.email}) = ${input.email?.toLowerCase() ?? null}
          OR upper(regexp_replace(${customers.taxId}, '[\\s.-]', '', 'g')) = ${input.taxId ? normalizeTaxId(input.taxId) : null}
          OR ${customers.normalizedName} = ${normalizeName(input.name)})`,
      ),
    )
    .limit(20);
  const addressKey = normalizeAddressKey(input.billingAddress);
  return rows
    .map((r) => {
      const matchedOn: DuplicateCandidate['matchedOn'] = [];
      if (input.email && r.email?.toLowerCase() === input.email.toLowerCase()) matchedOn.push('email');
      if (input.taxId && r.taxId && normalizeTaxId(r.taxId) === normalizeTaxId(input.taxId))
        matchedOn.push('taxId');
      if (
        r.normalizedName === normalizeName(input.name) &&
        normalizeAddressKey(r.billingAddress) === addressKey
      )
        matchedOn.push('nameAndAddress');
      return { id: r.id, name: r.name, matchedOn };
    })
    .filter((c) => c.matchedOn.length > 0);
};

export const createCustomer = (
  deps: Deps,
  organizationId: string,
  input: CustomerInput & { sites?: SiteInput[] | undefined; confirmDuplicate?: boolean | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    // One creation at a time per organization, so two clerks typing the same customer cannot both pass the check.
    await tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`customers:${organizationId}`]);
    const candidates = await findDuplicateCandidates(tx, organizationId, input);
    if (candidates.length > 0 && !input.confirmDuplicate) {
      throw new AppError(
        'possible_duplicate',
        `Looks like ${candidates.map((c) => c.name).join(', ')}; confirm to create anyway`,
        {
          fields: [{ field: 'body.confirmDuplicate', message: 'set to true to create a separate customer' }],
          extra: { candidates },
        },
      );
    }
    const now = deps.clock.now();
    const id = deps.ids.uuid();
    await tx.db.insert(customers).values({
      organizationId,
      id,
      name: input.name,
      normalizedName: normalizeName(input.name),
      email: input.email ?? null,
      phone: input.phone ?? null,
      billingAddress: input.billingAddress,
      taxId: input.taxId ?? null,
      peppolEndpoint: input.peppolEndpoint ?? null,
      taxExempt: input.taxExempt ?? false,
      taxExemptionReason: input.taxExemptionReason ?? null,
      paymentTermsDays: input.paymentTermsDays ?? null,
      invoiceCurrency: await invoiceCurrencyOf(tx, organizationId, input.invoiceCurrency),
      timeZone: input.timeZone ?? null,
      language: input.language ?? null,
      contacts: input.contacts ?? [],
      invoicePreferences: input.invoicePreferences ?? DEFAULT_INVOICE_PREFERENCES,
      closeoutOverrides: input.closeoutOverrides ?? {},
      createdAt: now,
      updatedAt: now,
    });
    const siteIds: string[] = [];
    for (const site of input.sites ?? [])
      siteIds.push(await insertSite(tx, deps, organizationId, id, site, actor));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: id,
      action: 'customer.created',
      actor,
      changes: {
        name: input.name,
        email: input.email ?? null,
        taxId: input.taxId ?? null,
        invoiceCurrency: input.invoiceCurrency ?? null,
        sites: siteIds,
      },
      reason:
        candidates.length > 0
          ? `created despite possible duplicates: ${candidates.map((c) => c.id).join(', ')}`
          : null,
    });
    return id;
  });

const insertSite = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  customerId: string,
  site: SiteInput,
  actor: Actor,
) => {
  const id = deps.ids.uuid();
  await tx.db.insert(sites).values({
    organizationId,
    id,
    customerId,
    name: site.name,
    address: site.address,
    accessNotes: site.accessNotes ?? null,
    createdAt: deps.clock.now(),
  });
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'customer',
    aggregateId: customerId,
    action: 'customer.site_added',
    actor,
    changes: { siteId: id, name: site.name, address: site.address },
  });
  return id;
};

const lockCustomer = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(customers)
    .where(and(eq(customers.organizationId, organizationId), eq(customers.id, id)))
    .for('update');
  if (!row) throw notFound('customer');
  return row;
};

export const addSite = (
  deps: Deps,
  organizationId: string,
  customerId: string,
  site: SiteInput,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    await lockCustomer(tx, organizationId, customerId);
    return insertSite(tx, deps, organizationId, customerId, site, actor);
  });

export const updateSite = (
  deps: Deps,
  organizationId: string,
  customerId: string,
  siteId: string,
  patch: { [K in keyof SiteInput]?: SiteInput[K] | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    await lockCustomer(tx, organizationId, customerId);
    const [before] = await tx.db
      .select()
      .from(sites)
      .where(
        and(eq(sites.organizationId, organizationId), eq(sites.id, siteId), eq(sites.customerId, customerId)),
      );
    if (!before) throw notFound('site', 'siteId');
    // An empty PATCH changes nothing and says nothing (Drizzle refuses an UPDATE without a SET).
    if (Object.keys(patch).length === 0) return;
    const [after] = await tx.db
      .update(sites)
      .set({ ...patch })
      .where(and(eq(sites.organizationId, organizationId), eq(sites.id, siteId)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: customerId,
      action: 'customer.site_updated',
      actor,
      changes: {
        siteId,
        ...Object.fromEntries(
          Object.keys(patch).map((k) => [
            k,
            { before: before[k as keyof typeof before], after: after?.[k as keyof typeof after] },
          ]),
        ),
      },
    });
  });

export const updateCustomer = (
  deps: Deps,
  organizationId: string,
  id: string,
  patch: { [K in keyof CustomerInput]?: CustomerInput[K] | undefined } & {
    expectedVersion?: number | undefined;
  },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { expectedVersion, ...fields } = patch;
    const before = await lockCustomer(tx, organizationId, id);
    if (expectedVersion !== undefined && expectedVersion !== before.version) {
      throw new AppError('changed_since', `The customer changed since version ${expectedVersion}`, {
        fields: [{ field: 'body.expectedVersion', message: `current version is ${before.version}` }],
      });
    }
    const set = {
      ...fields,
      ...(fields.name ? { normalizedName: normalizeName(fields.name) } : {}),
      ...(fields.invoiceCurrency !== undefined
        ? { invoiceCurrency: await invoiceCurrencyOf(tx, organizationId, fields.invoiceCurrency) }
        : {}),
    };
    const [after] = await tx.db
      .update(customers)
      .set({ ...set, version: before.version + 1, updatedAt: deps.clock.now() })
      .where(
        and(
          eq(customers.organizationId, organizationId),
          eq(customers.id, id),
          eq(customers.version, before.version),
        ),
      )
      .returning();
    if (!after) throw new AppError('conflict', 'The customer changed while this request ran; retry');
    const changes: Record<string, unknown> = {};
    for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
        changes[key] = { before: before[key], after: after[key] };
    }
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: id,
      action: 'customer.updated',
      actor,
      changes,
    });
  });

/** A connector's ID for a customer is set once; changing it would re-point the ledger, so it is refused. */
export const setExternalId = (
  deps: Deps,
  organizationId: string,
  id: string,
  connector: string,
  externalId: string,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const before = await lockCustomer(tx, organizationId, id);
    const current = before.externalIds[connector];
    if (current === externalId) return false;
    if (current !== undefined) {
      throw new AppError('immutable', `The ${connector} ID of this customer is already ${current}`, {
        fields: [{ field: 'body.externalId', message: `already set to ${current}` }],
      });
    }
    await tx.db
      .update(customers)
      .set({
        externalIds: { ...before.externalIds, [connector]: externalId },
        version: before.version + 1,
        updatedAt: deps.clock.now(),
      })
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, id)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: id,
      action: 'customer.external_id_set',
      actor,
      changes: { connector, externalId },
    });
    return true;
  });
