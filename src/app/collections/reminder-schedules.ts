import { and, eq, inArray, sql } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { ReminderStep } from '../../core/reminders';
import type { Db, Tx } from '../../db/client';
import { customers, reminderSchedules } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';

export type ScheduleInput = { name: string; steps: ReminderStep[]; lateFeeCap?: string | null | undefined };
export type ScheduleRow = typeof reminderSchedules.$inferSelect;

/** Every schedule of the organization, the default first, with how many customers are put on each by name. */
export const listSchedules = async (db: Db, organizationId: string) => {
  const rows = await db
    .select({
      schedule: reminderSchedules,
      customers: sql<number>`(SELECT count(*)::int FROM ${customers} c WHERE c.organization_id = ${reminderSchedules.organizationId} AND c.reminder_schedule_id = ${reminderSchedules.id} AND c.merged_into_id IS NULL)`,
    })
    .from(reminderSchedules)
    .where(eq(reminderSchedules.organizationId, organizationId))
    .orderBy(sql`${reminderSchedules.isDefault} DESC`, reminderSchedules.name);
  return rows.map((r) => ({ ...r.schedule, customers: Number(r.customers) }));
};

/** The steps a customer is reminded by: their own schedule, else the organization's default. */
export const schedulesOf = async (db: Db, organizationIds: string[]) => {
  const rows = organizationIds.length
    ? await db
        .select()
        .from(reminderSchedules)
        .where(inArray(reminderSchedules.organizationId, organizationIds))
    : [];
  const byId = new Map(rows.map((r) => [`${r.organizationId}:${r.id}`, r]));
  const defaults = new Map(rows.filter((r) => r.isDefault).map((r) => [r.organizationId, r]));
  return (organizationId: string, scheduleId: string | null): ScheduleRow | null =>
    (scheduleId ? byId.get(`${organizationId}:${scheduleId}`) : undefined) ??
    defaults.get(organizationId) ??
    null;
};

const nameTaken = (name: string) =>
  new AppError('already_in_use', `A schedule is already called “${name}”`, {
    fields: [{ field: 'name', message: 'already in use' }],
  });

const lockSchedule = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(reminderSchedules)
    .where(and(eq(reminderSchedules.organizationId, organizationId), eq(reminderSchedules.id, id)))
    .for('update');
  if (!row) throw notFound('reminder schedule');
  return row;
};

const sameName = async (tx: Tx, organizationId: string, name: string, except: string | null) => {
  const [row] = await tx.db
    .select({ id: reminderSchedules.id })
    .from(reminderSchedules)
    .where(
      and(
        eq(reminderSchedules.organizationId, organizationId),
        sql`lower(${reminderSchedules.name}) = lower(${name})`,
      ),
    );
  return row && row.id !== except;
};

/** Another schedule (e.g. "Commercial accounts, 45 days"): customers are put on it one by one. */
export const createSchedule = (deps: Deps, organizationId: string, input: ScheduleInput, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    if (await sameName(tx, organizationId, input.name, null)) throw nameTaken(input.name);
    const now = deps.clock.now();
    const [row] = await tx.db
      .insert(reminderSchedules)
      .values({
        organizationId,
        id: deps.ids.uuid(),
        name: input.name,
        steps: input.steps,
        lateFeeCap: input.lateFeeCap ?? null,
        isDefault: false,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error('schedule insert returned nothing');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'reminder_schedule',
      aggregateId: row.id,
      action: 'reminder_schedule.created',
      actor,
      changes: { name: row.name, steps: row.steps, lateFeeCap: row.lateFeeCap },
    });
    return { ...row, customers: 0 };
  });

/** New steps or wording apply to the next reminder; what was sent stays as it was sent. */
export const updateSchedule = (
  deps: Deps,
  organizationId: string,
  id: string,
  input: ScheduleInput,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const before = await lockSchedule(tx, organizationId, id);
    if (await sameName(tx, organizationId, input.name, id)) throw nameTaken(input.name);
    const [row] = await tx.db
      .update(reminderSchedules)
      .set({
        name: input.name,
        steps: input.steps,
        lateFeeCap: input.lateFeeCap ?? null,
        updatedAt: deps.clock.now(),
        version: before.version + 1,
      })
      .where(and(eq(reminderSchedules.organizationId, organizationId), eq(reminderSchedules.id, id)))
      .returning();
    if (!row) throw new Error('schedule update returned nothing');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'reminder_schedule',
      aggregateId: id,
      action: 'reminder_schedule.changed',
      actor,
      changes: {
        name: { before: before.name, after: row.name },
        steps: { before: before.steps, after: row.steps },
        lateFeeCap: { before: before.lateFeeCap, after: row.lateFeeCap },
      },
    });
    const [{ n } = { n: 0 }] = await tx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(customers)
      .where(and(eq(customers.organizationId, organizationId), eq(customers.reminderScheduleId, id)));
    return { ...row, customers: Number(n) };
  });

/** A schedule other than the default goes; its customers fall back to the default, and are told in the audit. */
export const deleteSchedule = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const row = await lockSchedule(tx, organizationId, id);
    if (row.isDefault)
      throw new AppError('invalid_transition', 'The default schedule stays: change its steps instead', {
        fields: [{ field: 'id', message: 'the default schedule' }],
      });
    const moved = await tx.db
      .update(customers)
      .set({ reminderScheduleId: null })
      .where(and(eq(customers.organizationId, organizationId), eq(customers.reminderScheduleId, id)))
      .returning({ id: customers.id });
    await tx.db
      .delete(reminderSchedules)
      .where(and(eq(reminderSchedules.organizationId, organizationId), eq(reminderSchedules.id, id)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'reminder_schedule',
      aggregateId: id,
      action: 'reminder_schedule.deleted',
      actor,
      changes: { name: row.name, customersMovedToDefault: moved.length },
    });
    return { customersMoved: moved.length };
  });
