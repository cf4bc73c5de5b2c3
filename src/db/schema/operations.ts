import { sql } from 'drizzle-orm';
import {
  boolean,
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
import type { BillingStatus, OperationalStatus } from '../../core/job-lifecycle';
import { SERIES_STATUSES } from '../../core/series-lifecycle';
import { instant, money, unitPrice } from './columns';
import { organizations, users } from './identity';

/** organization_id: first column of every tenant table's primary key. */
export const orgId = () =>
  uuid('organization_id')
    .notNull()
    .references(() => organizations.id);

export type PostalAddress = {
  line1: string;
  line2?: string | undefined;
  city: string;
  region?: string | undefined;
  postalCode: string;
  country: string;
};

export type CustomerContact = {
  name: string;
  email: string | null;
  phone: string | null;
  role: string | null;
  invoiceRecipient: boolean;
};
export type InvoicePreferences = {
  channel: 'email' | 'peppol' | 'post' | 'portal';
  consolidation: 'per_job' | 'per_cycle';
  poRequired: boolean;
};
export const DEFAULT_INVOICE_PREFERENCES: InvoicePreferences = {
  channel: 'email',
  consolidation: 'per_job',
  poRequired: false,
};

export const customers = pgTable(
  'customers',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    /** Lower-cased, punctuation-free name used to find likely duplicates. */
    normalizedName: text('normalized_name').notNull(),
    email: text('email'),
    phone: text('phone'),
    billingAddress: jsonb('billing_address').$type<PostalAddress>().notNull(),
    taxId: text('tax_id'),
    /** Peppol participant ID as `scheme:id` (e.g. 0088:7300010000001); with the seller's, invoices go out as Peppol BIS 3. */
    peppolEndpoint: text('peppol_endpoint'),
    taxExempt: boolean('tax_exempt').notNull().default(false),
    taxExemptionReason: text('tax_exemption_reason'),
    paymentTermsDays: integer('payment_terms_days'),
    /** ISO 4217 code the customer is invoiced in when not the organization's; null: the organization's. */
    invoiceCurrency: text('invoice_currency'),
    /** IANA time zone the customer lives in when not the business's (null): their messages' times and quiet hours. */
    timeZone: text('time_zone'),
    /** The language the customer reads their documents in (src/core/i18n); null: the organization's. */
    language: text('language'),
    contacts: jsonb('contacts').$type<CustomerContact[]>().notNull().default([]),
    invoicePreferences: jsonb('invoice_preferences')
      .$type<InvoicePreferences>()
      .notNull()
      .default(DEFAULT_INVOICE_PREFERENCES),
    /** Overrides of the job type's closeout requirements for this customer (e.g. signature always). */
    closeoutOverrides: jsonb('closeout_overrides').$type<Record<string, unknown>>().notNull().default({}),
    /** Connector -> the customer's ID in that system; immutable once set. */
    externalIds: jsonb('external_ids').$type<Record<string, string>>().notNull().default({}),
    /** A duplicate merged into another customer stays on record, pointing at the one that was kept. */
    mergedIntoId: uuid('merged_into_id'),
    mergedAt: instant('merged_at'),
    /** Payment reminders (#24): another schedule than the default (null: the default). */
    reminderScheduleId: uuid('reminder_schedule_id'),
    /** Never remind this customer (a key account the owner calls in person). */
    remindersExcluded: boolean('reminders_excluded').notNull().default(false),
    /** No reminder until after this business date: a promise to pay, with why. */
    remindersPausedUntil: date('reminders_paused_until', { mode: 'string' }),
    remindersPauseReason: text('reminders_pause_reason'),
    /** A statement of account by e-mail on the first of each month (open items, last month's activity). */
    statementMonthly: boolean('statement_monthly').notNull().default(false),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('customers_name_idx').on(t.organizationId, t.normalizedName),
  ],
);

export const sites = pgTable(
  'sites',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    name: text('name').notNull(),
    address: jsonb('address').$type<PostalAddress>().notNull(),
    accessNotes: text('access_notes'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    foreignKey({
      columns: [t.organizationId, t.customerId],
      foreignColumns: [customers.organizationId, customers.id],
    }),
  ],
);

export const taxCodes = pgTable(
  'tax_codes',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    /** EN 16931 VAT category (S, Z, E, AE, K, G, O); null for US sales tax. */
    category: text('category'),
    rate: numeric('rate', { precision: 7, scale: 4 }).notNull(),
    exemptionReasonCode: text('exemption_reason_code'),
    exemptionReason: text('exemption_reason'),
    jurisdiction: text('jurisdiction'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('tax_codes_code_key').on(t.organizationId, t.code),
  ],
);

