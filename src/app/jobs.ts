import { and, eq, inArray, sql } from 'drizzle-orm';
import { CustomFieldDefs, type CustomFieldValues, customFieldProblems } from '../core/custom-fields';
import { AppError, type FieldProblem, invalid, notFound } from '../core/errors';
import {
  type BillingAction,
  type BillingStatus,
  billingTransition,
  isBillingStatus,
  isOperationalStatus,
  type OperationalAction,
  operationalTransition,
} from '../core/job-lifecycle';
import type { Actor } from '../core/principal';
import type { Tx } from '../db/client';
import { MAX_JOB_WINDOW_DAYS } from '../db/queries/jobs';
import { customers, jobAssignments, jobs, jobTypes, sites, taxCodes, users } from '../db/schema';
import type { EstimateLine } from '../db/schema/operations';
import { type AuditInput, appendAudit, appendAuditMany } from './audit';
import { EVENTS_CHANNEL, publish } from './notify';
import type { Deps } from './ports';
import { nextNumber } from './sequences';
import { emitEvent } from './webhooks';

export type JobRow = typeof jobs.$inferSelect;
export const JOB_NUMBER_START = 1001;
/** A service window spans at most this long; the board's index scan relies on it. */
const MAX_WINDOW_MS = MAX_JOB_WINDOW_DAYS * 86_400_000;

const checkWindow = (start: Date, end: Date) => {
  if (end <= start) throw invalid('body.windowEnd', 'must be after windowStart');
  if (end.getTime() - start.getTime() > MAX_WINDOW_MS)
    throw invalid('body.windowEnd', `a job window is at most ${MAX_JOB_WINDOW_DAYS} days`);
};
export const jobNumber = (n: number): string => `J-${n}`;

type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue'>;

/** Which fields an office edit may change directly; statuses change only through transitions. */
type PatchableJob = Pick<
  JobRow,
  | 'scope'
  | 'windowStart'
  | 'windowEnd'
  | 'billingOwnerId'
  | 'depositRequired'
  | 'depositAmount'
  | 'depositReceived'
  | 'discountPercent'
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
  'depositAmount',
  'depositReceived',
  'discountPercent',
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

