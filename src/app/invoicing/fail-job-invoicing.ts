import { SYSTEM_ACTOR } from '../../core/principal';
import { changeJob, lockJob } from '../jobs';
import type { Deps } from '../ports';

/**
 * A job whose invoice could not be made for a reason retrying cannot fix goes to needs_review at once, with
 * the reason on its timeline and in the exception queue, instead of retrying in silence.
 */
export const failJobInvoicing = (deps: Deps, organizationId: string, jobId: string, reason: string) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    if (job.billingStatus !== 'invoice_ready' && job.billingStatus !== 'invoiced') return null;
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor: SYSTEM_ACTOR,
      locked: job,
      action: 'job.invoice_failed',
      billing: 'fail',
      patch: { reviewFrom: job.billingStatus },
      reason: reason.slice(0, 1000),
    });
  });
