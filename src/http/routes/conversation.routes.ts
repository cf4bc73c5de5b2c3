import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  listComments,
  listNotifications,
  postComment,
  unreadNotifications,
} from '../../app/jobs/conversation';
import type { Deps } from '../../app/ports';
import { IdParams, Problem } from '../../contracts/common';
import { Comment, CommentBody, Notification, TimelineEvent } from '../../contracts/jobs';
import { actorOf } from '../../core/principal';
import { timelineOf, userNames } from '../../db/queries/timeline';
import { principalOf } from '../auth';
import { ensureJobVisible } from '../job-access';
import { timelineEventView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const writeErrors = { ...errors, 409: Problem };

/** A job's history and conversation, and the notifications it raises. */
export const conversationRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = deps.database.db;
  const ensureVisible = (p: ReturnType<typeof principalOf>, id: string) => ensureJobVisible(deps, p, id);

  app.get(
    '/jobs/:id/timeline',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['jobs'],
        summary: 'Every change to the job, from its audit chain',
        params: IdParams,
        response: { 200: z.object({ items: z.array(TimelineEvent) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      const events = await timelineOf(db, p.organizationId, 'job', request.params.id);
      return { items: events.map(timelineEventView) };
    },
  );

  app.get(
    '/jobs/:id/comments',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['jobs'],
        params: IdParams,
        response: { 200: z.object({ items: z.array(Comment) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      const rows = await listComments(deps, p.organizationId, request.params.id);
      const names = await userNames(
        db,
        rows.filter((r) => r.authorType === 'user' && r.authorId).map((r) => r.authorId as string),
      );
      return {
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          body: r.body,
          author: {
            type: r.authorType,
            id: r.authorId,
            name: r.authorId ? (names.get(r.authorId) ?? null) : null,
          },
          createdAt: r.createdAt.toISOString(),
        })),
      };
    },
  );

  for (const [path, kind, access] of [
    ['comments', 'comment', 'jobs.comment'],
    ['info-requests', 'info_request', 'jobs.request_info'],
  ] as const) {
    app.post(
      `/jobs/:id/${path}`,
      {
        config: { access },
        schema: {
          tags: ['jobs'],
          summary:
            kind === 'comment'
              ? 'Post to the job’s conversation'
              : 'Ask the assigned technicians for missing information (posts and notifies them)',
          params: IdParams,
          body: CommentBody,
          response: { 201: z.object({ id: z.uuid(), notified: z.array(z.uuid()) }), ...writeErrors },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        await ensureVisible(p, request.params.id);
        const { comment, notified } = await postComment(
          deps,
          p.organizationId,
          request.params.id,
          { body: request.body.body, kind, id: request.body.id },
          actorOf(p),
        );
        return reply.code(201).send({ id: comment.id, notified });
      },
    );
  }

  app.get(
    '/notifications/unread-count',
    {
      config: { access: 'notifications.read' },
      schema: {
        tags: ['jobs'],
        summary: 'How many of my notifications are unread (reading the list marks them read)',
        response: { 200: z.object({ count: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.kind !== 'user') return { count: 0 };
      return { count: await unreadNotifications(deps, p.organizationId, p.userId) };
    },
  );

  app.get(
    '/notifications',
    {
      config: { access: 'notifications.read' },
      schema: {
        tags: ['jobs'],
        summary:
          'My notifications (e.g. the office asking for missing information), newest first; marks them read',
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ items: z.array(Notification) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.kind !== 'user') return { items: [] };
      const rows = await listNotifications(deps, p.organizationId, p.userId, request.query.limit);
      return {
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          jobId: r.jobId,
          invoiceId: r.invoiceId,
          body: r.body,
          createdAt: r.createdAt.toISOString(),
          read: r.readAt !== null,
        })),
      };
    },
  );
};
