import { type SQL, sql } from 'drizzle-orm';
import type { DisputeReason } from '../../core/disputes';
import type { RawSql } from '../client';
import { rowsOf } from './sql';

/**
 * The metrics' queries. A period is [from, to] in the organization's time zone (whole days): midnight of
 * `from` to midnight after `to`, as instants. Every value is a parameter of Drizzle's `sql` template; the
 * only text chosen in code is from the constant fragments below.
 */
export type MetricPeriod = {
  organizationId: string;
  from: string;
  to: string;
  timeZone: string;
  jobTypeId: string | null;
  now: Date;
};

export const STAGES = ['invoiceReady', 'issued', 'sent', 'paid'] as const;
export type Stage = (typeof STAGES)[number];
const STAGE_COLUMNS: Record<Stage, SQL> = {
  invoiceReady: sql`invoice_ready_at`,
  issued: sql`issued_at`,
  sent: sql`sent_at`,
  paid: sql`paid_at`,
};
export const stageKey = (s: Stage) => s.toLowerCase();

export const GROUP_KEYS = {
  all: sql`'all'`,
  job_type: sql`job_type_id::text`,
  technician: sql`technician`,
  week: sql`week::text`,
} as const;

export const periodStart = (p: MetricPeriod) =>
  sql`((${p.from}::date)::timestamp AT TIME ZONE ${p.timeZone})`;
export const periodEnd = (p: MetricPeriod) =>
  sql`(((${p.to}::date) + 1)::timestamp AT TIME ZONE ${p.timeZone})`;
/** `column` falls in the period. */
export const within = (p: MetricPeriod, column: SQL) =>
  sql`${column} >= ${periodStart(p)} AND ${column} < ${periodEnd(p)}`;
/** The job type filter on the job aliased `j` (everything when there is none). */
export const ofJobType = (p: MetricPeriod) => (p.jobTypeId ? sql`j.job_type_id = ${p.jobTypeId}` : sql`true`);
/** Jobs (aliased `j`) completed in the period, of the job type asked for. */
export const completedIn = (p: MetricPeriod) =>
  sql`j.organization_id = ${p.organizationId} AND ${within(p, sql`j.completed_at`)} AND ${ofJobType(p)}`;
/** Monday of the current week, in the organization's zone, as an instant. */
export const weekStart = (p: MetricPeriod) =>
  sql`(date_trunc('week', ${p.now}::timestamptz AT TIME ZONE ${p.timeZone})::timestamp AT TIME ZONE ${p.timeZone})`;

/**
 * Payment requests (deposits asked for without tax) and their withdrawals are not sales: the final invoice
 * bills the supply. Counting them would count the deposit twice.
 */
const NOT_A_REQUEST = sql`coalesce(i.document ->> 'profile', '') <> 'payment_request'`;
/** A credit note for a dispute, as opposed to a correction. */
const DISPUTED = sql`i.credit_reason IN ('price_dispute', 'scope_misunderstanding')`;

/**
 * The invoices disputed in the period: those a customer said something was wrong with (the portal's
 * dispute, opened in the period), and those the office credited for a dispute (a credit note issued in the
 * period for a price dispute or a scope misunderstanding), each invoice once.
 */
const disputedInvoices = (p: MetricPeriod) => sql`
  SELECT d.invoice_id AS invoice_id FROM disputes d
    JOIN invoices i ON i.organization_id = d.organization_id AND i.id = d.invoice_id
    LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
   WHERE d.organization_id = ${p.organizationId} AND ${within(p, sql`d.created_at`)} AND ${ofJobType(p)}
  UNION
  SELECT i.corrects_invoice_id FROM invoices i
    LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
   WHERE i.organization_id = ${p.organizationId} AND i.kind = 'credit_note' AND ${DISPUTED}
     AND i.corrects_invoice_id IS NOT NULL AND ${within(p, sql`i.issued_at`)} AND ${ofJobType(p)}`;

