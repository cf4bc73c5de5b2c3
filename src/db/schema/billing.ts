import { sql } from 'drizzle-orm';
import {
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { instant, money } from './columns';
import { jobs, orgId } from './operations';

/**
 * Invoices, deposit invoices and credit notes. A draft is rebuilt from the job until it is issued; from
 * then on `document` (lines, adjustments, VAT breakdown, totals, parties) is immutable and the numeric
 * columns mirror its totals for queries.
 */
export const invoices = pgTable(
  'invoices',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    kind: text('kind', { enum: ['invoice', 'deposit_invoice', 'credit_note'] }).notNull(),
    status: text('status').notNull(),
    /** Assigned in the issuing transaction from a gapless per-organization sequence; never reused. */
    number: text('number'),
    /**
     * What this document bills, unique per organization: `job:{id}` for a job's work, `deposit:{id}`,
     * `cycle:{series}:{start}` for a billing cycle, `correction:{creditNoteId}` for a re-invoice,
     * `credit:{id}` for a credit note. A second draft for the same work cannot exist.
     */
    billingKey: text('billing_key').notNull(),
    jobId: uuid('job_id'),
    seriesId: uuid('series_id'),
    /**
     * Whose document it is: the job's, the series' or (a credit note) the corrected invoice's customer,
     * set when drafted. What a customer's balance, statement and receivables are summed by.
     */
    customerId: uuid('customer_id'),
    /** The invoice a credit note corrects (BT-25), or the credit note a re-invoice follows. */
    correctsInvoiceId: uuid('corrects_invoice_id'),
    creditReason: text('credit_reason'),
    currency: text('currency').notNull(),
    /**
     * Units of the organization's currency per unit of `currency`, as recorded on the document (1 when they
     * are the same): what turns the document's amounts into the organization's for reports.
     */
    exchangeRate: numeric('exchange_rate', { precision: 20, scale: 10 }).notNull().default('1'),
    issueDate: date('issue_date', { mode: 'string' }),
    dueDate: date('due_date', { mode: 'string' }),
    periodStart: date('period_start', { mode: 'string' }),
    periodEnd: date('period_end', { mode: 'string' }),
    document: jsonb('document').notNull(),
    taxExclusive: money('tax_exclusive').notNull(),
    taxTotal: money('tax_total').notNull(),
    taxInclusive: money('tax_inclusive').notNull(),
    prepaid: money('prepaid').notNull(),
    payable: money('payable').notNull(),
    amountPaid: money('amount_paid').notNull().default('0'),
    /** Sum of the credit notes issued against this invoice (tax inclusive). */
    amountCredited: money('amount_credited').notNull().default('0'),
    /** What the organization gave up collecting (write-offs applied): no cash, no credit note to the customer. */
    amountWrittenOff: money('amount_written_off').notNull().default('0'),
    /** Why the draft waits for a person (auto-issue off, PO missing, a rule broken). */
    holdReasons: jsonb('hold_reasons').$type<{ code: string; message: string }[]>().notNull().default([]),
    createdAt: instant('created_at').notNull(),
    issuedAt: instant('issued_at'),
    sentAt: instant('sent_at'),
    paidAt: instant('paid_at'),
    updatedAt: instant('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('invoices_billing_key').on(t.organizationId, t.billingKey),
    uniqueIndex('invoices_number_key').on(t.organizationId, t.number).where(sql`${t.number} IS NOT NULL`),
    index('invoices_status_idx').on(t.organizationId, t.status, t.createdAt),
    index('invoices_job_idx').on(t.organizationId, t.jobId),
    index('invoices_customer_idx').on(t.organizationId, t.customerId, t.createdAt),
    index('invoices_issued_idx').on(t.organizationId, t.issuedAt).where(sql`${t.issuedAt} IS NOT NULL`),
    index('invoices_series_idx')
      .on(t.organizationId, t.seriesId, t.periodStart)
      .where(sql`${t.seriesId} IS NOT NULL`),
  ],
);

/**
 * Which live invoice bills a job's work: one row per job. A full credit note releases the row so the
 * corrected invoice can take it; nothing else can bill the same work twice.
 */
export const invoicedWork = pgTable(
  'invoiced_work',
  {
    organizationId: orgId(),
    jobId: uuid('job_id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.jobId] }),
    // A credit note releases an invoice's work, and a cycle invoice lists its visits, by invoice.
    index('invoiced_work_invoice_idx').on(t.organizationId, t.invoiceId),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
  ],
);

/** The packet's parts, stored by content hash: the PDF, the UBL and the manifest listing every part's SHA-256. */
export const invoiceFiles = pgTable(
  'invoice_files',
  {
    organizationId: orgId(),
    invoiceId: uuid('invoice_id').notNull(),
    kind: text('kind', { enum: ['pdf', 'ubl', 'manifest'] }).notNull(),
    storageKey: text('storage_key').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    mimeType: text('mime_type').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.invoiceId, t.kind] }),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
  ],
);

/**
 * Exchange rates the office records for the currencies its customers are invoiced in: units of the
 * organization's currency per unit of `currency`, valid from a day until the next recorded one. A document
 * takes the rate valid on the day it is made and keeps it.
 */
