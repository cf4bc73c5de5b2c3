import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { countryOf, type StarterTaxCode, starterTaxCodes } from '../../core/countries';
import { AppError, invalid, notFound } from '../../core/errors';
import { type ApprovalRule, STARTER_JOB_TYPES, type Trade } from '../../core/job-type-templates';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import { DEFAULT_REMINDER_STEPS } from '../../core/reminders';
import type { Tx } from '../../db/client';
import { jobTypes, organizations, reminderSchedules, taxCodes } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import { LOGO_MAX_PX, reencodeImage } from '../files/safe-files';
import type { Deps } from '../ports';

export type NewOrganization = {
  slug: string;
  name: string;
  legalName: string;
  country: string;
  currency: string;
  timeZone: string;
  taxScheme: 'vat' | 'us_sales_tax';
  vatId?: string | null;
  peppolEndpoint?: string | null;
  paymentTermsDays?: number;
  address?: (typeof organizations.$inferInsert)['address'];
  companyId?: string | null;
  iban?: string | null;
  replyToEmail?: string | null;
  /** The trades whose starter job types are installed now; more can be installed later (installTrades). */
  trades?: readonly Trade[];
  /** Tax codes to start with instead of the country's (test fixtures keep one set whatever the country). */
  taxCodes?: readonly StarterTaxCode[];
};

/** The starter job types of these trades that the organization does not have yet (by code), with their rules. */
export const insertStarterJobTypes = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  trades: readonly Trade[],
  laborSkus: Partial<Record<Trade, string>> = {},
) => {
  const have = new Set(
    (
      await tx.db
        .select({ code: jobTypes.code })
        .from(jobTypes)
        .where(eq(jobTypes.organizationId, organizationId))
    ).map((r) => r.code),
  );
  const wanted = STARTER_JOB_TYPES.filter((t) => trades.includes(t.trade) && !have.has(t.code));
  if (wanted.length === 0) return [];
  const now = deps.clock.now();
  return tx.db
    .insert(jobTypes)
    .values(
      wanted.map((t) => ({
        organizationId,
        id: deps.ids.uuid(),
        code: t.code,
        name: t.name,
        trade: t.trade,
        defaultDurationMinutes: t.defaultDurationMinutes,
        billingMode: t.billingMode,
        closeoutRequirements: t.closeoutRequirements,
        approvalRules: t.approvalRules,
        cancellationFee: t.cancellationFee,
        noShowFee: t.noShowFee,
        laborSku: laborSkus[t.trade] ?? null,
        createdAt: now,
      })),
    )
    .returning();
};

/**
 * The organization's row, locked: the one writer of its settings and of its audit chain at a time. Throws
 * not-found for an unknown organization.
 */
export const lockOrganization = async (tx: Tx, organizationId: string) => {
  const [org] = await tx.db
    .select()
    .from(organizations)
    .where(eq(organizations.id, organizationId))
    .for('update');
  if (!org) throw notFound('organization');
  return org;
};

/** Creates an organization with starter tax codes and job types, in the caller's transaction. */
export const insertOrganization = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  input: NewOrganization,
) => {
  const existing = await tx.db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.slug, input.slug));
  if (existing.length > 0) {
    throw new AppError('already_in_use', 'An organization with this slug exists', {
      fields: [{ field: 'slug', message: 'already in use' }],
    });
  }
  const now = deps.clock.now();
  const [org] = await tx.db
    .insert(organizations)
    .values({
      id: deps.ids.uuid(),
      slug: input.slug,
      name: input.name,
      legalName: input.legalName,
      country: input.country,
      currency: input.currency,
      timeZone: input.timeZone,
      taxScheme: input.taxScheme,
      vatId: input.vatId ?? null,
      peppolEndpoint: input.peppolEndpoint ?? null,
      paymentTermsDays: input.paymentTermsDays ?? 30,
      // An advance under US sales tax is a payment request; under VAT a tax invoice of its own.
      depositModel: input.taxScheme === 'us_sales_tax' ? 'payment_request' : 'advance_invoice',
      address: input.address ?? null,
      companyId: input.companyId ?? null,
      iban: input.iban ?? null,
      replyToEmail: input.replyToEmail ?? null,
      createdAt: now,
    })
    .returning();
  if (!org) throw new Error('organization insert returned nothing');
  await tx.db.insert(reminderSchedules).values({
    organizationId: org.id,
    id: deps.ids.uuid(),
    name: 'Standard',
    steps: DEFAULT_REMINDER_STEPS,
    isDefault: true,
    createdAt: now,
    updatedAt: now,
  });
  const country = countryOf(input.country);
  const starter = input.taxCodes ?? (country ? starterTaxCodes(country) : null);
  if (!starter) throw invalid('body.country', 'not a country Closeout has tax rates for');
  const taxRows = await tx.db
    .insert(taxCodes)
    .values(
      starter.map((t) => ({
        organizationId: org.id,
        id: deps.ids.uuid(),
        code: t.code,
        name: t.name,
        category: t.category,
        rate: t.rate,
        exemptionReasonCode: t.exemptionReasonCode ?? null,
        exemptionReason: t.exemptionReason ?? null,
        jurisdiction: t.jurisdiction ?? null,
        createdAt: now,
      })),
    )
    .returning();
  const typeRows = await insertStarterJobTypes(tx, deps, org.id, input.trades ?? []);
  await appendAudit(tx, deps, {
    organizationId: org.id,
    aggregateType: 'organization',
    aggregateId: org.id,
    action: 'organization.created',
    actor: SYSTEM_ACTOR,
    changes: { slug: input.slug, name: input.name, currency: input.currency, timeZone: input.timeZone },
  });
  return { org, taxCodes: taxRows, jobTypes: typeRows };
};

