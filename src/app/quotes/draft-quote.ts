import { and, eq } from 'drizzle-orm';
import type { CreateQuoteBody, QuoteLineInput, UpdateQuoteBody } from '../../contracts/quotes';
import { customFieldProblems } from '../../core/custom-fields';
import { AppError, type FieldProblem, invalidAll, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { RETAINAGE_FIXED_ONLY } from '../../core/progress-billing';
import { quoteNumber } from '../../core/quote-lifecycle';
import { defaultChoice, priceQuote, type QuoteLine } from '../../core/quote-pricing';
import { businessDate } from '../../core/time';
import { laterVisitProblems } from '../../core/visits';
import type { Tx } from '../../db/client';
import { getOrganization, itemsBySku } from '../../db/queries/directory';
import { customers, type jobTypes, type organizations, quotes, quoteVersions } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { checkLineAmount, fromPriceBook } from '../catalog/price-book-lines';
import { defaultTaxCode, exemptFor, orgTaxCodes, treatmentOf } from '../invoicing/invoice-documents';
import { customFieldsOf } from '../jobs/job-store';
import type { Deps } from '../ports';
import { checkJobRefs } from '../scheduling/job-refs';
import { nextNumber } from '../system/sequences';
import { lockQuote, publishQuote, type QuoteRow, type QuoteVersionRow, statusOf } from './quote-store';

type DraftFields = Omit<UpdateQuoteBody, 'expectedVersion'>;
type JobTypeRow = typeof jobTypes.$inferSelect;

/**
 * A draft's lines as the quote keeps them: price-book lines take the item's name, price and tax code unless
 * the office typed its own; every line carries the tax treatment it will be priced at (a tax-exempt customer's
 * lines are exempt), so the version prices the same for the customer's page and for the job, whatever the
 * price book does later. Unknown SKUs and tax codes are refused naming the line.
 */
const resolveLines = async (
  tx: Tx,
  organizationId: string,
  customerId: string,
  input: QuoteLineInput[],
  ids: Deps['ids'],
): Promise<QuoteLine[]> => {
  const items = await itemsBySku(
    tx.db,
    organizationId,
    input.map((l) => l.sku),
  );
  const codes = await orgTaxCodes(tx, organizationId);
  const [customer] = await tx.db
    .select()
    .from(customers)
    .where(and(eq(customers.organizationId, organizationId), eq(customers.id, customerId)));
  if (!customer) throw notFound('customer');
  const exempt = exemptFor(customer);
  const fallback = defaultTaxCode(codes);
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const lines = input.map((l, i): QuoteLine | null => {
    const at = `body.lines.${i}`;
    const { item, description, unitPrice } = fromPriceBook(l, items, at, problems);
    const codeId = l.taxCodeId ?? item?.taxCodeId ?? fallback?.id ?? null;
    const code = codeId ? codes.get(codeId) : undefined;
    if (!code) problems.push({ field: `${at}.taxCodeId`, message: 'no such tax code in this organization' });
    if (l.option && l.optional)
      problems.push({
        field: `${at}.optional`,
        message: 'a line is an option of a group or an add-on, not both',
      });
    checkLineAmount(l.quantity, unitPrice, at, problems);
    const id = l.id && !seen.has(l.id) ? l.id : ids.uuid();
    seen.add(id);
    if (!description || unitPrice === undefined || !code) return null;
    return {
      id,
      sku: item?.sku ?? null,
      description,
      quantity: l.quantity,
      unitPrice,
      taxCodeId: code.id,
      tax: exempt ?? treatmentOf(code),
      option: l.option ?? null,
      optional: !l.option && (l.optional ?? false),
    };
  });
  if (problems.length > 0) throw invalidAll(problems);
  return lines.filter((l): l is QuoteLine => l !== null);
};

type OrgRow = typeof organizations.$inferSelect;

const organizationOf = async (tx: Tx, organizationId: string): Promise<OrgRow> => {
  const org = await getOrganization(tx.db, organizationId);
  if (!org) throw notFound('organization');
  return org;
};

/** The draft's content checked and priced for its default choice; what the version row stores. */
const draftContent = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  org: OrgRow,
  customerId: string,
  body: DraftFields,
  jobType: JobTypeRow,
) => {
  const organizationId = org.id;
  // The accepted version books the job: what its booking needs is asked now, not found missing then.
  const problems: FieldProblem[] = customFieldProblems(
    customFieldsOf(jobType),
    body.customFields ?? {},
    'booking',
  );
  const today = businessDate(deps.clock.now(), org.timeZone);
  if (body.retainagePercent && jobType.billingMode !== 'fixed')
    problems.push({ field: 'body.retainagePercent', message: RETAINAGE_FIXED_ONLY });
  if (body.validUntil < today) problems.push({ field: 'body.validUntil', message: 'is in the past' });
  const visitStart = body.visitStart ? new Date(body.visitStart) : null;
  const visitEnd = body.visitEnd ? new Date(body.visitEnd) : null;
  if (body.repeat) {
    // A repeating service books its series from the first visit; its price is per visit.
    if (!visitStart)
      problems.push({ field: 'body.visitStart', message: 'a repeating service needs its first visit' });
    if (body.deposit)
      problems.push({
        field: 'body.deposit',
        message: 'a repeating service is billed per visit, without a deposit',
      });
    if (body.retainagePercent)
      problems.push({
        field: 'body.retainagePercent',
        message: 'a repeating service is billed per visit, not in steps',
      });
  }
  const laterVisits = body.laterVisits ?? [];
  if (laterVisits.length > 0 && body.repeat)
    problems.push({
      field: 'body.laterVisits',
      message: 'a repeating service books its visits from the rule; a project lists its days',
    });
  else
    problems.push(
      ...laterVisitProblems(
        visitStart && visitEnd && visitEnd > visitStart ? { start: visitStart, end: visitEnd } : null,
        laterVisits,
        'body.laterVisits',
      ),
    );
  if (!visitStart !== !visitEnd)
    problems.push({ field: 'body.visitEnd', message: 'give the visit’s start and end, or neither' });
  else if (visitStart && visitEnd && visitEnd <= visitStart)
    problems.push({ field: 'body.visitEnd', message: 'must be after the visit’s start' });
  if (problems.length > 0) throw invalidAll(problems);
  const lines = await resolveLines(tx, organizationId, customerId, body.lines, deps.ids);
  const terms = {
    currency: org.currency,
    scheme: org.taxScheme,
    discountPercent: body.discountPercent ?? null,
    deposit: body.deposit ?? null,
  };
  const priced = priceQuote(lines, terms, defaultChoice(lines));
  if (!priced.ok) throw invalidAll(priced.problems.map((p) => ({ ...p, field: `body.${p.field}` })));
  return {
    currency: org.currency,
    lines,
    discountPercent: body.discountPercent ?? null,
    deposit: body.deposit ?? null,
    depositBeforeWork: (body.depositBeforeWork ?? false) && !!body.deposit,
    retainagePercent: body.retainagePercent ?? null,
    repeat: body.repeat ? { every: body.repeat.every, visits: body.repeat.visits ?? null } : null,
    validUntil: body.validUntil,
    visitStart,
    visitEnd,
    laterVisits,
    message: body.message ?? null,
    terms: body.terms ?? null,
    internalNotes: body.internalNotes ?? null,
    poNumber: body.poNumber ?? null,
    customFields: body.customFields ?? {},
    total: priced.calc.totals.payable,
  };
};

