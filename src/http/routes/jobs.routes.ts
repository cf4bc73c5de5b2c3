import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { onMyWay } from '../../app/closeout/work-orders';
import { closeNotBillable } from '../../app/invoicing/close-not-billable';
import { rebuildJobInvoices } from '../../app/invoicing/rebuild-invoices';
import type { Deps } from '../../app/ports';
import { createJob, createRevision } from '../../app/scheduling/create-job';
import {
  assignCrew,
  closeJob,
  dispatchJob,
  rescheduleJob,
  startJob,
} from '../../app/scheduling/schedule-job';
import { updateJobFields } from '../../app/scheduling/update-job';
import {
  addVisit,
  cancelVisit,
  finishVisit,
  moveVisit,
  visitsOfJob,
  visitViews,
} from '../../app/scheduling/visits';
import { IdParams, Problem, pageOf } from '../../contracts/common';
import {
  AddVisitBody,
  AssignBody,
  BILLING_FACTS,
  type BillingFact,
  CancelVisitBody,
  CloseBody,
  CreateJobBody,
  CreateRevisionBody,
  Job,
  JobListQuery,
  JobVisits,
  MoveVisitBody,
  NotBillableBody,
  OnMyWayBody,
  RescheduleBody,
  UpdateJobBody,
  VisitParams,
} from '../../contracts/jobs';
import { AppError, invalid, notFound } from '../../core/errors';
import { pairCursor, pageOf as toPage } from '../../core/pagination';
import { can } from '../../core/permissions';
import { actorOf, type Principal } from '../../core/principal';
import { findJobs } from '../../db/queries/jobs';
import { principalOf } from '../auth';
import { ensureJobVisible, visibleTo } from '../job-access';
import { jobView } from '../views';

/**
 * Billing facts are billing's and the owner's: a dispatcher books and corrects the scope, the window and the
 * custom fields only, at booking as afterwards (403 naming each field). At booking, a value that sets nothing
 * (no deposit, no discount, an empty PO, no estimate) is not a billing fact.
 */
const refuseBillingFacts = (p: Principal, body: Partial<Record<BillingFact, unknown>>, booking: boolean) => {
  if (can(p.roles, 'jobs.billing')) return;
  const setsNothing = (v: unknown) =>
    v === undefined ||
    (booking && (v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0)));
  const facts = BILLING_FACTS.filter((k) => !setsNothing(body[k]));
  if (facts.length > 0)
    throw new AppError('forbidden', 'Only billing or the owner sets what the customer is billed', {
      fields: facts.map((k) => ({ field: `body.${k}`, message: 'a billing fact: ask billing' })),
    });
};

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const writeErrors = { ...errors, 409: Problem };

