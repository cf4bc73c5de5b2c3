import type { RuleBreach } from '../../core/invoice-document';
import type { Actor } from '../../core/principal';
import { SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { changeJob, type JobRow, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import type { Ctx } from './invoice-store';

/** Sends a job whose invoice step failed to needs_review, remembering the step it failed in. */
export const failJob = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  jobId: string,
  breaches: RuleBreach[],
) => {
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
    // People read the reason; the rules' codes stay in the change for programs.
    reason: breaches
      .map((b) => b.message)
      .join('; ')
      .slice(0, 1000),
    extraChanges: { rules: breaches.map((b) => b.rule).filter(Boolean) },
  });
};

/**
 * A job whose invoice could not be made for a reason retrying cannot fix goes to needs_review at once, with
 * the reason on its timeline and in the exception queue, instead of retrying in silence.
 */
export const failJobInvoicing = (deps: Deps, organizationId: string, jobId: string, reason: string) =>
  deps.database.transaction((tx) =>
    failJob(tx, deps, organizationId, jobId, [{ rule: '', message: reason }]),
  );

/** Returns a job in review to invoice-ready (its transition enqueues invoice.prepare), on record. */
export const returnFromReview = (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  job: JobRow,
  actor: Actor,
  reason: string | null = null,
) =>
  changeJob(tx, deps, {
    organizationId,
    jobId: job.id,
    actor,
    locked: job,
    action: 'job.reprocessed',
    billing: 'reprocess',
    patch: { reviewFrom: null },
    reason,
  });