/** How many invoices were disputed in the period, and what customers said was wrong. */
export const disputesInPeriod = async (raw: RawSql, p: MetricPeriod) => {
  const [count] = await rowsOf<{ n: number }>(
    raw,
    sql`SELECT count(DISTINCT invoice_id)::int AS n FROM (${disputedInvoices(p)}) x`,
  );
  const reasons = await rowsOf<{ reason: DisputeReason; n: number }>(
    raw,
    sql`SELECT d.reason, count(*)::int AS n FROM disputes d
          JOIN invoices i ON i.organization_id = d.organization_id AND i.id = d.invoice_id
          LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
         WHERE d.organization_id = ${p.organizationId} AND ${within(p, sql`d.created_at`)} AND ${ofJobType(p)}
         GROUP BY d.reason ORDER BY 2 DESC, 1`,
  );
  return { disputed: count?.n ?? 0, reasons };
};

/** The approval rules that compare a closeout with the job's estimate (the accepted quote and its changes). */
const ESTIMATE_RULES = sql`('labor_hours_over_estimate', 'parts_over_estimate_percent', 'total_over_estimate_percent')`;

/**
 * Jobs from an accepted quote whose invoice was issued in the period: what the job's documents asked in all
 * (tax included) against the quote's accepted total, and why they differ — approved change orders (the
 * invoice is the agreed price after them), an approved estimate variance, or neither (changed without
 * either). In all: the final invoice before what was paid on payment requests (its payable plus prepaid, so
 * with the rounding that brings a contract's documents to it), plus the advance invoices it deducted (a
 * deposit invoice, progress steps) at what each asked less what credit notes took back of it.
 */
const quotedJobs = (p: MetricPeriod) => sql`
  SELECT j.id, j.number, i.currency,
         i.payable + i.prepaid + COALESCE((
           SELECT sum(a.payable - a.amount_credited) FROM invoices a
            WHERE a.organization_id = j.organization_id AND a.job_id = j.id AND a.kind = 'deposit_invoice'
              AND a.number IS NOT NULL AND a.status NOT IN ('void', 'credited')
              AND coalesce(a.document ->> 'profile', '') <> 'payment_request'), 0) AS invoiced,
         v.accepted_total AS quoted,
         (SELECT c.after_total FROM change_orders c
           WHERE c.organization_id = j.organization_id AND c.job_id = j.id AND c.status = 'approved'
           ORDER BY c.seq DESC LIMIT 1) AS agreed,
         EXISTS (SELECT 1 FROM approval_requests a, jsonb_array_elements(a.rules) r
                  WHERE a.organization_id = j.organization_id AND a.job_id = j.id AND a.status = 'approved'
                    AND r->>'code' IN ${ESTIMATE_RULES}) AS variance
    FROM jobs j
    JOIN quotes q ON q.organization_id = j.organization_id AND q.job_id = j.id
    JOIN quote_versions v ON v.organization_id = q.organization_id AND v.quote_id = q.id AND v.status = 'accepted'
    JOIN invoiced_work w ON w.organization_id = j.organization_id AND w.job_id = j.id
    JOIN invoices i ON i.organization_id = w.organization_id AND i.id = w.invoice_id
                   AND i.kind = 'invoice' AND i.job_id = j.id
   WHERE j.organization_id = ${p.organizationId} AND ${within(p, sql`i.issued_at`)} AND ${ofJobType(p)}`;

const QUOTE_VARIANCE = sql`CASE WHEN x.invoiced = x.quoted THEN 'matches'
  WHEN x.agreed IS NOT NULL AND x.invoiced = x.agreed THEN 'change_orders'
  WHEN x.variance THEN 'variance_approved' ELSE 'unexplained' END`;

export type QuoteVariance = 'matches' | 'change_orders' | 'variance_approved' | 'unexplained';

/** Quoted jobs invoiced in the period, by how their invoice compares with the quote, with the amount (in `currency`). */
export const quotedWorkInPeriod = (raw: RawSql, p: MetricPeriod, currency: string) =>
  rowsOf<{ variance: QuoteVariance; jobs: number; difference: string }>(
    raw,
    sql`SELECT ${QUOTE_VARIANCE} AS variance, count(*)::int AS jobs,
               COALESCE(sum(x.invoiced - x.quoted) FILTER (WHERE x.currency = ${currency}), 0)::text AS difference
          FROM (${quotedJobs(p)}) x GROUP BY 1 ORDER BY 1`,
  );

