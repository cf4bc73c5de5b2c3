import { and, asc, eq, gt, isNull, lt, or } from 'drizzle-orm';
import { AppError, invalid, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { jobs, timeEntries, users } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';

const lockUser = (tx: Tx, organizationId: string, userId: string) =>
  tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`timer:${organizationId}:${userId}`]);

/** Another entry of the same technician overlapping [start, end) (an open entry runs until now and on). */
const overlapping = async (tx: Tx, organizationId: string, userId: string, start: Date, end: Date | null) => {
  const [hit] = await tx.db
    .select({ id: timeEntries.id, jobId: timeEntries.jobId, number: jobs.number })
    .from(timeEntries)
    .innerJoin(jobs, and(eq(jobs.organizationId, timeEntries.organizationId), eq(jobs.id, timeEntries.jobId)))
    .where(
      and(
        eq(timeEntries.organizationId, organizationId),
        eq(timeEntries.userId, userId),
        or(isNull(timeEntries.endedAt), gt(timeEntries.endedAt, start)),
        end ? lt(timeEntries.startedAt, end) : undefined,
      ),
    )
    .limit(1);
  return hit;
};

const audit = (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  jobId: string,
  actor: Actor,
  action: string,
  changes: Record<string, unknown>,
) =>
  appendAudit(tx, deps, { organizationId, aggregateType: 'job', aggregateId: jobId, action, actor, changes });

/** Starts the technician's timer on a job; a technician runs one timer at a time. */
export const startTimer = (deps: Deps, organizationId: string, jobId: string, userId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    await lockUser(tx, organizationId, userId);
    const now = deps.clock.now();
    const clash = await overlapping(tx, organizationId, userId, now, null);
    if (clash) {
      throw new AppError('conflict', `A timer is already running on J-${clash.number}; stop it first`, {
        fields: [{ field: 'userId', message: `timer running on J-${clash.number}` }],
        extra: { runningJobId: clash.jobId },
      });
    }
    const [entry] = await tx.db
      .insert(timeEntries)
      .values({ organizationId, id: deps.ids.uuid(), jobId, userId, startedAt: now, createdAt: now })
      .returning();
    if (!entry) throw new Error('time entry insert returned nothing');
    await audit(tx, deps, organizationId, jobId, actor, 'job.timer_started', {
      timeEntryId: entry.id,
      userId,
      startedAt: now.toISOString(),
    });
    return entry;
  });

export const stopTimer = (deps: Deps, organizationId: string, jobId: string, userId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    await lockUser(tx, organizationId, userId);
    const now = deps.clock.now();
    const [entry] = await tx.db
      .update(timeEntries)
      .set({ endedAt: now })
      .where(
        and(
          eq(timeEntries.organizationId, organizationId),
          eq(timeEntries.jobId, jobId),
          eq(timeEntries.userId, userId),
          isNull(timeEntries.endedAt),
        ),
      )
      .returning();
    if (!entry) throw notFound('running timer');
    await audit(tx, deps, organizationId, jobId, actor, 'job.timer_stopped', {
      timeEntryId: entry.id,
      userId,
      endedAt: now.toISOString(),
    });
    return entry;
  });

/** A time entry typed after the fact (office correction or forgotten timer); overlaps are refused. */
export const addTimeEntry = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { userId: string; startedAt: Date; endedAt: Date },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    if (input.endedAt <= input.startedAt) throw invalid('body.endedAt', 'must be after startedAt');
    if (input.endedAt.getTime() - input.startedAt.getTime() > 24 * 3_600_000)
      throw invalid('body.endedAt', 'an entry is at most 24 hours');
    // Whose time it is must be someone of this organization (an unknown ID was a database error, another
    // organization's user a foreign reference).
    const [person] = await tx.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.organizationId, organizationId), eq(users.id, input.userId)));
    if (!person) throw invalid('body.userId', 'no such user in this organization');
    await lockUser(tx, organizationId, input.userId);
    const clash = await overlapping(tx, organizationId, input.userId, input.startedAt, input.endedAt);
    if (clash) {
      throw new AppError('conflict', `Overlaps another time entry on J-${clash.number}`, {
        fields: [{ field: 'body.startedAt', message: `overlaps an entry on J-${clash.number}` }],
      });
    }
    const [entry] = await tx.db
      .insert(timeEntries)
      .values({ organizationId, id: deps.ids.uuid(), jobId, ...input, createdAt: deps.clock.now() })
      .returning();
    if (!entry) throw new Error('time entry insert returned nothing');
    await audit(tx, deps, organizationId, jobId, actor, 'job.time_entry_added', {
      timeEntryId: entry.id,
      userId: input.userId,
      startedAt: input.startedAt.toISOString(),
      endedAt: input.endedAt.toISOString(),
    });
    return entry;
  });

export const listTimeEntries = (db: Tx['db'], organizationId: string, jobId: string) =>
  db
    .select()
    .from(timeEntries)
    .where(and(eq(timeEntries.organizationId, organizationId), eq(timeEntries.jobId, jobId)))
    .orderBy(asc(timeEntries.startedAt));