/** A new quote, numbered Q-{year}-{n} from its own sequence per year, as a draft (version 1). */
export const createQuote = (deps: Deps, organizationId: string, body: CreateQuoteBody, actor: Actor) =>
  deps.database.transaction((tx) => insertQuote(tx, deps, organizationId, body, actor, deps.ids.uuid()));

/** A new quote's first version, a draft, numbered from the year's sequence and audited. */
export const insertQuote = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  body: CreateQuoteBody,
  actor: Actor,
  id: string,
): Promise<{ quote: QuoteRow; version: QuoteVersionRow }> => {
  const { jobType } = await checkJobRefs(tx, organizationId, { ...body, crew: [] });
  const org = await organizationOf(tx, organizationId);
  const content = await draftContent(tx, deps, org, body.customerId, body, jobType);
  const year = Number(businessDate(deps.clock.now(), org.timeZone).slice(0, 4));
  const n = await nextNumber(tx, organizationId, `quote:${year}`, 1);
  const now = deps.clock.now();
  const [quote] = await tx.db
    .insert(quotes)
    .values({
      organizationId,
      id,
      number: quoteNumber(year, n),
      customerId: body.customerId,
      siteId: body.siteId,
      jobTypeId: body.jobTypeId,
      title: body.title,
      currentVersion: 1,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  const [version] = await tx.db
    .insert(quoteVersions)
    .values({
      organizationId,
      quoteId: id,
      version: 1,
      status: 'draft',
      ...content,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!quote || !version) throw new Error('quote insert returned nothing');
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'quote',
    aggregateId: id,
    action: 'quote.created',
    actor,
    first: true,
    changes: { number: quote.number, customerId: body.customerId, total: content.total },
  });
  await publishQuote(tx, quote, version);
  return { quote, version };
};

/**
 * Replaces a draft's content. Only a draft is edited in place; a sent quote is revised into a new version.
 * `expectedVersion` must be the draft's version, so an edit made against an older one is refused.
 */
export const updateQuoteDraft = (
  deps: Deps,
  organizationId: string,
  quoteId: string,
  body: UpdateQuoteBody,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { quote, version } = await lockQuote(tx, organizationId, quoteId);
    if (body.expectedVersion !== version.version)
      throw new AppError('conflict', `${quote.number} is at version ${version.version} now: reload it`, {
        fields: [{ field: 'body.expectedVersion', message: `is ${version.version}` }],
      });
    if (statusOf(version) !== 'draft')
      throw new AppError(
        'invalid_transition',
        `${quote.number} version ${version.version} was sent: revise it to change the offer`,
        { fields: [{ field: 'status', message: `is ${version.status}` }] },
      );
    const { expectedVersion: _v, ...fields } = body;
    const { jobType } = await checkJobRefs(tx, organizationId, {
      customerId: quote.customerId,
      siteId: quote.siteId,
      jobTypeId: quote.jobTypeId,
      crew: [],
    });
    const content = await draftContent(
      tx,
      deps,
      await organizationOf(tx, organizationId),
      quote.customerId,
      fields,
      jobType,
    );
    const now = deps.clock.now();
    const [updated] = await tx.db
      .update(quoteVersions)
      .set({ ...content, updatedAt: now })
      .where(
        and(
          eq(quoteVersions.organizationId, organizationId),
          eq(quoteVersions.quoteId, quoteId),
          eq(quoteVersions.version, version.version),
        ),
      )
      .returning();
    const [q] = await tx.db
      .update(quotes)
      .set({ title: body.title, updatedAt: now })
      .where(and(eq(quotes.organizationId, organizationId), eq(quotes.id, quoteId)))
      .returning();
    if (!updated || !q) throw new Error('quote update returned nothing');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'quote',
      aggregateId: quoteId,
      action: 'quote.draft_updated',
      actor,
      changes: { version: version.version, total: content.total, lines: content.lines.length },
    });
    await publishQuote(tx, q, updated);
    return { quote: q, version: updated };
  });
