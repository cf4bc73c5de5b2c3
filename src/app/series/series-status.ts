import { and, eq } from 'drizzle-orm';
import { invalid } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { SeriesAction } from '../../core/series-lifecycle';
import { addDays, businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { series } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import {
  type Ctx,
  closeVisit,
  generateVisits,
  insertSeries,
  lockSeries,
  nextStatus,
  type SeriesRow,
  type SeriesTemplate,
  unstartedVisitsFrom,
} from './visits';

/** A plan change takes effect today at the earliest, on the series' own calendar: the past is not rewritten. */
const notBeforeToday = (deps: Ctx, row: SeriesRow, fromDate: string) => {
  const today = businessDate(deps.clock.now(), row.timeZone);
  if (fromDate < today) throw invalid('body.fromDate', 'must be today or later');
};

const WORDS: Record<'pause' | 'end', { closed: string; action: string }> = {
  pause: { closed: 'Recurring service paused', action: 'series.paused' },
  end: { closed: 'Recurring service ended', action: 'series.ended' },
};

/**
 * No visits from `fromDate` on: the part's last day becomes the day before, and every visit on or after it
 * that nobody started is closed (canceled, not billable, the reason on the job). Started visits stay.
 */
const stopFrom = async (
  tx: Tx,
  deps: Ctx,
  row: SeriesRow,
  action: Extract<SeriesAction, 'pause' | 'end'>,
  input: { fromDate: string; reason: string },
  actor: Actor,
) => {
  const status = nextStatus(row, action);
  notBeforeToday(deps, row, input.fromDate);
  const lastDay = addDays(input.fromDate, -1);
  const endDate = row.endDate && row.endDate < lastDay ? row.endDate : lastDay;
  await tx.db
    .update(series)
    .set({ status, statusReason: input.reason, endDate, version: row.version + 1 })
    .where(and(eq(series.organizationId, row.organizationId), eq(series.id, row.id)));
  const visits = await unstartedVisitsFrom(tx, row.organizationId, row.id, input.fromDate);
  for (const visit of visits) {
    await closeVisit(
      tx,
      deps,
      row.organizationId,
      visit.id,
      `${WORDS[action].closed}: ${input.reason}`,
      input.reason,
      actor,
    );
  }
  await appendAudit(tx, deps, {
    organizationId: row.organizationId,
    aggregateType: 'series',
    aggregateId: row.id,
    action: WORDS[action].action,
    actor,
    changes: {
      status: { before: row.status, after: status },
      endDate: { before: row.endDate, after: endDate },
      visitsClosed: visits.length,
    },
    reason: input.reason,
  });
  return { id: row.id, canceled: visits.length };
};

export type StopInput = { fromDate: string; reason: string };

/** Pause from a date (a customer away, a season over): no visits from then until it is resumed. */
export const pauseSeries = (deps: Deps, organizationId: string, id: string, input: StopInput, actor: Actor) =>
  deps.database.transaction(async (tx) =>
    stopFrom(tx, deps, await lockSeries(tx, organizationId, id), 'pause', input, actor),
  );

/** End for good: no visits from the date; the finished ones and their invoices stay as they are. */
export const endSeries = (deps: Deps, organizationId: string, id: string, input: StopInput, actor: Actor) =>
  deps.database.transaction(async (tx) =>
    stopFrom(tx, deps, await lockSeries(tx, organizationId, id), 'end', input, actor),
  );

/**
 * Resume a paused service from a date: it continues in a new part (its own ID, the same rule, crew and
 * billing) whose first visit is the rule's first day on or after `fromDate`; the paused part is closed as
 * continued, so its closed visits stay on record and nothing is generated twice.
 */
export const resumeSeries = (
  deps: Deps,
  organizationId: string,
  id: string,
  input: { fromDate: string },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const old = await lockSeries(tx, organizationId, id);
    const status = nextStatus(old, 'resume');
    notBeforeToday(deps, old, input.fromDate);
    if (old.endDate && input.fromDate <= old.endDate)
      throw invalid('body.fromDate', 'must be after the day the service was paused');
    await tx.db
      .update(series)
      .set({ status, version: old.version + 1 })
      .where(and(eq(series.organizationId, organizationId), eq(series.id, id)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'series',
      aggregateId: id,
      action: 'series.resumed',
      actor,
      changes: { status: { before: old.status, after: status }, resumeFrom: input.fromDate },
    });
    const t = old.template as SeriesTemplate;
    const next = await insertSeries(
      tx,
      deps,
      organizationId,
      {
        customerId: old.customerId,
        siteId: old.siteId,
        jobTypeId: old.jobTypeId,
        rrule: old.rrule,
        timeZone: old.timeZone,
        startDate: input.fromDate,
        startTime: old.startTime,
        durationMinutes: old.durationMinutes,
        crew: old.crew,
        ...t,
        billingRule: old.billingRule,
        billingCycle: old.billingCycle,
        horizonDays: old.horizonDays,
      },
      actor,
      id,
    );
    const created = await generateVisits(tx, deps, next, actor);
    return { id: next.id, created };
  });