/** Cycle time: completion to invoice-ready, issued, sent and paid, for jobs completed in the period. */
export const cycleTimeRows = (raw: RawSql, p: MetricPeriod, key: SQL) => {
  const stats = sql.join(
    STAGES.map((s) => {
      const c = STAGE_COLUMNS[s];
      const hours = sql`extract(epoch FROM ${c} - completed_at) / 3600`;
      return sql`count(${c})::int AS ${sql.identifier(`${stageKey(s)}_n`)},
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hours}) AS ${sql.identifier(`${stageKey(s)}_p50`)},
        percentile_cont(0.9) WITHIN GROUP (ORDER BY ${hours}) AS ${sql.identifier(`${stageKey(s)}_p90`)}`;
    }),
    sql`, `,
  );
  return rowsOf<Record<string, unknown>>(
    raw,
    sql`WITH done AS (
      SELECT j.id, j.job_type_id, j.completed_at, j.invoice_ready_at,
             inv.issued_at, inv.sent_at, inv.paid_at,
             date_trunc('week', j.completed_at AT TIME ZONE ${p.timeZone})::date AS week,
             -- A job with a crew counts for its first technician by name (the lead is not modelled yet).
             (SELECT u.name FROM job_assignments a JOIN users u ON u.id = a.user_id
               WHERE a.organization_id = j.organization_id AND a.job_id = j.id ORDER BY u.name LIMIT 1) AS technician
        FROM jobs j
        LEFT JOIN LATERAL (
          SELECT i.issued_at, i.sent_at, i.paid_at FROM invoiced_work w
            JOIN invoices i ON i.organization_id = w.organization_id AND i.id = w.invoice_id
           WHERE w.organization_id = j.organization_id AND w.job_id = j.id) inv ON true
       WHERE ${completedIn(p)})
    SELECT ${key} AS key, count(*)::int AS jobs, ${stats}
      FROM done GROUP BY 1 ORDER BY 1`,
  );
};

/** First-submission acceptance, for jobs first submitted by their technician in the period. */
export const firstSubmissions = async (raw: RawSql, p: MetricPeriod) =>
  (
    await rowsOf<{ jobs: number; first_ok: number }>(
      raw,
      sql`WITH firsts AS (
         SELECT DISTINCT ON (s.job_id) s.job_id, s.outcome
           FROM closeout_submissions s JOIN jobs j ON j.organization_id = s.organization_id AND j.id = s.job_id
          WHERE s.organization_id = ${p.organizationId} AND s.source = 'technician' AND ${ofJobType(p)}
          ORDER BY s.job_id, s.created_at)
       SELECT count(*)::int AS jobs, count(*) FILTER (WHERE outcome <> 'incomplete')::int AS first_ok
         FROM firsts f WHERE EXISTS (SELECT 1 FROM closeout_submissions s2
           WHERE s2.organization_id = ${p.organizationId} AND s2.job_id = f.job_id AND ${within(p, sql`s2.created_at`)})`,
    )
  )[0];

/** What was missing when closeouts were refused in the period, most frequent first. */
export const refusalsByItem = (raw: RawSql, p: MetricPeriod) =>
  rowsOf<{ code: string; n: number }>(
    raw,
    sql`SELECT m->>'code' AS code, count(*)::int AS n
       FROM closeout_submissions s JOIN jobs j ON j.organization_id = s.organization_id AND j.id = s.job_id,
            jsonb_array_elements(s.missing) m
      WHERE s.organization_id = ${p.organizationId} AND s.outcome = 'incomplete' AND ${ofJobType(p)}
        AND ${within(p, sql`s.created_at`)}
      GROUP BY 1 ORDER BY 2 DESC, 1`,
  );

/** Approvals requested in the period: how many, for how many jobs, how fast decided, how many overdue now. */
export const approvalsRequested = async (raw: RawSql, p: MetricPeriod) =>
  (
    await rowsOf<{ requested: number; jobs: number; decided: number; p50: number | null; overdue: number }>(
      raw,
      sql`SELECT count(*)::int AS requested, count(DISTINCT a.job_id)::int AS jobs,
            count(a.decided_at) FILTER (WHERE a.status IN ('approved', 'rejected'))::int AS decided,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.decided_at - a.created_at) / 3600)
              FILTER (WHERE a.status IN ('approved', 'rejected')) AS p50,
            count(*) FILTER (WHERE a.status = 'pending' AND a.due_at < ${p.now})::int AS overdue
       FROM approval_requests a JOIN jobs j ON j.organization_id = a.organization_id AND j.id = a.job_id
      WHERE a.organization_id = ${p.organizationId} AND ${ofJobType(p)} AND ${within(p, sql`a.created_at`)}`,
    )
  )[0];

