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
import type { CsvMapping } from '../../contracts/bank';
import type { Proposal } from '../../core/bank-matching';
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
    /** The most late fees its steps charge on one invoice, together; null when no step charges one. */
    lateFeeCap: money('late_fee_cap'),
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

/**
 * A bank file imported (#24): a CAMT.053 statement, a CAMT.054 notification, or a CSV export. One per account and
 * the bank's statement ID (a CSV's is the digest of its content), so the same file imported twice adds nothing.
 */
export const bankStatements = pgTable(
  'bank_statements',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    format: text('format', { enum: ['camt053', 'camt054', 'csv'] }).notNull(),
    reference: text('reference').notNull(),
    account: text('account').notNull(),
    currency: text('currency'),
    fromDate: date('from_date', { mode: 'string' }),
    toDate: date('to_date', { mode: 'string' }),
    opening: money('opening'),
    closing: money('closing'),
    fileName: text('file_name').notNull(),
    entryCount: integer('entry_count').notNull(),
    /** Entries the file held that an earlier file already brought (a CAMT.054 before its CAMT.053). */
    duplicateCount: integer('duplicate_count').notNull().default(0),
    importedById: uuid('imported_by_id'),
    importedAt: instant('imported_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('bank_statements_reference_key').on(t.organizationId, t.account, t.reference),
  ],
);

/**
 * One transaction on the bank account. Credits are matched to open invoices: applied (all of it paid invoices),
 * credit (part or all of it is the customer's credit, to apply later), to review (the office decides, helped by
 * the suggestions), ignored (not a customer's payment, with why), or outgoing (money out, not ours to apply).
 */
export const bankEntries = pgTable(
  'bank_entries',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    statementId: uuid('statement_id').notNull(),
    account: text('account').notNull(),
    ref: text('ref').notNull(),
    bookedOn: date('booked_on', { mode: 'string' }).notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    counterpartyName: text('counterparty_name'),
    counterpartyIban: text('counterparty_iban'),
    remittance: text('remittance').notNull().default(''),
    structuredRef: text('structured_ref'),
    endToEndId: text('end_to_end_id'),
    charges: money('charges'),
    status: text('status', {
      enum: ['review', 'applied', 'credit', 'ignored', 'outgoing', 'payout'],
    }).notNull(),
    customerId: uuid('customer_id'),
    /** A payout of an online payment provider this credit is (its payments were recorded when paid online). */
    payoutId: uuid('payout_id'),
    /** What of the amount (plus charges taken in) has gone to invoices; the rest, once a customer is known, is credit. */
    applied: money('applied').notNull().default('0'),
    suggestions: jsonb('suggestions').$type<Proposal[]>().notNull().default([]),
    ignoredBecause: text('ignored_because'),
    /** When matching last looked at it; null: a credit still waiting for the matching job. */
    matchedAt: instant('matched_at'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('bank_entries_ref_key').on(t.organizationId, t.account, t.ref),
    uniqueIndex('bank_entries_payout_key')
      .on(t.organizationId, t.payoutId)
      .where(sql`${t.payoutId} IS NOT NULL`),
    index('bank_entries_status_idx').on(t.organizationId, t.status, t.bookedOn),
    index('bank_entries_payer_idx')
      .on(t.organizationId, t.counterpartyIban)
      .where(sql`${t.customerId} IS NOT NULL`),
    foreignKey({
      columns: [t.organizationId, t.statementId],
      foreignColumns: [bankStatements.organizationId, bankStatements.id],
    }),
  ],
);

/** A part of a bank entry applied to an invoice, as the payment it recorded; undone, it stays on record. */
export const bankApplications = pgTable(
  'bank_applications',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    entryId: uuid('entry_id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    paymentId: uuid('payment_id').notNull(),
    amount: money('amount').notNull(),
    basis: text('basis', { enum: ['reference', 'payer_and_amount', 'payer', 'amount', 'office'] }).notNull(),
    appliedByType: text('applied_by_type').notNull(),
    appliedById: text('applied_by_id'),
    appliedAt: instant('applied_at').notNull(),
    undoneAt: instant('undone_at'),
    undoneById: text('undone_by_id'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('bank_applications_entry_idx').on(t.organizationId, t.entryId),
    foreignKey({
      columns: [t.organizationId, t.entryId],
      foreignColumns: [bankEntries.organizationId, bankEntries.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
  ],
);

/** How one bank's CSV export reads: which column holds what, the date format and the decimal mark. */
export const bankCsvMappings = pgTable(
  'bank_csv_mappings',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    mapping: jsonb('mapping').$type<CsvMapping>().notNull(),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('bank_csv_mappings_name_key').on(t.organizationId, t.name),
  ],
);
