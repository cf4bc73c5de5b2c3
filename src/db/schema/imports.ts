import {
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  IMPORT_ACTIONS,
  IMPORT_KINDS,
  IMPORT_PRESETS,
  IMPORT_STATUSES,
  type ImportMapping,
} from '../../core/imports';
import { instant } from './columns';
import { orgId } from './operations';

/**
 * A file the office brings from its previous tool (#25): checked first (the dry run), then imported as one
 * background job, resumable and undoable as a batch. The bytes stay in storage under `storage_key`.
 */
export const importBatches = pgTable(
  'import_batches',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    kind: text('kind', { enum: IMPORT_KINDS }).notNull(),
    fileName: text('file_name').notNull(),
    format: text('format', { enum: ['csv', 'xlsx'] }).notNull(),
    /** How the text was read: utf-8, or windows-1252 when the file was not valid UTF-8. */
    encoding: text('encoding').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    storageKey: text('storage_key').notNull(),
    /** The header row as the file has it, and the first lines, for the mapping screen. */
    columns: jsonb('columns').$type<string[]>().notNull(),
    sample: jsonb('sample').$type<string[][]>().notNull(),
    /** The tool the columns look like (jobber, housecall_pro, quickbooks, xero) or null. */
    preset: text('preset', { enum: IMPORT_PRESETS }),
    mapping: jsonb('mapping').$type<ImportMapping>().notNull(),
    status: text('status', { enum: IMPORT_STATUSES }).notNull(),
    /** Data rows in the file (known once checked), and how many the running step has done. */
    totalRows: integer('total_rows'),
    doneRows: integer('done_rows').notNull().default(0),
    /** Counts by action once checked; by outcome once imported or undone. */
    summary: jsonb('summary').$type<Record<string, number>>().notNull().default({}),
    /** Why the check or the import stopped, in words. */
    failure: text('failure'),
    createdBy: uuid('created_by'),
    createdAt: instant('created_at').notNull(),
    checkedAt: instant('checked_at'),
    importedAt: instant('imported_at'),
    undoneAt: instant('undone_at'),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('import_batches_created_idx').on(t.organizationId, t.createdAt),
  ],
);

/**
 * One data row of a batch: what the dry run decided and why, the record it made once imported, and the
 * record's values before when it updated one (for undo). `key` identifies the row's record across files, so
 * the same file imported twice creates nothing twice.
 */
export const importRows = pgTable(
  'import_rows',
  {
    organizationId: orgId(),
    batchId: uuid('batch_id').notNull(),
    /** The line in the file (the header is line 1). */
    line: integer('line').notNull(),
    kind: text('kind', { enum: IMPORT_KINDS }).notNull(),
    key: text('key'),
    /** What the row's record is called, to show in the report. */
    label: text('label').notNull(),
    action: text('action', { enum: IMPORT_ACTIONS }).notNull(),
    problems: jsonb('problems')
      .$type<{ field: string; column: string | null; message: string }[]>()
      .notNull(),
    /** The record as the row describes it, parsed; null when refused. */
    value: jsonb('value').$type<Record<string, unknown>>(),
    /** The existing record this row matches (duplicate, update, unchanged). */
    matchId: uuid('match_id'),
    matchLabel: text('match_label'),
    done: boolean('done').notNull().default(false),
    recordId: uuid('record_id'),
    before: jsonb('before').$type<Record<string, unknown>>(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.batchId, t.line] }),
    index('import_rows_key_idx').on(t.organizationId, t.kind, t.key),
    index('import_rows_todo_idx').on(t.organizationId, t.batchId, t.done, t.line),
    foreignKey({
      columns: [t.organizationId, t.batchId],
      foreignColumns: [importBatches.organizationId, importBatches.id],
    }),
  ],
);