const eventData = (j: JobRow) => ({
  jobId: j.id,
  number: jobNumber(j.number),
  customerId: j.customerId,
  status: j.status,
  billingStatus: j.billingStatus,
  completedAt: j.completedAt?.toISOString() ?? null,
  version: j.version,
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
  return new AppError(
    'invalid_transition',
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
    throw new AppError('conflict', `${jobNumber(job.number)} changed since version ${args.expectedVersion}`, {
      fields: [{ field: 'body.expectedVersion', message: `current version is ${job.version}` }],
      extra: { jobVersion: job.version },
    });
  }
  if (!isOperationalStatus(job.status) || !isBillingStatus(job.billingStatus))
    throw new Error('corrupt job status');
  let status = job.status;
  let billingStatus = job.billingStatus;
  for (const action of [args.operational ?? []].flat()) {
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
  const [updated] = await tx.db
    .update(jobs)
    .set({ ...args.patch, status, billingStatus, version: job.version + 1, updatedAt: now })
    .where(
      and(
        eq(jobs.organizationId, job.organizationId),
        eq(jobs.id, job.id),
        eq(jobs.status, job.status),
        eq(jobs.billingStatus, job.billingStatus),
        eq(jobs.version, job.version),
      ),
    )
    .returning();
  if (!updated)
    throw new AppError('conflict', `${jobNumber(job.number)} changed while this request ran; retry`);
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
  // Subscribers hear of completions and of jobs becoming billable, in the same transaction.
  if (updated.status === 'completed' && job.status !== 'completed') {
    await emitEvent(tx, deps, job.organizationId, 'job.completed', eventData(updated));
  }
  if (updated.billingStatus === 'invoice_ready' && job.billingStatus !== 'invoice_ready') {
    await emitEvent(tx, deps, job.organizationId, 'job.invoice_ready', eventData(updated));
  }
  // The job's invoices follow it (outbox): a draft at invoice_ready, a refund when a deposit job closes.
  const closedWithDeposit =
    updated.depositRequired &&
    updated.status !== job.status &&
    ['canceled', 'no_show'].includes(updated.status);
  const depositAdded = updated.depositRequired && !job.depositRequired;
  if (updated.billingStatus === 'invoice_ready' || closedWithDeposit || depositAdded) {
    await deps.queue.enqueue(
      tx,
      { name: 'invoice.prepare', data: { organizationId: job.organizationId, jobId: job.id } },
      { key: `${job.id}:${updated.version}` },
    );
  }
  await publish(tx, {
    organizationId: job.organizationId,
    type: 'job.changed',
    id: job.id,
    number: jobNumber(updated.number),
    status: updated.status,
    billingStatus: updated.billingStatus,
    version: updated.version,
    action: args.action,
  });
  return updated;
};

// ---------------------------------------------------------------- references

const problem = (problems: FieldProblem[]): AppError =>
  new AppError('validation_failed', problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
    fields: problems,
  });

export type JobRefs = {
  customerId: string;
  siteId: string;
  jobTypeId: string;
  crew: string[];
  billingOwnerId?: string | null | undefined;
  taxCodeId?: string | null | undefined;
};

/** Every referenced record must exist in the caller's organization; each miss names its field. */
export const checkJobRefs = async (tx: Tx, organizationId: string, refs: JobRefs, prefix = 'body') => {
  const problems: FieldProblem[] = [];
  const [customer] = await tx.db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.organizationId, organizationId), eq(customers.id, refs.customerId)));
  if (!customer) problems.push({ field: `${prefix}.customerId`, message: 'no such customer' });
  const [site] = await tx.db
    .select({ customerId: sites.customerId })
    .from(sites)
    .where(and(eq(sites.organizationId, organizationId), eq(sites.id, refs.siteId)));
  if (!site) problems.push({ field: `${prefix}.siteId`, message: 'no such site' });
  else if (customer && site.customerId !== refs.customerId)
    problems.push({ field: `${prefix}.siteId`, message: 'the site belongs to another customer' });
  const [jobType] = await tx.db
    .select()
    .from(jobTypes)
    .where(and(eq(jobTypes.organizationId, organizationId), eq(jobTypes.id, refs.jobTypeId)));
  if (!jobType) problems.push({ field: `${prefix}.jobTypeId`, message: 'no such job type' });
  if (refs.crew.length > 0) {
    const found = await tx.db
      .select({ id: users.id, roles: users.roles, active: users.active })
      .from(users)
      .where(and(eq(users.organizationId, organizationId), inArray(users.id, refs.crew)));
    refs.crew.forEach((id, i) => {
      const u = found.find((f) => f.id === id);
      if (!u) problems.push({ field: `${prefix}.crew.${i}`, message: 'no such technician' });
      else if (!u.roles.includes('technician') || !u.active)
        problems.push({ field: `${prefix}.crew.${i}`, message: 'not an active technician' });
    });
  }
  if (refs.billingOwnerId) {
    const [owner] = await tx.db
      .select({ roles: users.roles })
      .from(users)
      .where(and(eq(users.organizationId, organizationId), eq(users.id, refs.billingOwnerId)));
    if (!owner) problems.push({ field: `${prefix}.billingOwnerId`, message: 'no such user' });
  }
  if (refs.taxCodeId) {
    const [tc] = await tx.db
      .select({ id: taxCodes.id })
      .from(taxCodes)
      .where(and(eq(taxCodes.organizationId, organizationId), eq(taxCodes.id, refs.taxCodeId)));
    if (!tc) problems.push({ field: `${prefix}.taxCodeId`, message: 'no such tax code' });
  }
  if (problems.length > 0) throw problem(problems);
  if (!jobType) throw new Error('unreachable');
  return { jobType };
};

