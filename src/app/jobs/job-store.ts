import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { CustomFieldDefs } from '../../core/custom-fields';
import { AppError, invalid, notFound } from '../../core/errors';
import {
  type BillingAction,
  type BillingStatus,
  billingTransition,
  isBillingStatus,
  isOperationalStatus,
  type OperationalAction,
  operationalTransition,
  waitsForDeposit,
} from '../../core/job-lifecycle';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { MAX_JOB_WINDOW_DAYS } from '../../db/queries/jobs';
import { jobs, type jobTypes } from '../../db/schema/index';
import { type AuditInput, appendAudit, appendAuditMany } from '../audit/audit';
import { EVENTS_CHANNEL, type LiveEvent, notifying } from '../notify';
import type { Deps } from '../ports';

export type JobRow = typeof jobs.$inferSelect;
export const JOB_NUMBER_START = 1001;
/** A service window spans at most this long; the board's index scan relies on it. */
const MAX_WINDOW_MS = MAX_JOB_WINDOW_DAYS * 86_400_000;

export const checkWindow = (start: Date, end: Date) => {
  if (end <= start) throw invalid('body.windowEnd', 'must be after windowStart');
  if (end.getTime() - start.getTime() > MAX_WINDOW_MS)
    throw invalid('body.windowEnd', `a job window is at most ${MAX_JOB_WINDOW_DAYS} days`);
};
export const jobNumber = (n: number): string => `J-${n}`;

export type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue' | 'reactions'>;

/** Which fields an office edit may change directly; statuses change only through transitions. */
type PatchableJob = Pick<
  JobRow,
  | 'scope'
  | 'windowStart'
  | 'windowEnd'
  | 'billingOwnerId'
  | 'depositRequired'
  | 'depositBeforeWork'
  | 'depositAmount'
  | 'depositReceived'
  | 'discountPercent'
  | 'retainagePercent'
  | 'taxCodeId'
  | 'poNumber'
  | 'approvalRequired'
  | 'estimateLines'
  | 'customFields'
  | 'closedReason'
  | 'closingFee'
  | 'reviewFrom'
  | 'seriesId'
  | 'startedAt'
  | 'completedAt'
  | 'invoiceReadyAt'
  | 'invoicedAt'
  | 'paidAt'
>;
/** Undefined means unchanged (Drizzle leaves such keys out of the UPDATE). */
export type JobFieldPatch = { [K in keyof PatchableJob]?: PatchableJob[K] | undefined };

const AUDITED_FIELDS = [
  'status',
  'billingStatus',
  'scope',
  'windowStart',
  'windowEnd',
  'billingOwnerId',
  'depositRequired',
  'depositBeforeWork',
  'depositAmount',
  'depositReceived',
  'discountPercent',
  'retainagePercent',
  'taxCodeId',
  'poNumber',
  'approvalRequired',
  'estimateLines',
  'customFields',
  'closedReason',
  'closingFee',
  'seriesId',
] as const;

const comparable = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v);

const diff = (before: JobRow, after: JobRow): Record<string, { before: unknown; after: unknown }> => {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of AUDITED_FIELDS) {
    const b = comparable(before[key]);
    const a = comparable(after[key]);
    if (JSON.stringify(b) !== JSON.stringify(a)) changes[key] = { before: b ?? null, after: a ?? null };
  }
  return changes;
};

/** The live event of a job's change, as every office screen hears it. */
const jobChanged = (
  job: Pick<JobRow, 'organizationId' | 'id' | 'number' | 'status' | 'billingStatus' | 'version'>,
  action: string,
): LiveEvent => ({
  organizationId: job.organizationId,
  type: 'job.changed',
  id: job.id,
  number: jobNumber(job.number),
  status: job.status,
  billingStatus: job.billingStatus,
  version: job.version,
  action,
});

export const lockJob = async (tx: Tx, organizationId: string, jobId: string): Promise<JobRow> => {
  const [row] = await tx.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, jobId)))
    .for('update');
  if (!row) throw notFound('job');
  return row;
};