/** Sets the organization's default approval rules (already parsed by the core schema), audited. */
export const setDefaultApprovalRules = (
  deps: Deps,
  organizationId: string,
  rules: ApprovalRule[],
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const [before] = await tx.db
      .select({ rules: organizations.defaultApprovalRules })
      .from(organizations)
      .where(eq(organizations.id, organizationId))
      .for('update');
    await tx.db
      .update(organizations)
      .set({ defaultApprovalRules: rules })
      .where(eq(organizations.id, organizationId));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.approval_rules_set',
      actor,
      changes: { defaultApprovalRules: { before: before?.rules ?? [], after: rules } },
    });
    return rules;
  });

export type BillingSettings = Partial<
  Pick<
    typeof organizations.$inferInsert,
    | 'invoiceAutoIssue'
    | 'invoiceAutoSend'
    | 'invoiceAutoSendHour'
    | 'brandColor'
    | 'iban'
    | 'companyId'
    | 'vatId'
    | 'peppolEndpoint'
    | 'address'
    | 'paymentTermsDays'
    | 'quoteFollowUpDays'
    | 'remindersEnabled'
    | 'reminderHour'
    | 'writeOffApprovalAbove'
    | 'depositModel'
    | 'laborPricing'
    | 'payableRoundingIncrement'
  >
> & {
  /** The invoice e-mail's subject and body; null goes back to Closeout's default. */
  invoiceEmail?: { subject: string; body: string } | null | undefined;
};

/** The organization's invoicing settings (auto-issue, branding, seller identifiers), audited. */
export const updateBillingSettings = (
  deps: Deps,
  organizationId: string,
  patch: BillingSettings,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const [before] = await tx.db
      .select()
      .from(organizations)
      .where(eq(organizations.id, organizationId))
      .for('update');
    if (!before) throw new AppError('not_found', 'organization not found');
    // Nothing to change is not an error, and leaves no audit event.
    if (Object.keys(patch).length === 0) return before;
    const { invoiceEmail, ...columns } = patch;
    const [after] = await tx.db
      .update(organizations)
      .set({
        ...columns,
        ...(invoiceEmail === undefined
          ? {}
          : {
              invoiceEmailSubject: invoiceEmail?.subject ?? null,
              invoiceEmailBody: invoiceEmail?.body ?? null,
            }),
      })
      .where(eq(organizations.id, organizationId))
      .returning();
    if (!after) throw new Error('organization update returned nothing');
    const changes: Record<string, unknown> = {};
    for (const key of Object.keys(columns) as (keyof typeof columns)[]) {
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
        changes[key] = { before: before[key], after: after[key] };
    }
    for (const key of ['invoiceEmailSubject', 'invoiceEmailBody'] as const) {
      if (invoiceEmail !== undefined && before[key] !== after[key])
        changes[key] = { before: before[key], after: after[key] };
    }
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.billing_settings_changed',
      actor,
      changes,
    });
    return after;
  });

/**
 * Stores the logo printed on the PDFs (PNG or JPEG, sniffed by the caller): measured before decoding, then
 * encoded again at most LOGO_MAX_PX on its longer side, so every PDF carries a small, clean image.
 */
export const setLogo = async (
  deps: Deps,
  organizationId: string,
  original: Buffer,
  mimeType: string,
  actor: Actor,
) => {
  const bytes = await reencodeImage(original, mimeType, LOGO_MAX_PX);
  return deps.database.transaction(async (tx) => {
    const hash = createHash('sha256').update(bytes).digest('hex');
    const key = `logos/${organizationId}/${hash}`;
    if (!(await deps.storage.exists(key))) await deps.storage.put(key, bytes, mimeType);
    await tx.db.update(organizations).set({ logoKey: key }).where(eq(organizations.id, organizationId));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.logo_set',
      actor,
      changes: { logo: { sha256: hash, sizeBytes: bytes.length } },
    });
    return { sha256: hash };
  });
};