export const customFieldsOf = (jobType: typeof jobTypes.$inferSelect) =>
  CustomFieldDefs.parse(jobType.customFields);

export const checkCustomFields = (
  jobType: typeof jobTypes.$inferSelect,
  values: CustomFieldValues,
  stage: 'booking' | 'closeout',
) => {
  const problems = customFieldProblems(customFieldsOf(jobType), values, stage);
  if (problems.length > 0) throw problem(problems);
};

// ---------------------------------------------------------------- create

export type NewJob = JobRefs & {
  scope: string;
  windowStart: Date;
  windowEnd: Date;
  depositRequired?: boolean | undefined;
  depositAmount?: string | null | undefined;
  discountPercent?: string | null | undefined;
  poNumber?: string | null | undefined;
  estimateLines?: EstimateLine[] | undefined;
  customFields?: CustomFieldValues | undefined;
  seriesId?: string | null;
  occurrenceDate?: string | null;
  revisionOf?: string | null;
};

export const insertJob = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  input: NewJob,
  actor: Actor,
): Promise<JobRow> => {
  checkWindow(input.windowStart, input.windowEnd);
  const { jobType } = await checkJobRefs(tx, organizationId, input);
  checkCustomFields(jobType, input.customFields ?? {}, 'booking');
  if (input.depositRequired && !input.depositAmount)
    throw invalid('body.depositAmount', 'required when a deposit is required');
  const now = deps.clock.now();
  const id = deps.ids.uuid();
  const number = await nextNumber(tx, organizationId, 'job', JOB_NUMBER_START);
  const [job] = await tx.db
    .insert(jobs)
    .values({
      organizationId,
      id,
      number,
      customerId: input.customerId,
      siteId: input.siteId,
      jobTypeId: input.jobTypeId,
      scope: input.scope,
      windowStart: input.windowStart,
      windowEnd: input.windowEnd,
      status: 'scheduled',
      billingStatus: 'not_ready',
      billingOwnerId: input.billingOwnerId ?? null,
      depositRequired: input.depositRequired ?? false,
      depositAmount: input.depositAmount ?? null,
      discountPercent: input.discountPercent ?? null,
      taxCodeId: input.taxCodeId ?? null,
      poNumber: input.poNumber ?? null,
      estimateLines: input.estimateLines ?? [],
      customFields: input.customFields ?? {},
      seriesId: input.seriesId ?? null,
      occurrenceDate: input.occurrenceDate ?? null,
      revisionOf: input.revisionOf ?? null,
      scheduledAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!job) throw new Error('job insert returned nothing');
  if (input.crew.length > 0) {
    await tx.db
      .insert(jobAssignments)
      .values(
        [...new Set(input.crew)].map((userId) => ({ organizationId, jobId: id, userId, assignedAt: now })),
      );
  }
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'job',
    aggregateId: id,
    action: 'job.created',
    actor,
    first: true,
    changes: {
      number: jobNumber(number),
      customerId: input.customerId,
      siteId: input.siteId,
      jobTypeId: input.jobTypeId,
      windowStart: input.windowStart.toISOString(),
      windowEnd: input.windowEnd.toISOString(),
      crew: input.crew,
      seriesId: input.seriesId ?? null,
      occurrenceDate: input.occurrenceDate ?? null,
    },
  });
  // A job that requires a deposit gets its deposit invoice at booking.
  if (job.depositRequired) {
    await deps.queue.enqueue(
      tx,
      { name: 'invoice.prepare', data: { organizationId, jobId: id } },
      { key: `${id}:${job.version}` },
    );
  }
  await publish(tx, {
    organizationId,
    type: 'job.changed',
    id,
    number: jobNumber(number),
    status: job.status,
    billingStatus: job.billingStatus,
    version: job.version,
    action: 'job.created',
  });
  return job;
};

