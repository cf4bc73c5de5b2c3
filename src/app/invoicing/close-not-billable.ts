import { AppError } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { changeJob, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { discardOpenDrafts } from './invoice-store';

/**
 * Billing closes a job whose invoice cannot or should not be made (work under warranty found after the
 * fact, a goodwill visit, a document that can never pass) as not billable, with a reason. Its drafts that
 * were never numbered go void, on record; an issued invoice is corrected with a credit note instead.
 */
export const closeNotBillable = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  reason: string,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    if (job.billingStatus !== 'needs_review' && job.billingStatus !== 'invoice_ready') {
      throw new AppError(
        'invalid_transition',
        `${jobNumber(job.number)} is ${job.billingStatus.replaceAll('_', ' ')}: only a job waiting for its invoice, or in review, closes as not billable`,
        { fields: [{ field: 'billingStatus', message: `is ${job.billingStatus}` }] },
      );
    }
    const voided = await discardOpenDrafts(tx, deps, organizationId, jobId, actor, reason);
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      locked: job,
      action: 'job.closed_not_billable',
      billing: 'close_not_billable',
      patch: { reviewFrom: null },
      reason,
      extraChanges: { voidedDrafts: voided.map((v) => v.id) },
    });
  });
