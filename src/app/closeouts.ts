import Decimal from 'decimal.js';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { CloseoutBody } from '../contracts/closeout';
import {
  type ApprovalFacts,
  type ChargedLine,
  duplicateChargeRule,
  effectiveApprovalRules,
  type FiredRule,
  firedRules,
  repeatedLines,
} from '../core/approval-rules';
import { canonicalJson } from '../core/canonical-json';
import {
  type CloseoutFacts,
  type CloseoutOutcome,
  type CloseoutOverrides,
  effectiveRequirements,
  type MissingItem,
  missingItems,
  outcomeOf,
  type PhotoCategory,
} from '../core/closeout-rules';
import { customFieldProblems } from '../core/custom-fields';
import { AppError, type FieldProblem, notFound } from '../core/errors';
import { grossOf } from '../core/invoice-calc';
import { ApprovalRule, CloseoutRequirements } from '../core/job-type-templates';
import { MAX_AMOUNT } from '../core/money';
import type { Actor } from '../core/principal';
import { businessDate } from '../core/time';
import type { Tx } from '../db/client';
import {
  attachments,
  catalogItems,
  closeoutDrafts,
  closeoutLines,
  closeoutSubmissions,
  customers,
  jobTypes,
  organizations,
  timeEntries,
  users,
} from '../db/schema';
import { requestApproval } from './approvals';
import type { AuditInput } from './audit';
import { sha256Hex } from './auth/secrets';
import { changeJob, customFieldsOf, type JobRow, jobNumber, lockJob } from './jobs';
import type { Deps } from './ports';
import { closeOpenTimers } from './time-entries';

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

type Line = typeof closeoutLines.$inferInsert;

const badInput = (problems: FieldProblem[]) =>
  new AppError('validation_failed', problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
    fields: problems,
  });

const hoursOf = (entries: { startedAt: Date; endedAt: Date | null }[], now: Date): Decimal =>
  entries
    .reduce(
      (sum, e) => sum.plus(new Decimal((e.endedAt ?? now).getTime() - e.startedAt.getTime()).div(3_600_000)),
      new Decimal(0),
    )
    .toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/**
 * Turns a closeout into priced lines and the facts the completeness rules read. Every reference must
 * resolve inside the organization and the job: an unknown SKU, a stranger as technician, another job's
 * attachment or more than 24 hours a day are refused with the field named (400), before anything is written.
 */
