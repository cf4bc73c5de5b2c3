import Decimal from 'decimal.js';
import { eq } from 'drizzle-orm';
import { notFound } from '../core/errors';
import { organizations } from '../db/schema';
import type { Deps } from './ports';

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
const STAGES = ['invoiceReady', 'issued', 'sent', 'paid'] as const;
type Stage = (typeof STAGES)[number];

const hours = (v: unknown): number | null =>
  v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100;

/**
 * Payment requests (deposits asked for without tax) and their withdrawals are not sales: the final invoice
 * bills the supply. Counting them would count the deposit twice.
 */
const NOT_A_REQUEST = `coalesce(i.document ->> 'profile', '') <> 'payment_request'`;

export const computeMetrics = async (deps: Deps, organizationId: string, q: MetricsQuery) => {
  const [org] = await deps.database.db
    .select()
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  const raw = deps.database.raw;
  const tz = org.timeZone;
  const now = deps.clock.now();
  // [start, end) as instants: midnight of `from` to midnight after `to`, in the organization's zone.
  const params = [organizationId, q.from, tz, q.to, q.jobTypeId ?? null];
  const jobFilter = `j.organization_id = $1 AND j.completed_at >= (($2::date)::timestamp AT TIME ZONE $3)
      AND j.completed_at < ((($4::date) + 1)::timestamp AT TIME ZONE $3) AND ($5::uuid IS NULL OR j.job_type_id = $5)`;

  // Cycle time: completion to invoice-ready, issued, sent and paid, for jobs completed in the period.
  const stageSql = `
    WITH done AS (
      SELECT j.id, j.job_type_id, j.completed_at, j.invoice_ready_at,
             inv.issued_at, inv.sent_at, inv.paid_at,
             date_trunc('week', j.completed_at AT TIME ZONE $3)::date AS week,
             -- A job with a crew counts for its first technician by name (the lead is not modelled yet).
             (SELECT u.name FROM job_assignments a JOIN users u ON u.id = a.user_id
               WHERE a.organization_id = j.organization_id AND a.job_id = j.id ORDER BY u.name LIMIT 1) AS technician
        FROM jobs j
        LEFT JOIN LATERAL (
          SELECT i.issued_at, i.sent_at, i.paid_at FROM invoiced_work w
            JOIN invoices i ON i.organization_id = w.organization_id AND i.id = w.invoice_id
           WHERE w.organization_id = j.organization_id AND w.job_id = j.id) inv ON true
       WHERE ${jobFilter})
    SELECT %KEY% AS key, count(*)::int AS jobs,
      ${STAGES.map(
        (s) => `
      count(${col(s)})::int AS ${s.toLowerCase()}_n,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ${col(s)} - completed_at) / 3600) AS ${s.toLowerCase()}_p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM ${col(s)} - completed_at) / 3600) AS ${s.toLowerCase()}_p90`,
      ).join(',')}
      FROM done GROUP BY 1 ORDER BY 1`;
  const stageRows = async (key: string) =>
    (await raw.query<Record<string, unknown>>(stageSql.replace('%KEY%', key), params)).rows;
  const toStats = (r: Record<string, unknown> | undefined) =>
    Object.fromEntries(
      STAGES.map((s): [Stage, Stat] => [
        s,
        {
          count: Number(r?.[`${s.toLowerCase()}_n`] ?? 0),
          median: hours(r?.[`${s.toLowerCase()}_p50`]),
          p90: hours(r?.[`${s.toLowerCase()}_p90`]),
        },
      ]),
    ) as Record<Stage, Stat>;
  const [overall] = await stageRows(`'all'`);
  const groupKey =
    q.groupBy === 'job_type'
      ? 'job_type_id::text'
      : q.groupBy === 'technician'
        ? 'technician'
        : q.groupBy === 'week'
          ? 'week::text'
          : null;
  const groups = groupKey
    ? (await stageRows(groupKey)).map((r) => ({
        key: (r.key as string | null) ?? 'none',
        jobs: Number(r.jobs),
        ...toStats(r),
      }))
    : [];

  // Closeouts: first-submission acceptance and what caused refusals, for jobs first submitted in the period.
  const { rows: closeoutRows } = await raw.query<{ jobs: number; first_ok: number }>(
    `WITH firsts AS (
       SELECT DISTINCT ON (s.job_id) s.job_id, s.outcome
         FROM closeout_submissions s JOIN jobs j ON j.organization_id = s.organization_id AND j.id = s.job_id
        WHERE s.organization_id = $1 AND s.source = 'technician' AND ($5::uuid IS NULL OR j.job_type_id = $5)
        ORDER BY s.job_id, s.created_at)
     SELECT count(*)::int AS jobs, count(*) FILTER (WHERE outcome <> 'incomplete')::int AS first_ok
       FROM firsts f WHERE EXISTS (SELECT 1 FROM closeout_submissions s2 WHERE s2.organization_id = $1 AND s2.job_id = f.job_id
         AND s2.created_at >= (($2::date)::timestamp AT TIME ZONE $3) AND s2.created_at < ((($4::date) + 1)::timestamp AT TIME ZONE $3))`,
    params,
  );
  const { rows: refusals } = await raw.query<{ code: string; n: number }>(
    `SELECT m->>'code' AS code, count(*)::int AS n
       FROM closeout_submissions s JOIN jobs j ON j.organization_id = s.organization_id AND j.id = s.job_id,
            jsonb_array_elements(s.missing) m
      WHERE s.organization_id = $1 AND s.outcome = 'incomplete' AND ($5::uuid IS NULL OR j.job_type_id = $5)
        AND s.created_at >= (($2::date)::timestamp AT TIME ZONE $3) AND s.created_at < ((($4::date) + 1)::timestamp AT TIME ZONE $3)
      GROUP BY 1 ORDER BY 2 DESC, 1`,
    params,
  );

  // Approvals requested in the period; the share of the period's completed jobs that needed one.
  const { rows: approvalRows } = await raw.query<{
    requested: number;
    jobs: number;
    decided: number;
    p50: number | null;
    overdue: number;
  }>(
    `SELECT count(*)::int AS requested, count(DISTINCT a.job_id)::int AS jobs,
            count(a.decided_at) FILTER (WHERE a.status IN ('approved', 'rejected'))::int AS decided,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.decided_at - a.created_at) / 3600)
              FILTER (WHERE a.status IN ('approved', 'rejected')) AS p50,
            count(*) FILTER (WHERE a.status = 'pending' AND a.due_at < $6)::int AS overdue
       FROM approval_requests a JOIN jobs j ON j.organization_id = a.organization_id AND j.id = a.job_id
      WHERE a.organization_id = $1 AND ($5::uuid IS NULL OR j.job_type_id = $5)
        AND a.created_at >= (($2::date)::timestamp AT TIME ZONE $3) AND a.created_at < ((($4::date) + 1)::timestamp AT TIME ZONE $3)`,
    [...params, now],
  );
  const { rows: completedRows } = await raw.query<{ n: number; needed: number }>(
    `SELECT count(*)::int AS n,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM approval_requests a WHERE a.organization_id = j.organization_id AND a.job_id = j.id))::int AS needed
       FROM jobs j WHERE ${jobFilter}`,
    params,
  );

  // Invoices issued in the period (invoices and deposit invoices), credit notes, touches.
  const { rows: invoiceRows } = await raw.query<{
    invoices: number;
    credit_notes: number;
    disputes: number;
    sales: string;
    credits: string;
  }>(
    `SELECT count(*) FILTER (WHERE i.kind <> 'credit_note')::int AS invoices,
            count(*) FILTER (WHERE i.kind = 'credit_note')::int AS credit_notes,
            count(*) FILTER (WHERE i.kind = 'credit_note' AND i.credit_reason IN ('price_dispute', 'scope_misunderstanding'))::int AS disputes,
            round(coalesce(sum(i.tax_inclusive * i.exchange_rate) FILTER (WHERE i.kind <> 'credit_note'), 0), 2)::text AS sales,
            round(coalesce(sum(i.tax_inclusive * i.exchange_rate) FILTER (WHERE i.kind = 'credit_note'), 0), 2)::text AS credits
       FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
      WHERE i.organization_id = $1 AND i.issued_at IS NOT NULL AND ($5::uuid IS NULL OR j.job_type_id = $5)
        AND ${NOT_A_REQUEST}
        AND i.issued_at >= (($2::date)::timestamp AT TIME ZONE $3) AND i.issued_at < ((($4::date) + 1)::timestamp AT TIME ZONE $3)`,
    params,
  );
  const { rows: reasonRows } = await raw.query<{ reason: string; n: number }>(
    `SELECT i.credit_reason AS reason, count(*)::int AS n FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
      WHERE i.organization_id = $1 AND i.kind = 'credit_note' AND ($5::uuid IS NULL OR j.job_type_id = $5)
        AND i.issued_at >= (($2::date)::timestamp AT TIME ZONE $3) AND i.issued_at < ((($4::date) + 1)::timestamp AT TIME ZONE $3)
      GROUP BY 1 ORDER BY 2 DESC, 1`,
    params,
  );
  // Back-office touches: office edits after the technician's submission (closeout corrections, draft edits),
  // on the invoices issued in the period.
  const { rows: touchRows } = await raw.query<{ touches: number }>(
    `SELECT count(*)::int AS touches FROM audit_events e
      WHERE e.organization_id = $1 AND e.action IN ('closeout.office_edit', 'invoice.draft_edited')
        AND e.at >= (($2::date)::timestamp AT TIME ZONE $3) AND e.at < ((($4::date) + 1)::timestamp AT TIME ZONE $3)
        AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM jobs j WHERE j.organization_id = e.organization_id AND j.job_type_id = $5
              AND j.id = coalesce((e.changes::jsonb ->> 'jobId')::uuid,
                                  (SELECT i.job_id FROM invoices i WHERE i.organization_id = e.organization_id AND i.id = e.aggregate_id))))`,
    params,
  );

  // Receivables at the end of the period: what issued invoices still owed then (payments and credits up to then).
  // Every sum is in the organization's currency: a document in another counts at the rate recorded on it.
  const arSql = `
    WITH endpoint AS (SELECT ((($4::date) + 1)::timestamp AT TIME ZONE $3) AS t, ($4::date) AS d),
    open AS (
      SELECT i.id, i.due_date,
             (i.payable
               - coalesce((SELECT sum(p.amount) FROM payments p WHERE p.organization_id = i.organization_id AND p.invoice_id = i.id
                             AND p.received_on <= (SELECT d FROM endpoint)), 0)
               - coalesce((SELECT sum(c.tax_inclusive) FROM invoices c WHERE c.organization_id = i.organization_id
                             AND c.corrects_invoice_id = i.id AND c.kind = 'credit_note' AND c.issued_at < (SELECT t FROM endpoint)), 0))
               * i.exchange_rate AS outstanding
        FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
       WHERE i.organization_id = $1 AND i.kind <> 'credit_note' AND i.issued_at < (SELECT t FROM endpoint)
         AND ($5::uuid IS NULL OR j.job_type_id = $5) AND $2::date IS NOT NULL)
    SELECT
      round(coalesce(sum(outstanding), 0), 2)::text AS total,
      round(coalesce(sum(outstanding) FILTER (WHERE due_date >= (SELECT d FROM endpoint)), 0), 2)::text AS current,
      round(coalesce(sum(outstanding) FILTER (WHERE (SELECT d FROM endpoint) - due_date BETWEEN 1 AND 30), 0), 2)::text AS d1_30,
      round(coalesce(sum(outstanding) FILTER (WHERE (SELECT d FROM endpoint) - due_date BETWEEN 31 AND 60), 0), 2)::text AS d31_60,
      round(coalesce(sum(outstanding) FILTER (WHERE (SELECT d FROM endpoint) - due_date BETWEEN 61 AND 90), 0), 2)::text AS d61_90,
      round(coalesce(sum(outstanding) FILTER (WHERE (SELECT d FROM endpoint) - due_date > 90), 0), 2)::text AS d90_plus
      FROM open WHERE outstanding <> 0`;
  const { rows: arRows } = await raw.query<Record<string, string>>(arSql, params);

  // This week (Monday to today, the organization's zone): earned (completed), invoiced and paid.
  const { rows: weekRows } = await raw.query<{
    completed: number;
    earned: string;
    invoiced: string;
    paid: string;
    week_start: string;
  }>(
    `WITH w AS (SELECT date_trunc('week', ($2::timestamptz) AT TIME ZONE $3)::date AS d)
     SELECT (SELECT d FROM w)::text AS week_start,
       (SELECT count(*)::int FROM jobs j WHERE j.organization_id = $1 AND j.completed_at >= ((SELECT d FROM w)::timestamp AT TIME ZONE $3)
           AND ($4::uuid IS NULL OR j.job_type_id = $4)) AS completed,
       (SELECT coalesce(sum(l.quantity * l.unit_price), 0)::numeric(18,2)::text FROM closeout_lines l
          JOIN jobs j ON j.organization_id = l.organization_id AND j.id = l.job_id
         WHERE l.organization_id = $1 AND l.billable AND j.completed_at >= ((SELECT d FROM w)::timestamp AT TIME ZONE $3)
           AND ($4::uuid IS NULL OR j.job_type_id = $4)) AS earned,
       (SELECT round(coalesce(sum(i.tax_inclusive * i.exchange_rate), 0), 2)::text FROM invoices i WHERE i.organization_id = $1 AND i.kind <> 'credit_note' AND ${NOT_A_REQUEST}
           AND i.issued_at >= ((SELECT d FROM w)::timestamp AT TIME ZONE $3)) AS invoiced,
       (SELECT round(coalesce(sum(p.amount * i.exchange_rate), 0), 2)::text FROM payments p JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
         WHERE p.organization_id = $1 AND i.kind <> 'credit_note' AND p.received_on >= (SELECT d FROM w)) AS paid`,
    [organizationId, now, tz, q.jobTypeId ?? null],
  );

  const inv = invoiceRows[0];
  const invoices = inv?.invoices ?? 0;
  const periodDays = (Date.parse(`${q.to}T00:00:00Z`) - Date.parse(`${q.from}T00:00:00Z`)) / 86_400_000 + 1;
  const creditSales = new Decimal(inv?.sales ?? 0).minus(inv?.credits ?? 0);
  const receivables = new Decimal(arRows[0]?.total ?? 0);
  const completed = completedRows[0];
  const closeouts = closeoutRows[0];
  const approvals = approvalRows[0];
  const week = weekRows[0];
  const money = (v: Decimal.Value) => new Decimal(v).toFixed(2);
  const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
  return {
    period: { from: q.from, to: q.to, timeZone: tz, days: periodDays },
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
      officeEdits: touchRows[0]?.touches ?? 0,
      invoices,
      perInvoice: ratio(touchRows[0]?.touches ?? 0, invoices),
    },
    disputes: {
      invoices,
      creditNotes: inv?.credit_notes ?? 0,
      creditNoteRate: ratio(inv?.credit_notes ?? 0, invoices),
      disputes: inv?.disputes ?? 0,
      disputeRate: ratio(inv?.disputes ?? 0, invoices),
      byReason: reasonRows.map((r) => ({ reason: r.reason, count: r.n })),
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
      total: money(arRows[0]?.total ?? 0),
      current: money(arRows[0]?.current ?? 0),
      days1to30: money(arRows[0]?.d1_30 ?? 0),
      days31to60: money(arRows[0]?.d31_60 ?? 0),
      days61to90: money(arRows[0]?.d61_90 ?? 0),
      days90plus: money(arRows[0]?.d90_plus ?? 0),
    },
    thisWeek: {
      weekStart: week?.week_start ?? null,
      completedJobs: week?.completed ?? 0,
      earned: money(week?.earned ?? 0),
      invoiced: money(week?.invoiced ?? 0),
      paid: money(week?.paid ?? 0),
    },
    currency: org.currency,
  };
};