const NEEDED_APPROVAL = sql`EXISTS (SELECT 1 FROM approval_requests a
  WHERE a.organization_id = j.organization_id AND a.job_id = j.id)`;

/** Jobs completed in the period, and how many of them needed an approval. */
export const completedJobs = async (raw: RawSql, p: MetricPeriod) =>
  (
    await rowsOf<{ n: number; needed: number }>(
      raw,
      sql`SELECT count(*)::int AS n, count(*) FILTER (WHERE ${NEEDED_APPROVAL})::int AS needed
            FROM jobs j WHERE ${completedIn(p)}`,
    )
  )[0];

/** Invoices issued in the period (invoices and deposit invoices) and credit notes, in the organization's currency. */
export const issuedInPeriod = async (raw: RawSql, p: MetricPeriod) =>
  (
    await rowsOf<{
      invoices: number;
      credit_notes: number;
      sales: string;
      credits: string;
    }>(
      raw,
      sql`SELECT count(*) FILTER (WHERE i.kind <> 'credit_note')::int AS invoices,
            count(*) FILTER (WHERE i.kind = 'credit_note')::int AS credit_notes,
            round(coalesce(sum(i.tax_inclusive * i.exchange_rate) FILTER (WHERE i.kind <> 'credit_note'), 0), 2)::text AS sales,
            round(coalesce(sum(i.tax_inclusive * i.exchange_rate) FILTER (WHERE i.kind = 'credit_note'), 0), 2)::text AS credits
       FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
      WHERE i.organization_id = ${p.organizationId} AND i.issued_at IS NOT NULL AND ${ofJobType(p)}
        AND ${NOT_A_REQUEST} AND ${within(p, sql`i.issued_at`)}`,
    )
  )[0];

/** Credit notes issued in the period by their reason. */
export const creditReasons = (raw: RawSql, p: MetricPeriod) =>
  rowsOf<{ reason: string; n: number }>(
    raw,
    sql`SELECT i.credit_reason AS reason, count(*)::int AS n
          FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
         WHERE i.organization_id = ${p.organizationId} AND i.kind = 'credit_note' AND ${ofJobType(p)}
           AND ${within(p, sql`i.issued_at`)}
         GROUP BY 1 ORDER BY 2 DESC, 1`,
  );

/** Back-office touches: office edits after the technician's submission (closeout corrections, draft edits). */
const TOUCHES = sql`e.action IN ('closeout.office_edit', 'invoice.draft_edited')`;
/** The job an office edit was about: named in the change, or the job of the edited draft. */
const TOUCHED_JOB = sql`coalesce((e.changes::jsonb ->> 'jobId')::uuid,
  (SELECT i.job_id FROM invoices i WHERE i.organization_id = e.organization_id AND i.id = e.aggregate_id))`;

export const officeTouches = async (raw: RawSql, p: MetricPeriod) =>
  (
    await rowsOf<{ touches: number }>(
      raw,
      sql`SELECT count(*)::int AS touches FROM audit_events e
      WHERE e.organization_id = ${p.organizationId} AND ${TOUCHES} AND ${within(p, sql`e.at`)}
        AND ${
          p.jobTypeId
            ? sql`EXISTS (SELECT 1 FROM jobs j WHERE j.organization_id = e.organization_id
                  AND j.job_type_id = ${p.jobTypeId} AND j.id = ${TOUCHED_JOB})`
            : sql`true`
        }`,
    )
  )[0];

/**
 * What an issued invoice (aliased `i`) still owed at the end of the period: payments received up to its
 * last day, credit notes issued before its end and write-offs applied by its last day.
 */
