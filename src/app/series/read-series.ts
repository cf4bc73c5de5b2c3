import { and, asc, eq } from 'drizzle-orm';
import { notFound } from '../../core/errors';
import { chainOf } from '../../db/queries/series';
import { jobs, series } from '../../db/schema';
import type { Deps } from '../ports';

/** One part of a recurring service: its row, its visits in date order, and the chain it belongs to. */
export const seriesWithVisits = async (deps: Deps, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(series)
    .where(and(eq(series.organizationId, organizationId), eq(series.id, id)));
  if (!row) throw notFound('series');
  const [visits, chain] = await Promise.all([
    deps.database.db
      .select({
        id: jobs.id,
        number: jobs.number,
        occurrenceDate: jobs.occurrenceDate,
        windowStart: jobs.windowStart,
        status: jobs.status,
        billingStatus: jobs.billingStatus,
      })
      .from(jobs)
      .where(and(eq(jobs.organizationId, organizationId), eq(jobs.seriesId, id)))
      .orderBy(asc(jobs.occurrenceDate)),
    chainOf(deps.database.db, organizationId, id),
  ]);
  return { row, visits, chain };
};
