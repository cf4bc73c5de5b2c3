import { and, eq } from 'drizzle-orm';
import { notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
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
    const [before] = await tx.db
      .select()
      .from(customers)
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, customerId)))
      .for('update');
    if (!before) throw notFound('customer');
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
    const next = {
      reminderScheduleId: input.scheduleId,
      remindersExcluded: input.excluded,
      remindersPausedUntil: input.pausedUntil,
      remindersPauseReason: input.pausedUntil ? input.pauseReason : null,
    };
    const [after] = await tx.db
      .update(customers)
      .set({ ...next, updatedAt: deps.clock.now(), version: before.version + 1 })
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, customerId)))
      .returning();
    if (!after) throw new Error('customer update returned nothing');
    const changes: Record<string, unknown> = {};
    for (const key of Object.keys(next) as (keyof typeof next)[])
      if (before[key] !== after[key]) changes[key] = { before: before[key], after: after[key] };
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: customerId,
      action: 'customer.reminders_changed',
      actor,
      changes,
      reason: next.remindersPauseReason,
    });
    return after;
  });

export const customerRemindersOf = (c: typeof customers.$inferSelect) => ({
  scheduleId: c.reminderScheduleId,
  excluded: c.remindersExcluded,
  pausedUntil: c.remindersPausedUntil,
  pauseReason: c.remindersPauseReason,
});
