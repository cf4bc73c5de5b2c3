import { z } from 'zod';
import {
  FIELDS_OF,
  IMPORT_ACTIONS,
  IMPORT_FIELDS,
  IMPORT_KINDS,
  IMPORT_PRESETS,
  IMPORT_STATUSES,
} from '../core/imports';
import { Instant } from './common';

const AnyField = z.enum(IMPORT_FIELDS);

export const ImportMapping = z
  .partialRecord(AnyField, z.string().min(1).max(300))
  .meta({ id: 'ImportMapping', description: 'Field -> the column of the file it is read from' });

export const ImportBatch = z
  .object({
    id: z.uuid(),
    kind: z.enum(IMPORT_KINDS),
    fileName: z.string(),
    format: z.enum(['csv', 'xlsx']),
    encoding: z.string(),
    sizeBytes: z.number().int(),
    columns: z.array(z.string()),
    sample: z.array(z.array(z.string())),
    preset: z.enum(IMPORT_PRESETS).nullable(),
    mapping: ImportMapping,
    /** The fields of this kind, in the order the mapping screen shows them. */
    fields: z.array(z.string()),
    status: z.enum(IMPORT_STATUSES),
    totalRows: z.number().int().nullable(),
    doneRows: z.number().int(),
    /** Rows per action once checked (create, update, unchanged, duplicate, refused); undone and kept once undone. */
    summary: z.record(z.string(), z.number().int()),
    failure: z.string().nullable(),
    createdAt: Instant,
    checkedAt: Instant.nullable(),
    importedAt: Instant.nullable(),
    undoneAt: Instant.nullable(),
  })
  .meta({ id: 'ImportBatch' });

export const ImportKindQuery = z.strictObject({ kind: z.enum(IMPORT_KINDS) });

export const CheckImportBody = z
  .strictObject({
    /** Read the columns as this tool's export names them (null: no tool). */
    preset: z.enum(IMPORT_PRESETS).nullable().optional(),
    /** The columns to read, field by field; absent: the preset's (or the guessed) mapping. */
    mapping: ImportMapping.optional(),
  })
  .nullish();

export const ImportRowsQuery = z.strictObject({
  action: z.enum(IMPORT_ACTIONS).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ImportRow = z
  .object({
    line: z.number().int(),
    label: z.string(),
    action: z.enum(IMPORT_ACTIONS),
    problems: z.array(z.object({ field: z.string(), column: z.string().nullable(), message: z.string() })),
    matchId: z.uuid().nullable(),
    matchLabel: z.string().nullable(),
    done: z.boolean(),
    recordId: z.uuid().nullable(),
  })
  .meta({ id: 'ImportRow' });

export const ImportRowsPage = z.object({ rows: z.array(ImportRow), total: z.number().int() });

export const fieldsOfKind = (kind: (typeof IMPORT_KINDS)[number]) => [...FIELDS_OF[kind]];
