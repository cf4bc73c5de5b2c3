import Decimal from 'decimal.js';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator } from '../../core/i18n';
import { amountDecimals, printAmount } from '../../core/money';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import { closedBecause } from '../../core/quote-lifecycle';
import { priceQuote, type QuoteChoice } from '../../core/quote-pricing';
import { repeatWords, rruleOf } from '../../core/quote-repeat';
import { occurrencesBetween } from '../../core/recurrence';
import { addDays, businessDate, localTime, printDateTime } from '../../core/time';
import type { Tx } from '../../db/client';
import { jobNumberOf } from '../../db/queries/jobs';
import { versionsWithParties } from '../../db/queries/quotes';
import { invoices, jobs, organizations, quotes, quoteVersions, series } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { appendAudit } from '../audit/audit';
import { sha256Hex } from '../auth/secrets';
import { outstandingOf } from '../invoicing/invoice-store';
import { type JobRow, jobNumber } from '../jobs/job-store';
import { activePaymentConnection } from '../payments/payment-connections';
import { payUrl, publicLogoUrl } from '../portal/pay-token';
import type { Deps } from '../ports';
import { insertJob } from '../scheduling/create-job';
import { planVisits } from '../scheduling/visits';
import { generateVisits, insertSeries } from '../series/visits';
import { quotePhoto, quotePhotoIds } from './quote-photos';
import { changeQuoteVersion, lockQuote, type QuoteRow, type QuoteVersionRow, statusOf } from './quote-store';
import { addressText, versionView } from './quote-view';
import { signaturePng } from './signature';

/** Who answered, as the request tells it: kept with the signature. */
export type Answerer = { ip: string; userAgent: string };

const CUSTOMER: Actor = SYSTEM_ACTOR;

const expiredLink = () =>
  new AppError('not_found', 'This link has expired or is not a quote link. Ask us for a new one.');

/** The version a link names, with its quote, organization, customer and site; an expired link is not found. */
const byToken = async (db: Pick<Tx, 'db'>['db'], token: string, now: Date) => {
  const [row] = await versionsWithParties(db, eq(quoteVersions.linkHash, sha256Hex(token)));
  if (!row?.version.linkExpiresAt || row.version.linkExpiresAt < now) throw expiredLink();
  return row;
};

type Found = Awaited<ReturnType<typeof byToken>>;

/** What the customer's page shows. Never the office's internal notes or record IDs. */
export const publicViewOf = (row: Found, today: string, jobNo: string | null, photos: number) => {
  const v = row.version;
  const w = customerTranslator(row.customer.language, row.org.language);
  const closed = closedBecause(statusOf(v), v.validUntil, today, w);
  return {
    number: row.quote.number,
    photos,
    title: row.quote.title,
    organization: {
      name: row.org.name,
      brandColor: row.org.brandColor,
      hasLogo: row.org.logoKey !== null,
      logoUrl: publicLogoUrl(row.org),
    },
    customerName: row.customer.name,
    siteAddress: addressText(row.site.address),
    scheme: row.org.taxScheme,
    timeZone: row.org.timeZone,
    language: w.language,
    ...versionView(v, today),
    open: closed === null,
    closedBecause: closed,
    jobNumber: jobNo,
    depositInvoice: null as DepositToPay | null,
  };
};

type DepositToPay = { number: string; amount: string; outstanding: string; payUrl: string | null };

/**
 * The deposit invoice of an accepted quote's job, once issued: what it asks, what is left, and its pay link
 * where the organization takes payments online, so the customer pays it from the page they signed on.
 */