const owedAtEnd = (p: MetricPeriod) => sql`(i.payable
  - coalesce((SELECT sum(p.amount) FROM payments p WHERE p.organization_id = i.organization_id AND p.invoice_id = i.id
                AND p.received_on <= ${p.to}::date AND (p.reversed_on IS NULL OR p.reversed_on > ${p.to}::date)), 0)
  - coalesce((SELECT sum(c.tax_inclusive) FROM invoices c WHERE c.organization_id = i.organization_id
                AND c.corrects_invoice_id = i.id AND c.kind = 'credit_note' AND c.issued_at < ${periodEnd(p)}), 0)
  - coalesce((SELECT sum(w.amount) FROM write_offs w WHERE w.organization_id = i.organization_id
                AND w.invoice_id = i.id AND w.status = 'applied' AND w.applied_on <= ${p.to}::date), 0))`;
const RECEIVABLE = (
  p: MetricPeriod,
) => sql`i.organization_id = ${p.organizationId} AND i.kind <> 'credit_note'
  AND i.issued_at < ${periodEnd(p)} AND ${ofJobType(p)}`;

/**
 * Receivables at the end of the period, aged by due date. Every sum is in the organization's currency: a
 * document in another counts at the rate recorded on it.
 */
export const receivablesAging = async (raw: RawSql, p: MetricPeriod) => {
  const overdue = sql`${p.to}::date - due_date`;
  return (
    await rowsOf<Record<'total' | 'current' | 'd1_30' | 'd31_60' | 'd61_90' | 'd90_plus', string>>(
      raw,
      sql`WITH open AS (
        SELECT i.id, i.due_date, ${owedAtEnd(p)} * i.exchange_rate AS outstanding
          FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
         WHERE ${RECEIVABLE(p)})
      SELECT
        round(coalesce(sum(outstanding), 0), 2)::text AS total,
        round(coalesce(sum(outstanding) FILTER (WHERE due_date >= ${p.to}::date), 0), 2)::text AS current,
        round(coalesce(sum(outstanding) FILTER (WHERE ${overdue} BETWEEN 1 AND 30), 0), 2)::text AS d1_30,
        round(coalesce(sum(outstanding) FILTER (WHERE ${overdue} BETWEEN 31 AND 60), 0), 2)::text AS d31_60,
        round(coalesce(sum(outstanding) FILTER (WHERE ${overdue} BETWEEN 61 AND 90), 0), 2)::text AS d61_90,
        round(coalesce(sum(outstanding) FILTER (WHERE ${overdue} > 90), 0), 2)::text AS d90_plus
        FROM open WHERE outstanding <> 0`,
    )
  )[0];
};

/** This week (Monday to now, the organization's zone): earned (completed), invoiced and paid. */
export const thisWeek = async (raw: RawSql, p: MetricPeriod) =>
  (
    await rowsOf<{ completed: number; earned: string; invoiced: string; paid: string; week_start: string }>(
      raw,
      sql`SELECT date_trunc('week', ${p.now}::timestamptz AT TIME ZONE ${p.timeZone})::date::text AS week_start,
       (SELECT count(*)::int FROM jobs j WHERE j.organization_id = ${p.organizationId}
           AND j.completed_at >= ${weekStart(p)} AND ${ofJobType(p)}) AS completed,
       (SELECT coalesce(sum(l.quantity * l.unit_price), 0)::numeric(18,2)::text FROM closeout_lines l
          JOIN jobs j ON j.organization_id = l.organization_id AND j.id = l.job_id
         WHERE l.organization_id = ${p.organizationId} AND l.billable AND j.completed_at >= ${weekStart(p)}
           AND ${ofJobType(p)}) AS earned,
       (SELECT round(coalesce(sum(i.tax_inclusive * i.exchange_rate), 0), 2)::text FROM invoices i
         WHERE i.organization_id = ${p.organizationId} AND i.kind <> 'credit_note' AND ${NOT_A_REQUEST}
           AND i.issued_at >= ${weekStart(p)}) AS invoiced,
       (SELECT round(coalesce(sum(p.amount * i.exchange_rate), 0), 2)::text
          FROM payments p JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
         WHERE p.organization_id = ${p.organizationId} AND i.kind <> 'credit_note' AND p.reversed_at IS NULL
           AND p.received_on >= date_trunc('week', ${p.now}::timestamptz AT TIME ZONE ${p.timeZone})::date) AS paid`,
    )
  )[0];

