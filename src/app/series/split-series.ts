import { and, eq } from 'drizzle-orm';
import { invalid } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { occurrencesBetween } from '../../core/recurrence';
import { addDays, laterDate } from '../../core/time';
import { jobAssignments, series } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { changeJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import {
  checkRule,
  closeVisit,
  generateVisits,
  insertSeries,
  lockSeries,
  nextStatus,
  type SeriesTemplate,
  unstartedVisitsFrom,
} from './visits';

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
    const status = nextStatus(old, 'split');
    if (old.endDate && old.endDate < input.fromDate)
      throw invalid('body.fromDate', 'the series has ended before this date');
    if (input.fromDate <= old.startDate)
      throw invalid('body.fromDate', 'must be after the series start; edit the series instead');
    const rrule = input.rrule ?? old.rrule;
    checkRule(rrule, old.timeZone, old.billingRule, old.billingCycle);
    const t = old.template as SeriesTemplate;
    await tx.db
      .update(series)
      .set({ endDate: addDays(input.fromDate, -1), status, version: old.version + 1 })
      .where(and(eq(series.organizationId, organizationId), eq(series.id, id)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'series',
      aggregateId: id,
      action: 'series.ended_by_split',
      actor,
      changes: {
        endDate: { before: old.endDate, after: addDays(input.fromDate, -1) },
        status: { before: old.status, after: status },
      },
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
        estimateLines: t.estimateLines,
        customFields: t.customFields,
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
    const future = await unstartedVisitsFrom(tx, organizationId, id, input.fromDate);
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
        await closeVisit(
          tx,
          deps,
          organizationId,
          visit.id,
          `No visit on this day under the recurring service's new schedule: ${input.reason}`,
          `series split: ${input.reason}`,
          actor,
        );
        canceled++;
      }
    }
    // The moved visits already belong to the new series; generate the rest of its horizon.
    const created = await generateVisits(tx, deps, { ...next, generatedUntil: null }, actor);
    return { id: next.id, moved, canceled, created };
  });
