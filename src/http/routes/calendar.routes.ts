import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/ports';
import { calendarFeed, rotateCalendarFeed } from '../../app/scheduling/calendar';
import { Problem } from '../../contracts/common';
import { AppError } from '../../core/errors';
import { actorOf } from '../../core/principal';
import { seesAllJobs } from '../../core/roles';
import { principalOf } from '../auth';

const FeedParams = z.strictObject({
  feed: z.string().regex(/^[A-Za-z0-9_-]{43}\.ics$/, 'not a calendar feed'),
});

export const calendarRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/calendar-feeds',
    {
      config: { access: 'calendar.feed' },
      schema: {
        tags: ['calendar'],
        summary:
          'Create or rotate a technician’s secret iCalendar URL (shown once; the old URL stops working)',
        body: z.strictObject({ userId: z.uuid().optional() }),
        response: {
          201: z.object({ url: z.string() }),
          400: Problem,
          401: Problem,
          403: Problem,
          404: Problem,
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const self = p.kind === 'user' ? p.userId : undefined;
      const userId = request.body.userId ?? self;
      if (!userId)
        throw new AppError('validation_failed', 'Say whose feed', {
          fields: [{ field: 'body.userId', message: 'required' }],
        });
      if (userId !== self && !seesAllJobs(p.roles))
        throw new AppError('forbidden', 'Technicians manage only their own feed', {
          fields: [{ field: 'body.userId', message: 'not you' }],
        });
      const token = await rotateCalendarFeed(deps, p.organizationId, userId, actorOf(p));
      return reply.code(201).send({ url: `/api/v1/calendar/${token}.ics` });
    },
  );

  app.get(
    '/calendar/:feed',
    {
      config: { access: 'public' },
      schema: {
        tags: ['calendar'],
        summary: 'A technician’s jobs as RFC 5545 iCalendar; the secret in the URL is the credential',
        params: FeedParams,
        produces: ['text/calendar'],
      },
    },
    async (request, reply) => {
      const body = await calendarFeed(deps, request.params.feed.slice(0, -'.ics'.length));
      return reply
        .type('text/calendar; charset=utf-8')
        .header('cache-control', 'private, max-age=300')
        .send(body);
    },
  );
};