/** The jobs or invoices behind each figure, so the dashboard opens its list. */
const liveInvoice = (column: SQL) => sql`(SELECT ${column} FROM invoiced_work w
  JOIN invoices i ON i.organization_id = w.organization_id AND i.id = w.invoice_id
  WHERE w.organization_id = j.organization_id AND w.job_id = j.id)`;
const jobsWhere = (where: SQL) => sql`SELECT j.id, j.number FROM jobs j WHERE ${where}`;
const invoicesWhere = (where: SQL) => sql`SELECT i.id, i.number FROM invoices i
  LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id WHERE ${where}`;

export const JOB_DRILLDOWNS = {
  completed: (p: MetricPeriod) => jobsWhere(completedIn(p)),
  invoice_ready: (p: MetricPeriod) => jobsWhere(sql`${completedIn(p)} AND j.invoice_ready_at IS NOT NULL`),
  issued: (p: MetricPeriod) =>
    jobsWhere(sql`${completedIn(p)} AND ${liveInvoice(sql`i.issued_at`)} IS NOT NULL`),
  sent: (p: MetricPeriod) => jobsWhere(sql`${completedIn(p)} AND ${liveInvoice(sql`i.sent_at`)} IS NOT NULL`),
  paid: (p: MetricPeriod) => jobsWhere(sql`${completedIn(p)} AND ${liveInvoice(sql`i.paid_at`)} IS NOT NULL`),
  needed_approval: (p: MetricPeriod) => jobsWhere(sql`${completedIn(p)} AND ${NEEDED_APPROVAL}`),
  overdue_approvals: (p: MetricPeriod) => sql`SELECT DISTINCT j.id, j.number FROM approval_requests a
      JOIN jobs j ON j.organization_id = a.organization_id AND j.id = a.job_id
     WHERE a.organization_id = ${p.organizationId} AND a.status = 'pending' AND a.due_at < ${p.now} AND ${ofJobType(p)}`,
  refused: (p: MetricPeriod) => sql`SELECT DISTINCT j.id, j.number FROM closeout_submissions s
      JOIN jobs j ON j.organization_id = s.organization_id AND j.id = s.job_id
     WHERE s.organization_id = ${p.organizationId} AND s.outcome = 'incomplete' AND ${within(p, sql`s.created_at`)}
       AND ${ofJobType(p)}`,
  touched: (p: MetricPeriod) => sql`SELECT DISTINCT j.id, j.number FROM audit_events e
      JOIN jobs j ON j.organization_id = e.organization_id AND j.id = ${TOUCHED_JOB}
     WHERE e.organization_id = ${p.organizationId} AND ${TOUCHES} AND ${within(p, sql`e.at`)} AND ${ofJobType(p)}`,
  quote_differs: (p: MetricPeriod) =>
    sql`SELECT x.id, x.number FROM (${quotedJobs(p)}) x WHERE ${QUOTE_VARIANCE} <> 'matches'`,
  week_completed: (p: MetricPeriod) =>
    jobsWhere(
      sql`j.organization_id = ${p.organizationId} AND ${ofJobType(p)} AND j.completed_at >= ${weekStart(p)}`,
    ),
} as const;

export const INVOICE_DRILLDOWNS = {
  credit_notes: (p: MetricPeriod) =>
    invoicesWhere(sql`i.organization_id = ${p.organizationId} AND i.kind = 'credit_note'
      AND ${within(p, sql`i.issued_at`)} AND ${ofJobType(p)}`),
  disputes: (p: MetricPeriod) =>
    sql`SELECT i.id, i.number FROM invoices i WHERE i.organization_id = ${p.organizationId}
      AND i.id IN (${disputedInvoices(p)})`,
  week_invoiced: (p: MetricPeriod) =>
    invoicesWhere(sql`i.organization_id = ${p.organizationId} AND i.kind <> 'credit_note' AND ${ofJobType(p)}
      AND i.issued_at >= ${weekStart(p)}`),
  week_paid: (p: MetricPeriod) => sql`SELECT DISTINCT i.id, i.number FROM payments p
      JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
      LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
     WHERE p.organization_id = ${p.organizationId} AND i.kind <> 'credit_note' AND ${ofJobType(p)}
       AND p.reversed_at IS NULL AND p.received_on >= date_trunc('week', ${p.now}::timestamptz AT TIME ZONE ${p.timeZone})::date`,
  receivables: (p: MetricPeriod) => invoicesWhere(sql`${RECEIVABLE(p)} AND ${owedAtEnd(p)} <> 0`),
} as const;