const refuse = (
  job: JobRow,
  action: string,
  which: 'status' | 'billingStatus',
  allowed: string[],
): AppError => {
  const current = which === 'status' ? job.status : job.billingStatus;
  // A canceled or no-show job is closed: nothing more happens to it, which a client shows differently.
  const closed = job.status === 'canceled' || job.status === 'no_show';
  return new AppError(
    closed ? 'job_closed' : 'invalid_transition',
    `${jobNumber(job.number)} is ${current}: it cannot ${action.replaceAll('_', ' ')}`,
    {
      fields: [{ field: which, message: `is ${current}` }],
      extra: {
        currentStatus: job.status,
        currentBillingStatus: job.billingStatus,
        allowedFromHere: allowed,
        jobVersion: job.version,
      },
    },
  );
};

/**
 * The one place a job changes. Statuses move only through the core transition tables; the row is written
 * with a guarded update (id, both statuses and version must still be what we read) and the audit event and
 * the live notification go in the same transaction.
 */
export const changeJob = async (
  tx: Tx,
  deps: Ctx,
  args: {
    organizationId: string;
    jobId: string;
    actor: Actor;
    action: string;
    /** One action, or several taken in order through the table (start then complete) as one change. */
    operational?: OperationalAction | OperationalAction[];
    billing?: BillingAction;
    patch?: JobFieldPatch;
    reason?: string | null;
    /** The row as the caller already locked it in this transaction (saves reading it again). */
    locked?: JobRow;
    extraChanges?: Record<string, unknown>;
    /** When given, a job that moved on since the caller read it is a conflict. */
    expectedVersion?: number;
    /** The first event of a record made with this change (a closeout submission), in the same insert. */
    alsoAudit?: AuditInput;
  },
): Promise<JobRow> => {
  const job = args.locked ?? (await lockJob(tx, args.organizationId, args.jobId));
  if (args.expectedVersion !== undefined && args.expectedVersion !== job.version) {
    throw new AppError(
      'changed_since',
      `${jobNumber(job.number)} changed since version ${args.expectedVersion}`,
      {
        fields: [{ field: 'body.expectedVersion', message: `current version is ${job.version}` }],
        extra: { jobVersion: job.version },
      },
    );
  }
  if (!isOperationalStatus(job.status) || !isBillingStatus(job.billingStatus))
    throw new Error('corrupt job status');
  let status = job.status;
  let billingStatus = job.billingStatus;
  const actions = [args.operational ?? []].flat();
  if (actions.length === 1 && (actions[0] === 'dispatch' || actions[0] === 'start') && waitsForDeposit(job))
    throw new AppError(
      'invalid_transition',
      `${jobNumber(job.number)} waits for its deposit before work starts (the customer agreed to pay it first): record the payment, then dispatch`,
      { fields: [{ field: 'depositReceived', message: 'the deposit is not received yet' }] },
    );
  for (const action of actions) {
    const t = operationalTransition(status, action);
    if (!t.ok) throw refuse({ ...job, status }, action, 'status', t.allowed);
    status = t.to;
  }
  if (args.billing) {
    const t = billingTransition(job.billingStatus, args.billing);
    if (!t.ok) throw refuse(job, args.billing, 'billingStatus', t.allowed);
    billingStatus = t.to;
  }
  const now = deps.clock.now();
  const version = job.version + 1;
  // The live notification rides on the update (it is sent only if the row is written, and heard at COMMIT).
  const [row] = await tx.db
    .update(jobs)
    .set({ ...args.patch, status, billingStatus, version, updatedAt: now })
    .where(
      and(
        eq(jobs.organizationId, job.organizationId),
        eq(jobs.id, job.id),
        eq(jobs.status, job.status),
        eq(jobs.billingStatus, job.billingStatus),
        eq(jobs.version, job.version),
      ),
    )
    .returning({
      ...getTableColumns(jobs),
      notified: notifying(jobChanged({ ...job, status, billingStatus, version }, args.action)),
    });
  if (!row) throw new AppError('conflict', `${jobNumber(job.number)} changed while this request ran; retry`);
  const { notified: _, ...updated } = row;
  await appendAudit(
    tx,
    deps,
    {
      organizationId: job.organizationId,
      aggregateType: 'job',
      aggregateId: job.id,
      action: args.action,
      actor: args.actor,
      // The version lets a client that built on an older one ask what changed since (DESIGN §6).
      changes: {
        ...diff(job, updated),
        version: { before: job.version, after: updated.version },
        ...args.extraChanges,
      },
      reason: args.reason ?? null,
    },
    args.alsoAudit ? [args.alsoAudit] : [],
  );
  // What follows the change (webhooks, the invoices' outbox) happens in this transaction too.
  for (const react of deps.reactions.jobChanged)
    await react(tx, deps, { before: job, after: updated, action: args.action });
  return updated;
};

