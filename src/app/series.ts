import { and, asc, eq, gte, inArray } from 'drizzle-orm';
import { invalid, notFound } from '../core/errors';
import type { Actor } from '../core/principal';
import { occurrencesBetween, parseRrule } from '../core/recurrence';
import { addDays, businessDate, isValidTimeZone, laterDate } from '../core/time';
import type { Tx } from '../db/client';
import { jobAssignments, jobs, series } from '../db/schema';
import { appendAudit } from './audit';
import { changeJob } from './jobs';
import type { Deps } from './ports';
import { insertJob, type NewJob } from './scheduling/create-job';
import { checkJobRefs } from './scheduling/job-refs';

export type SeriesRow = typeof series.$inferSelect;

export type SeriesTemplate = {
  scope: string;
  billingOwnerId?: string | null | undefined;
  taxCodeId?: string | null | undefined;
  discountPercent?: string | null | undefined;
  poNumber?: string | null | undefined;
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
type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue'>;

const checkRule = (
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
const generateVisits = async (tx: Tx, deps: Ctx, s: SeriesRow, actor: Actor): Promise<number> => {
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

const insertSeries = async (
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

export const createSeries = (
  deps: Deps,
  organizationId: string,
  timeZone: string,
  input: NewSeries,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const tz = input.timeZone ?? timeZone;
    checkRule(input.rrule, tz, input.billingRule, input.billingCycle);
    const row = await insertSeries(tx, deps, organizationId, { ...input, timeZone: tz }, actor, null);
    const visits = await generateVisits(tx, deps, row, actor);
    return { id: row.id, visits };
  });

export const lockSeries = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(series)
    .where(and(eq(series.organizationId, organizationId), eq(series.id, id)))
    .for('update');
  if (!row) throw notFound('series');
  return row;
};

export type SplitInput = {
  fromDate: string;
  reason: string;
  rrule?: string | undefined;
  startTime?: string | undefined;
  durationMinutes?: number | undefined;
  crew?: string[] | undefined;
  scope?: string | undefined;
};

/**
 * "This and following": the series ends the day before fromDate and a new one takes over from there.
 * Visits not yet started keep their job IDs: each moves to the new series and its new time when the new
 * rule has a visit that day, and is canceled (not billable, with the reason) when it has none. Started
 * or finished visits stay with the old series.
 */
export const splitSeries = (
  deps: Deps,
  organizationId: string,
  id: string,
  input: SplitInput,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const old = await lockSeries(tx, organizationId, id);
    if (old.endDate && old.endDate < input.fromDate)
      throw invalid('body.fromDate', 'the series has ended before this date');
    if (input.fromDate <= old.startDate)
      throw invalid('body.fromDate', 'must be after the series start; edit the series instead');
    const rrule = input.rrule ?? old.rrule;
    checkRule(rrule, old.timeZone, old.billingRule, old.billingCycle);
    const t = old.template as SeriesTemplate;
    await tx.db
      .update(series)
      .set({ endDate: addDays(input.fromDate, -1), version: old.version + 1 })
      .where(and(eq(series.organizationId, organizationId), eq(series.id, id)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'series',
      aggregateId: id,
      action: 'series.ended_by_split',
      actor,
      changes: { endDate: { before: old.endDate, after: addDays(input.fromDate, -1) } },
      reason: input.reason,
    });
    const next = await insertSeries(
      tx,
      deps,
      organizationId,
      {
        customerId: old.customerId,
        siteId: old.siteId,
        jobTypeId: old.jobTypeId,
        rrule,
        timeZone: old.timeZone,
        startDate: input.fromDate,
        startTime: input.startTime ?? old.startTime,
        durationMinutes: input.durationMinutes ?? old.durationMinutes,
        crew: input.crew ?? old.crew,
        scope: input.scope ?? t.scope,
        billingOwnerId: t.billingOwnerId,
        taxCodeId: t.taxCodeId,
        discountPercent: t.discountPercent,
        poNumber: t.poNumber,
        billingRule: old.billingRule,
        billingCycle: old.billingCycle,
        horizonDays: old.horizonDays,
      },
      actor,
      id,
    );
    if (old.endDate) {
      await tx.db
        .update(series)
        .set({ endDate: old.endDate })
        .where(and(eq(series.organizationId, organizationId), eq(series.id, next.id)));
      next.endDate = old.endDate;
    }
    const horizonEnd = old.generatedUntil ?? input.fromDate;
    const wanted = new Map(
      occurrencesBetween({
        ...next,
        from: input.fromDate,
        to: laterDate(horizonEnd, input.fromDate),
      }).map((o) => [o.date, o]),
    );
    const future = await tx.db
      .select()
      .from(jobs)
      .where(
        and(
          eq(jobs.organizationId, organizationId),
          eq(jobs.seriesId, id),
          gte(jobs.occurrenceDate, input.fromDate),
          inArray(jobs.status, ['scheduled', 'dispatched']),
        ),
      )
      .orderBy(asc(jobs.occurrenceDate));
    let moved = 0;
    let canceled = 0;
    for (const visit of future) {
      const o = visit.occurrenceDate ? wanted.get(visit.occurrenceDate) : undefined;
      if (o) {
        await changeJob(tx, deps, {
          organizationId,
          jobId: visit.id,
          actor,
          action: 'job.rescheduled',
          operational: 'reschedule',
          patch: { seriesId: next.id, windowStart: o.start, windowEnd: o.end },
          reason: `series split: ${input.reason}`,
        });
        if (input.crew) {
          await tx.db
            .delete(jobAssignments)
            .where(
              and(eq(jobAssignments.organizationId, organizationId), eq(jobAssignments.jobId, visit.id)),
            );
          if (input.crew.length > 0) {
            await tx.db.insert(jobAssignments).values(
              input.crew.map((userId) => ({
                organizationId,
                jobId: visit.id,
                userId,
                assignedAt: deps.clock.now(),
              })),
            );
          }
        }
        moved++;
      } else {
        await changeJob(tx, deps, {
          organizationId,
          jobId: visit.id,
          actor,
          action: 'job.canceled',
          operational: 'cancel',
          billing: 'close_not_billable',
          patch: {
            closedReason: `series split: no visit on this date under the new schedule (${input.reason})`,
          },
          reason: `series split: ${input.reason}`,
        });
        canceled++;
      }
    }
    // The moved visits already belong to the new series; generate the rest of its horizon.
    const created = await generateVisits(tx, deps, { ...next, generatedUntil: null }, actor);
    return { id: next.id, moved, canceled, created };
  });

/** Keeps every series generated up to its horizon; run daily by the workers. */
export const extendAllSeries = async (deps: Deps) => {
  const all = await deps.database.db
    .select({ organizationId: series.organizationId, id: series.id })
    .from(series);
  let visits = 0;
  for (const s of all) {
    visits += await deps.database.transaction(async (tx) => {
      const row = await lockSeries(tx, s.organizationId, s.id);
      return generateVisits(tx, deps, row, { type: 'system', id: null });
    });
  }
  return { series: all.length, visits };
};

export const seriesWithVisits = async (deps: Deps, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(series)
    .where(and(eq(series.organizationId, organizationId), eq(series.id, id)));
  if (!row) throw notFound('series');
  const visits = await deps.database.db
    .select({
      id: jobs.id,
      number: jobs.number,
      occurrenceDate: jobs.occurrenceDate,
      windowStart: jobs.windowStart,
      status: jobs.status,
    })
    .from(jobs)
    .where(and(eq(jobs.organizationId, organizationId), eq(jobs.seriesId, id)))
    .orderBy(asc(jobs.occurrenceDate));
  return { row, visits };
};
