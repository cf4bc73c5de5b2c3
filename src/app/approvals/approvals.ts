import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { FiredRule } from '../../core/approval-rules';
import { AppError, notFound } from '../../core/errors';
import { type Actor, actorOf, type Principal } from '../../core/principal';
import type { Role } from '../../core/roles';
import type { Tx } from '../../db/client';
import { approvalRequests, jobs, notifications, users } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import { emitEvent } from '../integrations/webhooks';
import { postCommentInTx } from '../jobs/conversation';
import { changeJob, type JobRow, jobNumber } from '../jobs/job-store';
import { publish } from '../notify';
import type { Deps } from '../ports';

export type ApprovalRow = typeof approvalRequests.$inferSelect;

/**
 * In-app notifications to everyone holding the role, and one e-mail to them through the queue (none when
 * `emailKey` is null: the bell is enough for news that asks nothing of them).
 */
export const notifyRole = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'queue'>,
  organizationId: string,
  role: Role,
  jobId: string | null,
  body: string,
  emailKey: string | null,
  options: { kind?: string; action?: string; invoiceId?: string | null; except?: string | null } = {},
) => {
  const holders = await tx.db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(
      and(
        eq(users.organizationId, organizationId),
        eq(users.active, true),
        sql`${role} = ANY(${users.roles})`,
      ),
    );
  // The person who did the thing needs no news of it.
  const people = holders.filter((p) => p.id !== options.except);
  if (people.length === 0) return [];
  await tx.db.insert(notifications).values(
    people.map((p) => ({
      organizationId,
      id: deps.ids.uuid(),
      userId: p.id,
      kind: options.kind ?? 'approval',
      jobId,
      invoiceId: options.invoiceId ?? null,
      body,
      createdAt: deps.clock.now(),
    })),
  );
  if (emailKey === null) return people.map((p) => p.id);
  await deps.queue.enqueue(
    tx,
    {
      name: 'email.send',
      data: {
        to: people.map((p) => p.email),
        subject: body.slice(0, 300),
        text: `${body}\n\n${options.action ?? 'Open Closeout to decide.'}`,
      },
    },
    { key: emailKey },
  );
  return people.map((p) => p.id);
};

/**
 * Opens the approval request for a closeout whose facts broke rules, in the closeout's transaction.
 * A newer closeout supersedes any request still pending for the job. The SLA is the tightest of the rules.
 */
export const requestApproval = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'queue'>,
  args: { job: JobRow; submissionId: string; fired: FiredRule[]; actor: Actor },
): Promise<ApprovalRow> => {
  const { job, fired } = args;
  const now = deps.clock.now();
  await tx.db
    .update(approvalRequests)
    .set({ status: 'superseded', decidedAt: now })
    .where(
      and(
        eq(approvalRequests.organizationId, job.organizationId),
        eq(approvalRequests.jobId, job.id),
        eq(approvalRequests.status, 'pending'),
      ),
    );
  const sla = Math.min(...fired.map((f) => f.slaHours));
  // The strictest role named by a rule decides: owner over approver over billing.
  const rank: Record<string, number> = { owner: 3, approver: 2, billing: 1 };
  const role =
    fired.map((f) => f.approverRole).sort((a, b) => (rank[b] ?? 0) - (rank[a] ?? 0))[0] ?? 'approver';
  const [row] = await tx.db
    .insert(approvalRequests)
    .values({
      organizationId: job.organizationId,
      id: deps.ids.uuid(),
      jobId: job.id,
      submissionId: args.submissionId,
      rules: fired,
      approverRole: role,
      status: 'pending',
      requestedByType: args.actor.type,
      requestedById: args.actor.id,
      createdAt: now,
      dueAt: new Date(now.getTime() + sla * 3_600_000),
    })
    .returning();
  if (!row) throw new Error('approval insert returned nothing');
  await appendAudit(tx, deps, {
    organizationId: job.organizationId,
    aggregateType: 'approval',
    aggregateId: row.id,
    action: 'approval.requested',
    actor: args.actor,
    first: true,
    changes: {
      jobId: job.id,
      rules: fired.map((f) => ({ code: f.code, observed: f.observed, threshold: f.threshold })),
      approverRole: role,
      dueAt: row.dueAt.toISOString(),
    },
  });
  await emitEvent(tx, deps, job.organizationId, 'approval.requested', {
    approvalId: row.id,
    jobId: job.id,
    jobNumber: jobNumber(job.number),
    rules: fired.map((f) => f.code),
    approverRole: role,
    dueAt: row.dueAt.toISOString(),
  });
  await notifyRole(
    tx,
    deps,
    job.organizationId,
    role as Role,
    job.id,
    `${jobNumber(job.number)} needs approval: ${fired.map((f) => f.message).join('; ')}`,
    `approval-requested:${row.id}`,
  );
  return row;
};

/**
 * Approves or rejects. Decisions are final: a guarded update on status = 'pending' lets exactly one of two
 * racing deciders win. Nobody decides on their own submission. Reject sends the comment back to the crew.
 */
