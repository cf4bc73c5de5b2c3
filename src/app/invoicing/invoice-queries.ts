import { and, desc, eq, exists, gte, ilike, inArray, lt, or, sql } from 'drizzle-orm';
import type { InvoiceStatus } from '../../core/invoice-lifecycle';
import type { Db, Tx } from '../../db/client';
import { openReceivable, overdueOn } from '../../db/queries/receivables';
import { approvalRequests, customers, invoices, jobs, payments } from '../../db/schema';
import type { Deps } from '../ports';
import type { InvoiceRow } from './invoice-documents';

export const getInvoice = async (deps: Deps, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, id)));
  return row;
};

export const paymentsOf = (deps: Deps, organizationId: string, invoiceId: string) =>
  deps.database.db
    .select()
    .from(payments)
    .where(and(eq(payments.organizationId, organizationId), eq(payments.invoiceId, invoiceId)))
    .orderBy(payments.createdAt);

export const listInvoices = async (
  deps: Deps,
  organizationId: string,
  f: {
    status?: InvoiceStatus | undefined;
    kind?: InvoiceRow['kind'] | undefined;
    jobId?: string | undefined;
    customerId?: string | undefined;
    /** The credit notes of one invoice. */
    correctsInvoiceId?: string | undefined;
    jobTypeId?: string | undefined;
    createdFrom?: string | undefined;
    createdTo?: string | undefined;
    /** Only what customers still owe (issued, not settled); with `overdueOn`, only what is past due that day. */
    open?: boolean | undefined;
    overdueOn?: string | undefined;
    /** An invoice number or the customer's name, in part. */
    q?: string | undefined;
    limit: number;
    before?: { createdAt: Date; id: string } | undefined;
  },
) =>
  deps.database.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        f.status ? eq(invoices.status, f.status) : undefined,
        f.kind ? eq(invoices.kind, f.kind) : undefined,
        f.jobId ? eq(invoices.jobId, f.jobId) : undefined,
        f.customerId ? eq(invoices.customerId, f.customerId) : undefined,
        f.correctsInvoiceId ? eq(invoices.correctsInvoiceId, f.correctsInvoiceId) : undefined,
        f.jobTypeId
          ? inArray(
              invoices.jobId,
              deps.database.db
                .select({ id: jobs.id })
                .from(jobs)
                .where(and(eq(jobs.organizationId, organizationId), eq(jobs.jobTypeId, f.jobTypeId))),
            )
          : undefined,
        f.open ? openReceivable : undefined,
        f.overdueOn ? overdueOn(f.overdueOn) : undefined,
        f.q ? matching(deps.database.db, organizationId, f.q) : undefined,
        f.createdFrom ? gte(invoices.createdAt, new Date(f.createdFrom)) : undefined,
        f.createdTo ? lt(invoices.createdAt, new Date(f.createdTo)) : undefined,
        f.before
          ? sql`(${invoices.createdAt}, ${invoices.id}) < (${f.before.createdAt}, ${f.before.id})`
          : undefined,
      ),
    )
    .orderBy(desc(invoices.createdAt), desc(invoices.id))
    .limit(f.limit + 1);

/** Number or customer name contains the text (case-insensitive; LIKE's wildcards in it are literal). */
const matching = (db: Db, organizationId: string, q: string) => {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(
    ilike(invoices.number, pattern),
    exists(
      db
        .select({ one: sql`1` })
        .from(customers)
        .where(
          and(
            eq(customers.organizationId, organizationId),
            eq(customers.id, invoices.customerId),
            ilike(customers.name, pattern),
          ),
        ),
    ),
  );
};

/** The approval decisions on a job, for the packet's approval log. */
export const approvalLog = async (tx: Tx | Deps['database'], organizationId: string, jobIds: string[]) => {
  if (jobIds.length === 0) return [];
  return tx.db
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.organizationId, organizationId), inArray(approvalRequests.jobId, jobIds)))
    .orderBy(approvalRequests.createdAt);
};

/**
 * Every payment and refund of the organization, newest first: its document and customer, whether it came
 * through the online provider, and whether the customer's bank took it back.
 */
export const listPayments = async (
  deps: Deps,
  organizationId: string,
  f: {
    from?: string | undefined;
    to?: string | undefined;
    method?: string | undefined;
    limit: number;
    before?: { createdAt: Date; id: string } | undefined;
  },
) => {
  const { rows } = await deps.database.raw.query<{
    id: string;
    invoice_id: string;
    number: string | null;
    doc_kind: string;
    customer_id: string | null;
    customer_name: string | null;
    amount: string;
    currency: string;
    received_on: string;
    method: 'card' | 'bank_transfer' | 'cash' | 'check' | 'other';
    reference: string | null;
    online: boolean;
    reversed_on: string | null;
    created_at: Date;
  }>(
    `SELECT p.id, p.invoice_id, i.number, i.kind AS doc_kind, i.customer_id, c.name AS customer_name,
            round(p.amount, 2)::text AS amount, i.currency, p.received_on::text AS received_on, p.method,
            p.reference, p.reversed_on::text AS reversed_on, p.created_at,
            (EXISTS (SELECT 1 FROM payment_checkouts k WHERE k.organization_id = p.organization_id AND k.payment_id = p.id)
             OR EXISTS (SELECT 1 FROM payment_refunds r WHERE r.organization_id = p.organization_id
                          AND r.refund_payment_id = p.id)) AS online
       FROM payments p
       JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
       LEFT JOIN customers c ON c.organization_id = i.organization_id AND c.id = i.customer_id
      WHERE p.organization_id = $1
        AND ($2::date IS NULL OR p.received_on >= $2::date)
        AND ($3::date IS NULL OR p.received_on <= $3::date)
        AND ($4::text IS NULL OR p.method = $4)
        AND ($5::timestamptz IS NULL OR (p.created_at, p.id) < ($5::timestamptz, $6::uuid))
      ORDER BY p.created_at DESC, p.id DESC
      LIMIT $7`,
    [
      organizationId,
      f.from ?? null,
      f.to ?? null,
      f.method ?? null,
      f.before?.createdAt ?? null,
      f.before?.id ?? null,
      f.limit + 1,
    ],
  );
  return rows;
};