export const catalogItems = pgTable(
  'catalog_items',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['labor', 'part', 'fee'] }).notNull(),
    /** UN/ECE Recommendation 20 unit code (HUR, C62, …). */
    unitCode: text('unit_code').notNull(),
    unitPrice: unitPrice('unit_price').notNull(),
    taxCodeId: uuid('tax_code_id').notNull(),
    glAccount: text('gl_account'),
    active: boolean('active').notNull().default(true),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('catalog_items_sku_key').on(t.organizationId, t.sku),
    foreignKey({
      columns: [t.organizationId, t.taxCodeId],
      foreignColumns: [taxCodes.organizationId, taxCodes.id],
    }),
  ],
);

export const jobTypes = pgTable(
  'job_types',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    trade: text('trade').notNull(),
    defaultDurationMinutes: integer('default_duration_minutes').notNull(),
    billingMode: text('billing_mode', {
      enum: ['fixed', 'time_and_materials', 'per_visit', 'per_cycle'],
    }).notNull(),
    /** Validated by the core's closeout-requirements schema before it is stored. */
    closeoutRequirements: jsonb('closeout_requirements').notNull(),
    approvalRules: jsonb('approval_rules').notNull(),
    cancellationFee: money('cancellation_fee'),
    noShowFee: money('no_show_fee'),
    customFields: jsonb('custom_fields').notNull().default([]),
    /** The price book's labour item this work is billed at (its rate and tax code), by SKU. */
    laborSku: text('labor_sku'),
    createdAt: instant('created_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('job_types_code_key').on(t.organizationId, t.code),
  ],
);

export type EstimateLine = {
  sku: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
  /** The line's own tax code (a quote's line taxed apart from its item); else the item's, else the default. */
  taxCodeId?: string | null | undefined;
};

export const jobs = pgTable(
  'jobs',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    number: integer('number').notNull(),
    customerId: uuid('customer_id').notNull(),
    siteId: uuid('site_id').notNull(),
    jobTypeId: uuid('job_type_id').notNull(),
    scope: text('scope').notNull(),
    windowStart: instant('window_start').notNull(),
    windowEnd: instant('window_end').notNull(),
    status: text('status').$type<OperationalStatus>().notNull(),
    billingStatus: text('billing_status').$type<BillingStatus>().notNull(),
    billingOwnerId: uuid('billing_owner_id').references(() => users.id),
    depositRequired: boolean('deposit_required').notNull().default(false),
    /** The deposit must be received before the crew is dispatched or the work started (a quote's term). */
    depositBeforeWork: boolean('deposit_before_work').notNull().default(false),
    depositAmount: money('deposit_amount'),
    depositReceived: money('deposit_received'),
    discountPercent: numeric('discount_percent', { precision: 7, scale: 4 }),
    /** Retainage: the percent of each progress step held back until completion, released by the final invoice. */
    retainagePercent: numeric('retainage_percent', { precision: 5, scale: 2 }),
    taxCodeId: uuid('tax_code_id'),
    poNumber: text('po_number'),
    approvalRequired: boolean('approval_required').notNull().default(false),
    estimateLines: jsonb('estimate_lines').$type<EstimateLine[]>().notNull().default([]),
    customFields: jsonb('custom_fields').$type<Record<string, string | number>>().notNull().default({}),
    /** Why a job was closed without (all) work: cancel or no-show reason. */
    closedReason: text('closed_reason'),
    /** Cancellation or no-show fee billed instead of the work. */
    closingFee: money('closing_fee'),
    /** The billing status a needs_review job failed in, so reprocess returns there. */
    reviewFrom: text('review_from'),
    seriesId: uuid('series_id'),
    occurrenceDate: date('occurrence_date', { mode: 'string' }),
    revisionOf: uuid('revision_of'),
    scheduledAt: instant('scheduled_at'),
    startedAt: instant('started_at'),
    completedAt: instant('completed_at'),
    invoiceReadyAt: instant('invoice_ready_at'),
    invoicedAt: instant('invoiced_at'),
    paidAt: instant('paid_at'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('jobs_number_key').on(t.organizationId, t.number),
    index('jobs_window_idx').on(t.organizationId, t.windowStart),
    index('jobs_billing_status_idx').on(t.organizationId, t.billingStatus),
    // Metrics select the jobs completed in a period.
    index('jobs_completed_idx').on(t.organizationId, t.completedAt).where(sql`${t.completedAt} IS NOT NULL`),
    // Partial: one-off jobs have no series and need no entry here.
    uniqueIndex('jobs_series_occurrence_key')
      .on(t.organizationId, t.seriesId, t.occurrenceDate)
      .where(sql`${t.seriesId} IS NOT NULL`),
    foreignKey({
      columns: [t.organizationId, t.customerId],
      foreignColumns: [customers.organizationId, customers.id],
    }),
    foreignKey({ columns: [t.organizationId, t.siteId], foreignColumns: [sites.organizationId, sites.id] }),
    foreignKey({
      columns: [t.organizationId, t.jobTypeId],
      foreignColumns: [jobTypes.organizationId, jobTypes.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.taxCodeId],
      foreignColumns: [taxCodes.organizationId, taxCodes.id],
    }),
  ],
);