const resolve = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  job: JobRow,
  body: CloseoutBody,
  submissionId: string,
) => {
  const org = job.organizationId;
  const problems: FieldProblem[] = [];
  // The organization's zone, the job type and the customer's overrides in one round trip.
  const [context] = await tx.db
    .select({
      timeZone: organizations.timeZone,
      defaultRules: organizations.defaultApprovalRules,
      laborPricing: organizations.laborPricing,
      jobType: jobTypes,
      overrides: customers.closeoutOverrides,
    })
    .from(jobTypes)
    .innerJoin(organizations, eq(organizations.id, jobTypes.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, jobTypes.organizationId), eq(customers.id, job.customerId)),
    )
    .where(and(eq(jobTypes.organizationId, org), eq(jobTypes.id, job.jobTypeId)));
  if (!context) throw notFound('job type');
  const jobTypeName = context.jobType.name;
  const skus = [
    ...body.parts.map((p) => p.sku),
    ...body.labor.map((l) => l.sku),
    context.jobType.laborSku,
    ...body.adjustments.map((a) => a.sku ?? (a.kind === 'trip_charge' ? 'FEE-TRIP' : 'FEE-DISPOSAL')),
    ...job.estimateLines.map((e) => e.sku),
  ].filter((s): s is string => !!s);
  const items = skus.length
    ? await tx.db
        .select()
        .from(catalogItems)
        .where(and(eq(catalogItems.organizationId, org), inArray(catalogItems.sku, [...new Set(skus)])))
    : [];
  const bySku = new Map(items.map((i) => [i.sku, i]));

  const techIds = [...new Set(body.labor.map((l) => l.technicianId))];
  const techs = techIds.length
    ? await tx.db
        .select({
          id: users.id,
          roles: users.roles,
          hourlyRate: users.hourlyRate,
          laborRole: users.laborRole,
          name: users.name,
        })
        .from(users)
        .where(and(eq(users.organizationId, org), inArray(users.id, techIds)))
    : [];
  const needEntries = body.labor.some((l) => !l.hours);
  const entries = needEntries
    ? await tx.db
        .select()
        .from(timeEntries)
        .where(
          and(
            eq(timeEntries.organizationId, org),
            eq(timeEntries.jobId, job.id),
            inArray(timeEntries.userId, techIds),
          ),
        )
    : [];
  const jobDate = businessDate(job.windowStart, context.timeZone);
  const now = deps.clock.now();

  const lines: Line[] = [];
  const line = (
    l: Omit<Line, 'organizationId' | 'id' | 'jobId' | 'submissionId' | 'position'>,
    /** The field a line too large for an invoice is refused under. */
    field: string,
  ) => {
    if (grossOf(l.quantity, l.unitPrice).abs().gt(MAX_AMOUNT)) {
      problems.push({ field, message: `the line comes to more than ${MAX_AMOUNT.toFixed(2)}` });
      return;
    }
    lines.push({
      ...l,
      organizationId: org,
      id: deps.ids.uuid(),
      jobId: job.id,
      submissionId,
      position: lines.length + 1,
    });
  };

  const perTechDay = new Map<string, Decimal>();
  body.labor.forEach((l, i) => {
    const tech = techs.find((t) => t.id === l.technicianId);
    if (!tech?.roles.includes('technician')) {
      problems.push({
        field: `body.labor.${i}.technicianId`,
        message: 'not a technician of this organization',
      });
      return;
    }
    // Labour is priced and taxed from the price book: the line's own labour SKU, else the job type's labour
    // item; the technician's personal rate only where the organization bills at technicians' rates, or
    // where the price book has no labour item for this work.
    const typeItem = context.jobType.laborSku ? bySku.get(context.jobType.laborSku) : undefined;
    const item = l.sku ? bySku.get(l.sku) : typeItem?.kind === 'labor' ? typeItem : undefined;
    if (l.sku && item?.kind !== 'labor') {
      problems.push({
        field: `body.labor.${i}.sku`,
        message: item ? 'not a labor item' : 'no such SKU in the price book',
      });
      return;
    }
    const hours = l.hours
      ? new Decimal(l.hours)
      : hoursOf(
          entries.filter((e) => e.userId === l.technicianId),
          now,
        );
    const key = `${l.technicianId}|${l.date ?? jobDate}`;
    const day = (perTechDay.get(key) ?? new Decimal(0)).plus(hours);
    perTechDay.set(key, day);
    if (day.gt(24))
      problems.push({
        field: `body.labor.${i}.hours`,
        message: `more than 24 hours on ${l.date ?? jobDate}`,
      });
    const byTechnician = context.laborPricing === 'technician_rate' && !l.sku;
    const rate =
      l.rate ?? (byTechnician ? (tech.hourlyRate ?? item?.unitPrice) : (item?.unitPrice ?? tech.hourlyRate));
    if (rate === null || rate === undefined) {
      problems.push({
        field: `body.labor.${i}.rate`,
        message: 'no rate in the price book for this technician; give one',
      });
      return;
    }
    line(
      {
        kind: 'labor',
        catalogItemId: item?.id ?? null,
        sku: item?.sku ?? null,
        // Described by the work, not by the person's title: "Plumber labour: Leak repair".
        description: l.role ?? `${item?.name ?? 'Labour'}: ${jobTypeName}`,
        // Typed hours keep their precision (0.3333 h): the preview and the invoice price the same quantity.
        quantity: hours.toFixed(),
        unitCode: 'HUR',
        unitPrice: new Decimal(rate).toFixed(),
        listPrice: item?.unitPrice ?? tech.hourlyRate ?? null,
        taxCodeId: item?.taxCodeId ?? job.taxCodeId,
        technicianId: tech.id,
        billable: l.billable,
        serialNumbers: [],
      },
      `body.labor.${i}.hours`,
    );
  });

  body.parts.forEach((p, i) => {
    const item = p.sku ? bySku.get(p.sku) : undefined;
    if (p.sku && !item) {
      problems.push({ field: `body.parts.${i}.sku`, message: 'no such SKU in the price book' });
      return;
    }
    const unitPrice = p.unitPrice ?? item?.unitPrice;
    line(
      {
        kind: 'part',
        catalogItemId: item?.id ?? null,
        sku: item?.sku ?? null,
        description: p.description ?? item?.name ?? '',
        quantity: p.quantity,
        unitCode: item?.unitCode ?? 'C62',
        unitPrice: unitPrice ?? '0',
        listPrice: item?.unitPrice ?? null,
        taxCodeId: item?.taxCodeId ?? job.taxCodeId,
        technicianId: null,
        billable: p.billable,
        serialNumbers: p.serialNumbers,
      },
      `body.parts.${i}.quantity`,
    );
  });

  body.adjustments.forEach((a, i) => {
    const sku = a.sku ?? (a.kind === 'trip_charge' ? 'FEE-TRIP' : 'FEE-DISPOSAL');
    const item = bySku.get(sku);
    if (!item && (a.sku || a.amount === undefined)) {
      problems.push({
        field: `body.adjustments.${i}.${a.sku ? 'sku' : 'amount'}`,
        message: a.sku ? 'no such SKU in the price book' : 'give an amount or a fee SKU',
      });
      return;
    }
    line(
      {
        kind: 'adjustment',
        catalogItemId: item?.id ?? null,
        sku: item?.sku ?? null,
        description:
          a.description ?? item?.name ?? (a.kind === 'trip_charge' ? 'Trip charge' : 'Disposal fee'),
        quantity: '1',
        unitCode: 'C62',
        unitPrice: a.amount ?? item?.unitPrice ?? '0',
        listPrice: item?.unitPrice ?? null,
        taxCodeId: item?.taxCodeId ?? job.taxCodeId,
        technicianId: null,
        billable: true,
        serialNumbers: [],
      },
      `body.adjustments.${i}.amount`,
    );
  });

  // Attachments: each must belong to this job.
  const wanted = [
    ...new Set([...body.attachmentIds, ...(body.signature ? [body.signature.attachmentId] : [])]),
  ];
  const found = wanted.length
    ? await tx.db
        .select({ id: attachments.id, jobId: attachments.jobId, category: attachments.category })
        .from(attachments)
        .where(and(eq(attachments.organizationId, org), inArray(attachments.id, wanted)))
    : [];
  body.attachmentIds.forEach((id, i) => {
    const a = found.find((f) => f.id === id);
    if (!a) problems.push({ field: `body.attachmentIds.${i}`, message: 'no such attachment' });
    else if (a.jobId !== job.id)
      problems.push({ field: `body.attachmentIds.${i}`, message: 'belongs to another job' });
  });
  if (body.signature) {
    const a = found.find((f) => f.id === body.signature?.attachmentId);
    if (!a || a.jobId !== job.id)
      problems.push({
        field: 'body.signature.attachmentId',
        message: a ? 'belongs to another job' : 'no such attachment',
      });
    else if (a.category !== 'signature')
      problems.push({ field: 'body.signature.attachmentId', message: 'not a signature image' });
  }
  const photos: Partial<Record<PhotoCategory, number>> = {};
  for (const id of new Set(body.attachmentIds)) {
    const a = found.find((f) => f.id === id && f.jobId === job.id);
    if (a) photos[a.category] = (photos[a.category] ?? 0) + 1;
  }

  // Closeout-stage custom fields: wrong types are bad input, empty required ones are missing proof.
  const jobType = context.jobType;
  const values = { ...job.customFields, ...body.customFields };
  const fieldProblems = customFieldProblems(customFieldsOf(jobType), values, 'closeout', 'body.customFields');
  const missingCustomFields = fieldProblems
    .filter((p) => p.message.endsWith('is required'))
    .map((p) => ({ key: p.field.split('.').pop() ?? '', label: p.message.replace(/ is required$/, '') }));
  problems.push(...fieldProblems.filter((p) => !p.message.endsWith('is required')));

  if (problems.length > 0) throw badInput(problems);

  const requirements = effectiveRequirements(
    CloseoutRequirements.parse(jobType.closeoutRequirements),
    context.overrides as CloseoutOverrides,
  );
  const facts: CloseoutFacts = {
    checklistDone: body.workPerformed.checklist.filter((c) => c.done).map((c) => c.item),
    notes: body.workPerformed.notes,
    photos,
    serialNumbers: body.parts.reduce((n, p) => n + p.serialNumbers.length, 0),
    hasSignature: !!body.signature,
    hasSignatureException: !!body.signatureException,
    partLines: body.parts.map((p) => ({
      sku: p.sku,
      description: p.description,
      quantity: p.quantity,
      unitPrice: p.unitPrice ?? (p.sku ? bySku.get(p.sku)?.unitPrice : undefined),
    })),
    laborHours: lines.filter((l) => l.kind === 'labor').reduce((h, l) => h + Number(l.quantity), 0),
    missingCustomFields,
  };
  const missing = missingItems(requirements, jobType.billingMode, facts);
  const reasons = [
    body.signatureException && !body.signature
      ? `No signature (${body.signatureException.reasonCode.replace('_', ' ')}): ${body.signatureException.text}`
      : null,
    body.exceptionFlags.length > 0 ? `Flagged: ${body.exceptionFlags.join(', ').replaceAll('_', ' ')}` : null,
  ].filter((r): r is string => r !== null);
  const estimate =
    job.estimateLines.length === 0
      ? null
      : job.estimateLines.reduce(
          (acc, e) => {
            const amount = new Decimal(e.quantity).times(e.unitPrice);
            const isLabor = e.sku ? bySku.get(e.sku)?.kind === 'labor' : false;
            return {
              laborHours: isLabor ? acc.laborHours.plus(e.quantity) : acc.laborHours,
              partsTotal: isLabor ? acc.partsTotal : acc.partsTotal.plus(amount),
              total: acc.total.plus(amount),
            };
          },
          { laborHours: new Decimal(0), partsTotal: new Decimal(0), total: new Decimal(0) },
        );
  const approvalFacts: ApprovalFacts = {
    discountPercent: job.discountPercent,
    lines: lines.map((l) => ({
      kind: l.kind,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      listPrice: l.listPrice ?? null,
      billable: l.billable ?? true,
      technicianId: l.technicianId ?? null,
    })),
    laborHoursByTechDay: [...perTechDay].map(([key, hours]) => {
      const [technicianId = '', date = ''] = key.split('|');
      return { technicianId, date, hours: hours.toFixed(2) };
    }),
    estimate: estimate && {
      laborHours: estimate.laborHours.toFixed(),
      partsTotal: estimate.partsTotal.toFixed(),
      total: estimate.total.toFixed(),
    },
    exceptionFlags: body.exceptionFlags,
    signatureMissingWithReason: !!body.signatureException && !body.signature,
  };
  return {
    lines,
    missing,
    exceptionReason: reasons.length ? reasons.join('; ') : null,
    customFields: values,
    approvalRules: effectiveApprovalRules(
      z.array(ApprovalRule).parse(jobType.approvalRules),
      z.array(ApprovalRule).parse(context.defaultRules),
    ),
    approvalFacts,
    billingMode: jobType.billingMode,
  };
};

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
    'conflict',
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
const assertTakesCloseout = (job: JobRow) => {
  if (job.status === 'canceled' || job.status === 'no_show') {
    throw new AppError(
      'invalid_transition',
      `${jobNumber(job.number)} is ${job.status}: it takes no closeout`,
      {
        fields: [{ field: 'status', message: `is ${job.status}` }],
      },
    );
  }
  if (CLOSED_FOR_CLOSEOUT.has(job.billingStatus)) {
    throw new AppError(
      'invalid_transition',
      `${jobNumber(job.number)} is ${job.billingStatus}: correct it with a credit note`,
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
    // The job's row lock orders concurrent submissions for it; the first writes, the rest replay.
    const job = await lockJob(tx, organizationId, jobId);
    const [prior] = await tx.db
      .select()
      .from(closeoutSubmissions)
      .where(
        and(
          eq(closeoutSubmissions.organizationId, organizationId),
          eq(closeoutSubmissions.id, body.submissionId),
        ),
      );
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
      await resolve(tx, deps, job, body, body.submissionId);
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
      // Lines exist only once a closeout completed the job (completed is terminal), so a first closeout has
      // none to replace and skips the round trip.
      if (job.status === 'completed')
        await tx.db
          .delete(closeoutLines)
          .where(and(eq(closeoutLines.organizationId, organizationId), eq(closeoutLines.jobId, jobId)));
      if (lines.length > 0) await tx.db.insert(closeoutLines).values(lines);
      const closed = await closeOpenTimers(tx, organizationId, jobId, now);
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
          ...(closed.length ? { timersClosed: closed.map((c) => c.id) } : {}),
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
    await tx.db.insert(closeoutSubmissions).values({
      organizationId,
      id: body.submissionId,
      jobId,
      source,
      requestHash,
      body,
      outcome,
      missing,
      responseStatus: outcome === 'incomplete' ? 422 : 201,
      response: decision,
      actorType: actor.type,
      actorId: actor.id,
      createdAt: now,
    });
    if (source === 'technician' && actor.id) {
      await tx.db
        .delete(closeoutDrafts)
        .where(
          and(
            eq(closeoutDrafts.organizationId, organizationId),
            eq(closeoutDrafts.jobId, jobId),
            eq(closeoutDrafts.authorId, actor.id),
          ),
        );
    }
    return { decision, replayed: false };
  });
};

