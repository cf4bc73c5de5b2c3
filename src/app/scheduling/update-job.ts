import { AppError, invalid } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { changeJob, type JobFieldPatch, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { checkCustomFields, checkJobRefs } from './job-refs';

export const updateJobFields = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: JobFieldPatch & { expectedVersion?: number | undefined; reason?: string | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { expectedVersion, reason, ...patch } = input;
    const job = await lockJob(tx, organizationId, jobId);
    if (
      job.status === 'canceled' ||
      job.status === 'no_show' ||
      job.billingStatus === 'invoiced' ||
      job.billingStatus === 'paid'
    ) {
      const closed = job.status === 'canceled' || job.status === 'no_show';
      throw new AppError(
        closed ? 'job_closed' : 'already_invoiced',
        closed
          ? `${jobNumber(job.number)} is ${job.status === 'canceled' ? 'canceled' : 'closed as a no-show'}: it is not edited`
          : `${jobNumber(job.number)} is invoiced: change the work with add-on work or a credit note`,
        {
          fields: [{ field: 'status', message: `is ${job.status}` }],
        },
      );
    }
    const { jobType } = await checkJobRefs(
      tx,
      organizationId,
      {
        customerId: job.customerId,
        siteId: job.siteId,
        jobTypeId: job.jobTypeId,
        crew: [],
        billingOwnerId: patch.billingOwnerId,
        taxCodeId: patch.taxCodeId,
        estimateLines: patch.estimateLines,
      },
      'body',
    );
    if (patch.customFields) checkCustomFields(jobType, patch.customFields, 'booking');
    if (patch.windowStart || patch.windowEnd) throw invalid('body.windowStart', 'use the reschedule action');
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.updated',
      patch,
      reason: reason ?? null,
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
    });
  });
