import { and, eq, inArray, sql } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { BILLING_STATUS_WORDS, WORK_STATUS_WORDS } from '../../core/job-lifecycle';
import type { Actor } from '../../core/principal';
import { printDate } from '../../core/time';
import { priceVisits, type Visit, type VisitLine } from '../../core/visit-pricing';
import type { Tx } from '../../db/client';
import { invoicedWork, jobs, series } from '../../db/schema';
import { jobNumber } from '../jobs/job-store';
import type { Deps } from '../ports';
import {
  assemble,
  commonOf,
  documentMoney,
  type InvoiceRow,
  lineTax,
  loadJobContext,
  priceIn,
  roundingFor,
} from './invoice-documents';
import { upsertDraft } from './invoice-store';
import { issueInvoice } from './issue-invoice';

/** A billing period's end is not before its start (named as the request's `body.periodEnd`). */
export const assertPeriod = (period: { start: string; end: string }) => {
  if (period.end < period.start)
    throw new AppError('validation_failed', 'periodEnd is before periodStart', {
      fields: [{ field: 'body.periodEnd', message: 'before periodStart' }],
    });
};

const NOTHING_READY = 'No visit of this cycle is ready to invoice';
/**
 * invoiceCycle's refusal when no visit of the period can be billed (all unfinished, or already invoiced):
 * an answer, unlike its other conflicts (a missing tax code, a concurrent change).
 */
export const isNothingReady = (err: unknown): err is AppError =>
  err instanceof AppError && err.code === 'nothing_to_invoice';

/**
 * One invoice per customer per billing cycle of a per-cycle series: every visit in the period that is
 * invoice-ready, each line naming the visit's job number and date. Visits not complete when the cycle
 * closes are listed as exceptions on the invoice (and stay open for the next cycle).
 */
