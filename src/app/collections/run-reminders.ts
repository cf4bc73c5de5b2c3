import { reminderDue } from '../../core/reminders';
import { reminderCandidates } from '../../db/queries/reminders';
import { invoiceReminders } from '../../db/schema';
import type { Deps } from '../ports';
import { schedulesOf } from './reminder-schedules';

/**
 * The hourly `reminders.run` job: for every organization that reminds, past its local sending hour, each owed
 * invoice whose schedule has a step due today gets that one step queued, once. The row's unique key (invoice,
 * step) is the "exactly once": a second worker, a restart or the next hour's run inserts nothing and queues
 * nothing. One transaction per organization, one insert for all its reminders.
 */
export const runReminders = async (deps: Deps, organizationId?: string) => {
  const now = deps.clock.now();
  const candidates = await reminderCandidates(deps.database.db, now, organizationId);
  const stepsOf = await schedulesOf(deps.database.db, [...new Set(candidates.map((c) => c.organizationId))]);
  const due = new Map<string, (typeof invoiceReminders.$inferInsert)[]>();
  for (const c of candidates) {
    const schedule = stepsOf(c.organizationId, c.scheduleId);
    if (!schedule) continue;
    const step = reminderDue(schedule.steps, {
      dueDate: c.dueDate,
      issueDate: c.issueDate,
      today: c.today,
      used: c.used,
    });
    if (!step) continue;
    const rows = due.get(c.organizationId) ?? [];
    rows.push({
      organizationId: c.organizationId,
      id: deps.ids.uuid(),
      invoiceId: c.invoiceId,
      customerId: c.customerId,
      stepDays: step.days,
      tone: step.tone,
      dueOn: c.today,
      status: 'queued',
      createdAt: now,
    });
    due.set(c.organizationId, rows);
  }
  let queued = 0;
  for (const [org, rows] of due) {
    queued += await deps.database.transaction(async (tx) => {
      const inserted = await tx.db
        .insert(invoiceReminders)
        .values(rows)
        .onConflictDoNothing()
        .returning({ id: invoiceReminders.id });
      for (const r of inserted)
        await deps.queue.enqueue(
          tx,
          { name: 'reminders.send', data: { organizationId: org, reminderId: r.id } },
          { key: `reminder:${r.id}` },
        );
      return inserted.length;
    });
  }
  return { queued };
};