export const jobRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = deps.database.db;

  const loadView = async (p: Principal, id: string) => {
    const [row] = await findJobs(db, {
      organizationId: p.organizationId,
      visibleTo: visibleTo(p),
      id,
      limit: 1,
    });
    if (!row) throw notFound('job');
    return jobView(row);
  };
  const ensureVisible = (p: Principal, id: string) => ensureJobVisible(deps, p, id);

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
      const key = pairCursor(q.cursor || undefined, (start) => !Number.isNaN(Date.parse(start)));
      const after = key ? { windowStart: new Date(key[0]), id: key[1] } : undefined;
      if (q.from && q.to && q.to <= q.from) throw invalid('query.to', 'must be after from');
      const rows = await findJobs(db, {
        organizationId: p.organizationId,
        visibleTo: visibleTo(p),
        technicianId: q.technicianId,
        customerId: q.customerId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        after,
        exceptionsOnly: q.exceptions === 'true',
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
    async (request) => loadView(principalOf(request), request.params.id),
  );

  app.post(
    '/jobs',
    {
      config: { access: 'jobs.create' },
      schema: {
        tags: ['jobs'],
        summary: 'Book a job',
        body: CreateJobBody,
        response: { 201: Job, ...writeErrors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      refuseBillingFacts(p, b, true);
      const job = await createJob(
        deps,
        p.organizationId,
        { ...b, windowStart: new Date(b.windowStart), windowEnd: new Date(b.windowEnd) },
        actorOf(p),
      );
      return reply.code(201).send(await loadView(p, job.id));
    },
  );

  app.post(
    '/jobs/:id/revisions',
    {
      config: { access: 'jobs.create' },
      schema: {
        tags: ['jobs'],
        summary:
          'Add-on or changed work after invoicing: a new job with its own ID and number, invoiced for the delta only',
        params: IdParams,
        body: CreateRevisionBody,
        response: { 201: Job, ...writeErrors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      const job = await createRevision(
        deps,
        p.organizationId,
        request.params.id,
        { ...b, windowStart: new Date(b.windowStart), windowEnd: new Date(b.windowEnd) },
        actorOf(p),
      );
      return reply.code(201).send(await loadView(p, job.id));
    },
  );

  app.patch(
    '/jobs/:id',
    {
      config: { access: 'jobs.update' },
      schema: {
        tags: ['jobs'],
        summary:
          'Office correction of a job: scope and custom fields (office roles), billing facts such as deposit, discount, tax code, PO, billing owner and estimate (billing and owner); validated, audited, and refused once invoiced',
        params: IdParams,
        body: UpdateJobBody,
        response: { 200: Job, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      refuseBillingFacts(p, request.body, false);
      await updateJobFields(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return loadView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/reschedule',
    {
      config: { access: 'jobs.schedule' },
      schema: {
        tags: ['jobs'],
        summary: 'Move the service window; the job keeps its ID and the change is logged with its reason',
        params: IdParams,
        body: RescheduleBody,
        response: { 200: Job, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const b = request.body;
      await rescheduleJob(
        deps,
        p.organizationId,
        request.params.id,
        { ...b, windowStart: new Date(b.windowStart), windowEnd: new Date(b.windowEnd) },
        actorOf(p),
      );
      return loadView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/assign',
    {
      config: { access: 'jobs.schedule' },
      schema: { tags: ['jobs'], params: IdParams, body: AssignBody, response: { 200: Job, ...writeErrors } },
    },
    async (request) => {
      const p = principalOf(request);
      await assignCrew(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return loadView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/dispatch',
    {
      config: { access: 'jobs.schedule' },
      schema: { tags: ['jobs'], params: IdParams, response: { 200: Job, ...writeErrors } },
    },
    async (request) => {
      const p = principalOf(request);
      await dispatchJob(deps, p.organizationId, request.params.id, actorOf(p));
      return loadView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/on-my-way',
    {
      config: { access: 'jobs.work' },
      schema: {
        tags: ['technician'],
        summary:
          'The technician is travelling to the job: a scheduled job becomes dispatched; recorded in the audit. The customer is e-mailed the arrival window from the estimate (default 30 minutes from the tap)',
        params: IdParams,
        body: OnMyWayBody.nullish(),
        response: { 200: Job, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      await onMyWay(deps, p.organizationId, request.params.id, actorOf(p), request.body ?? {});
      return loadView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/start',
    {
      config: { access: 'jobs.work' },
      schema: { tags: ['jobs'], params: IdParams, response: { 200: Job, ...writeErrors } },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      await startJob(deps, p.organizationId, request.params.id, actorOf(p));
      return loadView(p, request.params.id);
    },
  );

  const visitsView = async (p: Principal, id: string) => ({
    items: visitViews(await visitsOfJob(db, p.organizationId, id)),
  });

  app.get(
    '/jobs/:id/visits',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['jobs'],
        summary:
          'A job done over several days: its visits in order, done, planned and canceled; a one-visit job has none',
        params: IdParams,
        response: { 200: JobVisits, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      return visitsView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/visits',
    {
      config: { access: 'jobs.schedule' },
      schema: {
        tags: ['jobs'],
        summary:
          'Another day of work on an open job, after the visit the crew works on now; a one-visit job becomes a job of visits',
        params: IdParams,
        body: AddVisitBody,
        response: { 201: JobVisits, ...writeErrors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      await addVisit(
        deps,
        p.organizationId,
        request.params.id,
        { windowStart: new Date(b.windowStart), windowEnd: new Date(b.windowEnd), reason: b.reason },
        actorOf(p),
      );
      reply.code(201);
      return visitsView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/visits/:visitId/move',
    {
      config: { access: 'jobs.schedule' },
      schema: {
        tags: ['jobs'],
        summary:
          'Move a planned visit; moving the one the crew works on next reschedules the job, a later one never goes over another',
        params: VisitParams,
        body: MoveVisitBody,
        response: { 200: JobVisits, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const b = request.body;
      await moveVisit(
        deps,
        p.organizationId,
        request.params.id,
        request.params.visitId,
        { windowStart: new Date(b.windowStart), windowEnd: new Date(b.windowEnd), reason: b.reason },
        actorOf(p),
      );
      return visitsView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/visits/:visitId/cancel',
    {
      config: { access: 'jobs.schedule' },
      schema: {
        tags: ['jobs'],
        summary:
          'Cancel a planned visit no longer needed (kept, with the reason); canceling the next one moves the job to the visit after it',
        params: VisitParams,
        body: CancelVisitBody,
        response: { 200: JobVisits, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await cancelVisit(
        deps,
        p.organizationId,
        request.params.id,
        request.params.visitId,
        request.body,
        actorOf(p),
      );
      return visitsView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/visit-done',
    {
      config: { access: 'jobs.work' },
      schema: {
        tags: ['technician'],
        summary:
          'The crew leaves this visit done and comes back for the next: the job waits, scheduled, in the next visit’s window',
        params: IdParams,
        response: { 200: Job, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      await finishVisit(deps, p.organizationId, request.params.id, actorOf(p));
      return loadView(p, request.params.id);
    },
  );

  for (const [path, kind] of [
    ['cancel', 'cancel'],
    ['no-show', 'no_show'],
  ] as const) {
    app.post(
      `/jobs/:id/${path}`,
      {
        config: { access: 'jobs.schedule' },
        schema: {
          tags: ['jobs'],
          summary: `Close the job as ${kind.replace('_', '-')} with a reason; a job type fee makes it invoice-ready`,
          params: IdParams,
          body: CloseBody,
          response: { 200: Job, ...writeErrors },
        },
      },
      async (request) => {
        const p = principalOf(request);
        await closeJob(deps, p.organizationId, request.params.id, kind, request.body, actorOf(p));
        return loadView(p, request.params.id);
      },
    );
  }

  app.post(
    '/jobs/:id/close-not-billable',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['jobs'],
        summary:
          'Close a job waiting for its invoice, or in review, as not billable with a reason; its unnumbered drafts go void',
        params: IdParams,
        body: NotBillableBody,
        response: { 200: Job, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await closeNotBillable(deps, p.organizationId, request.params.id, request.body.reason, actorOf(p));
      return loadView(p, request.params.id);
    },
  );

  app.post(
    '/jobs/:id/rebuild-invoices',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['jobs'],
        summary:
          "Make the job's unissued documents again once the cause of a hold or a failure is fixed (a rate recorded, a price added); a job in review returns to invoice-ready",
        params: IdParams,
        response: { 200: Job, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await rebuildJobInvoices(deps, p.organizationId, request.params.id, actorOf(p));
      return loadView(p, request.params.id);
    },
  );
};
