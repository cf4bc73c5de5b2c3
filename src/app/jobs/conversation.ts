import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { jobAssignments, jobComments, notifications, users } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import { publish } from '../notify';
import type { Deps } from '../ports';
import { jobNumber, lockJob } from './job-store';

/**
 * A comment on a job is part of its record: stored, chained into the job's audit trail and published live.
 * An information request from the office also notifies every assigned technician.
 */
export type CommentInput = { body: string; kind: 'comment' | 'info_request'; id?: string | undefined };

/** postComment inside a caller's transaction (e.g. a rejected approval speaking to the crew). */
export const postCommentInTx = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  jobId: string,
  input: CommentInput,
  actor: Actor,
) => {
  const job = await lockJob(tx, organizationId, jobId);
  const now = deps.clock.now();
  if (input.id) {
    // A message sent again (the phone's outbox retrying after a lost answer) is recorded once.
    const [same] = await tx.db
      .select()
      .from(jobComments)
      .where(and(eq(jobComments.organizationId, organizationId), eq(jobComments.id, input.id)));
    if (same) {
      if (same.jobId !== jobId || same.body !== input.body || same.kind !== input.kind)
        throw new AppError('idempotency_conflict', 'This message ID was already used for another message', {
          fields: [{ field: 'body.id', message: 'already used for another message' }],
        });
      return { comment: same, notified: [] as string[] };
    }
  }
  const [comment] = await tx.db
    .insert(jobComments)
    .values({
      organizationId,
      id: input.id ?? deps.ids.uuid(),
      jobId,
      authorType: actor.type,
      authorId: actor.id,
      kind: input.kind,
      body: input.body,
      createdAt: now,
    })
    .returning();
  if (!comment) throw new Error('comment insert returned nothing');
  let notified: string[] = [];
  if (input.kind === 'info_request') {
    const crew = await tx.db
      .select({ userId: jobAssignments.userId })
      .from(jobAssignments)
      .where(and(eq(jobAssignments.organizationId, organizationId), eq(jobAssignments.jobId, jobId)));
    notified = crew.map((c) => c.userId).filter((u) => u !== actor.id);
    if (notified.length > 0) {
      await tx.db.insert(notifications).values(
        notified.map((userId) => ({
          organizationId,
          id: deps.ids.uuid(),
          userId,
          kind: 'info_request',
          jobId,
          body: `${jobNumber(job.number)}: ${input.body}`,
          createdAt: now,
        })),
      );
    }
  }
  if (input.kind === 'comment')
    notified = await notifyAskers(tx, deps, organizationId, job, input.body, actor);
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'job',
    aggregateId: jobId,
    action: input.kind === 'info_request' ? 'job.info_requested' : 'job.comment_added',
    actor,
    changes: { commentId: comment.id, body: input.body, ...(notified.length ? { notified } : {}) },
  });
  await publish(tx, {
    organizationId,
    type: 'job.comment',
    id: jobId,
    number: jobNumber(job.number),
    action: 'job.comment_added',
  });
  return { comment, notified };
};

/**
 * A reply on a job where someone asked for information reaches the people who asked, in their notification
 * centre: the office hears back from the crew without watching every job.
 */
const notifyAskers = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  job: { id: string; number: number },
  body: string,
  actor: Actor,
): Promise<string[]> => {
  if (actor.type !== 'user' || !actor.id) return [];
  const actorId = actor.id;
  const askers = await tx.db
    .selectDistinct({ userId: jobComments.authorId })
    .from(jobComments)
    .where(
      and(
        eq(jobComments.organizationId, organizationId),
        eq(jobComments.jobId, job.id),
        eq(jobComments.kind, 'info_request'),
        eq(jobComments.authorType, 'user'),
      ),
    );
  const to = askers.map((a) => a.userId).filter((u): u is string => u !== null && u !== actorId);
  if (to.length === 0) return [];
  const [author] = await tx.db
    .select({ name: users.name })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.id, actorId)));
  await tx.db.insert(notifications).values(
    to.map((userId) => ({
      organizationId,
      id: deps.ids.uuid(),
      userId,
      kind: 'info_reply',
      jobId: job.id,
      body: `${jobNumber(job.number)}: ${author?.name ?? 'The crew'} replied: ${body}`.slice(0, 1000),
      createdAt: deps.clock.now(),
    })),
  );
  return to;
};

export const postComment = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: CommentInput,
  actor: Actor,
) => deps.database.transaction((tx) => postCommentInTx(tx, deps, organizationId, jobId, input, actor));

export const listComments = (deps: Deps, organizationId: string, jobId: string) =>
  deps.database.db
    .select()
    .from(jobComments)
    .where(and(eq(jobComments.organizationId, organizationId), eq(jobComments.jobId, jobId)))
    .orderBy(asc(jobComments.createdAt), asc(jobComments.id));

/** How many of the caller's notifications are unread: the number on the office's bell. */
export const unreadNotifications = async (deps: Deps, organizationId: string, userId: string) => {
  const [row] = await deps.database.db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(notifications)
    .where(
      and(
        eq(notifications.organizationId, organizationId),
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
      ),
    );
  return row?.n ?? 0;
};

/** The caller's notifications, newest first; reading them marks them read. */
export const listNotifications = (deps: Deps, organizationId: string, userId: string, limit: number) =>
  deps.database.transaction(async (tx) => {
    const rows = await tx.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.organizationId, organizationId), eq(notifications.userId, userId)))
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(limit);
    const unread = rows.filter((r) => r.readAt === null).map((r) => r.id);
    if (unread.length > 0) {
      await tx.db
        .update(notifications)
        .set({ readAt: deps.clock.now() })
        .where(and(eq(notifications.organizationId, organizationId), inArray(notifications.id, unread)));
    }
    return rows;
  });
