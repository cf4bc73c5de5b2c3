import type { CloseoutBody } from '../../contracts/closeout';
import {
  type ChargedLine,
  duplicateChargeRule,
  type FiredRule,
  firedRules,
  repeatedLines,
} from '../../core/approval-rules';
import { canonicalJson } from '../../core/canonical-json';
import { type CloseoutOutcome, type MissingItem, outcomeOf } from '../../core/closeout-rules';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { closeoutFacts, recordCloseout } from '../../db/queries/closeout';
import { requestApproval } from '../approvals/approvals';
import { type AuditInput, knownHead } from '../audit/audit';
import { sha256Hex } from '../auth/secrets';
import { changeJob, type JobRow, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import type { Line } from './price-lines';
import { lookupsOf, resolve } from './resolve';

export type Source = 'technician' | 'office_edit';

/** What a submission decided; stored with it, so a replay renders the very same response. */
export type CloseoutDecision = {
  submissionId: string;
  outcome: CloseoutOutcome;
  missing: MissingItem[];
  exceptionReason: string | null;
  approval: { id: string; rules: FiredRule[]; dueAt: string } | null;
  job: { id: string; number: string; status: string; billingStatus: string; version: number };
  requestId: string;
};

export type SubmitResult = { decision: CloseoutDecision; replayed: boolean };

/** The billable lines of a revision that the original job already billed, with the original's number. */
const repeatsOfOriginal = async (
  tx: Tx,
  organizationId: string,
  originalId: string,
  lines: Line[],
): Promise<{ lines: ChargedLine[]; number: string } | null> => {
  const billable = lines.filter((l) => l.billable !== false && l.kind !== 'adjustment');
  if (billable.length === 0) return null;
  const { rows } = await tx.raw.query<{
    number: number;
    kind: string;
    sku: string | null;
    description: string;
    quantity: string;
    unit_price: string;
    serial_numbers: string[];
  }>(
    `SELECT j.number, l.kind, l.sku, l.description, l.quantity, l.unit_price, l.serial_numbers
       FROM closeout_lines l JOIN jobs j ON j.organization_id = l.organization_id AND j.id = l.job_id
      WHERE l.organization_id = $1 AND l.job_id = $2 AND l.billable`,
    [organizationId, originalId],
  );
  const first = rows[0];
  if (!first) return null;
  const repeats = repeatedLines(
    billable.map((l) => ({
      kind: l.kind,
      sku: l.sku ?? null,
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      serialNumbers: l.serialNumbers ?? [],
    })),
    rows.map((r) => ({
      kind: r.kind,
      sku: r.sku,
      description: r.description,
      quantity: r.quantity,
      unitPrice: r.unit_price,
      serialNumbers: r.serial_numbers,
    })),
  );
  return repeats.length > 0 ? { lines: repeats, number: jobNumber(first.number) } : null;
};

const CLOSED_FOR_CLOSEOUT = new Set(['invoiced', 'paid', 'not_billable']);

/** Changes that make a closeout built on an older version of the job suspect: the technician must look again. */
const SCHEDULE_CHANGES = ['job.rescheduled', 'job.crew_changed'];

/**
 * DESIGN §6: a closeout built on an older job version is accepted when what changed since is harmless (a
 * note, a photo); a reschedule or crew change since then is a 409 that says what changed.
 */
const assertNoScheduleChangeSince = async (tx: Tx, job: JobRow, jobVersion: number) => {
  const { rows } = await tx.raw.query<{ action: string; at: Date; changes: string }>(
    `SELECT action, at, changes FROM audit_events
      WHERE organization_id = $1 AND aggregate_type = 'job' AND aggregate_id = $2 AND action = ANY($3)
        AND (changes::jsonb #>> '{version,after}')::int > $4
      ORDER BY seq`,
    [job.organizationId, job.id, SCHEDULE_CHANGES, jobVersion],
  );
  if (rows.length === 0) return;
  throw new AppError(
    'changed_since',
    `${jobNumber(job.number)} was ${rows.map((r) => r.action.replace('job.', '').replace('_', ' ')).join(' and ')} since version ${jobVersion}`,
    {
      fields: [{ field: 'body.jobVersion', message: `the job is at version ${job.version}` }],
      extra: {
        job: {
          id: job.id,
          number: jobNumber(job.number),
          status: job.status,
          version: job.version,
          windowStart: job.windowStart.toISOString(),
          windowEnd: job.windowEnd.toISOString(),
        },
        changedSince: rows.map((r) => ({
          action: r.action,
          at: new Date(r.at).toISOString(),
          changes: JSON.parse(r.changes) as unknown,
        })),
      },
    },
  );
};

/** A canceled or no-show job takes no closeout; an invoiced one is corrected by a credit note instead. */
export const assertTakesCloseout = (job: JobRow) => {
  if (job.status === 'canceled' || job.status === 'no_show') {
    throw new AppError(
      'job_closed',
      `${jobNumber(job.number)} is ${job.status === 'canceled' ? 'canceled' : 'closed as a no-show'}: it takes no closeout`,
      {
        fields: [{ field: 'status', message: `is ${job.status}` }],
      },
    );
  }
  if (CLOSED_FOR_CLOSEOUT.has(job.billingStatus)) {
    throw new AppError(
      job.billingStatus === 'not_billable' ? 'job_closed' : 'already_invoiced',
      job.billingStatus === 'not_billable'
        ? `${jobNumber(job.number)} was closed as not billable: it takes no closeout`
        : `${jobNumber(job.number)} is already invoiced: correct it with a credit note`,
      {
        fields: [{ field: 'billingStatus', message: `is ${job.billingStatus}` }],
      },
    );
  }
};

/**
 * Submits a closeout (or an office correction of one). The submission ID is the idempotency key: the
 * same ID and body return the stored decision; the same ID with another body is a 409. Accepted and
 * refused submissions alike are kept with their validation result.
 */
export const submitCloseout = (
  deps: Deps,
  args: {
    organizationId: string;
    jobId: string;
    body: CloseoutBody;
    source: Source;
    actor: Actor;
    requestId: string;
    reason?: string | undefined;
  },
): Promise<SubmitResult> => {
  const { organizationId, jobId, body, source, actor } = args;
  const requestHash = sha256Hex(canonicalJson({ ...body, source, reason: args.reason ?? null }));
  return deps.database.transaction(async (tx) => {
    // The job's row lock orders concurrent submissions for it; the first writes, the rest replay. What the
    // decision reads is read after it, in one statement, so a replay sees the submission it waited for.
    const job = await lockJob(tx, organizationId, jobId);
    const facts = await closeoutFacts(tx, {
      organizationId,
      jobId,
      jobTypeId: job.jobTypeId,
      customerId: job.customerId,
      submissionId: body.submissionId,
      ...lookupsOf(job, body),
    });
    if (!facts) throw notFound('job type');
    const prior = facts.prior;
    if (prior) {
      if (prior.jobId !== jobId || prior.requestHash !== requestHash) {
        throw new AppError(
          'idempotency_conflict',
          'This submissionId was already used for a different closeout',
          {
            fields: [{ field: 'body.submissionId', message: 'already used with a different body' }],
          },
        );
      }
      return { decision: prior.response as CloseoutDecision, replayed: true };
    }
    knownHead(tx, { organizationId, aggregateType: 'job', aggregateId: jobId }, facts.auditHead);
    const openTimers = facts.openTimers.map((t) => t.id);

    assertTakesCloseout(job);
    if (source === 'technician' && body.jobVersion !== undefined && body.jobVersion < job.version) {
      await assertNoScheduleChangeSince(tx, job, body.jobVersion);
    }
    if (source === 'technician' && job.status === 'completed' && job.billingStatus !== 'needs_info') {
      throw new AppError(
        'invalid_transition',
        `${jobNumber(job.number)} is already closed out; the office corrects it from here`,
        {
          fields: [{ field: 'status', message: 'is completed' }],
        },
      );
    }

    const { lines, missing, exceptionReason, customFields, approvalRules, approvalFacts, billingMode } =
      resolve(deps, job, body, body.submissionId, facts);
    const outcome = outcomeOf(missing, exceptionReason !== null);
    const now = deps.clock.now();
    // Approval only for exceptions: the rules that fired, plus the technician's own stated exception.
    const fired: FiredRule[] = outcome === 'incomplete' ? [] : firedRules(approvalRules, approvalFacts);
    // A stated exception always waits for a person, even where no configured rule covers it.
    if (outcome === 'exception' && exceptionReason && fired.length === 0) {
      fired.push({
        code: 'stated_exception',
        observed: exceptionReason,
        threshold: null,
        approverRole: 'approver',
        slaHours: 24,
        message: exceptionReason,
      });
    }
    // Add-on work that repeats what the original job billed would charge the customer twice: a person decides.
    if (outcome !== 'incomplete' && job.revisionOf) {
      const repeats = await repeatsOfOriginal(tx, organizationId, job.revisionOf, lines);
      if (repeats) fired.push(duplicateChargeRule(repeats.lines, repeats.number));
    }
    const needsApproval = fired.length > 0;

    // The submission's own first event, written with the job's in one insert.
    const submitted: AuditInput = {
      organizationId,
      aggregateType: 'closeout',
      aggregateId: body.submissionId,
      first: true,
      action: source === 'office_edit' ? 'closeout.office_edit' : 'closeout.submitted',
      actor,
      changes: { jobId, outcome, missing: missing.map((m) => `${m.code}:${m.field}`), lines: lines.length },
      reason: args.reason ?? exceptionReason,
    };
    // One change per submission: a job not yet started is started and completed in the same update.
    const notStarted = job.status === 'scheduled' || job.status === 'dispatched';
    let current: JobRow;
    if (outcome === 'incomplete') {
      current = await changeJob(tx, deps, {
        organizationId,
        jobId,
        actor,
        locked: job,
        action: 'job.closeout_refused',
        ...(notStarted ? { operational: 'start' as const, patch: { startedAt: now } } : {}),
        billing: 'closeout_incomplete',
        extraChanges: { submissionId: body.submissionId, missing: missing.map((m) => m.code) },
        alsoAudit: submitted,
      });
    } else {
      // Nothing billable (maintenance under contract, a no-charge visit): decided here, not failed at BR-16
      // later. The work-completed report still goes to the customer. A fixed-price job bills its price.
      const nothingBillable = billingMode !== 'fixed' && !lines.some((l) => l.billable !== false);
      const completing = notStarted || job.status === 'in_progress';
      current = await changeJob(tx, deps, {
        organizationId,
        jobId,
        actor,
        locked: job,
        action: source === 'office_edit' ? 'job.closeout_corrected' : 'job.completed',
        ...(completing
          ? { operational: notStarted ? (['start', 'complete'] as const).slice() : 'complete' }
          : {}),
        billing: needsApproval
          ? 'closeout_needs_approval'
          : nothingBillable
            ? 'close_not_billable'
            : 'closeout_valid',
        patch: {
          customFields,
          ...(notStarted ? { startedAt: now } : {}),
          ...(completing ? { completedAt: now } : {}),
          ...(needsApproval || nothingBillable ? {} : { invoiceReadyAt: now }),
        },
        reason: source === 'office_edit' ? (args.reason ?? null) : exceptionReason,
        extraChanges: {
          submissionId: body.submissionId,
          outcome,
          lines: lines.length,
          ...(openTimers.length ? { timersClosed: openTimers } : {}),
          ...(source === 'office_edit' ? { backOfficeTouch: true } : {}),
        },
        alsoAudit: submitted,
      });
    }

    // The work-completed report goes to the customer whether or not anything is billed.
    if (outcome !== 'incomplete') {
      await deps.queue.enqueue(
        tx,
        { name: 'report.render', data: { organizationId, jobId, submissionId: body.submissionId } },
        { key: body.submissionId },
      );
    }
    const approval = needsApproval
      ? await requestApproval(tx, deps, { job: current, submissionId: body.submissionId, fired, actor })
      : null;
    const decision: CloseoutDecision = {
      submissionId: body.submissionId,
      outcome,
      missing,
      exceptionReason,
      approval: approval && { id: approval.id, rules: fired, dueAt: approval.dueAt.toISOString() },
      job: {
        id: current.id,
        number: jobNumber(current.number),
        status: current.status,
        billingStatus: current.billingStatus,
        version: current.version,
      },
      requestId: args.requestId,
    };
    const accepted = outcome !== 'incomplete';
    await recordCloseout(tx, {
      organizationId,
      jobId,
      // Lines exist only once a closeout completed the job; a correction replaces them.
      replaceLines: accepted && job.status === 'completed',
      lines: accepted ? lines : [],
      at: now,
      closeTimers: accepted ? openTimers : [],
      draftAuthorId: source === 'technician' && actor.id ? actor.id : null,
      submission: {
        id: body.submissionId,
        source,
        requestHash,
        body,
        outcome,
        missing,
        responseStatus: outcome === 'incomplete' ? 422 : 201,
        response: decision,
        actorType: actor.type,
        actorId: actor.id,
      },
    });
    return { decision, replayed: false };
  });
};