export const invoiceCycle = (
  deps: Deps,
  organizationId: string,
  seriesId: string,
  period: { start: string; end: string },
  actor: Actor,
  /** Runs in the invoice's own transaction once it is made (a cycle run records its item there). */
  onInvoiced?: (tx: Tx, invoice: InvoiceRow) => Promise<void>,
) =>
  deps.database.transaction(async (tx) => {
    const [s] = await tx.db
      .select()
      .from(series)
      .where(and(eq(series.organizationId, organizationId), eq(series.id, seriesId)))
      .for('update');
    if (!s) throw notFound('series');
    if (s.billingRule !== 'per_cycle') {
      throw new AppError('invalid_transition', 'This series is billed per visit, not per cycle', {
        fields: [{ field: 'billingRule', message: `is ${s.billingRule}` }],
      });
    }
    assertPeriod(period);
    const visits = await tx.db
      .select()
      .from(jobs)
      .where(
        and(
          eq(jobs.organizationId, organizationId),
          eq(jobs.seriesId, seriesId),
          sql`${jobs.occurrenceDate} BETWEEN ${period.start} AND ${period.end}`,
        ),
      )
      .orderBy(jobs.occurrenceDate)
      .for('update');
    const billed = visits.length
      ? await tx.db
          .select({ jobId: invoicedWork.jobId })
          .from(invoicedWork)
          .where(
            and(
              eq(invoicedWork.organizationId, organizationId),
              inArray(
                invoicedWork.jobId,
                visits.map((v) => v.id),
              ),
            ),
          )
      : [];
    const billedIds = new Set(billed.map((b) => b.jobId));
    const ready = visits.filter((v) => v.billingStatus === 'invoice_ready' && !billedIds.has(v.id));
    const exceptions = visits
      .filter(
        (v) =>
          !['invoice_ready', 'invoiced', 'paid', 'not_billable'].includes(v.billingStatus) &&
          !['canceled', 'no_show'].includes(v.status),
      )
      .map(
        (v) =>
          `${jobNumber(v.number)}${v.occurrenceDate ? ` on ${printDate(v.occurrenceDate)}` : ''}: ${WORK_STATUS_WORDS[v.status].toLowerCase()}, ${BILLING_STATUS_WORDS[v.billingStatus].toLowerCase()}`,
      );
    const first = ready[0];
    if (!first) {
      throw new AppError('nothing_to_invoice', NOTHING_READY, {
        fields: [{ field: 'body.periodStart', message: 'no invoice-ready visits in the period' }],
        extra: { exceptions },
      });
    }
    const ctx = await loadJobContext(tx, first);
    // The cycle's supply ends with its period: its prices convert at the rate valid then.
    const priced$ = await documentMoney(tx, ctx, period.end);
    if (!priced$.ok)
      throw new AppError('conflict', priced$.problems.map((p) => p.message).join('; '), {
        fields: [{ field: 'body.periodStart', message: priced$.problems[0]?.message ?? '' }],
      });
    const { money } = priced$;
    // All the visits' lines in one query, in visit order.
    const { rows: allLines } = await tx.raw.query<{
      job_id: string;
      kind: VisitLine['kind'];
      description: string;
      quantity: string;
      unit_price: string;
      list_price: string | null;
      unit_code: string;
      sku: string | null;
      tax_code_id: string | null;
    }>(
      `SELECT job_id, kind, description, quantity, unit_price, list_price, unit_code, sku, tax_code_id FROM closeout_lines
        WHERE organization_id = $1 AND job_id = ANY($2::uuid[]) AND billable ORDER BY job_id, position`,
      [organizationId, ready.map((v) => v.id)],
    );
    // Each visit priced as its own invoice would price it (priceVisits): per-visit and per-cycle billing of
    // the same work come to the same net.
    const priceable: Visit[] = ready.map((v) => {
      const taxOf = lineTax(ctx, v);
      return {
        jobNumber: jobNumber(v.number),
        serviceDate: v.occurrenceDate,
        discountPercent: v.discountPercent,
        lines: allLines
          .filter((l) => l.job_id === v.id)
          .map((r) => {
            const tax = taxOf(r.tax_code_id);
            if (!tax) throw new AppError('conflict', 'The organization has no tax code');
            return {
              kind: r.kind,
              description: r.description,
              sku: r.sku,
              unitCode: r.unit_code,
              quantity: r.quantity,
              unitPrice: priceIn(money, r.unit_price),
              listPrice: r.list_price === null ? null : priceIn(money, r.list_price),
              tax,
            };
          }),
      };
    });
    const priced = priceVisits(priceable);
    const common = commonOf(ctx, first, null);
    const built = assemble(
      {
        ...common,
        jobNumbers: ready.map((v) => jobNumber(v.number)),
        serviceDate: null,
        buyerReference: first.poNumber ?? `Cycle ${period.start}`,
      },
      'invoice',
      {
        currency: money.currency,
        lines: priced.lines,
        allowances: priced.allowances,
        charges: priced.charges,
        payableRoundingIncrement: roundingFor(ctx.org, money),
      },
      priced.meta,
      { exceptions, period, exchange: money.exchange },
    );
    if (built.ok) built.document.cycleJobIds = ready.map((v) => v.id);
    const { rows: gen } = await tx.raw.query<{ n: string }>(
      `SELECT count(*) AS n FROM invoices
        WHERE organization_id = $1 AND series_id = $2 AND period_start = $3 AND status NOT IN ('draft', 'needs_review')`,
      [organizationId, seriesId, period.start],
    );
    const draft = await upsertDraft(tx, deps, {
      organizationId,
      billingKey: `cycle:${seriesId}:${period.start}:${Number(gen[0]?.n ?? 0)}`,
      kind: 'invoice',
      jobId: null,
      seriesId,
      period,
      built,
      holds: ctx.org.invoiceAutoIssue
        ? []
        : [{ code: 'auto_issue_off', message: 'Auto-issue is off: issue from the billing queue' }],
      actor,
    });
    if (!draft) throw new Error('cycle draft not created');
    if (!built.ok) throw new AppError('validation_failed', built.problems.map((p) => p.message).join('; '));
    // The draft was made in this transaction: nothing claims its visits yet but these.
    const invoice =
      draft.holdReasons.length === 0
        ? await issueInvoice(tx, deps, draft, actor, { org: ctx.org, jobIds: ready.map((v) => v.id) })
        : draft;
    await onInvoiced?.(tx, invoice);
    return invoice;
  });
