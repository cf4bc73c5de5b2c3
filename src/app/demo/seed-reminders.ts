import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import { SYSTEM_ACTOR } from '../../core/principal';
import { addDays, businessDate, zonedToInstant } from '../../core/time';
import { customers, invoiceReminders, invoices, organizations } from '../../db/schema';
import { setCustomerReminders } from '../collections/customer-reminders';
import { runReminders } from '../collections/run-reminders';
import { sendReminder } from '../collections/send-reminder';
import { updateBillingSettings } from '../directory/organizations';
import type { Deps } from '../ports';

/**
 * The demo's collections story, told by the real reminder runs: reminders are on, and the last six weeks are
 * replayed a morning at a time (the clock moved by hand), so overdue invoices carry the friendly note and the
 * firm letter they would have had, and paid ones had theirs stop. Then one customer with an overdue invoice
 * promised to pay on Friday: their reminders are paused until then, with why.
 */
export const seedDemoReminders = async (deps: Deps, organizationId: string) => {
  const [org] = await deps.database.db
    .select()
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) return;
  await updateBillingSettings(deps, organizationId, { remindersEnabled: true }, SYSTEM_ACTOR);
  const today = businessDate(deps.clock.now(), org.timeZone);
  let at = deps.clock.now();
  const past: Deps = { ...deps, clock: { now: () => new Date(at) } };
  for (let back = 42; back >= 0; back--) {
    at = zonedToInstant(addDays(today, -back), '10:00', org.timeZone);
    if (at > deps.clock.now()) break;
    await runReminders(past, organizationId);
    const queued = await deps.database.db
      .select({ id: invoiceReminders.id })
      .from(invoiceReminders)
      .where(and(eq(invoiceReminders.organizationId, organizationId), eq(invoiceReminders.status, 'queued')));
    for (const r of queued) await sendReminder(past, organizationId, r.id);
  }
  // A promise to pay: the customer of the most overdue invoice still open (not the disputed one: none yet).
  const [overdue] = await deps.database.db
    .select({ customerId: invoices.customerId })
    .from(invoices)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, invoices.organizationId), eq(customers.id, invoices.customerId)),
    )
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        inArray(invoices.status, ['sent', 'partially_paid']),
        isNotNull(invoices.dueDate),
        isNotNull(invoices.customerId),
      ),
    )
    .orderBy(asc(invoices.dueDate))
    .offset(1)
    .limit(1);
  if (!overdue?.customerId) return;
  await setCustomerReminders(
    deps,
    organizationId,
    overdue.customerId,
    {
      scheduleId: null,
      excluded: false,
      pausedUntil: addDays(today, 4),
      pauseReason: 'Promised on the phone to pay by bank transfer on Friday',
    },
    SYSTEM_ACTOR,
  );
};