function col(s: Stage): string {
  return s === 'invoiceReady'
    ? 'invoice_ready_at'
    : s === 'issued'
      ? 'issued_at'
      : s === 'sent'
        ? 'sent_at'
        : 'paid_at';
}

export type Metrics = Awaited<ReturnType<typeof computeMetrics>>;

/** The metric's rows, flattened for a spreadsheet: section, measure, group, value. */
export const metricsCsvRows = (m: Metrics): string[][] => {
  const rows: string[][] = [['section', 'measure', 'group', 'value']];
  const add = (section: string, measure: string, value: unknown, group = '') =>
    rows.push([section, measure, group, value === null || value === undefined ? '' : String(value)]);
  for (const s of STAGES) {
    add('cycle_time_hours', `${s}_median`, m.cycleTime[s].median);
    add('cycle_time_hours', `${s}_p90`, m.cycleTime[s].p90);
    add('cycle_time_hours', `${s}_count`, m.cycleTime[s].count);
    for (const g of m.cycleTime.groups) {
      add('cycle_time_hours', `${s}_median`, g[s].median, g.key);
      add('cycle_time_hours', `${s}_p90`, g[s].p90, g.key);
    }
  }
  for (const [section, values] of Object.entries({
    closeouts: {
      jobs: m.closeouts.jobs,
      acceptedFirstTime: m.closeouts.acceptedFirstTime,
      firstTimeRate: m.closeouts.firstTimeRate,
    },
    approvals: m.approvals,
    touches: m.touches,
    disputes: {
      invoices: m.disputes.invoices,
      creditNotes: m.disputes.creditNotes,
      creditNoteRate: m.disputes.creditNoteRate,
      disputes: m.disputes.disputes,
      disputeRate: m.disputes.disputeRate,
    },
    dso: m.dso,
    ar_aging: m.arAging,
    this_week: m.thisWeek,
  })) {
    for (const [k, v] of Object.entries(values)) add(section, k, v);
  }
  for (const r of m.closeouts.refusalsByMissingItem) add('closeouts', 'refusals', r.count, r.code);
  for (const r of m.disputes.byReason) add('disputes', 'credit_notes', r.count, r.reason);
  return rows;
};

