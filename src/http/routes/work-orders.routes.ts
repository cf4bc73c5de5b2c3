import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../app/ports';
import { onMyWay, workOrdersFor } from '../../app/work-orders';
import { IdParams, Problem } from '../../contracts/common';
import { Job } from '../../contracts/jobs';
import { WorkOrders, WorkOrdersQuery } from '../../contracts/work-orders';
import { AppError, notFound } from '../../core/errors';
import { actorOf, type Principal } from '../../core/principal';
import { findJobs } from '../../db/queries/jobs';
import { principalOf } from '../auth';
import { ensureJobVisible, visibleTo } from '../job-access';
import { jobView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const userOf = (p: Principal): string => {
  if (p.kind !== 'user') throw new AppError('forbidden', 'Work orders belong to people; API keys have none');
  return p.userId;
};

/** The technician app's side of the API: its offline work orders and "on my way". */
export const workOrderRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/my/work-orders',
    {
      config: { access: 'jobs.work' },
      schema: {
        tags: ['technician'],
        summary:
          "The caller's jobs from yesterday to `days` after today, with site, closeout requirements (customer overrides applied), line taxes and the price book: what the technician app caches for offline work",
        querystring: WorkOrdersQuery,
        response: { 200: WorkOrders, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const w = await workOrdersFor(deps, p.organizationId, userOf(p), request.query.days);
      return {
        ...w,
        items: w.items.map(({ row, ...rest }) => ({ job: jobView(row), ...rest })),
      };
    },
  );

  app.post(
    '/jobs/:id/on-my-way',
    {
      config: { access: 'jobs.work' },
      schema: {
        tags: ['technician'],
        summary:
          'The technician is travelling to the job: a scheduled job becomes dispatched; recorded in the audit',
        params: IdParams,
        response: { 200: Job, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureJobVisible(deps, p, request.params.id);
      await onMyWay(deps, p.organizationId, request.params.id, actorOf(p));
      const [row] = await findJobs(deps.database.db, {
        organizationId: p.organizationId,
        visibleTo: visibleTo(p),
        id: request.params.id,
        limit: 1,
      });
      if (!row) throw notFound('job');
      return jobView(row);
    },
  );
};
