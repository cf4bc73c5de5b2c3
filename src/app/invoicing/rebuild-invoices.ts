import { AppError } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { appendAudit } from '../audit/audit';
import { jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { returnFromReview } from './fail-job-invoicing';

/**
 * After billing fixed what stopped a job's documents being made (an exchange rate recorded, the agreed
 * price added, a seller setting), the job's drafts are made again from the job as it is now: a job in
 * review returns to where it failed (and is invoiced from there); a job with a held deposit draft gets
 * it rebuilt. Issued documents are never touched.
 */
export const rebuildJobInvoices = (deps: Deps, organizationId: string, jobId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    if (job.billingStatus === 'needs_review' && job.reviewFrom && job.reviewFrom !== 'invoice_ready')
      throw new AppError(
        'invalid_transition',
        `${jobNumber(job.number)} is invoiced: its accounting step failed; reprocess it from the integration error`,
        { fields: [{ field: 'billingStatus', message: 'an accounting push failed' }] },
      );
    if (job.billingStatus === 'needs_review') {
      // The job's own transition enqueues invoice.prepare once it is invoice-ready again.
      return returnFromReview(
        tx,
        deps,
        organizationId,
        job,
        actor,
        'Invoice rebuilt after the cause was fixed',
      );
    }
    const { rows } = await tx.raw.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM invoices
        WHERE organization_id = $1 AND job_id = $2 AND status = 'draft' AND number IS NULL`,
      [organizationId, jobId],
    );
    if ((rows[0]?.n ?? 0) === 0)
      throw new AppError(
        'invalid_transition',
        `${jobNumber(job.number)} has no draft to rebuild and is not in review`,
        { fields: [{ field: 'billingStatus', message: `is ${job.billingStatus.replaceAll('_', ' ')}` }] },
      );
    await deps.queue.enqueue(
      tx,
      { name: 'invoice.prepare', data: { organizationId, jobId } },
      { key: `${jobId}:rebuild:${deps.ids.uuid()}` },
    );
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'job',
      aggregateId: jobId,
      action: 'job.invoices_rebuilt',
      actor,
      changes: {},
      reason: 'Drafts rebuilt after the cause was fixed',
    });
    return job;
  });