export const jobAssignments = pgTable(
  'job_assignments',
  {
    organizationId: orgId(),
    jobId: uuid('job_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    assignedAt: instant('assigned_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.jobId, t.userId] }),
    index('job_assignments_user_idx').on(t.organizationId, t.userId),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

/**
 * The visits of a job done over several days (#22): a project quoted with its visits, or a visit the
 * office adds. A one-visit job has no rows; its window is its visit. With rows, the job's window is always
 * the earliest planned visit's (the one the crew works on next), the earlier ones are done, and a visit
 * no longer needed is canceled, never deleted.
 */
export const jobVisits = pgTable(
  'job_visits',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    windowStart: instant('window_start').notNull(),
    windowEnd: instant('window_end').notNull(),
    status: text('status', { enum: ['planned', 'done', 'canceled'] }).notNull(),
    /** When the crew left it done, or when it was canceled. */
    closedAt: instant('closed_at'),
    closedReason: text('closed_reason'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('job_visits_job_idx').on(t.organizationId, t.jobId, t.windowStart),
    // The board reads the planned visits of a day or a week.
    index('job_visits_window_idx').on(t.organizationId, t.windowStart).where(sql`${t.status} = 'planned'`),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

export const jobComments = pgTable(
  'job_comments',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    authorType: text('author_type', { enum: ['user', 'api_key', 'system'] }).notNull(),
    authorId: text('author_id'),
    kind: text('kind', { enum: ['comment', 'info_request'] }).notNull(),
    body: text('body').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('job_comments_job_idx').on(t.organizationId, t.jobId, t.createdAt),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

export const notifications = pgTable(
  'notifications',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind').notNull(),
    jobId: uuid('job_id'),
    /** The invoice it is about (a payment received, an e-mail that could not go), when there is one. */
    invoiceId: uuid('invoice_id'),
    body: text('body').notNull(),
    createdAt: instant('created_at').notNull(),
    readAt: instant('read_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('notifications_user_idx').on(t.organizationId, t.userId, t.createdAt),
  ],
);

/** A recurring service: each visit is its own job carrying series_id and its occurrence date. */
export const series = pgTable(
  'series',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    siteId: uuid('site_id').notNull(),
    jobTypeId: uuid('job_type_id').notNull(),
    /** RFC 5545 RRULE (without DTSTART), evaluated in time_zone wall-clock time. */
    rrule: text('rrule').notNull(),
    timeZone: text('time_zone').notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    startTime: text('start_time').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    /** Last occurrence date this series owns (set when a later part is split off). */
    endDate: date('end_date', { mode: 'string' }),
    crew: uuid('crew').array().notNull(),
    template: jsonb('template').$type<Record<string, unknown>>().notNull(),
    billingRule: text('billing_rule', { enum: ['per_visit', 'per_cycle'] }).notNull(),
    billingCycle: text('billing_cycle', { enum: ['weekly', 'monthly', 'quarterly'] }),
    horizonDays: integer('horizon_days').notNull(),
    generatedUntil: date('generated_until', { mode: 'string' }),
    splitFrom: uuid('split_from'),
    /** core/series-lifecycle: only an active part makes visits; a continued part has a successor. */
    status: text('status', { enum: SERIES_STATUSES }).notNull().default('active'),
    /** Why it was paused or ended, in the person's words. */
    statusReason: text('status_reason'),
    createdAt: instant('created_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('series_customer_idx').on(t.organizationId, t.customerId),
  ],
);

/** Secret-URL calendar feeds, one per technician; only the token's hash is stored. */
export const calendarFeeds = pgTable(
  'calendar_feeds',
  {
    organizationId: orgId(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] })],
);
