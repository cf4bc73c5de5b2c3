import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { countryOf } from '../../core/countries';
import { AppError, notFound } from '../../core/errors';
import type { Language } from '../../core/i18n';
import { STARTER_PRICE_BOOK, type Trade } from '../../core/job-type-templates';
import type { Actor } from '../../core/principal';
import { type SetupStep, setupChecklist } from '../../core/setup';
import type { Tx } from '../../db/client';
import {
  catalogItems,
  connectors,
  invitations,
  jobTypes,
  organizations,
  taxCodes,
  users,
} from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { insertStarterJobTypes, lockOrganization } from './organizations';

/** The home page's checklist: each wizard step, done by what the data shows or by the owner's word. */
export const setupOf = async (deps: Deps, organizationId: string) => {
  const db = deps.database.db;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  const n = async (q: Promise<{ n: number }[]>) => (await q)[0]?.n ?? 0;
  const [types, team, invited, links] = await Promise.all([
    n(db.select({ n: count() }).from(jobTypes).where(eq(jobTypes.organizationId, organizationId))),
    n(
      db
        .select({ n: count() })
        .from(users)
        .where(
          and(
            eq(users.organizationId, organizationId),
            eq(users.active, true),
            sql`NOT ('owner' = ANY(${users.roles}))`,
          ),
        ),
    ),
    n(
      db
        .select({ n: count() })
        .from(invitations)
        .where(
          and(
            eq(invitations.organizationId, organizationId),
            isNull(invitations.acceptedAt),
            isNull(invitations.withdrawnAt),
          ),
        ),
    ),
    n(db.select({ n: count() }).from(connectors).where(eq(connectors.organizationId, organizationId))),
  ]);
  return setupChecklist(
    {
      hasAddress: org.address !== null,
      hasTaxId: org.vatId !== null,
      usSalesTax: org.taxScheme === 'us_sales_tax',
      jobTypes: types,
      hasIban: org.iban !== null,
      hasLogo: org.logoKey !== null,
      teamBesidesOwner: team + invited,
      connectors: links,
    },
    org.setupSteps,
  );
};

/** The owner finished or skipped a step of the wizard; audited, and shown on the checklist. */
export const recordSetupStep = (
  deps: Deps,
  organizationId: string,
  step: SetupStep,
  status: 'done' | 'skipped',
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    await markStep(tx, deps, organizationId, step, status, actor);
  });

const markStep = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  step: SetupStep,
  status: 'done' | 'skipped',
  actor: Actor,
) => {
  const org = await lockOrganization(tx, organizationId);
  const at = deps.clock.now().toISOString();
  await tx.db
    .update(organizations)
    .set({ setupSteps: { ...org.setupSteps, [step]: { status, at } } })
    .where(eq(organizations.id, organizationId));
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'organization',
    aggregateId: organizationId,
    action: 'organization.setup_step_recorded',
    actor,
    changes: { step, status },
  });
};

/**
 * Installs what a trade works with: its starter job types with their closeout and approval rules, and its
 * starter price book (labour at the rate the country sells it, parts and fees at the standard rate). What
 * the organization already has (a job type's code, an item's SKU) is kept as it is, so installing twice
 * adds nothing.
 */
export const installTrades = (deps: Deps, organizationId: string, trades: readonly Trade[], actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const org = await lockOrganization(tx, organizationId);
    const country = countryOf(org.country);
    const codes = await tx.db
      .select({ id: taxCodes.id, code: taxCodes.code })
      .from(taxCodes)
      .where(eq(taxCodes.organizationId, organizationId));
    const byCode = new Map(codes.map((c) => [c.code, c.id]));
    const standard = byCode.get(org.taxScheme === 'us_sales_tax' ? 'TAXABLE' : 'S-STD');
    const labour = byCode.get(country?.labourTaxCode ?? '') ?? standard;
    if (!standard || !labour)
      throw new AppError('not_ready', 'The organization has no standard tax code to price its items with', {
        fields: [{ field: 'body.trades', message: 'add a standard tax code first' }],
      });
    const skus = new Set(
      (
        await tx.db
          .select({ sku: catalogItems.sku })
          .from(catalogItems)
          .where(eq(catalogItems.organizationId, organizationId))
      ).map((r) => r.sku),
    );
    const now = deps.clock.now();
    const items = [];
    for (const item of trades.flatMap((t) => STARTER_PRICE_BOOK[t].items)) {
      if (skus.has(item.sku)) continue;
      skus.add(item.sku);
      items.push(item);
    }
    if (items.length > 0)
      await tx.db.insert(catalogItems).values(
        items.map((item) => ({
          organizationId,
          id: deps.ids.uuid(),
          ...item,
          taxCodeId: item.kind === 'labor' ? labour : standard,
          createdAt: now,
        })),
      );
    const laborSkus = Object.fromEntries(trades.map((t) => [t, STARTER_PRICE_BOOK[t].laborSku]));
    const types = await insertStarterJobTypes(tx, deps, organizationId, trades, laborSkus);
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.trades_installed',
      actor,
      changes: { trades, jobTypes: types.map((t) => t.code), priceBook: items.map((i) => i.sku) },
    });
    await markStep(tx, deps, organizationId, 'trade', 'done', actor);
    return { jobTypes: types.length, priceBookItems: items.length };
  });

export type BusinessDetails = {
  name?: string | undefined;
  legalName?: string | undefined;
  timeZone?: string | undefined;
  language?: Language | undefined;
};

/** The names, time zone and documents' language the organization goes by; the country and currency were fixed at sign-up. */
export const updateBusinessDetails = (
  deps: Deps,
  organizationId: string,
  patch: BusinessDetails,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const before = await lockOrganization(tx, organizationId);
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length === 0) return before;
    const [after] = await tx.db
      .update(organizations)
      .set(set)
      .where(eq(organizations.id, organizationId))
      .returning();
    if (!after) throw notFound('organization');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.details_changed',
      actor,
      changes: Object.fromEntries(
        Object.keys(set).map((k) => [
          k,
          { before: before[k as keyof typeof before], after: after[k as keyof typeof after] },
        ]),
      ),
    });
    return after;
  });