export const createJob = (deps: Deps, organizationId: string, input: NewJob, actor: Actor) =>
  deps.database.transaction((tx) => insertJob(tx, deps, organizationId, input, actor));

/**
 * Add-on or changed work after a job was invoiced: a new job (its own ID and number) that names the
 * original as revision_of, for the same customer, site, type and billing facts. Its closeout is invoiced on
 * its own, so only the delta is billed and the original invoice is never rewritten.
 */
export const createRevision = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { scope: string; windowStart: Date; windowEnd: Date; crew?: string[] | undefined; reason: string },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const parent = await lockJob(tx, organizationId, jobId);
    if (!['invoiced', 'paid'].includes(parent.billingStatus)) {
      throw new AppError(
        'invalid_transition',
        `${jobNumber(parent.number)} is ${parent.billingStatus}: correct its closeout instead of adding a revision`,
        {
          fields: [
            { field: 'billingStatus', message: `is ${parent.billingStatus}; a revision follows an invoice` },
          ],
        },
      );
    }
    const crew =
      input.crew ??
      (
        await tx.db
          .select({ userId: jobAssignments.userId })
          .from(jobAssignments)
          .where(and(eq(jobAssignments.organizationId, organizationId), eq(jobAssignments.jobId, jobId)))
      ).map((a) => a.userId);
    const revision = await insertJob(
      tx,
      deps,
      organizationId,
      {
        customerId: parent.customerId,
        siteId: parent.siteId,
        jobTypeId: parent.jobTypeId,
        crew,
        scope: input.scope,
        windowStart: input.windowStart,
        windowEnd: input.windowEnd,
        billingOwnerId: parent.billingOwnerId,
        discountPercent: parent.discountPercent,
        taxCodeId: parent.taxCodeId,
        poNumber: parent.poNumber,
        customFields: parent.customFields,
        revisionOf: parent.id,
      },
      actor,
    );
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'job',
      aggregateId: parent.id,
      action: 'job.revision_added',
      actor,
      changes: { revisionId: revision.id, revisionNumber: jobNumber(revision.number) },
      reason: input.reason,
    });
    return revision;
  });

// ---------------------------------------------------------------- scheduling

export const rescheduleJob = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { windowStart: Date; windowEnd: Date; reason: string; expectedVersion?: number | undefined },
  actor: Actor,
) => {
  checkWindow(input.windowStart, input.windowEnd);
  return deps.database.transaction((tx) =>
    changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.rescheduled',
      operational: 'reschedule',
      patch: { windowStart: input.windowStart, windowEnd: input.windowEnd },
      reason: input.reason,
      ...(input.expectedVersion === undefined ? {} : { expectedVersion: input.expectedVersion }),
    }),
  );
};

const crewOf = async (tx: Tx, organizationId: string, jobId: string): Promise<string[]> =>
  (
    await tx.db
      .select({ userId: jobAssignments.userId })
      .from(jobAssignments)
      .where(and(eq(jobAssignments.organizationId, organizationId), eq(jobAssignments.jobId, jobId)))
  )
    .map((r) => r.userId)
    .sort();

/** Replaces the crew. The job's status does not change, but the assignment is a change like any other. */
export const assignCrew = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { add: string[]; remove: string[]; reason?: string | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    await checkJobRefs(
      tx,
      organizationId,
      {
        customerId: job.customerId,
        siteId: job.siteId,
        jobTypeId: job.jobTypeId,
        crew: input.add,
      },
      'body.add',
    );
    const before = await crewOf(tx, organizationId, jobId);
    const now = deps.clock.now();
    const toAdd = input.add.filter((u) => !before.includes(u));
    if (toAdd.length > 0) {
      await tx.db
        .insert(jobAssignments)
        .values(toAdd.map((userId) => ({ organizationId, jobId, userId, assignedAt: now })));
    }
    if (input.remove.length > 0) {
      await tx.db
        .delete(jobAssignments)
        .where(
          and(
            eq(jobAssignments.organizationId, organizationId),
            eq(jobAssignments.jobId, jobId),
            inArray(jobAssignments.userId, input.remove),
          ),
        );
    }
    const after = await crewOf(tx, organizationId, jobId);
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.crew_changed',
      operational: 'assign',
      reason: input.reason ?? null,
      extraChanges: { crew: { before, after } },
    });
  });

