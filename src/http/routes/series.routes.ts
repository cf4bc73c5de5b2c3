import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/ports';
import { createSeries, seriesWithVisits, splitSeries } from '../../app/series';
import { IdParams, Problem } from '../../contracts/common';
import { CreateSeriesBody, Series, SplitSeriesBody } from '../../contracts/jobs';
import { notFound } from '../../core/errors';
import { actorOf } from '../../core/principal';
import { getOrganization } from '../../db/queries/directory';
import { principalOf } from '../auth';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

export const seriesRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  const view = async (organizationId: string, id: string): Promise<z.infer<typeof Series>> => {
    const { row, visits } = await seriesWithVisits(deps, organizationId, id);
    return {
      id: row.id,
      customerId: row.customerId,
      siteId: row.siteId,
      jobTypeId: row.jobTypeId,
      rrule: row.rrule,
      timeZone: row.timeZone,
      startDate: row.startDate,
      startTime: row.startTime,
      durationMinutes: row.durationMinutes,
      endDate: row.endDate,
      crew: row.crew,
      billingRule: row.billingRule,
      billingCycle: row.billingCycle,
      horizonDays: row.horizonDays,
      generatedUntil: row.generatedUntil,
      splitFrom: row.splitFrom,
      visits: visits.map((v) => ({
        ...v,
        number: `J-${v.number}`,
        windowStart: v.windowStart.toISOString(),
      })),
    };
  };

  app.post(
    '/series',
    {
      config: { access: 'series.manage' },
      schema: {
        tags: ['series'],
        summary: 'A recurring service: each visit up to the horizon becomes its own job',
        body: CreateSeriesBody,
        response: { 201: Series, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const org = await getOrganization(deps.database.db, p.organizationId);
      if (!org) throw notFound('organization');
      const { id } = await createSeries(deps, p.organizationId, org.timeZone, request.body, actorOf(p));
      return reply.code(201).send(await view(p.organizationId, id));
    },
  );

  app.get(
    '/series/:id',
    {
      config: { access: 'series.read' },
      schema: { tags: ['series'], params: IdParams, response: { 200: Series, ...errors } },
    },
    async (request) => view(principalOf(request).organizationId, request.params.id),
  );

  app.post(
    '/series/:id/split',
    {
      config: { access: 'series.manage' },
      schema: {
        tags: ['series'],
        summary: 'Edit "this and following": end the series before fromDate and continue as a new one',
        params: IdParams,
        body: SplitSeriesBody,
        response: {
          201: z.object({
            series: Series,
            moved: z.number().int(),
            canceled: z.number().int(),
            created: z.number().int(),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const result = await splitSeries(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return reply.code(201).send({ ...result, series: await view(p.organizationId, result.id) });
    },
  );
};
