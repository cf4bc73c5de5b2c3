import { cashForecast } from '../src/app/collections/cash-forecast';
import { runReminders } from '../src/app/collections/run-reminders';
import { sendReminder } from '../src/app/collections/send-reminder';
import { statementOf } from '../src/app/collections/statements';
import type { Deps } from '../src/app/ports';

/**
 * B11: the hourly reminder run over every owed invoice of an organization (B4's cycle invoices left unpaid by
 * B10), on the morning their firm step falls due: the scan, the core's decision per invoice and one insert
 * with its queue jobs; then each queued reminder sent as the worker sends it (checked again, worded with the
 * pay link, e-mailed, marked and audited), timed one by one.
 */
export const reminderRun = async (deps: Deps, organizationId: string, sendAtMost: number) => {
  await deps.database.raw.query(
    'UPDATE organizations SET reminders_enabled = true, reminder_hour = 0 WHERE id = $1',
    [organizationId],
  );
  await deps.database.raw.query(
    "UPDATE customers SET email = 'accounts+' || left(id::text, 8) || '@bench.test' WHERE organization_id = $1 AND email IS NULL",
    [organizationId],
  );
  const { rows } = await deps.database.raw.query<{ due: string; owed: number }>(
    `SELECT max(due_date)::text AS due, count(*)::int AS owed FROM invoices
      WHERE organization_id = $1 AND kind <> 'credit_note' AND status IN ('issued', 'sent', 'partially_paid')
        AND payable - amount_paid - amount_credited > 0 AND due_date IS NOT NULL`,
    [organizationId],
  );
  const due = rows[0]?.due;
  if (!due) throw new Error('no owed invoice to remind');
  // Noon UTC a week after the latest due date: every owed invoice is at its firm step (7 days late) or past it.
  const at = new Date(`${due}T12:00:00Z`);
  at.setUTCDate(at.getUTCDate() + 7);
  const later: Deps = { ...deps, clock: { now: () => at } };
  const t0 = performance.now();
  const { queued } = await runReminders(later, organizationId);
  const runMs = performance.now() - t0;
  const again = performance.now();
  const second = await runReminders(later, organizationId);
  const againMs = performance.now() - again;
  if (second.queued !== 0) throw new Error(`the second run queued ${second.queued}`);
  const ids = await deps.database.raw.query<{ id: string }>(
    "SELECT id FROM invoice_reminders WHERE organization_id = $1 AND status = 'queued' LIMIT $2",
    [organizationId, sendAtMost],
  );
  const sends: number[] = [];
  for (const r of ids.rows) {
    const s0 = performance.now();
    const out = await sendReminder(later, organizationId, r.id);
    sends.push(performance.now() - s0);
    if (!out.sent) throw new Error('a reminder did not go');
  }
  return { owed: Number(rows[0]?.owed ?? 0), queued, runMs, againMs, sends };
};

/**
 * B11: what the owner and billing open: a statement of account for the customers with the most documents
 * (JSON, as the customer page reads it), and the 13-week cash forecast over the whole organization.
 */
export const collectionReads = async (deps: Deps, organizationId: string, rounds: number) => {
  const { rows } = await deps.database.raw.query<{ customer_id: string }>(
    `SELECT customer_id FROM invoices WHERE organization_id = $1 AND customer_id IS NOT NULL
      GROUP BY customer_id ORDER BY count(*) DESC LIMIT 10`,
    [organizationId],
  );
  const statements: number[] = [];
  const forecasts: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const c = rows[i % rows.length]?.customer_id;
    if (!c) break;
    const s0 = performance.now();
    await statementOf(deps.database.db, deps.database.raw, organizationId, c, {}, deps.clock.now());
    statements.push(performance.now() - s0);
    const f0 = performance.now();
    await cashForecast(deps, organizationId);
    forecasts.push(performance.now() - f0);
  }
  return { statements, forecasts };
};
