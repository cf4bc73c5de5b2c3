import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ApprovalRow, decideApproval, getApproval, listApprovals } from '../../app/approvals/approvals';
import { setDefaultApprovalRules } from '../../app/directory/organizations';
import type { Deps } from '../../app/ports';
import { Approval, ApprovalDecision, ApprovalQuery, DefaultApprovalRules } from '../../contracts/approvals';
import { IdParams, Problem } from '../../contracts/common';
import { ApprovalRule } from '../../core/job-type-templates';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';

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
        body: DefaultApprovalRules,
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
        querystring: ApprovalQuery,
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
        body: ApprovalDecision,
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
