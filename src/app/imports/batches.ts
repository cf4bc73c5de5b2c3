import { createHash } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { AppError, invalidAll, notFound } from '../../core/errors';
import {
  guessMapping,
  type ImportAction,
  type ImportKind,
  type ImportMapping,
  type ImportPreset,
  type ImportStatus,
  mappingFor,
  mappingProblems,
} from '../../core/imports';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { importBatches, importRows } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { openSheet, sampleOf } from './read-file';

/**
 * An import batch's one writer (#25): upload, mapping, and every status change with its audit event. The
 * check, the import and the undo run as queue jobs (check.ts, run.ts, undo.ts) and move the batch through
 * `moveBatch` only.
 */

export type ImportBatchRow = typeof importBatches.$inferSelect;

const NEXT: Record<ImportStatus, readonly ImportStatus[]> = {
  uploaded: ['checking'],
  checking: ['checked', 'failed', 'checking'],
  checked: ['checking', 'importing'],
  importing: ['imported', 'failed', 'importing'],
  imported: ['undoing'],
  undoing: ['undone', 'failed', 'undoing'],
  undone: [],
  failed: ['checking', 'importing', 'undoing'],
};

const STATUS_WORDS_FOR_ERROR: Partial<Record<ImportStatus, string>> = {
  checking: 'is being checked',
  importing: 'is being imported',
  imported: 'is already imported',
  undoing: 'is being undone',
  undone: 'was undone',
};

export const lockBatch = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(importBatches)
    .where(and(eq(importBatches.organizationId, organizationId), eq(importBatches.id, id)))
    .for('update');
  if (!row) throw notFound('import');
  return row;
};

export const moveBatch = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  batch: ImportBatchRow,
  to: ImportStatus,
  actor: Actor,
  set: Partial<ImportBatchRow> = {},
  reason: string | null = null,
) => {
  if (!NEXT[batch.status].includes(to))
    throw new AppError(
      'invalid_transition',
      `This import ${STATUS_WORDS_FOR_ERROR[batch.status] ?? 'cannot do that now'}`,
    );
  const [after] = await tx.db
    .update(importBatches)
    .set({ ...set, status: to, version: batch.version + 1 })
    .where(
      and(
        eq(importBatches.organizationId, batch.organizationId),
        eq(importBatches.id, batch.id),
        eq(importBatches.version, batch.version),
      ),
    )
    .returning();
  if (!after) throw new AppError('conflict', 'The import changed while this request ran; retry');
  if (to !== batch.status)
    await appendAudit(tx, deps, {
      organizationId: batch.organizationId,
      aggregateType: 'import',
      aggregateId: batch.id,
      action: `import.${to}`,
      actor,
      changes: {
        status: { before: batch.status, after: to },
        ...(set.summary ? { summary: set.summary } : {}),
        ...(set.mapping ? { mapping: set.mapping } : {}),
      },
      reason,
    });
  return after;
};

/**
 * Keeps the file and reads its header: the batch waits for its mapping, guessed from the header (the tool
 * the file looks like). A file that cannot be read is refused now, naming `file`.
 */
export const uploadImport = async (
  deps: Deps,
  organizationId: string,
  input: { kind: ImportKind; fileName: string; bytes: Buffer },
  actor: Actor,
) => {
  const sheet = await openSheet(input.bytes);
  const sample = await sampleOf(sheet);
  const { preset, mapping } = guessMapping(input.kind, sheet.columns);
  const id = deps.ids.uuid();
  const storageKey = `${organizationId}/imports/${id}`;
  await deps.storage.put(storageKey, input.bytes, sheet.format === 'xlsx' ? 'application/zip' : 'text/csv');
  return deps.database.transaction(async (tx) => {
    const [row] = await tx.db
      .insert(importBatches)
      .values({
        organizationId,
        id,
        kind: input.kind,
        fileName: input.fileName.slice(0, 200),
        format: sheet.format,
        encoding: sheet.encoding,
        sha256: createHash('sha256').update(input.bytes).digest('hex'),
        sizeBytes: input.bytes.length,
        storageKey,
        columns: sheet.columns,
        sample,
        preset,
        mapping,
        status: 'uploaded',
        createdBy: actor.type === 'user' ? actor.id : null,
        createdAt: deps.clock.now(),
      })
      .returning();
    if (!row) throw new Error('import batch insert returned nothing');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'import',
      aggregateId: id,
      action: 'import.uploaded',
      actor,
      changes: { kind: input.kind, fileName: row.fileName, sha256: row.sha256, preset },
      first: true,
    });
    return row;
  });
};

/**
 * Sets the columns to read (or a tool's preset) and starts the dry run. A mapping naming columns the file
 * does not have, or missing a required field, is refused with each problem.
 */
