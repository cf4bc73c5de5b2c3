import { and, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { jobAssignments, jobTypes } from '../../db/schema';
import { changeJob, checkWindow, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { checkJobRefs } from './job-refs';

/** The schedule's actions on a job: reschedule, crew, dispatch, start, close (cancel, no-show). */
export const rescheduleJob = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { windowStart: Date; windowEnd: Date; reason: string; expectedVersion?: number | undefined },
  actor: Actor,
) => {
  checkWindow(input.windowStart, input.windowEnd);
  return deps.database.transaction((tx) =>
    changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.rescheduled',
      operational: 'reschedule',
      patch: { windowStart: input.windowStart, windowEnd: input.windowEnd },
      reason: input.reason,
      ...(input.expectedVersion === undefined ? {} : { expectedVersion: input.expectedVersion }),
    }),
  );
};

const crewOf = async (tx: Tx, organizationId: string, jobId: string): Promise<string[]> =>
  (
    await tx.db
      .select({ userId: jobAssignments.userId })
      .from(jobAssignments)
      .where(and(eq(jobAssignments.organizationId, organizationId), eq(jobAssignments.jobId, jobId)))
  )
    .map((r) => r.userId)
    .sort();

/** Replaces the crew. The job's status does not change, but the assignment is a change like any other. */
export const assignCrew = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { add: string[]; remove: string[]; reason?: string | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    await checkJobRefs(
      tx,
      organizationId,
      {
        customerId: job.customerId,
        siteId: job.siteId,
        jobTypeId: job.jobTypeId,
        crew: input.add,
      },
      'body.add',
    );
    const before = await crewOf(tx, organizationId, jobId);
    const now = deps.clock.now();
    const toAdd = input.add.filter((u) => !before.includes(u));
    if (toAdd.length > 0) {
      await tx.db
        .insert(jobAssignments)
        .values(toAdd.map((userId) => ({ organizationId, jobId, userId, assignedAt: now })));
    }
    if (input.remove.length > 0) {
      await tx.db
        .delete(jobAssignments)
        .where(
          and(
            eq(jobAssignments.organizationId, organizationId),
            eq(jobAssignments.jobId, jobId),
            inArray(jobAssignments.userId, input.remove),
          ),
        );
    }
    const after = await crewOf(tx, organizationId, jobId);
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.crew_changed',
      operational: 'assign',
      reason: input.reason ?? null,
      extraChanges: { crew: { before, after } },
    });
  });

export const dispatchJob = (deps: Deps, organizationId: string, jobId: string, actor: Actor) =>
  deps.database.transaction((tx) =>
    changeJob(tx, deps, { organizationId, jobId, actor, action: 'job.dispatched', operational: 'dispatch' }),
  );

export const startJob = (deps: Deps, organizationId: string, jobId: string, actor: Actor) =>
  deps.database.transaction((tx) =>
    changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.started',
      operational: 'start',
      patch: { startedAt: deps.clock.now() },
    }),
  );

/**
 * Cancel or no-show: the job is closed, never deleted. A job type with a fee for it makes the job
 * invoice-ready for that fee; otherwise it is not billable.
 */
export const closeJob = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  kind: 'cancel' | 'no_show',
  input: { reason: string; waiveFee?: boolean | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    const [jobType] = await tx.db
      .select()
      .from(jobTypes)
      .where(and(eq(jobTypes.organizationId, organizationId), eq(jobTypes.id, job.jobTypeId)));
    const fee = kind === 'cancel' ? jobType?.cancellationFee : jobType?.noShowFee;
    const billable = fee !== null && fee !== undefined && !input.waiveFee;
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: kind === 'cancel' ? 'job.canceled' : 'job.no_show',
      operational: kind,
      billing: billable ? 'close_with_fee' : 'close_not_billable',
      patch: {
        closedReason: input.reason,
        closingFee: billable ? fee : null,
        ...(billable ? { invoiceReadyAt: deps.clock.now() } : {}),
      },
      reason: input.reason,
      ...(input.waiveFee ? { extraChanges: { feeWaived: true } } : {}),
    });
  });
