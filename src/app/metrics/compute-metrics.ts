import Decimal from 'decimal.js';
import { eq } from 'drizzle-orm';
import { notFound } from '../../core/errors';
import { addDays } from '../../core/time';
import {
  approvalsRequested,
  collectionsInPeriod,
  completedJobs,
  creditReasons,
  cycleTimeRows,
  disputesInPeriod,
  firstSubmissions,
  GROUP_KEYS,
  issuedInPeriod,
  lateCustomers,
  type MetricPeriod,
  officeTouches,
  type QuoteVariance,
  quotedWorkInPeriod,
  receivablesAging,
  refusalsByItem,
  STAGES,
  type Stage,
  stageKey,
  thisWeek,
  writeOffsInPeriod,
} from '../../db/queries/metrics';
import { organizations } from '../../db/schema';
import type { Deps } from '../ports';

/**
 * Cash-flow metrics from the milestone timestamps, the invoices and the audit trail. A period is
 * [from, to] in the organization's time zone (whole days). Durations are hours; money is decimal strings.
 * Every figure says which jobs or invoices it counts, so the office can open them (drilldown).
 */

export type MetricsQuery = {
  from: string;
  to: string;
  groupBy?: 'job_type' | 'technician' | 'week' | undefined;
  jobTypeId?: string | undefined;
};

type Stat = { count: number; median: number | null; p90: number | null };

const hours = (v: unknown): number | null =>
  v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100;

const toStats = (r: Record<string, unknown> | undefined) =>
  Object.fromEntries(
    STAGES.map((s): [Stage, Stat] => [
      s,
      {
        count: Number(r?.[`${stageKey(s)}_n`] ?? 0),
        median: hours(r?.[`${stageKey(s)}_p50`]),
        p90: hours(r?.[`${stageKey(s)}_p90`]),
      },
    ]),
  ) as Record<Stage, Stat>;

/** The period as the queries take it, in the organization's zone. */
export const metricPeriod = async (deps: Deps, organizationId: string, q: MetricsQuery) => {
  const [org] = await deps.database.db
    .select({ timeZone: organizations.timeZone, currency: organizations.currency })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  const period: MetricPeriod = {
    organizationId,
    from: q.from,
    to: q.to,
    timeZone: org.timeZone,
    jobTypeId: q.jobTypeId ?? null,
    now: deps.clock.now(),
  };
  return { period, currency: org.currency };
};

const cei = (opening: Decimal, sales: Decimal, closing: Decimal, closingCurrent: Decimal) => {
  const could = opening.plus(sales).minus(closingCurrent);
  return could.lte(0) ? null : opening.plus(sales).minus(closing).div(could).toDecimalPlaces(4).toNumber();
};

