import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { InvoiceStatus } from '../../core/invoice-lifecycle';
import type { Tx } from '../../db/client';
import { approvalRequests, invoices, jobs, payments } from '../../db/schema';
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
    jobTypeId?: string | undefined;
    createdFrom?: string | undefined;
    createdTo?: string | undefined;
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
        f.customerId || f.jobTypeId
          ? inArray(
              invoices.jobId,
              deps.database.db
                .select({ id: jobs.id })
                .from(jobs)
                .where(
                  and(
                    eq(jobs.organizationId, organizationId),
                    f.customerId ? eq(jobs.customerId, f.customerId) : undefined,
                    f.jobTypeId ? eq(jobs.jobTypeId, f.jobTypeId) : undefined,
                  ),
                ),
            )
          : undefined,
        f.createdFrom ? gte(invoices.createdAt, new Date(f.createdFrom)) : undefined,
        f.createdTo ? lt(invoices.createdAt, new Date(f.createdTo)) : undefined,
        f.before
          ? sql`(${invoices.createdAt}, ${invoices.id}) < (${f.before.createdAt}, ${f.before.id})`
          : undefined,
      ),
    )
    .orderBy(desc(invoices.createdAt), desc(invoices.id))
    .limit(f.limit + 1);

/** The approval decisions on a job, for the packet's approval log. */
export const approvalLog = async (tx: Tx | Deps['database'], organizationId: string, jobIds: string[]) => {
  if (jobIds.length === 0) return [];
  return tx.db
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.organizationId, organizationId), inArray(approvalRequests.jobId, jobIds)))
    .orderBy(approvalRequests.createdAt);
};
