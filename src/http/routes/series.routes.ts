import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/ports';
import { createSeries } from '../../app/series/create-series';
import { seriesWithVisits } from '../../app/series/read-series';
import { endSeries, pauseSeries, resumeSeries } from '../../app/series/series-status';
import { splitSeries } from '../../app/series/split-series';
import { IdParams, Problem, pageOf } from '../../contracts/common';
import {
  CreateSeriesBody,
  ResumeSeriesBody,
  Series,
  SeriesListQuery,
  SeriesSummary,
  SplitSeriesBody,
  StopSeriesBody,
} from '../../contracts/series';
import { notFound } from '../../core/errors';
import { pairCursor, pageOf as toPage } from '../../core/pagination';
import { actorOf } from '../../core/principal';
import { isSeriesStatus, type SeriesStatus } from '../../core/series-lifecycle';
import { getOrganization } from '../../db/queries/directory';
import { listSeries } from '../../db/queries/series';
import { principalOf } from '../auth';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const statusOf = (s: string): SeriesStatus => (isSeriesStatus(s) ? s : 'active');

export const seriesRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  const view = async (organizationId: string, id: string): Promise<z.infer<typeof Series>> => {
    const { row, visits, chain } = await seriesWithVisits(deps, organizationId, id);
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
      scope: String((row.template as { scope?: unknown }).scope ?? ''),
      status: statusOf(row.status),
      statusReason: row.statusReason,
      visits: visits.map((v) => ({
        ...v,
        status: v.status as z.infer<typeof Series>['visits'][number]['status'],
        billingStatus: v.billingStatus as z.infer<typeof Series>['visits'][number]['billingStatus'],
        number: `J-${v.number}`,
        windowStart: v.windowStart.toISOString(),
      })),
      chain: chain.map((p) => ({ ...p, status: statusOf(p.status) })),
    };
  };

  app.get(
    '/series',
    {
      config: { access: 'series.read' },
      schema: {
        tags: ['series'],
        summary: 'Recurring services by customer name: the current part of each, with its next visit',
        querystring: SeriesListQuery,
        response: { 200: pageOf(SeriesSummary), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, customerId, status } = request.query;
      const after = pairCursor(cursor);
      const rows = await listSeries(
        deps.database.db,
        principalOf(request).organizationId,
        { customerId, status, after },
        limit,
      );
      const page = toPage(rows, limit, (r) => [r.customerName, r.row.id]);
      return {
        items: page.items.map((r) => ({
          id: r.row.id,
          customer: { id: r.row.customerId, name: r.customerName },
          site: {
            id: r.row.siteId,
            name: r.siteName,
            addressLine: [r.siteAddress.line1, r.siteAddress.city].filter(Boolean).join(', '),
          },
          jobType: { id: r.row.jobTypeId, name: r.jobTypeName },
          scope: String((r.row.template as { scope?: unknown }).scope ?? ''),
          rrule: r.row.rrule,
          startDate: r.row.startDate,
          startTime: r.row.startTime,
          durationMinutes: r.row.durationMinutes,
          endDate: r.row.endDate,
          status: statusOf(r.row.status),
          statusReason: r.row.statusReason,
          billingRule: r.row.billingRule,
          billingCycle: r.row.billingCycle,
          nextVisit: r.nextVisit ? r.nextVisit.toISOString() : null,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

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

  const stopRoute = (path: 'pause' | 'end', summary: string, run: typeof pauseSeries) =>
    app.post(
      `/series/:id/${path}`,
      {
        config: { access: 'series.manage' },
        schema: {
          tags: ['series'],
          summary,
          params: IdParams,
          body: StopSeriesBody,
          response: { 200: z.object({ series: Series, canceled: z.number().int() }), ...errors },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const result = await run(deps, p.organizationId, request.params.id, request.body, actorOf(p));
        return { canceled: result.canceled, series: await view(p.organizationId, result.id) };
      },
    );
  stopRoute(
    'pause',
    'Pause from a date: unstarted visits from then are closed until it is resumed',
    pauseSeries,
  );
  stopRoute('end', 'End from a date: unstarted visits from then are closed; finished work stays', endSeries);

  app.post(
    '/series/:id/resume',
    {
      config: { access: 'series.manage' },
      schema: {
        tags: ['series'],
        summary: 'Resume a paused service from a date, as a new part with the same rule, crew and billing',
        params: IdParams,
        body: ResumeSeriesBody,
        response: { 201: z.object({ series: Series, created: z.number().int() }), ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const result = await resumeSeries(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return reply
        .code(201)
        .send({ created: result.created, series: await view(p.organizationId, result.id) });
    },
  );
};
