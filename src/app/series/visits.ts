import { and, asc, eq, gte, inArray } from 'drizzle-orm';
import type { CustomFieldValues } from '../../core/custom-fields';
import { AppError, invalid, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { occurrencesBetween, parseRrule } from '../../core/recurrence';
import {
  isSeriesStatus,
  type SeriesAction,
  type SeriesStatus,
  seriesTransition,
} from '../../core/series-lifecycle';
import { addDays, businessDate, isValidTimeZone, laterDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { jobs, series } from '../../db/schema';
import type { EstimateLine } from '../../db/schema/operations';
import { appendAudit } from '../audit/audit';
import { changeJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { insertJob, type NewJob } from '../scheduling/create-job';
import { checkJobRefs } from '../scheduling/job-refs';

export type SeriesRow = typeof series.$inferSelect;

export type SeriesTemplate = {
  scope: string;
  billingOwnerId?: string | null | undefined;
  taxCodeId?: string | null | undefined;
  discountPercent?: string | null | undefined;
  poNumber?: string | null | undefined;
  /** A series booked from an accepted quote: each visit's agreed price, and the kind of work's fields. */
  estimateLines?: EstimateLine[] | undefined;
  customFields?: CustomFieldValues | undefined;
};

export type NewSeries = SeriesTemplate & {
  customerId: string;
  siteId: string;
  jobTypeId: string;
  rrule: string;
  timeZone?: string | undefined;
  startDate: string;
  startTime: string;
  durationMinutes?: number | undefined;
  crew: string[];
  billingRule: 'per_visit' | 'per_cycle';
  billingCycle?: 'weekly' | 'monthly' | 'quarterly' | null | undefined;
  horizonDays?: number | undefined;
};

const DEFAULT_HORIZON_DAYS = 90;
export type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue' | 'reactions'>;

export const checkRule = (
  rrule: string,
  timeZone: string,
  billingRule: string,
  billingCycle: string | null | undefined,
) => {
  const parsed = parseRrule(rrule);
  if (!parsed.ok) throw invalid('body.rrule', parsed.error);
  if (!isValidTimeZone(timeZone)) throw invalid('body.timeZone', 'not an IANA time zone');
  if (billingRule === 'per_cycle' && !billingCycle)
    throw invalid('body.billingCycle', 'required for per-cycle billing');
};

/** Adds the visits of a series that fall between its last generated date and the horizon. Idempotent. */
export const generateVisits = async (tx: Tx, deps: Ctx, s: SeriesRow, actor: Actor): Promise<number> => {
  const today = businessDate(deps.clock.now(), s.timeZone);
  const from = s.generatedUntil ? addDays(s.generatedUntil, 1) : s.startDate;
  let to = addDays(laterDate(today, s.startDate), s.horizonDays);
  if (s.endDate && s.endDate < to) to = s.endDate;
  if (to < from) return 0;
  const occurrences = occurrencesBetween({ ...s, from, to });
  const existing = new Set(
    (
      await tx.db
        .select({ date: jobs.occurrenceDate })
        .from(jobs)
        .where(
          and(
            eq(jobs.organizationId, s.organizationId),
            eq(jobs.seriesId, s.id),
            gte(jobs.occurrenceDate, from),
          ),
        )
    ).map((r) => r.date),
  );
  const t = s.template as SeriesTemplate;
  let made = 0;
  for (const o of occurrences) {
    if (existing.has(o.date)) continue;
    const visit: NewJob = {
      customerId: s.customerId,
      siteId: s.siteId,
      jobTypeId: s.jobTypeId,
      crew: s.crew,
      scope: t.scope,
      windowStart: o.start,
      windowEnd: o.end,
      billingOwnerId: t.billingOwnerId,
      taxCodeId: t.taxCodeId,
      discountPercent: t.discountPercent,
      poNumber: t.poNumber,
      estimateLines: t.estimateLines,
      customFields: t.customFields,
      seriesId: s.id,
      occurrenceDate: o.date,
    };
    await insertJob(tx, deps, s.organizationId, visit, actor);
    made++;
  }
  await tx.db
    .update(series)
    .set({ generatedUntil: to })
    .where(and(eq(series.organizationId, s.organizationId), eq(series.id, s.id)));
  return made;
};

export const insertSeries = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  input: NewSeries & { timeZone: string },
  actor: Actor,
  splitFrom: string | null,
) => {
  const jobType = (await checkJobRefs(tx, organizationId, { ...input })).jobType;
  const id = deps.ids.uuid();
  const [row] = await tx.db
    .insert(series)
    .values({
      organizationId,
      id,
      customerId: input.customerId,
      siteId: input.siteId,
      jobTypeId: input.jobTypeId,
      rrule: input.rrule.replace(/^RRULE:/i, ''),
      timeZone: input.timeZone,
      startDate: input.startDate,
      startTime: input.startTime,
      durationMinutes: input.durationMinutes ?? jobType.defaultDurationMinutes,
      crew: input.crew,
      template: {
        scope: input.scope,
        billingOwnerId: input.billingOwnerId ?? null,
        taxCodeId: input.taxCodeId ?? null,
        discountPercent: input.discountPercent ?? null,
        poNumber: input.poNumber ?? null,
        ...(input.estimateLines ? { estimateLines: input.estimateLines } : {}),
        ...(input.customFields ? { customFields: input.customFields } : {}),
      },
      billingRule: input.billingRule,
      billingCycle: input.billingCycle ?? null,
      horizonDays: input.horizonDays ?? DEFAULT_HORIZON_DAYS,
      splitFrom,
      createdAt: deps.clock.now(),
    })
    .returning();
  if (!row) throw new Error('series insert returned nothing');
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'series',
    aggregateId: id,
    action: splitFrom ? 'series.split_from' : 'series.created',
    actor,
    changes: {
      rrule: row.rrule,
      timeZone: row.timeZone,
      startDate: row.startDate,
      startTime: row.startTime,
      durationMinutes: row.durationMinutes,
      crew: row.crew,
      billingRule: row.billingRule,
      billingCycle: row.billingCycle,
      splitFrom,
    },
  });
  return row;
};