export const customFieldsOf = (jobType: typeof jobTypes.$inferSelect) =>
  CustomFieldDefs.parse(jobType.customFields);

/**
 * One billing action on many jobs (a cycle invoice issuing its visits): the same transition table and
 * guarded update as changeJob, in one UPDATE, one audit event per job (batched) and one notification each.
 * Any job the table refuses fails the whole change.
 */
export const changeJobsBilling = async (
  tx: Tx,
  deps: Ctx,
  args: {
    organizationId: string;
    jobIds: string[];
    actor: Actor;
    action: string;
    billing: BillingAction;
    patch?: Pick<JobFieldPatch, 'invoicedAt' | 'paidAt'>;
    extraChanges?: Record<string, unknown>;
  },
): Promise<JobRow[]> => {
  if (args.jobIds.length === 0) return [];
  const locked = await tx.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.organizationId, args.organizationId), inArray(jobs.id, args.jobIds)))
    .for('update');
  if (locked.length !== new Set(args.jobIds).size) throw notFound('job');
  const targets = new Map<string, BillingStatus>();
  for (const job of locked) {
    if (!isBillingStatus(job.billingStatus)) throw new Error('corrupt job status');
    const t = billingTransition(job.billingStatus, args.billing);
    if (!t.ok) throw refuse(job, args.billing, 'billingStatus', t.allowed);
    targets.set(job.id, t.to);
  }
  const to = [...new Set(targets.values())];
  if (to.length !== 1 || !to[0]) throw new Error('a bulk change must lead every job to one status');
  const now = deps.clock.now();
  const updated = await tx.db
    .update(jobs)
    .set({ ...args.patch, billingStatus: to[0], version: sql`${jobs.version} + 1`, updatedAt: now })
    .where(
      and(
        eq(jobs.organizationId, args.organizationId),
        inArray(jobs.id, args.jobIds),
        inArray(jobs.billingStatus, [...new Set(locked.map((j) => j.billingStatus))]),
      ),
    )
    .returning();
  if (updated.length !== locked.length)
    throw new AppError('conflict', 'A job changed while this request ran; retry');
  const before = new Map(locked.map((j) => [j.id, j]));
  await appendAuditMany(
    tx,
    deps,
    args.organizationId,
    'job',
    updated.map((u) => {
      const b = before.get(u.id) as JobRow;
      return {
        aggregateId: u.id,
        action: args.action,
        actor: args.actor,
        changes: { ...diff(b, u), version: { before: b.version, after: u.version }, ...args.extraChanges },
      };
    }),
  );
  for (const u of updated) {
    const b = before.get(u.id) as JobRow;
    for (const react of deps.reactions.jobChanged)
      await react(tx, deps, { before: b, after: u, action: args.action });
  }
  await tx.raw.query('SELECT pg_notify($1, e) FROM unnest($2::text[]) AS e', [
    EVENTS_CHANNEL,
    updated.map((u) => JSON.stringify(jobChanged(u, args.action))),
  ]);
  return updated;
};
