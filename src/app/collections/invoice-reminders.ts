import { and, asc, eq } from 'drizzle-orm';
import { nextReminder } from '../../core/reminders';
import type { Db } from '../../db/client';
import { invoiceReminders } from '../../db/schema';
import { schedulesOf } from './reminder-schedules';
import { reminderStandingOf } from './send-reminder';

/**
 * An invoice's reminders for its page: what went (or was stopped, and why), the next step of its customer's
 * schedule and when, or why none will go.
 */
export const invoiceRemindersView = async (db: Db, organizationId: string, invoiceId: string, now: Date) => {
  const s = await reminderStandingOf({ db }, organizationId, invoiceId, now, false);
  const items = await db
    .select()
    .from(invoiceReminders)
    .where(
      and(eq(invoiceReminders.organizationId, organizationId), eq(invoiceReminders.invoiceId, invoiceId)),
    )
    .orderBy(asc(invoiceReminders.createdAt));
  const schedule = (await schedulesOf(db, [organizationId]))(organizationId, s.customer.reminderScheduleId);
  const used = items.flatMap((r) => (r.stepDays === null ? [] : [r.stepDays]));
  const next =
    !s.held && schedule && s.invoice.dueDate && s.invoice.issueDate
      ? nextReminder(schedule.steps, {
          dueDate: s.invoice.dueDate,
          issueDate: s.invoice.issueDate,
          today: s.today,
          used,
        })
      : null;
  return {
    items,
    next: next ? { on: next.on, tone: next.step.tone, stepDays: next.step.days } : null,
    heldBecause: s.held,
    scheduleName: schedule?.name ?? null,
  };
};