export const lockSeries = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(series)
    .where(and(eq(series.organizationId, organizationId), eq(series.id, id)))
    .for('update');
  if (!row) throw notFound('series');
  return row;
};

/** The status a part moves to under `action`, or invalid_transition naming what it allows. */
export const nextStatus = (row: SeriesRow, action: SeriesAction): SeriesStatus => {
  const from: SeriesStatus = isSeriesStatus(row.status) ? row.status : 'active';
  const t = seriesTransition(from, action);
  if (!t.ok) {
    const words: Record<SeriesStatus, string> = {
      active: 'running',
      paused: 'paused',
      ended: 'ended',
      continued: 'continued in a later part; change that part instead',
    };
    throw new AppError('invalid_transition', `This recurring service is ${words[from]}`, {
      extra: { currentStatus: from, allowed: t.allowed },
    });
  }
  return t.to;
};

/** Visits of a part on or after `fromDate` that nobody has started: the ones a change of plan may move or close. */
export const unstartedVisitsFrom = (tx: Tx, organizationId: string, seriesId: string, fromDate: string) =>
  tx.db
    .select()
    .from(jobs)
    .where(
      and(
        eq(jobs.organizationId, organizationId),
        eq(jobs.seriesId, seriesId),
        gte(jobs.occurrenceDate, fromDate),
        inArray(jobs.status, ['scheduled', 'dispatched']),
      ),
    )
    .orderBy(asc(jobs.occurrenceDate));

/** Closes one visit the new plan has no place for: canceled, not billable, the reason on the job. */
export const closeVisit = (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  jobId: string,
  closedReason: string,
  reason: string,
  actor: Actor,
) =>
  changeJob(tx, deps, {
    organizationId,
    jobId,
    actor,
    action: 'job.canceled',
    operational: 'cancel',
    billing: 'close_not_billable',
    patch: { closedReason },
    reason,
  });