export const decideApproval = (
  deps: Deps,
  principal: Principal,
  id: string,
  input: { decision: 'approve' | 'reject'; comment?: string | undefined },
) =>
  deps.database.transaction(async (tx) => {
    const org = principal.organizationId;
    const actor = actorOf(principal);
    const [request] = await tx.db
      .select()
      .from(approvalRequests)
      .where(and(eq(approvalRequests.organizationId, org), eq(approvalRequests.id, id)));
    if (!request) throw notFound('approval request');
    if (!principal.roles.includes('owner') && !principal.roles.includes(request.approverRole as Role)) {
      throw new AppError('forbidden', `This request is for the ${request.approverRole} role`, {
        fields: [{ field: 'id', message: `for ${request.approverRole}` }],
      });
    }
    if (actor.id !== null && actor.id === request.requestedById) {
      throw new AppError('forbidden', 'Nobody approves their own submission', {
        fields: [{ field: 'id', message: 'your own submission' }],
      });
    }
    if (input.decision === 'reject' && !input.comment?.trim()) {
      throw new AppError('validation_failed', 'A rejection needs a comment for the technician', {
        fields: [{ field: 'body.comment', message: 'required when rejecting' }],
      });
    }
    const now = deps.clock.now();
    const [decided] = await tx.db
      .update(approvalRequests)
      .set({
        status: input.decision === 'approve' ? 'approved' : 'rejected',
        decidedById: actor.id,
        decidedAt: now,
        comment: input.comment ?? null,
      })
      .where(
        and(
          eq(approvalRequests.organizationId, org),
          eq(approvalRequests.id, id),
          eq(approvalRequests.status, 'pending'),
        ),
      )
      .returning();
    if (!decided) {
      throw new AppError(
        'conflict',
        `This request was already ${request.status === 'pending' ? 'decided' : request.status}`,
        {
          fields: [
            { field: 'id', message: `already ${request.status === 'pending' ? 'decided' : request.status}` },
          ],
        },
      );
    }
    await appendAudit(tx, deps, {
      organizationId: org,
      aggregateType: 'approval',
      aggregateId: id,
      action: input.decision === 'approve' ? 'approval.approved' : 'approval.rejected',
      actor,
      changes: { status: { before: 'pending', after: decided.status }, decidedAt: now.toISOString() },
      reason: input.comment ?? null,
    });
    const job = await changeJob(tx, deps, {
      organizationId: org,
      jobId: request.jobId,
      actor,
      action: input.decision === 'approve' ? 'job.approved' : 'job.approval_rejected',
      billing: input.decision === 'approve' ? 'approve' : 'reject',
      ...(input.decision === 'approve' ? { patch: { invoiceReadyAt: now } } : {}),
      reason: input.comment ?? null,
      extraChanges: { approvalId: id },
    });
    if (input.decision === 'reject' && input.comment) {
      await postCommentInTx(
        tx,
        deps,
        org,
        request.jobId,
        { body: `Approval rejected: ${input.comment}`, kind: 'info_request' },
        actor,
      );
    }
    return { request: decided, job };
  });

/** The inbox (one status), or every request of one job whatever its status (the job record's log). */
export const listApprovals = async (
  deps: Deps,
  principal: Principal,
  filter: { status?: ApprovalRow['status'] | undefined; jobId?: string | undefined },
) => {
  const rows = await deps.database.db
    .select({ request: approvalRequests, number: jobs.number })
    .from(approvalRequests)
    .innerJoin(
      jobs,
      and(eq(jobs.organizationId, approvalRequests.organizationId), eq(jobs.id, approvalRequests.jobId)),
    )
    .where(
      and(
        eq(approvalRequests.organizationId, principal.organizationId),
        filter.status ? eq(approvalRequests.status, filter.status) : undefined,
        filter.jobId ? eq(approvalRequests.jobId, filter.jobId) : undefined,
      ),
    )
    .orderBy(asc(approvalRequests.dueAt), asc(approvalRequests.id))
    .limit(500);
  const owner = principal.roles.includes('owner');
  // Each role sees what it decides; escalated requests reach the owner too.
  return rows.filter((r) => owner || principal.roles.includes(r.request.approverRole as Role));
};

export const getApproval = async (deps: Deps, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.organizationId, organizationId), eq(approvalRequests.id, id)));
  if (!row) throw notFound('approval request');
  return row;
};

/** Escalates overdue pending requests to the owner role, once each. Run by the workers every few minutes. */
export const escalateOverdue = async (deps: Deps) => {
  const now = deps.clock.now();
  const overdue = await deps.database.db
    .select()
    .from(approvalRequests)
    .where(
      and(
        eq(approvalRequests.status, 'pending'),
        isNull(approvalRequests.escalatedAt),
        lt(approvalRequests.dueAt, now),
      ),
    )
    .limit(500);
  for (const r of overdue) {
    await deps.database.transaction(async (tx) => {
      const [row] = await tx.db
        .update(approvalRequests)
        .set({ escalatedAt: now })
        .where(
          and(
            eq(approvalRequests.organizationId, r.organizationId),
            eq(approvalRequests.id, r.id),
            isNull(approvalRequests.escalatedAt),
            eq(approvalRequests.status, 'pending'),
          ),
        )
        .returning();
      if (!row) return;
      await appendAudit(tx, deps, {
        organizationId: r.organizationId,
        aggregateType: 'approval',
        aggregateId: r.id,
        action: 'approval.escalated',
        actor: { type: 'system', id: null },
        changes: { dueAt: r.dueAt.toISOString(), escalatedTo: 'owner' },
      });
      const [job] = await tx.db
        .select()
        .from(jobs)
        .where(and(eq(jobs.organizationId, r.organizationId), eq(jobs.id, r.jobId)));
      await notifyRole(
        tx,
        deps,
        r.organizationId,
        'owner',
        r.jobId,
        `${job ? jobNumber(job.number) : 'A job'}: no decision on its approval in the time allowed, so it now comes to you`,
        `approval-escalated:${r.id}`,
      );
      await publish(tx, {
        organizationId: r.organizationId,
        type: 'job.changed',
        id: r.jobId,
        action: 'approval.escalated',
      });
    });
  }
  return { escalated: overdue.length };
};
