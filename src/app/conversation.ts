import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../core/principal';
import type { Tx } from '../db/client';
import { jobAssignments, jobComments, notifications } from '../db/schema';
import { appendAudit } from './audit';
import { jobNumber, lockJob } from './jobs';
import { publish } from './notify';
import type { Deps } from './ports';

/**
 * A comment on a job is part of its record: stored, chained into the job's audit trail and published live.
 * An information request from the office also notifies every assigned technician.
 */
/** postComment inside a caller's transaction (e.g. a rejected approval speaking to the crew). */
export const postCommentInTx = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  jobId: string,
  input: { body: string; kind: 'comment' | 'info_request' },
  actor: Actor,
) => {
  const job = await lockJob(tx, organizationId, jobId);
  const now = deps.clock.now();
  const [comment] = await tx.db
    .insert(jobComments)
    .values({
      organizationId,
      id: deps.ids.uuid(),
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

export const postComment = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { body: string; kind: 'comment' | 'info_request' },
  actor: Actor,
) => deps.database.transaction((tx) => postCommentInTx(tx, deps, organizationId, jobId, input, actor));

export const listComments = (deps: Deps, organizationId: string, jobId: string) =>
  deps.database.db
    .select()
    .from(jobComments)
    .where(and(eq(jobComments.organizationId, organizationId), eq(jobComments.jobId, jobId)))
    .orderBy(asc(jobComments.createdAt), asc(jobComments.id));

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
