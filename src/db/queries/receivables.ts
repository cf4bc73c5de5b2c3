import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { customers, invoices, jobs, series } from '../schema';

/** What is still owed on a document: payable less payments, credit notes and write-offs, never below nothing. */
export const outstandingOf = sql<string>`greatest(0, ${invoices.payable} - ${invoices.amountPaid} - ${invoices.amountCredited} - ${invoices.amountWrittenOff})`;

/** A receivable: an invoice or payment request the customer was sent and has not settled. */
export const openReceivable: SQL = and(
  inArray(invoices.kind, ['invoice', 'deposit_invoice']),
  inArray(invoices.status, ['issued', 'sent', 'partially_paid']),
  sql`${outstandingOf} > 0`,
) as SQL;

/** Past its due date on `today` (the organization's business date). */
export const overdueOn = (today: string): SQL => sql`${invoices.dueDate} < ${today}::date`;

/** Whose a new draft is: its job's customer, its series' customer, or the customer of the invoice it corrects. */
export const customerOfDraft = async (
  db: Db,
  organizationId: string,
  d: { jobId: string | null; seriesId?: string | null; correctsInvoiceId?: string | null },
): Promise<string | null> => {
  if (d.jobId) {
    const [row] = await db
      .select({ id: jobs.customerId })
      .from(jobs)
      .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, d.jobId)));
    if (row) return row.id;
  }
  if (d.seriesId) {
    const [row] = await db
      .select({ id: series.customerId })
      .from(series)
      .where(and(eq(series.organizationId, organizationId), eq(series.id, d.seriesId)));
    if (row) return row.id;
  }
  if (d.correctsInvoiceId) {
    const [row] = await db
      .select({ id: invoices.customerId })
      .from(invoices)
      .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, d.correctsInvoiceId)));
    if (row) return row.id;
  }
  return null;
};

export const AGING_BUCKETS = ['current', 'days_1_30', 'days_31_60', 'days_61_90', 'days_over_90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

const bucketOf = (today: string) => sql<AgingBucket>`CASE
  WHEN ${invoices.dueDate} IS NULL OR ${invoices.dueDate} >= ${today}::date THEN 'current'
  WHEN ${today}::date - ${invoices.dueDate} <= 30 THEN 'days_1_30'
  WHEN ${today}::date - ${invoices.dueDate} <= 60 THEN 'days_31_60'
  WHEN ${today}::date - ${invoices.dueDate} <= 90 THEN 'days_61_90'
  ELSE 'days_over_90' END`;

/** Open receivables by currency and age on `today`: one row per currency and bucket that holds any. */
export const receivableAging = (db: Db, organizationId: string, today: string, customerId?: string) =>
  db
    .select({
      currency: invoices.currency,
      bucket: bucketOf(today),
      count: sql<number>`count(*)::int`,
      amount: sql<string>`sum(${outstandingOf})::text`,
    })
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        openReceivable,
        customerId ? eq(invoices.customerId, customerId) : undefined,
      ),
    )
    // By position: the bucket's CASE carries parameters, and a repeated expression would get new ones.
    .groupBy(sql`1`, sql`2`);

/** Who owes the most, per currency: outstanding, overdue and the oldest due date. */
export const topDebtors = (db: Db, organizationId: string, today: string, limit: number) =>
  db
    .select({
      customerId: invoices.customerId,
      name: customers.name,
      currency: invoices.currency,
      count: sql<number>`count(*)::int`,
      outstanding: sql<string>`sum(${outstandingOf})::text`,
      overdue: sql<string>`coalesce(sum(${outstandingOf}) FILTER (WHERE ${overdueOn(today)}), 0)::text`,
      oldestDue: sql<string | null>`min(${invoices.dueDate})::text`,
    })
    .from(invoices)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, invoices.organizationId), eq(customers.id, invoices.customerId)),
    )
    .where(and(eq(invoices.organizationId, organizationId), openReceivable))
    .groupBy(invoices.customerId, customers.name, invoices.currency)
    .orderBy(sql`sum(${outstandingOf}) DESC`)
    .limit(limit);
