import { and, eq } from 'drizzle-orm';
import { notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { customers, reminderSchedules } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';

export type CustomerRemindersInput = {
  scheduleId: string | null;
  excluded: boolean;
  pausedUntil: string | null;
  pauseReason: string | null;
};

/**
 * A customer's standing for payment reminders: another schedule, none at all, or a pause until a date (a
 * promise to pay, with why). Billing's call, audited on the customer; the next reminder run reads it.
 */
export const setCustomerReminders = (
  deps: Deps,
  organizationId: string,
  customerId: string,
  input: CustomerRemindersInput,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    if (input.scheduleId) {
      const [schedule] = await tx.db
        .select({ id: reminderSchedules.id })
        .from(reminderSchedules)
        .where(
          and(
            eq(reminderSchedules.organizationId, organizationId),
            eq(reminderSchedules.id, input.scheduleId),
          ),
        );
      if (!schedule) throw notFound('reminder schedule', 'scheduleId');
    }
    return changeCollectionsFacts(
      tx,
      deps,
      { organizationId, customerId, action: 'customer.reminders_changed', actor },
      {
        reminderScheduleId: input.scheduleId,
        remindersExcluded: input.excluded,
        remindersPausedUntil: input.pausedUntil,
        remindersPauseReason: input.pausedUntil ? input.pauseReason : null,
      },
    );
  });

type CollectionsFacts = Partial<
  Pick<
    typeof customers.$inferInsert,
    | 'reminderScheduleId'
    | 'remindersExcluded'
    | 'remindersPausedUntil'
    | 'remindersPauseReason'
    | 'statementMonthly'
  >
>;

/**
 * The one place a customer's collections facts change (reminders, pause, monthly statement): under the
 * customer's lock, with the version bumped and the changed fields in the audit event of the same transaction.
 */
export const changeCollectionsFacts = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  at: { organizationId: string; customerId: string; action: string; actor: Actor },
  next: CollectionsFacts,
) => {
  const where = and(eq(customers.organizationId, at.organizationId), eq(customers.id, at.customerId));
  const [before] = await tx.db.select().from(customers).where(where).for('update');
  if (!before) throw notFound('customer');
  const [after] = await tx.db
    .update(customers)
    .set({ ...next, updatedAt: deps.clock.now(), version: before.version + 1 })
    .where(where)
    .returning();
  if (!after) throw new Error('customer update returned nothing');
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof CollectionsFacts)[])
    if (before[key] !== after[key]) changes[key] = { before: before[key], after: after[key] };
  await appendAudit(tx, deps, {
    organizationId: at.organizationId,
    aggregateType: 'customer',
    aggregateId: at.customerId,
    action: at.action,
    actor: at.actor,
    changes,
    reason: after.remindersPausedUntil ? after.remindersPauseReason : null,
  });
  return after;
};

export const customerRemindersOf = (c: typeof customers.$inferSelect) => ({
  scheduleId: c.reminderScheduleId,
  excluded: c.remindersExcluded,
  pausedUntil: c.remindersPausedUntil,
  pauseReason: c.remindersPauseReason,
});
