import type { Actor } from '../../core/principal';
import type { Deps } from '../ports';
import { checkRule, generateVisits, insertSeries, type NewSeries } from './visits';

/** A new recurring service: its visits up to the horizon become jobs in the same transaction. */
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