export const saveDraft = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  authorId: string,
  body: unknown,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    assertTakesCloseout(job);
    const now = deps.clock.now();
    await tx.db
      .insert(closeoutDrafts)
      .values({ organizationId, jobId, authorId, body, updatedAt: now })
      .onConflictDoUpdate({
        target: [closeoutDrafts.organizationId, closeoutDrafts.jobId, closeoutDrafts.authorId],
        set: { body, updatedAt: now },
      });
    return now;
  });

export const loadDraft = async (deps: Deps, organizationId: string, jobId: string, authorId: string) => {
  const [row] = await deps.database.db
    .select()
    .from(closeoutDrafts)
    .where(
      and(
        eq(closeoutDrafts.organizationId, organizationId),
        eq(closeoutDrafts.jobId, jobId),
        eq(closeoutDrafts.authorId, authorId),
      ),
    );
  return row;
};

/**
 * What the office sees of a job's closeout: the submission in force (accepted or by exception) with its
 * billable lines, the latest refusal when the job still needs information, and every submission since.
 */
export const closeoutRecord = async (deps: Deps, organizationId: string, jobId: string) => {
  const db = deps.database.db;
  const submissions = await db
    .select()
    .from(closeoutSubmissions)
    .where(and(eq(closeoutSubmissions.organizationId, organizationId), eq(closeoutSubmissions.jobId, jobId)))
    .orderBy(closeoutSubmissions.createdAt);
  const inForce = submissions.filter((s) => s.outcome !== 'incomplete').at(-1) ?? null;
  const last = submissions.at(-1) ?? null;
  const lines = inForce
    ? await db
        .select()
        .from(closeoutLines)
        .where(and(eq(closeoutLines.organizationId, organizationId), eq(closeoutLines.jobId, jobId)))
        .orderBy(closeoutLines.position)
    : [];
  const actorIds = [...new Set(submissions.map((s) => s.actorId).filter((id): id is string => !!id))];
  const names = new Map(
    actorIds.length
      ? (
          await db
            .select({ id: users.id, name: users.name })
            .from(users)
            .where(
              inArray(
                users.id,
                actorIds.filter((id) => z.uuid().safeParse(id).success),
              ),
            )
        ).map((u) => [u.id, u.name] as const)
      : [],
  );
  return { submissions, inForce, last, refusal: last?.outcome === 'incomplete' ? last : null, lines, names };
};
