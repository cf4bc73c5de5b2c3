import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { computeMetrics } from '../../app/metrics/compute-metrics';
import { DRILLDOWNS, drilldown } from '../../app/metrics/drilldown';
import { metricsCsvRows } from '../../app/metrics/metrics-csv';
import type { Deps } from '../../app/ports';
import { Day, Problem } from '../../contracts/common';
import { Metrics } from '../../contracts/metrics';
import { invalid } from '../../core/errors';
import { principalOf } from '../auth';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

const Query = z.strictObject({
  from: Day,
  to: Day,
  groupBy: z.enum(['job_type', 'technician', 'week']).optional(),
  jobTypeId: z.uuid().optional(),
});
type Query = z.infer<typeof Query>;

const checkPeriod = (q: Query) => {
  if (q.to < q.from) throw invalid('query.to', 'must not be before from');
  if ((Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 > 731)
    throw invalid('query.to', 'a period is at most two years');
};

export const metricsRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/metrics',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags: ['metrics'],
        summary:
          'Cycle time (completed → invoice-ready, issued, sent, paid), first-time closeouts, approvals, touches, disputes, DSO, AR aging and this week',
        querystring: Query,
        response: { 200: Metrics, ...errors },
      },
    },
    async (request) => {
      checkPeriod(request.query);
      return computeMetrics(deps, principalOf(request).organizationId, request.query);
    },
  );

  app.get(
    '/metrics/export.csv',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags: ['metrics'],
        summary: 'The same metrics as CSV: section, measure, group, value',
        querystring: Query,
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      checkPeriod(request.query);
      const m = await computeMetrics(deps, principalOf(request).organizationId, request.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="closeout-metrics-${request.query.from}-${request.query.to}.csv"`,
        )
        .send(stringify(metricsCsvRows(m)));
    },
  );

  app.get(
    '/metrics/drilldown',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags: ['metrics'],
        summary: 'The jobs or invoices behind a number of the metrics',
        querystring: Query.omit({ groupBy: true }).extend({ metric: z.enum(DRILLDOWNS) }),
        response: {
          200: z.object({
            metric: z.string(),
            kind: z.enum(['jobs', 'invoices']),
            items: z.array(z.object({ id: z.uuid(), number: z.string() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      checkPeriod(request.query);
      const out = await drilldown(deps, principalOf(request).organizationId, request.query);
      return { ...out, kind: out.kind as 'jobs' | 'invoices' };
    },
  );
};
