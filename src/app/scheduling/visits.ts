import { and, asc, eq, sql } from 'drizzle-orm';
import type { JobVisitT } from '../../contracts/jobs';
import { AppError, invalidAll, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { MAX_VISITS, numbered, placeProblems, type Visit, visitWords } from '../../core/visits';
import type { Db, Tx } from '../../db/client';
import { jobVisits } from '../../db/schema';
import { type Ctx, changeJob, checkWindow, type JobRow, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps, JobSubscriber } from '../ports';

/**
 * A job's visits (#22): the days of a project. The job's window is always its earliest planned visit, so
 * the board, the technician's phone, the calendar and the customer's messages keep reading the job as
 * they do; these use cases keep the rows and the job in step, each change audited on the job.
 */
export type VisitRow = typeof jobVisits.$inferSelect;

const CLOSED = new Set(['completed', 'canceled', 'no_show']);

export const visitsOfJob = (db: Db, organizationId: string, jobId: string): Promise<VisitRow[]> =>
  db
    .select()
    .from(jobVisits)
    .where(and(eq(jobVisits.organizationId, organizationId), eq(jobVisits.jobId, jobId)))
    .orderBy(asc(jobVisits.windowStart), asc(jobVisits.id));

/** The visit the crew works on next: the earliest planned one (the job's window). */
const currentOf = (rows: readonly VisitRow[]) => rows.find((r) => r.status === 'planned');

export const visitViews = (rows: readonly VisitRow[]): JobVisitT[] => {
  const live = numbered(rows as (VisitRow & Visit)[]);
  const of = live.length;
  const current = currentOf(rows);
  return rows.map((r) => ({
    id: r.id,
    windowStart: r.windowStart.toISOString(),
    windowEnd: r.windowEnd.toISOString(),
    status: r.status,
    number: live.find((v) => v.id === r.id)?.number ?? null,
    of,
    current: r.id === current?.id,
    closedAt: r.closedAt?.toISOString() ?? null,
    closedReason: r.closedReason,
  }));
};

const refuseClosed = (job: JobRow, what: string) => {
  if (CLOSED.has(job.status))
    throw new AppError(
      job.status === 'completed' ? 'invalid_transition' : 'job_closed',
      `${jobNumber(job.number)} is ${job.status.replace('_', '-')}: it takes no ${what}`,
      { fields: [{ field: 'status', message: `is ${job.status}` }] },
    );
};

const insertVisit = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  job: JobRow,
  window: { start: Date; end: Date },
) => {
  const [row] = await tx.db
    .insert(jobVisits)
    .values({
      organizationId: job.organizationId,
      id: deps.ids.uuid(),
      jobId: job.id,
      windowStart: window.start,
      windowEnd: window.end,
      status: 'planned',
      createdAt: deps.clock.now(),
    })
    .returning();
  if (!row) throw new Error('visit not inserted');
  return row;
};

const windowJson = (w: { start: Date; end: Date }) => ({
  windowStart: w.start.toISOString(),
  windowEnd: w.end.toISOString(),
});

/** A project's visits booked at once (an accepted quote's): the job's window is the first of them. */
export const planVisits = async (
  tx: Tx,
  deps: Ctx,
  job: JobRow,
  later: readonly { start: Date; end: Date }[],
  actor: Actor,
): Promise<JobRow> => {
  if (later.length === 0) return job;
  const all = [{ start: job.windowStart, end: job.windowEnd }, ...later];
  for (const w of all) await insertVisit(tx, deps, job, w);
  return changeJob(tx, deps, {
    organizationId: job.organizationId,
    jobId: job.id,
    actor,
    action: 'job.visits_planned',
    locked: job,
    extraChanges: { visits: all.map(windowJson) },
  });
};

