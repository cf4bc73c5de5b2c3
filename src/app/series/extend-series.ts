import { eq } from 'drizzle-orm';
import { series } from '../../db/schema';
import type { Deps } from '../ports';
import { generateVisits, lockSeries } from './visits';

/** Keeps every running series generated up to its horizon; run daily by the workers. */
export const extendAllSeries = async (deps: Deps) => {
  const all = await deps.database.db
    .select({ organizationId: series.organizationId, id: series.id })
    .from(series)
    .where(eq(series.status, 'active'));
  let visits = 0;
  for (const s of all) {
    visits += await deps.database.transaction(async (tx) => {
      const row = await lockSeries(tx, s.organizationId, s.id);
      if (row.status !== 'active') return 0;
      return generateVisits(tx, deps, row, { type: 'system', id: null });
    });
  }
  return { series: all.length, visits };
};
