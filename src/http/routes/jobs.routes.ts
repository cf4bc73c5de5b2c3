import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../app/ports';
import { IdParams, Problem, pageOf } from '../../contracts/common';
import { Job, JobListQuery } from '../../contracts/jobs';
import { invalid, notFound } from '../../core/errors';
import { decodeCursor, pageOf as toPage } from '../../core/pagination';
import type { Principal } from '../../core/principal';
import { seesAllJobs } from '../../core/roles';
import { findJobs } from '../../db/queries/jobs';
import { principalOf } from '../auth';
import { jobView } from '../views';

const NOBODY = '00000000-0000-0000-0000-000000000000';

/** Technicians (and technician API keys) see only the jobs they are assigned to. */
const visibleTo = (p: Principal): string | undefined =>
  seesAllJobs(p.roles) ? undefined : p.kind === 'user' ? p.userId : NOBODY;

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

export const jobRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/jobs',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['jobs'],
        summary: 'Jobs by service window, oldest first; technicians see their own',
        querystring: JobListQuery,
        response: { 200: pageOf(Job), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      let after: { windowStart: Date; id: string } | undefined;
      if (q.cursor) {
        const [start, id] = decodeCursor(q.cursor) ?? [];
        if (typeof start !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(start)))
          throw invalid('query.cursor', 'not a cursor from this API');
        after = { windowStart: new Date(start), id };
      }
      if (q.from && q.to && q.to <= q.from) throw invalid('query.to', 'must be after from');
      const rows = await findJobs(deps.database.db, {
        organizationId: p.organizationId,
        visibleTo: visibleTo(p),
        technicianId: q.technicianId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        after,
        limit: q.limit,
      });
      const page = toPage(rows, q.limit, (r) => [r.job.windowStart.toISOString(), r.job.id]);
      return { items: page.items.map(jobView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/jobs/:id',
    {
      config: { access: 'jobs.read' },
      schema: { tags: ['jobs'], params: IdParams, response: { 200: Job, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
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
