import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { closeoutRecord } from '../../app/closeout/closeout-record';
import { loadDraft, saveDraft } from '../../app/closeout/drafts';
import { type CloseoutDecision, submitCloseout } from '../../app/closeout/submit-closeout';
import { addTimeEntry, listTimeEntries, startTimer, stopTimer } from '../../app/closeout/time-entries';
import type { Deps } from '../../app/ports';
import {
  CloseoutBody,
  CloseoutDraftBody,
  CloseoutRecordView,
  CloseoutResult,
  MissingItemSchema,
  OfficeEditBody,
  StoredCloseout,
  TimeEntryView,
} from '../../contracts/closeout';
import { IdParams, Instant, Problem } from '../../contracts/common';
import { decimalString, nullableDecimal } from '../../core/decimal';
import { AppError, notFound } from '../../core/errors';
import { actorOf, type Principal } from '../../core/principal';
import { principalOf } from '../auth';
import { PROBLEM_BASE } from '../errors';
import { ensureJobVisible } from '../job-access';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** 201 with the decision, or 422 problem+json listing every missing item; the same for a replay. */
const render = (request: FastifyRequest, reply: FastifyReply, d: CloseoutDecision) => {
  if (d.outcome === 'incomplete') {
    return reply
      .code(422)
      .type('application/problem+json')
      .send({
        type: `${PROBLEM_BASE}closeout_incomplete`,
        title: 'Closeout incomplete',
        status: 422,
        detail: `${d.missing.length} item${d.missing.length === 1 ? '' : 's'} missing: ${d.missing.map((m) => m.message).join('; ')}`,
        instance: request.url.split('?')[0],
        code: 'closeout_incomplete',
        requestId: d.requestId,
        errors: d.missing.map((m) => ({ field: m.field, message: m.message })),
        submissionId: d.submissionId,
        missing: d.missing,
        job: d.job,
      });
  }
  return reply.code(201).send({
    submissionId: d.submissionId,
    outcome: d.outcome,
    job: d.job,
    missing: d.missing,
    exceptionReason: d.exceptionReason,
    approval: d.approval ?? null,
  });
};

const selfOf = (p: Principal): string => {
  if (p.kind !== 'user') throw new AppError('forbidden', 'Timers belong to people; API keys cannot run them');
  return p.userId;
};

