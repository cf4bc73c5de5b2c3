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
import type { ChangeOrderLine, ChangeOrderStatus } from '../../core/change-orders';
import type { QuoteChoice, QuoteLine } from '../../core/quote-pricing';
import type { QuoteRepeat } from '../../core/quote-repeat';
import type { VisitWindow } from '../../core/visits';
import { instant, money } from './columns';
import { customers, jobs, jobTypes, orgId, sites } from './operations';

/**
 * A quote (#22): the offer a customer answers. Its content lives in versions; the quote row holds what all
 * versions share (number, customer, site, the work's type) and, once a version is accepted, the job it
 * became. `current_version` is the version the office works on and the customer's link shows.
 */
export const quotes = pgTable(
  'quotes',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    /** From the per-organization sequence `quote:{year}`; printed Q-2026-00042. */
    number: text('number').notNull(),
    customerId: uuid('customer_id').notNull(),
    siteId: uuid('site_id').notNull(),
    jobTypeId: uuid('job_type_id').notNull(),
    title: text('title').notNull(),
    currentVersion: integer('current_version').notNull().default(1),
    /** The job the accepted version became. */
    jobId: uuid('job_id'),
    /** A repeating service's quote: the series its acceptance booked (jobId is the first visit). */
    seriesId: uuid('series_id'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('quotes_number_key').on(t.organizationId, t.number),
    index('quotes_customer_idx').on(t.organizationId, t.customerId),
    // A job's accepted quote, looked up with every job view.
    index('quotes_job_idx').on(t.organizationId, t.jobId),
    foreignKey({
      columns: [t.organizationId, t.customerId],
      foreignColumns: [customers.organizationId, customers.id],
    }),
    foreignKey({ columns: [t.organizationId, t.siteId], foreignColumns: [sites.organizationId, sites.id] }),
    foreignKey({
      columns: [t.organizationId, t.jobTypeId],
      foreignColumns: [jobTypes.organizationId, jobTypes.id],
    }),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

export type QuoteDeposit = { amount: string } | { percent: string };
export type QuoteSignature = {
  name: string;
  /** The drawn signature's PNG in storage. */
  imageKey: string;
  ip: string;
  userAgent: string;
};

/**
 * One version of a quote. A draft is edited in place; from `sent` on its lines and terms are frozen, and a
 * change is the next version (this one `superseded`). Lines carry their tax treatment as it was when the
 * version was drafted, so the price a customer accepted never moves with the price book.
 */
export const quoteVersions = pgTable(
  'quote_versions',
  {
    organizationId: orgId(),
    quoteId: uuid('quote_id').notNull(),
    version: integer('version').notNull(),
    status: text('status').notNull(),
    currency: text('currency').notNull(),
    lines: jsonb('lines').$type<QuoteLine[]>().notNull(),
    discountPercent: numeric('discount_percent', { precision: 7, scale: 4 }),
    deposit: jsonb('deposit').$type<QuoteDeposit>(),
    /** The deposit must be paid before the job is dispatched. */
    depositBeforeWork: boolean('deposit_before_work').notNull().default(false),
    /** Retainage held back from each progress invoice of the job, released at completion (the job's). */
    retainagePercent: numeric('retainage_percent', { precision: 5, scale: 2 }),
    /** A service that repeats: how often, and how many visits; the price is per visit. */
    repeat: jsonb('repeat').$type<QuoteRepeat>(),
    validUntil: date('valid_until', { mode: 'string' }).notNull(),
    /** The visit offered: the accepted quote's job is booked in this window. */
    visitStart: instant('visit_start'),
    visitEnd: instant('visit_end'),
    /** A project done over several days: the visits after the first, in order (ISO instants). */
    laterVisits: jsonb('later_visits').$type<VisitWindow[]>().notNull().default([]),
    /** To the customer, above the lines. */
    message: text('message'),
    /** To the customer, below the lines. */
    terms: text('terms'),
    /** The office's own; never shown to the customer. */
    internalNotes: text('internal_notes'),
    poNumber: text('po_number'),
    /** The job type's own fields asked at booking: the accepted version's become the job's. */
    customFields: jsonb('custom_fields').$type<Record<string, string | number>>().notNull().default({}),
    /** Payable for the default choice (first option of each group, no add-ons), for lists and the pipeline. */
    total: money('total').notNull(),
    /** The customer's answer. */
    choice: jsonb('choice').$type<QuoteChoice>(),
    acceptedTotal: money('accepted_total'),
    depositDue: money('deposit_due'),
    signature: jsonb('signature').$type<QuoteSignature>(),
    declineReason: text('decline_reason'),
    /** SHA-256 of the customer's link token; the token itself is only in the e-mail. */
    linkHash: text('link_hash'),
    /** The token sealed with the instance's secret key, so the office can copy the link again. */
    linkSealed: text('link_sealed'),
    linkExpiresAt: instant('link_expires_at'),
    sentTo: text('sent_to'),
    sentAt: instant('sent_at'),
    viewedAt: instant('viewed_at'),
    answeredAt: instant('answered_at'),
    /** When billing was reminded that this sent version has no answer (once per version). */
    followUpAt: instant('follow_up_at'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.quoteId, t.version] }),
    uniqueIndex('quote_versions_link_key').on(t.linkHash),
    foreignKey({
      columns: [t.organizationId, t.quoteId],
      foreignColumns: [quotes.organizationId, quotes.id],
    }),
  ],
);