/** One more day of work on an open job, after the visit the crew works on now. */
export const addVisit = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { windowStart: Date; windowEnd: Date; reason?: string | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    refuseClosed(job, 'more visits');
    checkWindow(input.windowStart, input.windowEnd);
    let rows = await visitsOfJob(tx.db, organizationId, jobId);
    const window = { start: input.windowStart, end: input.windowEnd };
    const problems = placeProblems(
      rows.length
        ? rows
        : [{ id: job.id, windowStart: job.windowStart, windowEnd: job.windowEnd, status: 'planned' }],
      window,
      job.windowEnd,
      'body.window',
    );
    if (problems.length) throw invalidAll(problems);
    if (rows.filter((r) => r.status !== 'canceled').length + (rows.length ? 1 : 2) > MAX_VISITS)
      throw invalidAll([
        {
          field: 'body.windowStart',
          message: `a job has at most ${MAX_VISITS} visits; a service that repeats is a series`,
        },
      ]);
    // A one-visit job becomes a project: its own window is its first visit.
    if (rows.length === 0)
      rows = [await insertVisit(tx, deps, job, { start: job.windowStart, end: job.windowEnd })];
    const row = await insertVisit(tx, deps, job, window);
    await changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.visit_added',
      locked: job,
      reason: input.reason ?? null,
      extraChanges: { visit: { id: row.id, ...windowJson(window) } },
    });
    return row;
  });

const lockVisit = async (tx: Tx, organizationId: string, jobId: string, visitId: string) => {
  const job = await lockJob(tx, organizationId, jobId);
  const rows = await visitsOfJob(tx.db, organizationId, jobId);
  const visit = rows.find((r) => r.id === visitId);
  if (!visit) throw notFound('visit', 'visitId');
  const views = visitViews(rows);
  const view = views.find((v) => v.id === visitId);
  const name = view?.number ? visitWords(view.number, view.of) : 'This visit';
  if (visit.status !== 'planned')
    throw new AppError(
      'conflict',
      `${name} of ${jobNumber(job.number)} is ${visit.status}: it no longer changes`,
      {
        fields: [{ field: 'visitId', message: `is ${visit.status}` }],
      },
    );
  return { job, rows, visit, current: currentOf(rows)?.id === visitId, name };
};

/**
 * Moves a visit. The one the crew works on next moves the job itself (a reschedule, with what that
 * means for a dispatched crew); a later one moves among the others, never over one nor before the next.
 */
export const moveVisit = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  visitId: string,
  input: { windowStart: Date; windowEnd: Date; reason: string },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    checkWindow(input.windowStart, input.windowEnd);
    const { job, rows, visit, current } = await lockVisit(tx, organizationId, jobId, visitId);
    const window = { start: input.windowStart, end: input.windowEnd };
    if (current)
      return changeJob(tx, deps, {
        organizationId,
        jobId,
        actor,
        action: 'job.rescheduled',
        operational: 'reschedule',
        locked: job,
        patch: { windowStart: window.start, windowEnd: window.end },
        reason: input.reason,
      });
    const problems = placeProblems(
      rows.filter((r) => r.id !== visitId),
      window,
      job.windowEnd,
      'body.window',
    );
    if (problems.length) throw invalidAll(problems);
    await tx.db
      .update(jobVisits)
      .set({ windowStart: window.start, windowEnd: window.end })
      .where(and(eq(jobVisits.organizationId, organizationId), eq(jobVisits.id, visitId)));
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.visit_moved',
      locked: job,
      reason: input.reason,
      extraChanges: {
        visit: {
          id: visitId,
          before: windowJson({ start: visit.windowStart, end: visit.windowEnd }),
          after: windowJson(window),
        },
      },
    });
  });

/**
 * A visit no longer needed is canceled (kept, with its reason). Canceling the one the crew works on next
 * moves the job to the visit after it; the last visit left is the job's, canceled with the job.
 */
export const cancelVisit = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  visitId: string,
  input: { reason: string },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { job, rows, visit, current, name } = await lockVisit(tx, organizationId, jobId, visitId);
    const next = rows.find((r) => r.status === 'planned' && r.id !== visitId);
    if (!next)
      throw new AppError(
        'conflict',
        `${name} is the last one of ${jobNumber(job.number)}: cancel the job instead`,
        {
          fields: [{ field: 'visitId', message: 'the last planned visit' }],
        },
      );
    if (current && job.status === 'in_progress')
      throw new AppError(
        'invalid_transition',
        `${jobNumber(job.number)} is in progress on this visit: leave it done, or close out the job`,
        { fields: [{ field: 'visitId', message: 'in progress' }] },
      );
    await tx.db
      .update(jobVisits)
      .set({ status: 'canceled', closedAt: deps.clock.now(), closedReason: input.reason })
      .where(and(eq(jobVisits.organizationId, organizationId), eq(jobVisits.id, visitId)));
    const extraChanges = {
      visit: { id: visitId, ...windowJson({ start: visit.windowStart, end: visit.windowEnd }) },
    };
    return current
      ? changeJob(tx, deps, {
          organizationId,
          jobId,
          actor,
          action: 'job.visit_canceled',
          operational: 'reschedule',
          locked: job,
          patch: { windowStart: next.windowStart, windowEnd: next.windowEnd },
          reason: input.reason,
          extraChanges,
        })
      : changeJob(tx, deps, {
          organizationId,
          jobId,
          actor,
          action: 'job.visit_canceled',
          locked: job,
          reason: input.reason,
          extraChanges,
        });
  });