export const closeoutRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const ensureVisible = (p: Principal, id: string, existence?: 'check' | 'locked-later') =>
    ensureJobVisible(deps, p, id, existence);

  app.post(
    '/jobs/:id/closeouts',
    {
      config: { access: 'jobs.work' },
      schema: {
        tags: ['closeout'],
        summary:
          'Submit a closeout. submissionId is the idempotency key. 201 when complete (or by way of a stated exception), 422 listing every missing item otherwise',
        params: IdParams,
        body: CloseoutBody,
        response: { 201: CloseoutResult, 422: Problem, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id, 'locked-later');
      const { decision } = await submitCloseout(deps, {
        organizationId: p.organizationId,
        jobId: request.params.id,
        body: request.body,
        source: 'technician',
        actor: actorOf(p),
        requestId: request.id,
      });
      return render(request, reply, decision);
    },
  );

  app.get(
    '/jobs/:id/closeout',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['closeout'],
        summary:
          'The closeout in force (lines, proof, signature, time and place, flags), what is still missing, and every submission',
        params: IdParams,
        response: { 200: CloseoutRecordView, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      const r = await closeoutRecord(deps, p.organizationId, request.params.id);
      const nameOf = (id: string | null) => (id ? (r.names.get(id) ?? null) : null);
      const body = r.inForce ? StoredCloseout.safeParse(r.inForce.body) : null;
      const b = body?.success ? body.data : null;
      const missingOf = (m: unknown) => z.array(MissingItemSchema).catch([]).parse(m);
      return {
        current: r.inForce
          ? {
              submissionId: r.inForce.id,
              source: r.inForce.source,
              outcome: r.inForce.outcome === 'exception' ? ('exception' as const) : ('accepted' as const),
              submittedAt: r.inForce.createdAt.toISOString(),
              submittedBy: nameOf(r.inForce.actorId),
              checklist: b?.workPerformed?.checklist ?? [],
              notes: b?.workPerformed?.notes ?? '',
              signature: b?.signature ?? null,
              signatureException: b?.signatureException ?? null,
              deviceTime: b?.deviceTime ?? null,
              gps: b?.gps ?? null,
              exceptionFlags: b?.exceptionFlags ?? [],
              attachmentIds: b?.attachmentIds ?? [],
            }
          : null,
        lines: r.lines.map((l) => ({
          position: l.position,
          kind: l.kind,
          sku: l.sku,
          description: l.description,
          quantity: l.quantity,
          unitCode: l.unitCode,
          unitPrice: decimalString(l.unitPrice),
          listPrice: nullableDecimal(l.listPrice),
          billable: l.billable,
          serialNumbers: l.serialNumbers,
        })),
        latestBody: z
          .record(z.string(), z.unknown())
          .nullable()
          .catch(null)
          .parse(r.last?.body ?? null),
        missing: r.refusal ? missingOf(r.refusal.missing) : [],
        submissions: r.submissions.map((s) => ({
          id: s.id,
          source: s.source,
          outcome: s.outcome,
          createdAt: s.createdAt.toISOString(),
          by: nameOf(s.actorId),
          missingCount: missingOf(s.missing).length,
        })),
      };
    },
  );

  app.put(
    '/jobs/:id/closeout',
    {
      config: { access: 'jobs.update' },
      schema: {
        tags: ['closeout'],
        summary:
          'Office correction of the closeout: validated like any closeout, logged as a back-office touch',
        params: IdParams,
        body: OfficeEditBody,
        response: { 201: CloseoutResult, 422: Problem, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { reason, ...body } = request.body;
      const { decision } = await submitCloseout(deps, {
        organizationId: p.organizationId,
        jobId: request.params.id,
        body,
        source: 'office_edit',
        actor: actorOf(p),
        requestId: request.id,
        reason,
      });
      return render(request, reply, decision);
    },
  );

  app.put(
    '/jobs/:id/closeout-draft',
    {
      config: { access: 'jobs.work' },
      schema: {
        tags: ['closeout'],
        summary: 'Autosave a partial closeout (not validated for completeness)',
        params: IdParams,
        body: CloseoutDraftBody,
        response: { 200: z.object({ savedAt: Instant }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      const savedAt = await saveDraft(
        deps,
        p.organizationId,
        request.params.id,
        actorOf(p).id ?? 'api',
        request.body,
      );
      return { savedAt: savedAt.toISOString() };
    },
  );

  app.get(
    '/jobs/:id/closeout-draft',
    {
      config: { access: 'jobs.work' },
      schema: {
        tags: ['closeout'],
        params: IdParams,
        response: { 200: z.object({ body: z.unknown(), savedAt: Instant }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      const draft = await loadDraft(deps, p.organizationId, request.params.id, actorOf(p).id ?? 'api');
      if (!draft) throw notFound('draft');
      return { body: draft.body, savedAt: draft.updatedAt.toISOString() };
    },
  );

  for (const action of ['start', 'stop'] as const) {
    app.post(
      `/jobs/:id/timer/${action}`,
      {
        config: { access: 'jobs.work' },
        schema: {
          tags: ['time'],
          summary:
            action === 'start' ? 'Start my timer on this job (one at a time)' : 'Stop my timer on this job',
          params: IdParams,
          response: { 200: TimeEntryView, ...errors },
        },
      },
      async (request) => {
        const p = principalOf(request);
        await ensureVisible(p, request.params.id);
        const run = action === 'start' ? startTimer : stopTimer;
        const e = await run(deps, p.organizationId, request.params.id, selfOf(p), actorOf(p));
        return {
          id: e.id,
          jobId: e.jobId,
          userId: e.userId,
          startedAt: e.startedAt.toISOString(),
          endedAt: e.endedAt?.toISOString() ?? null,
        };
      },
    );
  }

  app.post(
    '/jobs/:id/time-entries',
    {
      config: { access: 'jobs.update' },
      schema: {
        tags: ['time'],
        summary: 'Record time after the fact; overlapping entries for one technician are refused',
        params: IdParams,
        body: z.strictObject({ userId: z.uuid(), startedAt: Instant, endedAt: Instant }),
        response: { 201: TimeEntryView, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      const b = request.body;
      const e = await addTimeEntry(
        deps,
        p.organizationId,
        request.params.id,
        { userId: b.userId, startedAt: new Date(b.startedAt), endedAt: new Date(b.endedAt) },
        actorOf(p),
      );
      return reply.code(201).send({
        id: e.id,
        jobId: e.jobId,
        userId: e.userId,
        startedAt: e.startedAt.toISOString(),
        endedAt: e.endedAt?.toISOString() ?? null,
      });
    },
  );

  app.get(
    '/jobs/:id/time-entries',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['time'],
        params: IdParams,
        response: { 200: z.object({ items: z.array(TimeEntryView) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureVisible(p, request.params.id);
      const rows = await listTimeEntries(deps.database.db, p.organizationId, request.params.id);
      return {
        items: rows.map((e) => ({
          id: e.id,
          jobId: e.jobId,
          userId: e.userId,
          startedAt: e.startedAt.toISOString(),
          endedAt: e.endedAt?.toISOString() ?? null,
        })),
      };
    },
  );
};