export type ChangeOrderApproval = QuoteSignature & {
  /** Signed on the technician's phone (who handed it over), or through the link. */
  inPerson: boolean;
  userId: string | null;
};

/**
 * A change order (#22): an amendment to a job's agreed scope, numbered per job (1, 2, …). Drafted on site
 * or in the office; approved by the customer (signature in person, or by link like a quote); then frozen.
 * Only approved ones reach the invoice. `before_total` and `after_total` are the job's agreed price
 * (payable, tax included, the job's discount applied) without and with it, as the customer saw them.
 */
export const changeOrders = pgTable(
  'change_orders',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    seq: integer('seq').notNull(),
    status: text('status').$type<ChangeOrderStatus>().notNull(),
    reason: text('reason').notNull(),
    lines: jsonb('lines').$type<ChangeOrderLine[]>().notNull(),
    /** Photos of the job that show why (the failed part, the site), in the order the customer sees them. */
    photoIds: jsonb('photo_ids').$type<string[]>().notNull().default([]),
    currency: text('currency').notNull(),
    beforeTotal: money('before_total').notNull(),
    afterTotal: money('after_total').notNull(),
    createdBy: uuid('created_by'),
    approval: jsonb('approval').$type<ChangeOrderApproval>(),
    declineReason: text('decline_reason'),
    linkHash: text('link_hash'),
    linkSealed: text('link_sealed'),
    linkExpiresAt: instant('link_expires_at'),
    sentTo: text('sent_to'),
    sentAt: instant('sent_at'),
    viewedAt: instant('viewed_at'),
    answeredAt: instant('answered_at'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('change_orders_job_seq_key').on(t.organizationId, t.jobId, t.seq),
    uniqueIndex('change_orders_link_key').on(t.linkHash),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

/**
 * Photos from the site visit on a quote (#22): what the customer sees beside the offer. Stored as the job
 * photos are (pixels only, by content), changeable until a version is accepted, then frozen with it.
 */
export const quotePhotos = pgTable(
  'quote_photos',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    quoteId: uuid('quote_id').notNull(),
    storageKey: text('storage_key').notNull(),
    thumbnailKey: text('thumbnail_key'),
    sha256: text('sha256').notNull(),
    mimeType: text('mime_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    createdBy: uuid('created_by'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('quote_photos_content_key').on(t.organizationId, t.quoteId, t.sha256),
    foreignKey({
      columns: [t.organizationId, t.quoteId],
      foreignColumns: [quotes.organizationId, quotes.id],
    }),
  ],
);
