import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cycleRunView, listCycleRuns, startCycleRun } from '../../app/invoicing/cycle-runs';
import { invoiceCycle } from '../../app/invoicing/invoice-cycle';
import type { Deps } from '../../app/ports';
import { CycleInvoiceBody, CycleRun, CycleRunBody, CycleRunDetail } from '../../contracts/billing';
import { IdParams, Problem } from '../../contracts/common';
import { Invoice } from '../../contracts/invoices';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';
import { invoiceView } from './invoices.routes';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Invoicing series billed per cycle: one series for a period, or every series in a background run. */
export const cycleRunRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/series/:id/cycle-invoices',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['invoices'],
        summary:
          'Invoice a per-cycle series for a period: one invoice covering its invoice-ready visits; unfinished visits are listed as exceptions',
        params: IdParams,
        body: CycleInvoiceBody,
        response: { 201: Invoice, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const period = { start: request.body.periodStart, end: request.body.periodEnd };
      const row = await invoiceCycle(deps, p.organizationId, request.params.id, period, actorOf(p));
      return reply.code(201).send(invoiceView(row));
    },
  );

  app.post(
    '/cycle-runs',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['invoices'],
        summary:
          'Invoice every series billed on a cycle (monthly by default) for a period, in the background; follow its progress at /cycle-runs/{id}',
        body: CycleRunBody,
        response: { 202: CycleRunDetail, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const period = {
        start: request.body.periodStart,
        end: request.body.periodEnd,
        billingCycle: request.body.billingCycle,
      };
      const run = await startCycleRun(deps, p.organizationId, period, actorOf(p));
      return reply.code(202).send(await cycleRunView(deps, p.organizationId, run.id));
    },
  );

  app.get(
    '/cycle-runs',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        summary: 'The latest cycle runs, newest first, with their progress',
        response: { 200: z.object({ items: z.array(CycleRun) }), ...errors },
      },
    },
    async (request) => ({ items: await listCycleRuns(deps, principalOf(request).organizationId) }),
  );

  app.get(
    '/cycle-runs/:id',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        summary:
          'One cycle run: progress, counts, and the series it did not issue an invoice for, with the reason',
        params: IdParams,
        response: { 200: CycleRunDetail, ...errors },
      },
    },
    async (request) => cycleRunView(deps, principalOf(request).organizationId, request.params.id),
  );
};
