import { sql } from 'drizzle-orm';
import type { RawSql } from '../client';
import { rowsOf } from './sql';

/**
 * What the cash forecast reads, in the organization's currency (documents in another at their recorded rate).
 * `today` is the organization's business date; `horizon` the last day forecast.
 */
type Q = { organizationId: string; today: string; horizon: string; timeZone: string };

/** How late each customer pays, from the invoices they paid in the last year; `customer_id` null is everyone. */
export const paymentHabits = (raw: RawSql, q: Q) =>
  rowsOf<{ customer_id: string | null; late: string; paid: number }>(
    raw,
    sql`SELECT customer_id::text AS customer_id,
               round(avg(GREATEST(0, (paid_at AT TIME ZONE ${q.timeZone})::date - due_date)), 1)::text AS late,
               count(*)::int AS paid
          FROM invoices
         WHERE organization_id = ${q.organizationId} AND kind <> 'credit_note' AND status = 'paid'
           AND due_date IS NOT NULL AND paid_at >= ${q.today}::date - 365
         GROUP BY GROUPING SETS ((customer_id), ())`,
  );

/** Every open invoice: what is still owed and when it was due. */
export const openInvoices = (raw: RawSql, q: Q) =>
  rowsOf<{
    id: string;
    number: string;
    customer_id: string;
    customer: string;
    due_date: string | null;
    owed: string;
  }>(
    raw,
    sql`SELECT i.id::text, i.number, i.customer_id::text, c.name AS customer, i.due_date::text,
               round((i.payable - i.amount_paid - i.amount_credited - i.amount_written_off) * i.exchange_rate, 2)::text AS owed
          FROM invoices i
          JOIN customers c ON c.organization_id = i.organization_id AND c.id = i.customer_id
         WHERE i.organization_id = ${q.organizationId} AND i.kind <> 'credit_note'
           AND i.status IN ('issued', 'sent', 'partially_paid') AND i.number IS NOT NULL
           AND i.payable - i.amount_paid - i.amount_credited - i.amount_written_off > 0`,
  );

/**
 * Work not yet invoiced: jobs scheduled up to the horizon, and jobs done but not yet billed. Valued at the
 * accepted quote they came from, else at the median invoice of their job type (else of all jobs) over the
 * last 180 days; with the customer's payment terms.
 */
export const unbilledWork = (raw: RawSql, q: Q) =>
  rowsOf<{
    id: string;
    number: string;
    customer_id: string;
    customer: string;
    day: string;
    done: boolean;
    terms: number;
    value: string | null;
  }>(
    raw,
    sql`WITH typical AS (
          SELECT j.job_type_id, (percentile_cont(0.5) WITHIN GROUP (ORDER BY i.tax_inclusive * i.exchange_rate))::numeric AS v
            FROM invoices i JOIN jobs j ON j.organization_id = i.organization_id AND j.id = i.job_id
           WHERE i.organization_id = ${q.organizationId} AND i.kind = 'invoice' AND i.issued_at IS NOT NULL
             AND i.issue_date >= ${q.today}::date - 180
           GROUP BY GROUPING SETS ((j.job_type_id), ())
        )
        SELECT j.id::text, j.number, j.customer_id::text, c.name AS customer,
               (j.window_start AT TIME ZONE ${q.timeZone})::date::text AS day,
               j.status = 'completed' AS done,
               COALESCE(c.payment_terms_days, o.payment_terms_days) AS terms,
               round(COALESCE(
                 (SELECT v.accepted_total FROM quotes qu JOIN quote_versions v
                     ON v.organization_id = qu.organization_id AND v.quote_id = qu.id AND v.version = qu.current_version
                   WHERE qu.organization_id = j.organization_id AND qu.job_id = j.id AND v.status = 'accepted'),
                 (SELECT t.v FROM typical t WHERE t.job_type_id = j.job_type_id),
                 (SELECT t.v FROM typical t WHERE t.job_type_id IS NULL)), 2)::text AS value
          FROM jobs j
          JOIN customers c ON c.organization_id = j.organization_id AND c.id = j.customer_id
          JOIN organizations o ON o.id = j.organization_id
         WHERE j.organization_id = ${q.organizationId}
           AND ((j.status IN ('scheduled', 'dispatched', 'in_progress')
                 AND (j.window_start AT TIME ZONE ${q.timeZone})::date BETWEEN ${q.today}::date - 7 AND ${q.horizon}::date)
             OR (j.status = 'completed'
                 AND j.billing_status IN ('needs_info', 'needs_approval', 'invoice_ready', 'needs_review')))
           AND NOT EXISTS (SELECT 1 FROM invoiced_work w WHERE w.organization_id = j.organization_id AND w.job_id = j.id)`,
  );

/** The share of jobs due in the last 90 days that were done (not canceled, not a no-show). */
export const completionRate = async (raw: RawSql, q: Q) =>
  (
    await rowsOf<{ done: number; closed: number }>(
      raw,
      sql`SELECT count(*) FILTER (WHERE status = 'completed')::int AS done, count(*)::int AS closed
            FROM jobs
           WHERE organization_id = ${q.organizationId} AND status IN ('completed', 'canceled', 'no_show')
             AND window_start >= ${q.today}::date - 90`,
    )
  )[0];

/** Accepted quotes not yet booked as a job. */
export const acceptedUnbooked = (raw: RawSql, q: Q) =>
  rowsOf<{
    id: string;
    number: string;
    customer_id: string;
    customer: string;
    accepted_on: string;
    terms: number;
    value: string;
  }>(
    raw,
    sql`SELECT qu.id::text, qu.number, qu.customer_id::text, c.name AS customer,
               (v.answered_at AT TIME ZONE ${q.timeZone})::date::text AS accepted_on,
               COALESCE(c.payment_terms_days, o.payment_terms_days) AS terms,
               round(v.accepted_total, 2)::text AS value
          FROM quotes qu
          JOIN quote_versions v ON v.organization_id = qu.organization_id AND v.quote_id = qu.id AND v.version = qu.current_version
          JOIN customers c ON c.organization_id = qu.organization_id AND c.id = qu.customer_id
          JOIN organizations o ON o.id = qu.organization_id
         WHERE qu.organization_id = ${q.organizationId} AND qu.job_id IS NULL AND v.status = 'accepted'
           AND v.accepted_total IS NOT NULL AND v.answered_at IS NOT NULL`,
  );

/** Money received in each week (payments on invoices, less money taken back), for the forecast's accuracy. */
export const cashByWeek = (raw: RawSql, q: { organizationId: string; from: string; to: string }) =>
  rowsOf<{ week: string; amount: string }>(
    raw,
    sql`SELECT date_trunc('week', p.received_on)::date::text AS week,
               round(sum(p.amount * i.exchange_rate), 2)::text AS amount
          FROM payments p JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
         WHERE p.organization_id = ${q.organizationId} AND i.kind <> 'credit_note' AND p.reversed_at IS NULL
           AND p.received_on BETWEEN ${q.from}::date AND ${q.to}::date
         GROUP BY 1`,
  );
