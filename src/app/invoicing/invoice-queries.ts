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
