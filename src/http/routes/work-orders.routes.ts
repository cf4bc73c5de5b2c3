import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { workOrdersFor } from '../../app/closeout/work-orders';
import type { Deps } from '../../app/ports';
import { Problem } from '../../contracts/common';
import { WorkOrders, WorkOrdersQuery } from '../../contracts/work-orders';
import { AppError } from '../../core/errors';
import type { Principal } from '../../core/principal';
import { principalOf } from '../auth';
import { jobView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const userOf = (p: Principal): string => {
  if (p.kind !== 'user') throw new AppError('forbidden', 'Work orders belong to people; API keys have none');
  return p.userId;
};

/** The technician app's offline work orders ("on my way" sits with the other job actions). */
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
};
