import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listComments, listNotifications, postComment, unreadNotifications } from '../../app/conversation';
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
import { onMyWay } from '../../app/work-orders';
import { IdParams, Instant, Problem, pageOf } from '../../contracts/common';
import {
  AssignBody,
  Board,
  BoardQuery,
  CloseBody,
  Comment,
  CommentBody,
  CreateJobBody,
  CreateRevisionBody,
  Job,
  JobListQuery,
  NotBillableBody,
  RescheduleBody,
  TimelineEvent,
  UpdateJobBody,
} from '../../contracts/jobs';
import { overlapsByJob } from '../../core/board';
import { AppError, invalid, notFound } from '../../core/errors';
import { type BillingStatus, isBillingException, type OperationalStatus } from '../../core/job-lifecycle';
import { decodeCursor, pageOf as toPage } from '../../core/pagination';
import { can } from '../../core/permissions';
import { actorOf, type Principal } from '../../core/principal';
import { addDays, zonedToInstant } from '../../core/time';
import { boardJobs, technicians } from '../../db/queries/board';
import { getOrganization } from '../../db/queries/directory';
import { findJobs } from '../../db/queries/jobs';
import { timelineOf, userNames } from '../../db/queries/timeline';
import { principalOf } from '../auth';
import { ensureJobVisible, visibleTo } from '../job-access';
import { jobView, timelineEventView } from '../views';

/** The fields of a job that decide what the customer is billed: changed by billing and the owner only. */
const BILLING_FACTS = [
  'depositRequired',
  'depositAmount',
  'depositReceived',
  'discountPercent',
  'taxCodeId',
  'poNumber',
  'billingOwnerId',
  'estimateLines',
] as const;

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
      let after: { windowStart: Date; id: string } | undefined;
      if (q.cursor) {
        const [start, id] = decodeCursor(q.cursor) ?? [];
        if (typeof start !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(start)))
          throw invalid('query.cursor', 'not a cursor from this API');
        after = { windowStart: new Date(start), id };
      }
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
      // Billing facts are billing's: a dispatcher's correction may touch the scope and custom fields only.
      const billingFacts = BILLING_FACTS.filter((k) => request.body[k] !== undefined);
      if (billingFacts.length > 0 && !can(p.roles, 'jobs.billing'))
        throw new AppError('forbidden', 'Only billing or the owner changes what the customer is billed', {
          fields: billingFacts.map((k) => ({ field: `body.${k}`, message: 'a billing fact: ask billing' })),
        });
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
          'The technician is travelling to the job: a scheduled job becomes dispatched; recorded in the audit',
        params: IdParams,
        response: { 200: Job, ...writeErrors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      await onMyWay(deps, p.organizationId, request.params.id, actorOf(p));
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
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.uuid(),
                kind: z.string(),
                jobId: z.uuid().nullable(),
                /** The invoice it is about (a payment received, an e-mail that could not go). */
                invoiceId: z.uuid().nullable(),
                body: z.string(),
                createdAt: Instant,
                read: z.boolean(),
              }),
            ),
          }),
          ...errors,
        },
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

  app.get(
    '/board',
    {
      config: { access: 'board.read' },
      schema: {
        tags: ['jobs'],
        summary: 'The dispatch board: a day or a week per technician, both statuses, overlaps flagged',
        querystring: BoardQuery,
        response: { 200: Board, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const org = await getOrganization(db, p.organizationId);
      if (!org) throw notFound('organization');
      const q = request.query;
      const from = zonedToInstant(q.date, '00:00', org.timeZone);
      const to = zonedToInstant(addDays(q.date, q.days), '00:00', org.timeZone);
      const { rows, crew } = await boardJobs(db, p.organizationId, from, to);
      const techs = (await technicians(db, p.organizationId)).filter(
        (t) => t.roles.includes('technician') && t.active && (!q.technicianId || t.id === q.technicianId),
      );
      const view = (r: (typeof rows)[number], overlaps: string[]) => ({
        id: r.id,
        number: `J-${r.number}`,
        customerName: r.customerName,
        siteName: r.siteName,
        jobTypeName: r.jobTypeName,
        windowStart: r.windowStart.toISOString(),
        windowEnd: r.windowEnd.toISOString(),
        status: r.status as OperationalStatus,
        billingStatus: r.billingStatus as BillingStatus,
        exception: isBillingException(r.status as OperationalStatus, r.billingStatus as BillingStatus),
        overlapsWith: overlaps,
        version: r.version,
      });
      const assigned = new Set(crew.map((c) => c.jobId));
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        timeZone: org.timeZone,
        rows: techs.map((t) => {
          const ids = new Set(crew.filter((c) => c.userId === t.id).map((c) => c.jobId));
          const mine = rows.filter((r) => ids.has(r.id));
          const overlaps = overlapsByJob(
            mine.map((r) => ({
              id: r.id,
              start: r.windowStart,
              end: r.windowEnd,
              live: r.status !== 'canceled' && r.status !== 'no_show',
            })),
          );
          return {
            technician: { id: t.id, name: t.name },
            jobs: mine.map((r) => view(r, overlaps.get(r.id) ?? [])),
          };
        }),
        unassigned: rows.filter((r) => !assigned.has(r.id)).map((r) => view(r, [])),
      };
    },
  );
};