export const exchangeRates = pgTable(
  'exchange_rates',
  {
    organizationId: orgId(),
    currency: text('currency').notNull(),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    rate: numeric('rate', { precision: 20, scale: 10 }).notNull(),
    /** Where the figure came from (the central bank's reference rate, the bank's statement). */
    source: text('source'),
    recordedByType: text('recorded_by_type').notNull(),
    recordedById: text('recorded_by_id'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.currency, t.validFrom] })],
);

/** A payment against an invoice; a deposit is a payment on a deposit invoice and is prepaid on the final one. */
export const payments = pgTable(
  'payments',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    amount: money('amount').notNull(),
    receivedOn: date('received_on', { mode: 'string' }).notNull(),
    method: text('method', { enum: ['card', 'bank_transfer', 'cash', 'check', 'other'] }).notNull(),
    reference: text('reference'),
    /**
     * Money the customer's bank took back (a chargeback): the payment stays on record, no longer counted, and
     * is removed at the accounting provider; what was kept of it is a new payment.
     */
    reversedAt: instant('reversed_at'),
    reversedOn: date('reversed_on', { mode: 'string' }),
    reversalReference: text('reversal_reference'),
    recordedByType: text('recorded_by_type').notNull(),
    recordedById: text('recorded_by_id'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('payments_invoice_idx').on(t.organizationId, t.invoiceId),
    // The same bank reference recorded twice on one invoice is a double entry, not a second payment.
    uniqueIndex('payments_reference_key')
      .on(t.organizationId, t.invoiceId, t.reference)
      .where(sql`${t.reference} IS NOT NULL`),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
  ],
);

/**
 * A balance the organization gives up collecting (#24): the rest of one invoice, with its reason. Billing
 * applies one up to the organization's limit at once; above it the request waits for the owner. Applied, it
 * settles the invoice without cash (never counted as paid) and is booked at the accounting provider against
 * the account mapped for write-offs. One request at a time per invoice; a decided one is never changed.
 */
export const writeOffs = pgTable(
  'write_offs',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    customerId: uuid('customer_id'),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason', { enum: ['small_balance', 'uncollectible', 'goodwill', 'other'] }).notNull(),
    note: text('note').notNull(),
    status: text('status', { enum: ['pending', 'applied', 'rejected', 'withdrawn'] }).notNull(),
    /** Who asked: a person (told of the decision) or an API key. */
    requestedByType: text('requested_by_type', { enum: ['user', 'api_key'] }).notNull(),
    requestedById: uuid('requested_by_id').notNull(),
    decidedById: uuid('decided_by_id'),
    decisionNote: text('decision_note'),
    /** The business date it settles the invoice on (the organization's today when applied). */
    appliedOn: date('applied_on', { mode: 'string' }),
    createdAt: instant('created_at').notNull(),
    decidedAt: instant('decided_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('write_offs_pending_key')
      .on(t.organizationId, t.invoiceId)
      .where(sql`${t.status} = 'pending'`),
    index('write_offs_status_idx').on(t.organizationId, t.status, t.createdAt),
    index('write_offs_invoice_idx').on(t.organizationId, t.invoiceId),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
  ],
);

/** A job's work-completed report (PDF), made after each accepted closeout, billed or not. */
export const serviceReports = pgTable(
  'service_reports',
  {
    organizationId: orgId(),
    jobId: uuid('job_id').notNull(),
    submissionId: uuid('submission_id').notNull(),
    storageKey: text('storage_key').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.jobId, t.submissionId] }),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

/**
 * A month-end (or any period's) run that invoices every per-cycle series of the organization at once, in
 * the background. One run at a time per organization; its progress is the count of its items.
 */
export const cycleRuns = pgTable(
  'cycle_runs',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    /** The series it covers: those billed on this cycle. */
    billingCycle: text('billing_cycle', { enum: ['weekly', 'monthly', 'quarterly'] }).notNull(),
    status: text('status', { enum: ['queued', 'running', 'finished'] }).notNull(),
    /** Per-cycle series with visits in the period: known once the run starts. */
    total: integer('total'),
    requestedByType: text('requested_by_type').notNull(),
    requestedById: text('requested_by_id'),
    createdAt: instant('created_at').notNull(),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('cycle_runs_one_active').on(t.organizationId).where(sql`${t.status} <> 'finished'`),
    index('cycle_runs_created_idx').on(t.organizationId, t.createdAt),
  ],
);

/**
 * What a run did with one series. An invoiced item is written in the invoice's own transaction, so a run
 * resumed after a crash skips exactly the series it already invoiced.
 */
export const cycleRunItems = pgTable(
  'cycle_run_items',
  {
    organizationId: orgId(),
    runId: uuid('run_id').notNull(),
    seriesId: uuid('series_id').notNull(),
    outcome: text('outcome', { enum: ['issued', 'held', 'nothing_ready', 'failed'] }).notNull(),
    invoiceId: uuid('invoice_id'),
    message: text('message'),
    at: instant('at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.runId, t.seriesId] }),
    foreignKey({
      columns: [t.organizationId, t.runId],
      foreignColumns: [cycleRuns.organizationId, cycleRuns.id],
    }),
  ],
);