/**
 * The crew leaves a visit done and comes back for the next: the visit is done, the job waits, scheduled,
 * in the next visit's window. The last visit is not left this way: its end is the closeout.
 */
export const finishVisit = (deps: Deps, organizationId: string, jobId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    const rows = await visitsOfJob(tx.db, organizationId, jobId);
    const current = currentOf(rows);
    const next = current && rows.find((r) => r.status === 'planned' && r.id !== current.id);
    if (!current || !next)
      throw new AppError(
        'invalid_transition',
        `${jobNumber(job.number)} has no later visit: close out the job when the work is done`,
        { fields: [{ field: 'visits', message: 'no later visit' }] },
      );
    const view = visitViews(rows).find((v) => v.id === current.id);
    const changed = await changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.visit_done',
      operational: 'visit_done',
      locked: job,
      patch: { windowStart: next.windowStart, windowEnd: next.windowEnd },
      extraChanges: { visit: { id: current.id, number: view?.number ?? null, of: view?.of ?? null } },
    });
    await tx.db
      .update(jobVisits)
      .set({ status: 'done', closedAt: deps.clock.now() })
      .where(and(eq(jobVisits.organizationId, organizationId), eq(jobVisits.id, current.id)));
    return changed;
  });

const NOT_NEEDED = 'Not needed: the work was completed at an earlier visit';

/**
 * Keeps a job's visits in step with the job in the same transaction: a job moved by any path (the board,
 * the API, a visit canceled) moves its current visit; a job closed closes its visits, the current one done
 * when the work was completed, the others canceled with the reason, in one statement (which is all a job
 * without visits costs when it closes; nothing otherwise).
 */
export const followJobWithVisits: JobSubscriber = async (tx, deps, { before, after, action }) => {
  const closing = CLOSED.has(after.status) && !CLOSED.has(before.status);
  const moved =
    after.windowStart.getTime() !== before.windowStart.getTime() ||
    after.windowEnd.getTime() !== before.windowEnd.getTime();
  const where = and(
    eq(jobVisits.organizationId, after.organizationId),
    eq(jobVisits.jobId, after.id),
    eq(jobVisits.status, 'planned'),
  );
  const now = deps.clock.now();
  if (closing) {
    // One statement: the visit the work was completed on (the job's window) is done, the rest canceled.
    const reason = after.status === 'completed' ? NOT_NEEDED : (after.closedReason ?? 'The job was closed');
    const doneHere =
      after.status === 'completed'
        ? sql`${jobVisits.windowStart} = ${after.windowStart.toISOString()}::timestamptz`
        : sql`false`;
    await tx.db
      .update(jobVisits)
      .set({
        status: sql`CASE WHEN ${doneHere} THEN 'done' ELSE 'canceled' END`,
        closedAt: now,
        closedReason: sql`CASE WHEN ${doneHere} THEN NULL ELSE ${reason} END`,
      })
      .where(where);
    return;
  }
  if (!moved || action === 'job.visit_done') return;
  const planned = await tx.db.select().from(jobVisits).where(where).orderBy(asc(jobVisits.windowStart));
  const current = planned[0];
  if (!current) return;
  if (
    current.windowStart.getTime() === after.windowStart.getTime() &&
    current.windowEnd.getTime() === after.windowEnd.getTime()
  )
    return;
  const window = { start: after.windowStart, end: after.windowEnd };
  const problems = placeProblems(planned.slice(1), window, null, 'body.window');
  const later = planned[1];
  if (problems.length === 0 && later && window.end > later.windowStart)
    problems.push({ field: 'body.windowEnd', message: 'must end before the job’s next visit starts' });
  if (problems.length) throw invalidAll(problems);
  await tx.db
    .update(jobVisits)
    .set({ windowStart: window.start, windowEnd: window.end })
    .where(and(eq(jobVisits.organizationId, after.organizationId), eq(jobVisits.id, current.id)));
};