const depositOf = async (deps: Deps, organizationId: string, jobId: string): Promise<DepositToPay | null> => {
  const [row] = await deps.database.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        eq(invoices.jobId, jobId),
        eq(invoices.kind, 'deposit_invoice'),
        inArray(invoices.status, ['issued', 'sent', 'partially_paid', 'paid']),
      ),
    )
    .orderBy(desc(invoices.issuedAt))
    .limit(1);
  if (!row?.number) return null;
  const decimals = amountDecimals(row.currency, true);
  const outstanding = outstandingOf(row);
  const online = outstanding.gt(0) ? await activePaymentConnection(deps.database, organizationId) : null;
  return {
    number: row.number,
    amount: new Decimal(row.payable).toFixed(decimals),
    outstanding: outstanding.toFixed(decimals),
    payUrl: online ? payUrl(deps, organizationId, row.id) : null,
  };
};

/**
 * The customer opens the link: the first opening of a sent version marks it viewed (the office sees it on
 * the pipeline); later openings change nothing.
 */
export const openQuoteLink = (deps: Deps, token: string, who: Answerer) =>
  deps.database
    .transaction(async (tx) => {
      let row = await byToken(tx.db, token, deps.clock.now());
      const today = businessDate(deps.clock.now(), row.org.timeZone);
      if (statusOf(row.version) === 'sent' && today <= row.version.validUntil) {
        const { quote, version } = await lockQuote(tx, row.quote.organizationId, row.quote.id);
        if (version.version === row.version.version && statusOf(version) === 'sent') {
          const viewed = await changeQuoteVersion(tx, deps, {
            quote,
            version,
            action: 'view',
            actor: CUSTOMER,
            patch: { viewedAt: deps.clock.now() },
            changes: { ip: who.ip, userAgent: who.userAgent },
          });
          row = { ...row, version: viewed };
        }
      }
      const jobNo = row.quote.jobId
        ? await jobNumberOf(tx.db, row.quote.organizationId, row.quote.jobId)
        : null;
      return {
        view: publicViewOf(
          row,
          today,
          jobNo === null ? null : jobNumber(jobNo),
          (await quotePhotoIds(tx.db, row.quote.organizationId, row.quote.id)).length,
        ),
        depositOfJob: statusOf(row.version) === 'accepted' ? row.quote.jobId : null,
        organizationId: row.quote.organizationId,
      };
    })
    .then(async ({ view, depositOfJob, organizationId }) =>
      // Read after the transaction: its own reads go through the pool.
      depositOfJob ? { ...view, depositInvoice: await depositOf(deps, organizationId, depositOfJob) } : view,
    );

/** The n-th photo (from 1) of the quote a link names, while the link is good. */
export const publicQuotePhoto = async (deps: Deps, token: string, n: number, size: 'small' | 'large') => {
  const { quote } = await byToken(deps.database.db, token, deps.clock.now());
  const id = (await quotePhotoIds(deps.database.db, quote.organizationId, quote.id))[n - 1];
  if (!id) throw notFound('photo', 'n');
  return quotePhoto(deps, quote.organizationId, quote.id, id, size);
};

/** Locks the quote a link names and checks the customer is answering its current, open version. */
const lockOpenVersion = async (tx: Tx, deps: Deps, token: string, seenVersion: number) => {
  const found = await byToken(tx.db, token, deps.clock.now());
  const { quote, version } = await lockQuote(tx, found.quote.organizationId, found.quote.id);
  const today = businessDate(deps.clock.now(), found.org.timeZone);
  const current = { ...found, quote, version };
  const w = customerTranslator(found.customer.language, found.org.language);
  if (version.version !== found.version.version || version.version !== seenVersion) {
    throw new AppError('changed_since', w.t('portal.quote.closed.superseded'), {
      fields: [{ field: 'body.version', message: 'is not the current version' }],
    });
  }
  const closed = closedBecause(statusOf(version), version.validUntil, today, w);
  if (closed)
    throw new AppError('invalid_transition', closed, { fields: [{ field: 'status', message: closed }] });
  return { ...current, today };
};

