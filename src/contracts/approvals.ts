import { z } from 'zod';
import { ApprovalRule } from '../core/job-type-templates';
import { FiredRuleView } from './closeout';
import { Instant } from './common';

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'superseded'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** An approval request: the exception rules a closeout fired, who decides, by when, and the decision. */
export const Approval = z
  .object({
    id: z.uuid(),
    jobId: z.uuid(),
    jobNumber: z.string().nullable(),
    submissionId: z.uuid(),
    rules: z.array(FiredRuleView),
    approverRole: z.string(),
    status: z.enum(APPROVAL_STATUSES),
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
export type Approval = z.infer<typeof Approval>;

export const DefaultApprovalRules = z.strictObject({ rules: z.array(ApprovalRule).max(20) });

export const ApprovalQuery = z.strictObject({
  status: z.enum(APPROVAL_STATUSES).optional(),
  jobId: z.uuid().optional(),
});

export const ApprovalDecision = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().trim().max(2000).optional(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;
