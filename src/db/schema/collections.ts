import { sql } from 'drizzle-orm';
import {
  boolean,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { ReminderStep, ReminderTone } from '../../core/reminders';
import { invoices } from './billing';
import { instant, money } from './columns';
import { customers, orgId } from './operations';

/**
 * How an organization follows up what is owed (#24): steps relative to the due date. One is the default;
 * a customer may be put on another (commercial accounts on longer terms) or on none.
 */
export const reminderSchedules = pgTable(
  'reminder_schedules',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    steps: jsonb('steps').$type<ReminderStep[]>().notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('reminder_schedules_default_key').on(t.organizationId).where(sql`${t.isDefault}`),
    uniqueIndex('reminder_schedules_name_key').on(t.organizationId, t.name),
  ],
);

/**
 * One reminder of one invoice: a step of its schedule (unique per invoice and step day, so a second worker or
 * a restart never sends it twice) or one the office sent by hand. Queued in the run that found it due, then
 * sent, or stopped at the last moment (paid, disputed, paused) with the reason.
 */
export const invoiceReminders = pgTable(
  'invoice_reminders',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    /** The step's days from the due date; null for a reminder sent by hand. */
    stepDays: integer('step_days'),
    tone: text('tone').$type<ReminderTone>().notNull(),
    /** The business date it was due on (the step's day, or the day the office asked). */
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    status: text('status', { enum: ['queued', 'sent', 'stopped'] }).notNull(),
    /** Why it did not go, in words: paid, disputed, paused until…, no address. */
    stoppedBecause: text('stopped_because'),
    recipients: jsonb('recipients').$type<string[]>().notNull().default([]),
    subject: text('subject'),
    requestedById: uuid('requested_by_id'),
    createdAt: instant('created_at').notNull(),
    sentAt: instant('sent_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('invoice_reminders_step_key')
      .on(t.organizationId, t.invoiceId, t.stepDays)
      .where(sql`${t.stepDays} IS NOT NULL`),
    index('invoice_reminders_invoice_idx').on(t.organizationId, t.invoiceId, t.createdAt),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.customerId],
      foreignColumns: [customers.organizationId, customers.id],
    }),
  ],
);

/**
 * The cash forecast as it was made at the start of each week (one row per week ahead), kept so that each week
 * can later be compared with the money that actually came in.
 */
export const cashForecastWeeks = pgTable(
  'cash_forecast_weeks',
  {
    organizationId: orgId(),
    /** The Monday (organization's time zone) the forecast was made. */
    madeOn: date('made_on', { mode: 'string' }).notNull(),
    weekStart: date('week_start', { mode: 'string' }).notNull(),
    expected: money('expected').notNull(),
    low: money('low').notNull(),
    high: money('high').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.madeOn, t.weekStart] })],
);