export const dispatchJob = (deps: Deps, organizationId: string, jobId: string, actor: Actor) =>
  deps.database.transaction((tx) =>
    changeJob(tx, deps, { organizationId, jobId, actor, action: 'job.dispatched', operational: 'dispatch' }),
  );

export const startJob = (deps: Deps, organizationId: string, jobId: string, actor: Actor) =>
  deps.database.transaction((tx) =>
    changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.started',
      operational: 'start',
      patch: { startedAt: deps.clock.now() },
    }),
  );

/**
 * Cancel or no-show: the job is closed, never deleted. A job type with a fee for it makes the job
 * invoice-ready for that fee; otherwise it is not billable.
 */
export const closeJob = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  kind: 'cancel' | 'no_show',
  input: { reason: string; waiveFee?: boolean | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    const [jobType] = await tx.db
      .select()
      .from(jobTypes)
      .where(and(eq(jobTypes.organizationId, organizationId), eq(jobTypes.id, job.jobTypeId)));
    const fee = kind === 'cancel' ? jobType?.cancellationFee : jobType?.noShowFee;
    const billable = fee !== null && fee !== undefined && !input.waiveFee;
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: kind === 'cancel' ? 'job.canceled' : 'job.no_show',
      operational: kind,
      billing: billable ? 'close_with_fee' : 'close_not_billable',
      patch: {
        closedReason: input.reason,
        closingFee: billable ? fee : null,
        ...(billable ? { invoiceReadyAt: deps.clock.now() } : {}),
      },
      reason: input.reason,
      ...(input.waiveFee ? { extraChanges: { feeWaived: true } } : {}),
    });
  });

export const updateJobFields = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: JobFieldPatch & { expectedVersion?: number | undefined; reason?: string | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { expectedVersion, reason, ...patch } = input;
    const job = await lockJob(tx, organizationId, jobId);
    if (
      job.status === 'canceled' ||
      job.status === 'no_show' ||
      job.billingStatus === 'invoiced' ||
      job.billingStatus === 'paid'
    ) {
      throw new AppError(
        'invalid_transition',
        `${jobNumber(job.number)} is closed for edits (${job.status}, ${job.billingStatus})`,
        {
          fields: [{ field: 'status', message: `is ${job.status}` }],
        },
      );
    }
    const { jobType } = await checkJobRefs(
      tx,
      organizationId,
      {
        customerId: job.customerId,
        siteId: job.siteId,
        jobTypeId: job.jobTypeId,
        crew: [],
        billingOwnerId: patch.billingOwnerId,
        taxCodeId: patch.taxCodeId,
      },
      'body',
    );
    if (patch.customFields) checkCustomFields(jobType, patch.customFields, 'booking');
    if (patch.windowStart || patch.windowEnd) throw invalid('body.windowStart', 'use the reschedule action');
    return changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.updated',
      patch,
      reason: reason ?? null,
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
    });
  });

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
  await tx.raw.query('SELECT pg_notify($1, e) FROM unnest($2::text[]) AS e', [
    EVENTS_CHANNEL,
    updated.map((u) =>
      JSON.stringify({
        organizationId: args.organizationId,
        type: 'job.changed',
        id: u.id,
        number: jobNumber(u.number),
        status: u.status,
        billingStatus: u.billingStatus,
        version: u.version,
        action: args.action,
      }),
    ),
  ]);
  return updated;
};
