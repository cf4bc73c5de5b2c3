import {
  boolean,
  doublePrecision,
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
import { instant, unitPrice } from './columns';
import { users } from './identity';
import { jobs, orgId } from './operations';

/** Proof of work, stored by content hash; belongs to exactly one job. */
export const attachments = pgTable(
  'attachments',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    category: text('category', {
      enum: ['before', 'after', 'serial_plate', 'signature', 'document', 'other'],
    }).notNull(),
    sha256: text('sha256').notNull(),
    /** Sniffed from the content's magic bytes, never taken from the client. */
    mimeType: text('mime_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    storageKey: text('storage_key').notNull(),
    thumbnailKey: text('thumbnail_key'),
    originalName: text('original_name'),
    capturedAt: instant('captured_at'),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    uploadedByType: text('uploaded_by_type').notNull(),
    uploadedById: text('uploaded_by_id'),
    createdAt: instant('created_at').notNull(),
    archivedAt: instant('archived_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    // The same bytes uploaded twice to one job are one attachment (uploads are idempotent by hash).
    uniqueIndex('attachments_job_hash_key').on(t.organizationId, t.jobId, t.sha256, t.category),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

export const timeEntries = pgTable(
  'time_entries',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    startedAt: instant('started_at').notNull(),
    endedAt: instant('ended_at'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('time_entries_user_idx').on(t.organizationId, t.userId, t.startedAt),
    index('time_entries_job_idx').on(t.organizationId, t.jobId),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

/**
 * Every closeout submission, accepted or refused, with its validation result and the exact response
 * it got: the submission ID is the idempotency key, and a replay returns the stored response.
 */
export const closeoutSubmissions = pgTable(
  'closeout_submissions',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    source: text('source', { enum: ['technician', 'office_edit'] }).notNull(),
    requestHash: text('request_hash').notNull(),
    body: jsonb('body').notNull(),
    outcome: text('outcome', { enum: ['accepted', 'incomplete', 'exception'] }).notNull(),
    missing: jsonb('missing').notNull(),
    responseStatus: integer('response_status').notNull(),
    response: jsonb('response').notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('closeout_submissions_job_idx').on(t.organizationId, t.jobId, t.createdAt),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

/** The billable lines of the job's current closeout (replaced by each accepted submission or office edit). */
export const closeoutLines = pgTable(
  'closeout_lines',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    submissionId: uuid('submission_id').notNull(),
    position: integer('position').notNull(),
    kind: text('kind', { enum: ['labor', 'part', 'adjustment'] }).notNull(),
    catalogItemId: uuid('catalog_item_id'),
    sku: text('sku'),
    description: text('description').notNull(),
    quantity: numeric('quantity', { precision: 18, scale: 4 }).notNull(),
    unitCode: text('unit_code').notNull(),
    unitPrice: unitPrice('unit_price').notNull(),
    /** The price book's price when the line was made: a lower unit price is a manual override. */
    listPrice: unitPrice('list_price'),
    taxCodeId: uuid('tax_code_id'),
    technicianId: uuid('technician_id'),
    billable: boolean('billable').notNull(),
    serialNumbers: text('serial_numbers').array().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('closeout_lines_job_idx').on(t.organizationId, t.jobId),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

/** Autosaved partial closeouts, one per job and author, not validated. */
export const closeoutDrafts = pgTable(
  'closeout_drafts',
  {
    organizationId: orgId(),
    jobId: uuid('job_id').notNull(),
    authorId: text('author_id').notNull(),
    body: jsonb('body').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.jobId, t.authorId] }),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);

/**
 * One request per closeout whose facts broke a rule (or that stated an exception). Immutable once decided:
 * the decision, who made it, when and why are the approval log the invoice packet carries.
 */
export const approvalRequests = pgTable(
  'approval_requests',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    submissionId: uuid('submission_id').notNull(),
    rules: jsonb('rules').notNull(),
    approverRole: text('approver_role').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'superseded'] }).notNull(),
    requestedByType: text('requested_by_type').notNull(),
    requestedById: text('requested_by_id'),
    createdAt: instant('created_at').notNull(),
    dueAt: instant('due_at').notNull(),
    escalatedAt: instant('escalated_at'),
    decidedById: text('decided_by_id'),
    decidedAt: instant('decided_at'),
    comment: text('comment'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('approval_requests_status_idx').on(t.organizationId, t.status, t.dueAt),
    index('approval_requests_job_idx').on(t.organizationId, t.jobId),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
  ],
);