/** The list behind one figure, by number, at most 1,000. */
export const drilldownRows = (raw: RawSql, query: SQL) =>
  rowsOf<{ id: string; number: string | number }>(raw, sql`${query} ORDER BY 2 LIMIT 1000`);

/** Invoices paid in full in the period, with the business day they were paid on (the organization's zone). */
const paidIn = (p: MetricPeriod) => sql`
  SELECT i.id, i.customer_id, i.due_date, (i.paid_at AT TIME ZONE ${p.timeZone})::date AS paid_on
    FROM invoices i LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
   WHERE i.organization_id = ${p.organizationId} AND i.kind <> 'credit_note' AND i.status = 'paid'
     AND ${within(p, sql`i.paid_at`)} AND ${ofJobType(p)}`;

/** Collections in the period: invoices paid, on time or how late, and the reminders it took. */
export const collectionsInPeriod = async (raw: RawSql, p: MetricPeriod) =>
  (
    await rowsOf<{
      paid: number;
      on_time: number;
      avg_late: string | null;
      reminders_on_paid: number;
      reminders_sent: number;
    }>(
      raw,
      sql`WITH paid AS (${paidIn(p)})
      SELECT (SELECT count(*) FROM paid)::int AS paid,
             (SELECT count(*) FROM paid WHERE due_date IS NULL OR paid_on <= due_date)::int AS on_time,
             (SELECT round(avg(GREATEST(0, paid_on - due_date)), 1) FROM paid WHERE due_date IS NOT NULL)::text AS avg_late,
             (SELECT count(*) FROM invoice_reminders r WHERE r.organization_id = ${p.organizationId}
                 AND r.status = 'sent' AND r.tone <> 'collections' AND r.invoice_id IN (SELECT id FROM paid))::int AS reminders_on_paid,
             (SELECT count(*) FROM invoice_reminders r WHERE r.organization_id = ${p.organizationId}
                 AND r.status = 'sent' AND r.tone <> 'collections' AND ${within(p, sql`r.sent_at`)})::int AS reminders_sent`,
    )
  )[0];

/** Balances written off in the period (applied), in the organization's currency, and how many waited for the owner. */
export const writeOffsInPeriod = async (raw: RawSql, p: MetricPeriod) =>
  (
    await rowsOf<{ count: number; amount: string; pending: number }>(
      raw,
      sql`SELECT count(*) FILTER (WHERE w.status = 'applied' AND w.applied_on BETWEEN ${p.from}::date AND ${p.to}::date)::int AS count,
             round(coalesce(sum(w.amount * i.exchange_rate) FILTER (WHERE w.status = 'applied'
               AND w.applied_on BETWEEN ${p.from}::date AND ${p.to}::date), 0), 2)::text AS amount,
             count(*) FILTER (WHERE w.status = 'pending')::int AS pending
        FROM write_offs w JOIN invoices i ON i.organization_id = w.organization_id AND i.id = w.invoice_id
        LEFT JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
       WHERE w.organization_id = ${p.organizationId} AND ${ofJobType(p)}`,
    )
  )[0];

/** The customers who paid latest in the period: average and worst days past due, most late first. */
export const lateCustomers = (raw: RawSql, p: MetricPeriod, limit: number) =>
  rowsOf<{ customer_id: string; name: string; paid: number; avg_late: string; worst: number }>(
    raw,
    sql`WITH paid AS (${paidIn(p)})
    SELECT c.id::text AS customer_id, c.name, count(*)::int AS paid,
           round(avg(GREATEST(0, paid.paid_on - paid.due_date)), 1)::text AS avg_late,
           max(GREATEST(0, paid.paid_on - paid.due_date))::int AS worst
      FROM paid JOIN customers c ON c.organization_id = ${p.organizationId} AND c.id = paid.customer_id
     WHERE paid.due_date IS NOT NULL
     GROUP BY c.id, c.name
    HAVING max(paid.paid_on - paid.due_date) > 0
     ORDER BY avg(GREATEST(0, paid.paid_on - paid.due_date)) DESC, c.name
     LIMIT ${limit}`,
  );