/**
 * The customer accepts the version they saw, with their options, typed name and drawn signature. The price is
 * worked out again here from the frozen lines (the page's total is never trusted), the signature is stored,
 * and the job is booked in the offered visit with the accepted lines as its estimate, the discount, the PO
 * and the deposit; the quote and the job name each other. Accepting twice is refused with what happened.
 */
export const acceptQuote = async (
  deps: Deps,
  token: string,
  body: { version: number; choice: QuoteChoice; signerName: string; signature: string },
  who: Answerer,
) => {
  const png = signaturePng(body.signature);
  return deps.database.transaction(async (tx) => {
    const found = await lockOpenVersion(tx, deps, token, body.version);
    const { quote, version, org, today } = found;
    const priced = priceQuote(
      version.lines,
      {
        currency: version.currency,
        scheme: org.taxScheme,
        discountPercent: version.discountPercent,
        deposit: version.deposit,
      },
      body.choice,
    );
    if (!priced.ok)
      throw new AppError('validation_failed', priced.problems.map((p) => p.message).join('; '), {
        fields: priced.problems.map((p) => ({ ...p, field: `body.${p.field}` })),
      });
    const imageKey = `${quote.organizationId}/quotes/${quote.id}/v${version.version}-signature.png`;
    await deps.storage.put(imageKey, png, 'image/png');
    const now = deps.clock.now();
    const booked =
      version.visitStart && version.visitEnd
        ? await bookAccepted(
            tx,
            deps,
            quote,
            version,
            priced,
            { windowStart: version.visitStart, windowEnd: version.visitEnd, crew: [] },
            org.timeZone,
            SYSTEM_ACTOR,
          )
        : null;
    const job = booked?.job ?? null;
    if (booked)
      await tx.db
        .update(quotes)
        .set({ jobId: booked.job.id, seriesId: booked.seriesId })
        .where(and(eq(quotes.organizationId, quote.organizationId), eq(quotes.id, quote.id)));
    const accepted = await changeQuoteVersion(tx, deps, {
      quote: { ...quote, jobId: job?.id ?? quote.jobId },
      version,
      action: 'accept',
      actor: CUSTOMER,
      patch: {
        choice: body.choice,
        acceptedTotal: priced.calc.totals.payable,
        depositDue: priced.depositDue,
        signature: { name: body.signerName, imageKey, ip: who.ip, userAgent: who.userAgent },
        answeredAt: now,
      },
      changes: {
        choice: body.choice,
        total: priced.calc.totals.payable,
        signerName: body.signerName,
        ip: who.ip,
        userAgent: who.userAgent,
        jobId: job?.id ?? null,
      },
    });
    const total = printAmount(priced.calc.totals.payable, version.currency);
    await notifyRole(
      tx,
      deps,
      quote.organizationId,
      'dispatcher',
      job?.id ?? null,
      job && version.repeat
        ? `${body.signerName} accepted ${quote.number} (${total} a visit): visits ${repeatWords(version.repeat)} are booked, the first ${jobNumber(job.number)} for ${printDateTime(job.windowStart, org.timeZone)}.`
        : job
          ? `${body.signerName} accepted ${quote.number} (${total}): ${jobNumber(job.number)} is booked for ${printDateTime(job.windowStart, org.timeZone)}.`
          : `${body.signerName} accepted ${quote.number} (${total}): book the visit.`,
      null,
      { kind: 'quote_accepted' },
    );
    const photos = (await quotePhotoIds(tx.db, quote.organizationId, quote.id)).length;
    const view = publicViewOf(
      { ...found, version: accepted },
      today,
      job ? jobNumber(job.number) : null,
      photos,
    );
    return { view, jobId: job?.id ?? null };
  });
};

/**
 * Books what the customer accepted: the job, in the visit's window; or, for a service that repeats, the
 * series of visits from that one (each visit carrying the accepted lines as its agreed price, billed per
 * visit), the first visit standing for the quote's job.
 */
