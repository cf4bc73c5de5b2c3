import { and, eq } from 'drizzle-orm';
import { AppError, invalid } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { RETAINAGE_FIXED_ONLY } from '../../core/progress-billing';
import type { Tx } from '../../db/client';
import { approvedChangeOrders } from '../../db/queries/change-orders';
import { quotes } from '../../db/schema';
import { changeJob, type JobFieldPatch, type JobRow, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { checkCustomFields, checkJobRefs } from './job-refs';

/**
 * A price the customer signed (the accepted quote the job was booked from, or an approved change order) is
 * never rewritten in place: it changes by a change order with its own number and signature. An estimate the
 * office agreed by phone stays editable until the job is invoiced, each edit audited.
 */
const assertPriceNotSigned = async (tx: Tx, job: JobRow) => {
  const [quote] = await tx.db
    .select({ number: quotes.number })
    .from(quotes)
    .where(and(eq(quotes.organizationId, job.organizationId), eq(quotes.jobId, job.id)))
    .limit(1);
  const approved = quote ? [] : await approvedChangeOrders(tx.db, job.organizationId, job.id);
  if (!quote && approved.length === 0) return;
  const what = quote ? `the customer accepted it in ${quote.number}` : 'the customer signed a change to it';
  throw new AppError(
    'immutable',
    `${jobNumber(job.number)}'s agreed price cannot be rewritten: ${what}. Change it with a change order.`,
    { fields: [{ field: 'body.estimateLines', message: 'was agreed with the customer' }] },
  );
};

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
    if (patch.estimateLines !== undefined) await assertPriceNotSigned(tx, job);
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
    if (patch.retainagePercent && jobType.billingMode !== 'fixed')
      throw invalid('body.retainagePercent', RETAINAGE_FIXED_ONLY);
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