export const checkImport = (
  deps: Deps,
  organizationId: string,
  id: string,
  input: { preset?: ImportPreset | null | undefined; mapping?: ImportMapping | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const batch = await lockBatch(tx, organizationId, id);
    if (batch.status === 'failed' && batch.checkedAt !== null)
      throw new AppError('invalid_transition', 'This import stopped after it began; resume it or undo it');
    const preset = input.preset === undefined ? batch.preset : input.preset;
    const mapping =
      input.mapping ??
      (preset !== batch.preset ? mappingFor(batch.kind, batch.columns, preset) : batch.mapping);
    const problems = mappingProblems(batch.kind, batch.columns, mapping);
    if (problems.length > 0) throw invalidAll(problems.map((p) => ({ ...p, field: `body.${p.field}` })));
    const after = await moveBatch(tx, deps, batch, 'checking', actor, {
      preset,
      mapping,
      doneRows: 0,
      totalRows: null,
      failure: null,
      checkedAt: null,
      summary: {},
    });
    await deps.queue.enqueue(
      tx,
      { name: 'import.check', data: { organizationId, batchId: id, version: after.version } },
      { key: `import-check:${id}:${after.version}` },
    );
    return after;
  });

/** Starts (or resumes after a stop) the import of a checked batch, as one background job. */
export const startImport = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const batch = await lockBatch(tx, organizationId, id);
    if (batch.status === 'failed' && batch.checkedAt === null)
      throw new AppError('invalid_transition', 'Check the file before importing it');
    if (batch.status === 'failed' && batch.undoneAt === null && batch.importedAt !== null)
      throw new AppError('invalid_transition', 'This import stopped while it was undone; undo it again');
    const after = await moveBatch(tx, deps, batch, 'importing', actor, { failure: null });
    await deps.queue.enqueue(
      tx,
      { name: 'import.run', data: { organizationId, batchId: id } },
      { key: `import-run:${id}:${after.version}` },
    );
    return after;
  });

/** Starts undoing an imported batch: what it created goes, what it changed goes back (unless used since). */
export const startUndo = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const batch = await lockBatch(tx, organizationId, id);
    if (batch.status === 'failed' && batch.importedAt === null && !(await anyDone(tx, batch)))
      throw new AppError('invalid_transition', 'Nothing of this import was imported');
    const after = await moveBatch(tx, deps, batch, 'undoing', actor, { failure: null });
    await deps.queue.enqueue(
      tx,
      { name: 'import.undo', data: { organizationId, batchId: id } },
      { key: `import-undo:${id}:${after.version}` },
    );
    return after;
  });

const anyDone = async (tx: Tx, batch: ImportBatchRow) => {
  const [hit] = await tx.db
    .select({ line: importRows.line })
    .from(importRows)
    .where(
      and(
        eq(importRows.organizationId, batch.organizationId),
        eq(importRows.batchId, batch.id),
        eq(importRows.done, true),
      ),
    )
    .limit(1);
  return hit !== undefined;
};

/** A queue job's step failed for good: the batch stops with why, and the office sees "Stopped" and the reason. */
export const failBatch = (deps: Deps, organizationId: string, id: string, failure: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const batch = await lockBatch(tx, organizationId, id);
    if (!['checking', 'importing', 'undoing'].includes(batch.status)) return;
    await moveBatch(
      tx,
      deps,
      batch,
      'failed',
      actor,
      { failure: failure.slice(0, 1000) },
      failure.slice(0, 500),
    );
  });

export const listImports = (deps: Deps, organizationId: string) =>
  deps.database.db
    .select()
    .from(importBatches)
    .where(eq(importBatches.organizationId, organizationId))
    .orderBy(desc(importBatches.createdAt))
    .limit(50);

export const getImport = async (deps: Deps, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(importBatches)
    .where(and(eq(importBatches.organizationId, organizationId), eq(importBatches.id, id)));
  if (!row) throw notFound('import');
  return row;
};

/** The dry run's report, a page at a time: every row of an action, in file order. */
export const importRowsOf = async (
  deps: Deps,
  organizationId: string,
  id: string,
  query: { action?: ImportAction | undefined; offset: number; limit: number },
) => {
  await getImport(deps, organizationId, id);
  const where = and(
    eq(importRows.organizationId, organizationId),
    eq(importRows.batchId, id),
    query.action ? eq(importRows.action, query.action) : undefined,
  );
  const [rows, [count]] = await Promise.all([
    deps.database.db
      .select()
      .from(importRows)
      .where(where)
      .orderBy(asc(importRows.line))
      .offset(query.offset)
      .limit(query.limit),
    deps.database.db.select({ n: sql<number>`count(*)::int` }).from(importRows).where(where),
  ]);
  return { rows, total: count?.n ?? 0 };
};
