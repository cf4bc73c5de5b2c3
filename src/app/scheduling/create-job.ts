import { and, eq } from 'drizzle-orm';
import type { CustomFieldValues } from '../../core/custom-fields';
import { AppError, invalid } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { RETAINAGE_FIXED_ONLY } from '../../core/progress-billing';
import type { Tx } from '../../db/client';
import { jobAssignments, jobs } from '../../db/schema';
import type { EstimateLine } from '../../db/schema/operations';
import { appendAudit } from '../audit/audit';
import { type Ctx, checkWindow, JOB_NUMBER_START, type JobRow, jobNumber, lockJob } from '../jobs/job-store';
import { queueCustomerMessage } from '../messages/customer-messages';
import { publish } from '../notify';
import type { Deps } from '../ports';
import { nextNumber } from '../system/sequences';
import { checkCustomFields, checkJobRefs, type JobRefs } from './job-refs';

export type NewJob = JobRefs & {
  scope: string;
  windowStart: Date;
  windowEnd: Date;
  depositRequired?: boolean | undefined;
  depositBeforeWork?: boolean | undefined;
  depositAmount?: string | null | undefined;
  discountPercent?: string | null | undefined;
  retainagePercent?: string | null | undefined;
  poNumber?: string | null | undefined;
  estimateLines?: EstimateLine[] | undefined;
  customFields?: CustomFieldValues | undefined;
  seriesId?: string | null;
  occurrenceDate?: string | null;
  revisionOf?: string | null;
  /**
   * Booked from a file of the tool the business left (#25): the customer was told of it there, so no booking
   * confirmation goes (the reminder the day before does); the audit names the import and its line.
   */
  importedFrom?: { importId: string; line: number } | null;
};

export const insertJob = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  input: NewJob,
  actor: Actor,
): Promise<JobRow> => {
  checkWindow(input.windowStart, input.windowEnd);
  const { jobType } = await checkJobRefs(tx, organizationId, input);
  checkCustomFields(jobType, input.customFields ?? {}, 'booking');
  if (input.retainagePercent && jobType.billingMode !== 'fixed')
    throw invalid('body.retainagePercent', RETAINAGE_FIXED_ONLY);
  if (input.depositRequired && !input.depositAmount)
    throw invalid('body.depositAmount', 'required when a deposit is required');
  const now = deps.clock.now();
  const id = deps.ids.uuid();
  const number = await nextNumber(tx, organizationId, 'job', JOB_NUMBER_START);
  const [job] = await tx.db
    .insert(jobs)
    .values({
      organizationId,
      id,
      number,
      customerId: input.customerId,
      siteId: input.siteId,
      jobTypeId: input.jobTypeId,
      scope: input.scope,
      windowStart: input.windowStart,
      windowEnd: input.windowEnd,
      status: 'scheduled',
      billingStatus: 'not_ready',
      billingOwnerId: input.billingOwnerId ?? null,
      depositRequired: input.depositRequired ?? false,
      depositBeforeWork: (input.depositRequired ?? false) && (input.depositBeforeWork ?? false),
      depositAmount: input.depositAmount ?? null,
      discountPercent: input.discountPercent ?? null,
      retainagePercent: input.retainagePercent ?? null,
      taxCodeId: input.taxCodeId ?? null,
      poNumber: input.poNumber ?? null,
      estimateLines: input.estimateLines ?? [],
      customFields: input.customFields ?? {},
      seriesId: input.seriesId ?? null,
      occurrenceDate: input.occurrenceDate ?? null,
      revisionOf: input.revisionOf ?? null,
      scheduledAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!job) throw new Error('job insert returned nothing');
  if (input.crew.length > 0) {
    await tx.db
      .insert(jobAssignments)
      .values(
        [...new Set(input.crew)].map((userId) => ({ organizationId, jobId: id, userId, assignedAt: now })),
      );
  }
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'job',
    aggregateId: id,
    action: 'job.created',
    actor,
    first: true,
    changes: {
      number: jobNumber(number),
      customerId: input.customerId,
      siteId: input.siteId,
      jobTypeId: input.jobTypeId,
      windowStart: input.windowStart.toISOString(),
      windowEnd: input.windowEnd.toISOString(),
      crew: input.crew,
      seriesId: input.seriesId ?? null,
      occurrenceDate: input.occurrenceDate ?? null,
      ...(input.importedFrom ? input.importedFrom : {}),
    },
    ...(input.importedFrom ? { reason: 'imported from a file' } : {}),
  });
  // The customer hears of the booking; a recurring contract's visits (booked months ahead) and a revision
  // (the same visit) are reminded the day before instead.
  if (!input.seriesId && !input.revisionOf && !input.importedFrom && input.windowStart > now)
    await queueCustomerMessage(tx, deps, {
      organizationId,
      jobId: id,
      kind: 'booking_confirmation',
      key: `booking_confirmation:${id}`,
    });
  // A job that requires a deposit gets its deposit invoice at booking.
  if (job.depositRequired) {
    await deps.queue.enqueue(
      tx,
      { name: 'invoice.prepare', data: { organizationId, jobId: id } },
      { key: `${id}:${job.version}` },
    );
  }
  await publish(tx, {
    organizationId,
    type: 'job.changed',
    id,
    number: jobNumber(number),
    status: job.status,
    billingStatus: job.billingStatus,
    version: job.version,
    action: 'job.created',
  });
  return job;
};

export const createJob = (deps: Deps, organizationId: string, input: NewJob, actor: Actor) =>
  deps.database.transaction((tx) => insertJob(tx, deps, organizationId, input, actor));

/**
 * Add-on or changed work after a job was invoiced: a new job (its own ID and number) that names the
 * original as revision_of, for the same customer, site, type and billing facts. Its closeout is invoiced on
 * its own, so only the delta is billed and the original invoice is never rewritten.
 */
export const createRevision = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { scope: string; windowStart: Date; windowEnd: Date; crew?: string[] | undefined; reason: string },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const parent = await lockJob(tx, organizationId, jobId);
    if (!['invoiced', 'paid'].includes(parent.billingStatus)) {
      throw new AppError(
        'invalid_transition',
        `${jobNumber(parent.number)} is ${parent.billingStatus}: correct its closeout instead of adding a revision`,
        {
          fields: [
            { field: 'billingStatus', message: `is ${parent.billingStatus}; a revision follows an invoice` },
          ],
        },
      );
    }
    const crew =
      input.crew ??
      (
        await tx.db
          .select({ userId: jobAssignments.userId })
          .from(jobAssignments)
          .where(and(eq(jobAssignments.organizationId, organizationId), eq(jobAssignments.jobId, jobId)))
      ).map((a) => a.userId);
    const revision = await insertJob(
      tx,
      deps,
      organizationId,
      {
        customerId: parent.customerId,
        siteId: parent.siteId,
        jobTypeId: parent.jobTypeId,
        crew,
        scope: input.scope,
        windowStart: input.windowStart,
        windowEnd: input.windowEnd,
        billingOwnerId: parent.billingOwnerId,
        discountPercent: parent.discountPercent,
        taxCodeId: parent.taxCodeId,
        poNumber: parent.poNumber,
        customFields: parent.customFields,
        revisionOf: parent.id,
      },
      actor,
    );
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'job',
      aggregateId: parent.id,
      action: 'job.revision_added',
      actor,
      changes: { revisionId: revision.id, revisionNumber: jobNumber(revision.number) },
      reason: input.reason,
    });
    return revision;
  });