/** DSO month by month, the six months to the period's end: receivables at each month's end over its credit sales. */
const dsoTrend = async (raw: Deps['database']['raw'], p: MetricPeriod) => {
  const out: { month: string; days: number | null }[] = [];
  for (let k = 5; k >= 0; k--) {
    const d = new Date(`${p.to.slice(0, 7)}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - k);
    const from = d.toISOString().slice(0, 10);
    d.setUTCMonth(d.getUTCMonth() + 1);
    const end = addDays(d.toISOString().slice(0, 10), -1);
    const to = end < p.to ? end : p.to;
    const month = { ...p, from, to };
    const [ar, sold] = [await receivablesAging(raw, month), await issuedInPeriod(raw, month)];
    const sales = new Decimal(sold?.sales ?? 0).minus(sold?.credits ?? 0);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
    out.push({
      month: from.slice(0, 7),
      days: sales.lte(0)
        ? null
        : new Decimal(ar?.total ?? 0).div(sales).times(days).toDecimalPlaces(1).toNumber(),
    });
  }
  return out;
};

export const computeMetrics = async (deps: Deps, organizationId: string, q: MetricsQuery) => {
  const { period: p, currency } = await metricPeriod(deps, organizationId, q);
  const raw = deps.database.raw;
  const [overall] = await cycleTimeRows(raw, p, GROUP_KEYS.all);
  const groups = q.groupBy
    ? (await cycleTimeRows(raw, p, GROUP_KEYS[q.groupBy])).map((r) => ({
        key: (r.key as string | null) ?? 'none',
        jobs: Number(r.jobs),
        ...toStats(r),
      }))
    : [];
  const closeouts = await firstSubmissions(raw, p);
  const refusals = await refusalsByItem(raw, p);
  const approvals = await approvalsRequested(raw, p);
  const completed = await completedJobs(raw, p);
  const inv = await issuedInPeriod(raw, p);
  const reasonRows = await creditReasons(raw, p);
  const disputed = await disputesInPeriod(raw, p);
  const quoted = await quotedWorkInPeriod(raw, p, currency);
  const touches = (await officeTouches(raw, p))?.touches ?? 0;
  const ar = await receivablesAging(raw, p);
  const week = await thisWeek(raw, p);
  const collected = await collectionsInPeriod(raw, p);
  const late = await lateCustomers(raw, p, 5);
  const written = await writeOffsInPeriod(raw, p);
  const opening = await receivablesAging(raw, { ...p, to: addDays(q.from, -1) });
  const trend = await dsoTrend(raw, p);

  const invoices = inv?.invoices ?? 0;
  const periodDays = (Date.parse(`${q.to}T00:00:00Z`) - Date.parse(`${q.from}T00:00:00Z`)) / 86_400_000 + 1;
  const creditSales = new Decimal(inv?.sales ?? 0).minus(inv?.credits ?? 0);
  const receivables = new Decimal(ar?.total ?? 0);
  const money = (v: Decimal.Value) => new Decimal(v).toFixed(2);
  const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
  return {
    period: { from: q.from, to: q.to, timeZone: p.timeZone, days: periodDays },
    cycleTime: { jobs: Number(overall?.jobs ?? 0), ...toStats(overall), groupBy: q.groupBy ?? null, groups },
    closeouts: {
      jobs: closeouts?.jobs ?? 0,
      acceptedFirstTime: closeouts?.first_ok ?? 0,
      firstTimeRate: ratio(closeouts?.first_ok ?? 0, closeouts?.jobs ?? 0),
      refusalsByMissingItem: refusals.map((r) => ({ code: r.code, count: r.n })),
    },
    approvals: {
      requested: approvals?.requested ?? 0,
      jobsCompleted: completed?.n ?? 0,
      jobsNeedingApproval: completed?.needed ?? 0,
      shareOfJobs: ratio(completed?.needed ?? 0, completed?.n ?? 0),
      decided: approvals?.decided ?? 0,
      medianHoursToDecision: hours(approvals?.p50),
      overdue: approvals?.overdue ?? 0,
    },
    touches: {
      officeEdits: touches,
      invoices,
      perInvoice: ratio(touches, invoices),
    },
    disputes: {
      invoices,
      creditNotes: inv?.credit_notes ?? 0,
      creditNoteRate: ratio(inv?.credit_notes ?? 0, invoices),
      disputes: disputed.disputed,
      disputeRate: ratio(disputed.disputed, invoices),
      byReason: reasonRows.map((r) => ({ reason: r.reason, count: r.n })),
      customerReasons: disputed.reasons.map((r) => ({ reason: r.reason, count: r.n })),
    },
    quotes: {
      invoicedJobs: quoted.reduce((n, r) => n + r.jobs, 0),
      matching: quoted.find((r) => r.variance === 'matches')?.jobs ?? 0,
      differing: quoted.filter((r) => r.variance !== 'matches').reduce((n, r) => n + r.jobs, 0),
      byCause: quoted
        .filter((r) => r.variance !== 'matches')
        .map((r) => ({
          cause: r.variance as Exclude<QuoteVariance, 'matches'>,
          jobs: r.jobs,
          difference: money(r.difference),
        })),
    },
    dso: {
      /** DSO = accounts receivable at period end ÷ credit sales in the period × days in the period. */
      days: creditSales.isZero()
        ? null
        : receivables.div(creditSales).times(periodDays).toDecimalPlaces(1).toNumber(),
      receivables: money(receivables),
      creditSales: money(creditSales),
      periodDays,
    },
    arAging: {
      asOf: q.to,
      total: money(ar?.total ?? 0),
      current: money(ar?.current ?? 0),
      days1to30: money(ar?.d1_30 ?? 0),
      days31to60: money(ar?.d31_60 ?? 0),
      days61to90: money(ar?.d61_90 ?? 0),
      days90plus: money(ar?.d90_plus ?? 0),
    },
    collections: {
      invoicesPaid: collected?.paid ?? 0,
      paidOnTime: collected?.on_time ?? 0,
      onTimeShare: ratio(collected?.on_time ?? 0, collected?.paid ?? 0),
      averageDaysLate: collected?.avg_late == null ? null : Number(collected.avg_late),
      remindersSent: collected?.reminders_sent ?? 0,
      remindersPerPaidInvoice: ratio(collected?.reminders_on_paid ?? 0, collected?.paid ?? 0),
      /**
       * Collection effectiveness (CEI): what was collected of what could have been, (receivables at the start
       * + credit sales − receivables at the end) ÷ (receivables at the start + credit sales − the end's not yet due).
       */
      effectiveness: cei(
        new Decimal(opening?.total ?? 0),
        creditSales,
        receivables,
        new Decimal(ar?.current ?? 0),
      ),
      openingReceivables: money(opening?.total ?? 0),
      lateCustomers: late.map((r) => ({
        customerId: r.customer_id,
        name: r.name,
        invoicesPaid: r.paid,
        averageDaysLate: Number(r.avg_late),
        worstDaysLate: r.worst,
      })),
      dsoTrend: trend,
      writeOffs: {
        count: written?.count ?? 0,
        amount: money(written?.amount ?? 0),
        shareOfSales: creditSales.lte(0)
          ? null
          : new Decimal(written?.amount ?? 0).div(creditSales).toDecimalPlaces(4).toNumber(),
        pending: written?.pending ?? 0,
      },
    },
    thisWeek: {
      weekStart: week?.week_start ?? null,
      completedJobs: week?.completed ?? 0,
      earned: money(week?.earned ?? 0),
      invoiced: money(week?.invoiced ?? 0),
      paid: money(week?.paid ?? 0),
    },
    currency,
  };
};

export type Metrics = Awaited<ReturnType<typeof computeMetrics>>;