export const DRILLDOWNS = [
  'completed',
  'invoice_ready',
  'issued',
  'sent',
  'paid',
  'needed_approval',
  'overdue_approvals',
  'refused',
  'touched',
  'credit_notes',
  'disputes',
  'receivables',
  'week_completed',
  'week_invoiced',
  'week_paid',
] as const;
export type Drilldown = (typeof DRILLDOWNS)[number];

/** The jobs or invoices behind a number, so each figure on the dashboard opens its list. */
export const drilldown = async (
  deps: Deps,
  organizationId: string,
  q: MetricsQuery & { metric: Drilldown },
) => {
  const [org] = await deps.database.db
    .select()
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  const start = `(($2::date)::timestamp AT TIME ZONE $3)`;
  const end = `((($4::date) + 1)::timestamp AT TIME ZONE $3)`;
  const jt = `($5::uuid IS NULL OR j.job_type_id = $5)`;
  const completedIn = `j.organization_id = $1 AND j.completed_at >= ${start} AND j.completed_at < ${end} AND ${jt}`;
  const live = `(SELECT i.%C FROM invoiced_work w JOIN invoices i ON i.organization_id = w.organization_id AND i.id = w.invoice_id
                 WHERE w.organization_id = j.organization_id AND w.job_id = j.id)`;
  const jobs: Record<string, string> = {
    completed: `SELECT j.id, j.number FROM jobs j WHERE ${completedIn}`,
    invoice_ready: `SELECT j.id, j.number FROM jobs j WHERE ${completedIn} AND j.invoice_ready_at IS NOT NULL`,
    issued: `SELECT j.id, j.number FROM jobs j WHERE ${completedIn} AND ${live.replace('%C', 'issued_at')} IS NOT NULL`,
    sent: `SELECT j.id, j.number FROM jobs j WHERE ${completedIn} AND ${live.replace('%C', 'sent_at')} IS NOT NULL`,
    paid: `SELECT j.id, j.number FROM jobs j WHERE ${completedIn} AND ${live.replace('%C', 'paid_at')} IS NOT NULL`,
    needed_approval: `SELECT j.id, j.number FROM jobs j WHERE ${completedIn}
                        AND EXISTS (SELECT 1 FROM approval_requests a WHERE a.organization_id = j.organization_id AND a.job_id = j.id)`,
    overdue_approvals: `SELECT DISTINCT j.id, j.number FROM approval_requests a JOIN jobs j ON j.organization_id = a.organization_id AND j.id = a.job_id
                          WHERE a.organization_id = $1 AND a.status = 'pending' AND a.due_at < $6 AND ${jt} AND $2::date IS NOT NULL`,
    refused: `SELECT DISTINCT j.id, j.number FROM closeout_submissions s JOIN jobs j ON j.organization_id = s.organization_id AND j.id = s.job_id
                WHERE s.organization_id = $1 AND s.outcome = 'incomplete' AND s.created_at >= ${start} AND s.created_at < ${end} AND ${jt}`,
    touched: `SELECT DISTINCT j.id, j.number FROM audit_events e
                JOIN jobs j ON j.organization_id = e.organization_id
                 AND j.id = coalesce((e.changes::jsonb ->> 'jobId')::uuid,
                                     (SELECT i.job_id FROM invoices i WHERE i.organization_id = e.organization_id AND i.id = e.aggregate_id))
               WHERE e.organization_id = $1 AND e.action IN ('closeout.office_edit', 'invoice.draft_edited')
                 AND e.at >= ${start} AND e.at < ${end} AND ${jt}`,
    week_completed: `SELECT j.id, j.number FROM jobs j WHERE j.organization_id = $1 AND ${jt} AND $2::date IS NOT NULL AND $4::date IS NOT NULL
                       AND j.completed_at >= (date_trunc('week', $6::timestamptz AT TIME ZONE $3)::timestamp AT TIME ZONE $3)`,
  };
  const invoicesSql: Record<string, string> = {
    credit_notes: `SELECT i.id, i.number FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
                     WHERE i.organization_id = $1 AND i.kind = 'credit_note' AND i.issued_at >= ${start} AND i.issued_at < ${end} AND ${jt}`,
    disputes: `SELECT i.id, i.number FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
                 WHERE i.organization_id = $1 AND i.kind = 'credit_note' AND i.credit_reason IN ('price_dispute', 'scope_misunderstanding')
                   AND i.issued_at >= ${start} AND i.issued_at < ${end} AND ${jt}`,
    week_invoiced: `SELECT i.id, i.number FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
                      WHERE i.organization_id = $1 AND i.kind <> 'credit_note' AND ${jt} AND $2::date IS NOT NULL AND $4::date IS NOT NULL
                        AND i.issued_at >= (date_trunc('week', $6::timestamptz AT TIME ZONE $3)::timestamp AT TIME ZONE $3)`,
    week_paid: `SELECT DISTINCT i.id, i.number FROM payments p JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
                  LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
                 WHERE p.organization_id = $1 AND i.kind <> 'credit_note' AND ${jt} AND $2::date IS NOT NULL AND $4::date IS NOT NULL
                   AND p.received_on >= date_trunc('week', $6::timestamptz AT TIME ZONE $3)::date`,
    receivables: `SELECT i.id, i.number FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
                    WHERE i.organization_id = $1 AND i.kind <> 'credit_note' AND i.issued_at < ${end} AND ${jt} AND $2::date IS NOT NULL
                      AND i.payable - coalesce((SELECT sum(p.amount) FROM payments p WHERE p.organization_id = i.organization_id
                            AND p.invoice_id = i.id AND p.received_on <= $4::date), 0)
                        - coalesce((SELECT sum(c.tax_inclusive) FROM invoices c WHERE c.organization_id = i.organization_id
                            AND c.corrects_invoice_id = i.id AND c.kind = 'credit_note' AND c.issued_at < ${end}), 0) <> 0`,
  };
  const params: unknown[] = [organizationId, q.from, org.timeZone, q.to, q.jobTypeId ?? null];
  if (['overdue_approvals', 'week_completed', 'week_invoiced', 'week_paid'].includes(q.metric))
    params.push(deps.clock.now());
  const sql = jobs[q.metric] ?? invoicesSql[q.metric];
  if (!sql) throw notFound('metric', 'query.metric');
  const { rows } = await deps.database.raw.query<{ id: string; number: string | number }>(
    `${sql} ORDER BY 2 LIMIT 1000`,
    params,
  );
  const kind = q.metric in jobs ? 'jobs' : 'invoices';
  return {
    metric: q.metric,
    kind,
    items: rows.map((r) => ({ id: r.id, number: typeof r.number === 'number' ? `J-${r.number}` : r.number })),
  };
};