const bookAccepted = async (
  tx: Tx,
  deps: Deps,
  quote: QuoteRow,
  version: QuoteVersionRow,
  priced: Extract<ReturnType<typeof priceQuote>, { ok: true }>,
  visit: { windowStart: Date; windowEnd: Date; crew: string[] },
  timeZone: string,
  actor: Actor,
): Promise<{ job: JobRow; seriesId: string | null }> => {
  if (!version.repeat) {
    const job = await bookJob(tx, deps, quote, version, priced, visit, actor);
    // A project over several days: the quote's later visits become the job's.
    const later = version.laterVisits.map((v) => ({ start: new Date(v.start), end: new Date(v.end) }));
    return { job: await planVisits(tx, deps, job, later, actor), seriesId: null };
  }
  const startDate = businessDate(visit.windowStart, timeZone);
  const rule = {
    rrule: rruleOf(version.repeat),
    timeZone,
    startDate,
    startTime: localTime(visit.windowStart, timeZone),
    durationMinutes: Math.max(
      5,
      Math.round((visit.windowEnd.getTime() - visit.windowStart.getTime()) / 60_000),
    ),
  };
  const row = await insertSeries(
    tx,
    deps,
    quote.organizationId,
    {
      customerId: quote.customerId,
      siteId: quote.siteId,
      jobTypeId: quote.jobTypeId,
      ...rule,
      crew: visit.crew,
      scope: `${quote.title} (quote ${quote.number})`,
      discountPercent: version.discountPercent,
      poNumber: version.poNumber,
      customFields: version.customFields,
      estimateLines: estimateOf(priced),
      billingRule: 'per_visit',
    },
    actor,
    null,
  );
  // So many visits: the series ends on the last one's day.
  const last = version.repeat.visits
    ? occurrencesBetween({ ...rule, from: startDate, to: addDays(startDate, 366 * 11) })[
        version.repeat.visits - 1
      ]
    : undefined;
  const s = last
    ? ((
        await tx.db
          .update(series)
          .set({ endDate: last.date })
          .where(and(eq(series.organizationId, quote.organizationId), eq(series.id, row.id)))
          .returning()
      )[0] ?? row)
    : row;
  await generateVisits(tx, deps, s, actor);
  const [first] = await tx.db
    .select()
    .from(jobs)
    .where(
      and(
        eq(jobs.organizationId, quote.organizationId),
        eq(jobs.seriesId, row.id),
        eq(jobs.occurrenceDate, startDate),
      ),
    );
  if (!first) throw new Error(`the series of ${quote.number} has no first visit`);
  await appendAudit(tx, deps, {
    organizationId: quote.organizationId,
    aggregateType: 'series',
    aggregateId: row.id,
    action: 'series.from_quote',
    actor,
    changes: { quoteId: quote.id, quoteNumber: quote.number, version: version.version, firstJobId: first.id },
  });
  return { job: first, seriesId: row.id };
};

const estimateOf = (priced: Extract<ReturnType<typeof priceQuote>, { ok: true }>) =>
  priced.lines.map((l) => ({
    sku: l.sku ?? null,
    description: l.description,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    taxCodeId: l.taxCodeId ?? null,
  }));

const bookJob = async (
  tx: Tx,
  deps: Deps,
  quote: QuoteRow,
  version: QuoteVersionRow,
  priced: Extract<ReturnType<typeof priceQuote>, { ok: true }>,
  visit: { windowStart: Date; windowEnd: Date; crew: string[] },
  actor: Actor,
) => {
  const job = await insertJob(
    tx,
    deps,
    quote.organizationId,
    {
      customerId: quote.customerId,
      siteId: quote.siteId,
      jobTypeId: quote.jobTypeId,
      crew: visit.crew,
      scope: `${quote.title} (quote ${quote.number})`,
      windowStart: visit.windowStart,
      windowEnd: visit.windowEnd,
      discountPercent: version.discountPercent,
      retainagePercent: version.retainagePercent,
      poNumber: version.poNumber,
      customFields: version.customFields,
      depositRequired: priced.depositDue !== null,
      depositBeforeWork: priced.depositDue !== null && version.depositBeforeWork,
      depositAmount: priced.depositDue,
      estimateLines: estimateOf(priced),
    },
    actor,
  );
  await appendAudit(tx, deps, {
    organizationId: quote.organizationId,
    aggregateType: 'job',
    aggregateId: job.id,
    action: 'job.from_quote',
    actor,
    changes: { quoteId: quote.id, quoteNumber: quote.number, version: version.version },
  });
  return job;
};

