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
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { organizations, users } from './identity';

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const money = (name: string) => numeric(name, { precision: 18, scale: 4 });
const orgId = () =>
  uuid('organization_id')
    .notNull()
    .references(() => organizations.id);

export type PostalAddress = {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
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
    taxExempt: boolean('tax_exempt').notNull().default(false),
    paymentTermsDays: integer('payment_terms_days'),
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
    unitPrice: money('unit_price').notNull(),
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
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('job_types_code_key').on(t.organizationId, t.code),
  ],
);

export type EstimateLine = { sku: string | null; description: string; quantity: string; unitPrice: string };

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
    status: text('status').notNull(),
    billingStatus: text('billing_status').notNull(),
    billingOwnerId: uuid('billing_owner_id').references(() => users.id),
    depositRequired: boolean('deposit_required').notNull().default(false),
    depositAmount: money('deposit_amount'),
    depositReceived: money('deposit_received'),
    discountPercent: numeric('discount_percent', { precision: 7, scale: 4 }),
    taxCodeId: uuid('tax_code_id'),
    poNumber: text('po_number'),
    approvalRequired: boolean('approval_required').notNull().default(false),
    estimateLines: jsonb('estimate_lines').$type<EstimateLine[]>().notNull().default([]),
    seriesId: uuid('series_id'),
    occurrenceDate: date('occurrence_date'),
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
