import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ApprovalRow, decideApproval, getApproval, listApprovals } from '../../app/approvals';
import { setDefaultApprovalRules } from '../../app/organizations';
import type { Deps } from '../../app/ports';
import { FiredRuleView } from '../../contracts/closeout';
import { IdParams, Instant, Problem } from '../../contracts/common';
import { ApprovalRule } from '../../core/job-type-templates';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';

const Approval = z
  .object({
    id: z.uuid(),
    jobId: z.uuid(),
    jobNumber: z.string().nullable(),
    submissionId: z.uuid(),
    rules: z.array(FiredRuleView),
    approverRole: z.string(),
    status: z.enum(['pending', 'approved', 'rejected', 'superseded']),
    requestedBy: z.string().nullable(),
    createdAt: Instant,
    dueAt: Instant,
    overdue: z.boolean(),
    escalatedAt: Instant.nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: Instant.nullable(),
    comment: z.string().nullable(),
  })
  .meta({ id: 'Approval' });

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

export const approvalRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const view = (r: ApprovalRow, number: number | null): z.infer<typeof Approval> => ({
    id: r.id,
    jobId: r.jobId,
    jobNumber: number === null ? null : `J-${number}`,
    submissionId: r.submissionId,
    rules: r.rules as z.infer<typeof Approval>['rules'],
    approverRole: r.approverRole,
    status: r.status,
    requestedBy: r.requestedById,
    createdAt: r.createdAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    overdue: r.status === 'pending' && r.dueAt < deps.clock.now(),
    escalatedAt: r.escalatedAt?.toISOString() ?? null,
    decidedBy: r.decidedById,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    comment: r.comment,
  });

  app.put(
    '/organization/approval-rules',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['approvals'],
        summary:
          'The organization’s default approval rules; a job type’s own rule of the same code takes precedence',
        body: z.strictObject({ rules: z.array(ApprovalRule).max(20) }),
        response: { 200: z.object({ rules: z.array(ApprovalRule) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { rules: await setDefaultApprovalRules(deps, p.organizationId, request.body.rules, actorOf(p)) };
    },
  );

  app.get(
    '/approvals',
    {
      config: { access: 'approvals.read' },
      schema: {
        tags: ['approvals'],
        summary:
          'Approval requests for the caller’s roles (owners see all), soonest due first: pending by default, or every request of one job',
        querystring: z.strictObject({
          status: z.enum(['pending', 'approved', 'rejected', 'superseded']).optional(),
          jobId: z.uuid().optional(),
        }),
        response: { 200: z.object({ items: z.array(Approval) }), ...errors },
      },
    },
    async (request) => {
      const { status, jobId } = request.query;
      const rows = await listApprovals(deps, principalOf(request), {
        status: status ?? (jobId ? undefined : 'pending'),
        jobId,
      });
      return { items: rows.map((r) => view(r.request, r.number)) };
    },
  );

  app.get(
    '/approvals/:id',
    {
      config: { access: 'approvals.read' },
      schema: { tags: ['approvals'], params: IdParams, response: { 200: Approval, ...errors } },
    },
    async (request) =>
      view(await getApproval(deps, principalOf(request).organizationId, request.params.id), null),
  );

  app.post(
    '/approvals/:id/decision',
    {
      config: { access: 'approvals.decide' },
      schema: {
        tags: ['approvals'],
        summary:
          'Approve (job becomes invoice-ready) or reject with a comment (job needs info; the crew is told). Final.',
        params: IdParams,
        body: z.strictObject({
          decision: z.enum(['approve', 'reject']),
          comment: z.string().trim().max(2000).optional(),
        }),
        response: { 200: Approval, ...errors },
      },
    },
    async (request) => {
      const { request: decided, job } = await decideApproval(
        deps,
        principalOf(request),
        request.params.id,
        request.body,
      );
      return view(decided, job.number);
    },
  );
};
