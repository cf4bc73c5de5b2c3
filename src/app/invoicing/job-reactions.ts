import type { JobSubscriber } from '../ports';

/**
 * The job's invoices follow it (outbox): a draft (again) on any change while invoice-ready, a refund when a deposit job
 * closes without the work, a payment request when a deposit is added. The queue key makes one per version.
 */
export const followJobWithInvoices: JobSubscriber = async (tx, deps, { before, after }) => {
  const closedWithDeposit =
    after.depositRequired && after.status !== before.status && ['canceled', 'no_show'].includes(after.status);
  const depositAdded = after.depositRequired && !before.depositRequired;
  if (!(after.billingStatus === 'invoice_ready' || closedWithDeposit || depositAdded)) return;
  await deps.queue.enqueue(
    tx,
    { name: 'invoice.prepare', data: { organizationId: after.organizationId, jobId: after.id } },
    { key: `${after.id}:${after.version}` },
  );
};