/** The customer declines, with their reason; the office is told and may revise. */
export const declineQuote = (
  deps: Deps,
  token: string,
  body: { version: number; reason: string },
  who: Answerer,
) =>
  deps.database.transaction(async (tx) => {
    const found = await lockOpenVersion(tx, deps, token, body.version);
    const { quote, version, today } = found;
    const declined = await changeQuoteVersion(tx, deps, {
      quote,
      version,
      action: 'decline',
      actor: CUSTOMER,
      reason: body.reason,
      patch: { declineReason: body.reason, answeredAt: deps.clock.now() },
      changes: { ip: who.ip, userAgent: who.userAgent },
    });
    await notifyRole(
      tx,
      deps,
      quote.organizationId,
      'billing',
      null,
      `${quote.number} was declined: “${body.reason}”. Revise it to send a new offer.`,
      null,
      { kind: 'quote_declined' },
    );
    const photos = (await quotePhotoIds(tx.db, quote.organizationId, quote.id)).length;
    return publicViewOf({ ...found, version: declined }, today, null, photos);
  });

/**
 * An accepted quote that offered no visit is booked by the office when the customer agrees a day: the job
 * carries the accepted lines, discount, tax codes, PO and deposit exactly as if the visit had been offered,
 * and the quote and the job name each other. Booking twice is refused with the job it already is.
 */
export const bookAcceptedQuote = (
  deps: Deps,
  organizationId: string,
  quoteId: string,
  visit: { windowStart: Date; windowEnd: Date; crew: string[] },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { quote, version } = await lockQuote(tx, organizationId, quoteId);
    if (statusOf(version) !== 'accepted' || !version.choice)
      throw new AppError(
        'invalid_transition',
        `${quote.number} is not accepted: there is nothing to book yet`,
        {
          fields: [{ field: 'status', message: `is ${statusOf(version)}` }],
        },
      );
    if (quote.jobId) {
      const no = await jobNumberOf(tx.db, organizationId, quote.jobId);
      throw new AppError(
        'conflict',
        `${quote.number} is already booked as ${no === null ? 'a job' : jobNumber(no)}`,
        {
          fields: [{ field: 'jobId', message: 'already booked' }],
        },
      );
    }
    const [org] = await tx.db.select().from(organizations).where(eq(organizations.id, organizationId));
    if (!org) throw new Error('quote without organization');
    const priced = priceQuote(
      version.lines,
      {
        currency: version.currency,
        scheme: org.taxScheme,
        discountPercent: version.discountPercent,
        deposit: version.deposit,
      },
      version.choice,
    );
    if (!priced.ok) throw new AppError('conflict', priced.problems.map((p) => p.message).join('; '));
    const { job, seriesId } = await bookAccepted(
      tx,
      deps,
      quote,
      version,
      priced,
      visit,
      org.timeZone,
      actor,
    );
    await tx.db
      .update(quotes)
      .set({ jobId: job.id, seriesId, updatedAt: deps.clock.now() })
      .where(and(eq(quotes.organizationId, organizationId), eq(quotes.id, quoteId)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'quote',
      aggregateId: quoteId,
      action: 'quote.booked',
      actor,
      changes: { jobId: job.id, windowStart: visit.windowStart.toISOString() },
    });
    return job;
  });
