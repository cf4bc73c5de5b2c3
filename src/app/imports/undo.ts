import { and, asc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import { ITEM_VALUE_KEYS, type ItemDraft, itemChanges } from '../../core/imports';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { catalogItems, importBatches, importRows } from '../../db/schema/index';
import { appendAuditMany } from '../audit/audit';
import type { Deps } from '../ports';
import { getImport, lockBatch, moveBatch } from './batches';

/**
 * Undoing an import as a batch (#25), the `import.undo` queue job. A customer the import made goes with its
 * sites unless something refers to it now (a job, an invoice, a quote: the database's own foreign keys say
 * so), and then it stays and the report says why. An item it made goes, or is deactivated when a job's lines
 * used it; an item it changed gets its old values back unless someone changed it since. Each record's audit
 * chain ends with what the undo did to it.
 */

const CHUNK = 200;
type Row = typeof importRows.$inferSelect;

const isForeignKeyViolation = (e: unknown) => (e as { code?: string }).code === '23503';

/**
 * Deletes in a savepoint: true when gone, false when a foreign key holds it. One savepoint name serves: each
 * attempt is released or rolled back before the next begins.
 */
const tryDelete = async (tx: Tx, statements: [string, unknown[]][]) => {
  await tx.raw.query('SAVEPOINT import_undo');
  try {
    for (const [text, params] of statements) await tx.raw.query(text, params);
    await tx.raw.query('RELEASE SAVEPOINT import_undo');
    return true;
  } catch (e) {
    await tx.raw.query('ROLLBACK TO SAVEPOINT import_undo');
    if (isForeignKeyViolation(e)) return false;
    throw e;
  }
};

const deleteCustomers = (organizationId: string, ids: string[]): [string, unknown[]][] => [
  ['DELETE FROM sites WHERE organization_id = $1 AND customer_id = ANY($2::uuid[])', [organizationId, ids]],
  ['DELETE FROM customers WHERE organization_id = $1 AND id = ANY($2::uuid[])', [organizationId, ids]],
];

const undoCustomers = async (deps: Deps, tx: Tx, rows: Row[], actor: Actor) => {
  const organizationId = rows[0]?.organizationId ?? '';
  const ids = rows.flatMap((r) => (r.recordId ? [r.recordId] : []));
  const gone = new Set<string>();
  // The whole chunk at once; when something holds one of them, one at a time to find which.
  if (await tryDelete(tx, deleteCustomers(organizationId, ids))) for (const id of ids) gone.add(id);
  else for (const id of ids) if (await tryDelete(tx, deleteCustomers(organizationId, [id]))) gone.add(id);
  await appendAuditMany(
    tx,
    deps,
    organizationId,
    'customer',
    ids.map((id) => ({
      aggregateId: id,
      action: gone.has(id) ? 'customer.import_undone' : 'customer.import_undo_kept',
      actor,
      changes: { importId: rows[0]?.batchId ?? null },
      reason: gone.has(id)
        ? 'the import that made it was undone'
        : 'kept: jobs, invoices or quotes refer to it',
    })),
  );
  return rows.map((r) => ({ line: r.line, kept: r.recordId !== null && !gone.has(r.recordId) }));
};

/**
 * A job the import booked goes while nothing has happened to it (still as booked: scheduled, never changed,
 * the customer sent nothing about it); the crew it was given goes with it. Otherwise it stays, a record of
 * work the business now runs here, and the report says why.
 */
const undoJobs = async (deps: Deps, tx: Tx, rows: Row[], actor: Actor) => {
  const organizationId = rows[0]?.organizationId ?? '';
  const gone = new Set<string>();
  for (const r of rows) {
    if (!r.recordId) continue;
    await tx.raw.query('SAVEPOINT import_undo');
    try {
      // The crew goes only with a job still as booked (scheduled, never changed); then the job itself.
      await tx.raw.query(
        `DELETE FROM job_assignments a USING jobs j
          WHERE a.organization_id = $1 AND a.job_id = $2 AND j.organization_id = $1 AND j.id = $2
            AND j.status = 'scheduled' AND j.version = 1`,
        [organizationId, r.recordId],
      );
      const { rows: deleted } = await tx.raw.query<{ id: string }>(
        `DELETE FROM jobs WHERE organization_id = $1 AND id = $2 AND status = 'scheduled' AND version = 1
          RETURNING id`,
        [organizationId, r.recordId],
      );
      if (deleted.length > 0) {
        await tx.raw.query('RELEASE SAVEPOINT import_undo');
        gone.add(r.recordId);
      } else await tx.raw.query('ROLLBACK TO SAVEPOINT import_undo');
    } catch (e) {
      await tx.raw.query('ROLLBACK TO SAVEPOINT import_undo');
      if (!isForeignKeyViolation(e)) throw e;
    }
  }
  await appendAuditMany(
    tx,
    deps,
    organizationId,
    'job',
    rows.flatMap((r) =>
      r.recordId
        ? [
            {
              aggregateId: r.recordId,
              action: gone.has(r.recordId) ? 'job.import_undone' : 'job.import_undo_kept',
              actor,
              changes: { importId: r.batchId },
              reason: gone.has(r.recordId)
                ? 'the import that booked it was undone'
                : 'kept: it has moved on since it was imported (changed, started, or the customer was told of it)',
            },
          ]
        : [],
    ),
  );
  return rows.map((r) => ({ line: r.line, kept: r.recordId !== null && !gone.has(r.recordId) }));
};

const undoItems = async (deps: Deps, tx: Tx, rows: Row[], actor: Actor) => {
  const organizationId = rows[0]?.organizationId ?? '';
  const out: { line: number; kept: boolean }[] = [];
  const events: {
    aggregateId: string;
    action: string;
    actor: Actor;
    changes: Record<string, unknown>;
    reason: string;
  }[] = [];
  for (const r of rows) {
    if (!r.recordId) continue;
    const [item] = await tx.db
      .select()
      .from(catalogItems)
      .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.id, r.recordId)))
      .for('update');
    if (!item) {
      out.push({ line: r.line, kept: false });
      continue;
    }
    const imported = r.value as ItemDraft;
    if (itemChanges({ ...item, glAccount: item.glAccount ?? null }, imported).length > 0) {
      out.push({ line: r.line, kept: true });
      events.push({
        aggregateId: item.id,
        action: 'catalog_item.import_undo_kept',
        actor,
        changes: { importId: r.batchId },
        reason: 'kept: changed since the import',
      });
      continue;
    }
    if (r.before) {
      const before = r.before as ItemDraft;
      await tx.db
        .update(catalogItems)
        .set(Object.fromEntries(ITEM_VALUE_KEYS.map((k) => [k, before[k]])))
        .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.id, item.id)));
      events.push({
        aggregateId: item.id,
        action: 'catalog_item.updated',
        actor,
        changes: { importId: r.batchId, restored: before },
        reason: 'the import that changed it was undone',
      });
      out.push({ line: r.line, kept: false });
      continue;
    }
    const { rows: used } = await tx.raw.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM closeout_lines WHERE organization_id = $1 AND catalog_item_id = $2',
      [organizationId, item.id],
    );
    if ((used[0]?.n ?? 0) > 0) {
      await tx.db
        .update(catalogItems)
        .set({ active: false })
        .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.id, item.id)));
      events.push({
        aggregateId: item.id,
        action: 'catalog_item.updated',
        actor,
        changes: { importId: r.batchId, active: { before: item.active, after: false } },
        reason: 'the import was undone; jobs used it, so it is deactivated',
      });
      out.push({ line: r.line, kept: true });
    } else {
      await tx.db
        .delete(catalogItems)
        .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.id, item.id)));
      events.push({
        aggregateId: item.id,
        action: 'catalog_item.import_undone',
        actor,
        changes: { importId: r.batchId },
        reason: 'the import that made it was undone',
      });
      out.push({ line: r.line, kept: false });
    }
  }
  await appendAuditMany(tx, deps, organizationId, 'catalog_item', events);
  return out;
};

/** The `import.undo` queue job: the rows the import did, a chunk per transaction, each marked undone. */
export const runUndo = async (deps: Deps, organizationId: string, batchId: string) => {
  const batch = await getImport(deps, organizationId, batchId);
  if (batch.status !== 'undoing') return { skipped: batch.status };
  const actor: Actor = SYSTEM_ACTOR;
  let after = 0;
  let kept = 0;
  let undone = 0;
  for (;;) {
    const more = await deps.database.transaction(async (tx) => {
      const current = await lockBatch(tx, organizationId, batchId);
      if (current.status !== 'undoing') return false;
      const rows = await tx.db
        .select()
        .from(importRows)
        .where(
          and(
            eq(importRows.organizationId, organizationId),
            eq(importRows.batchId, batchId),
            eq(importRows.done, true),
            isNotNull(importRows.recordId),
            gt(importRows.line, after),
          ),
        )
        .orderBy(asc(importRows.line))
        .limit(CHUNK);
      if (rows.length === 0) return false;
      const results =
        batch.kind === 'customers'
          ? await undoCustomers(deps, tx, rows, actor)
          : batch.kind === 'jobs'
            ? await undoJobs(deps, tx, rows, actor)
            : await undoItems(deps, tx, rows, actor);
      const keptLines = results.filter((r) => r.kept).map((r) => r.line);
      const goneLines = results.filter((r) => !r.kept).map((r) => r.line);
      // An undone row is no longer done; a kept one keeps its record and says why.
      if (goneLines.length > 0)
        await tx.raw.query(
          'UPDATE import_rows SET done = false, record_id = NULL WHERE organization_id = $1 AND batch_id = $2 AND line = ANY($3::int[])',
          [organizationId, batchId, goneLines],
        );
      if (keptLines.length > 0)
        await tx.raw.query(
          `UPDATE import_rows SET problems = '[{"field":"name","column":null,"message":"kept by the undo: in use or changed since"}]'::jsonb
            WHERE organization_id = $1 AND batch_id = $2 AND line = ANY($3::int[])`,
          [organizationId, batchId, keptLines],
        );
      kept += keptLines.length;
      undone += goneLines.length;
      after = rows[rows.length - 1]?.line ?? after;
      await tx.db
        .update(importBatches)
        .set({ doneRows: sql`${importBatches.doneRows} - ${goneLines.length}` })
        .where(and(eq(importBatches.organizationId, organizationId), eq(importBatches.id, batchId)));
      return true;
    });
    if (!more) break;
  }
  return deps.database.transaction(async (tx) => {
    const current = await lockBatch(tx, organizationId, batchId);
    if (current.status !== 'undoing') return { skipped: current.status };
    const summary = { ...current.summary, undone: (current.summary.undone ?? 0) + undone, kept: kept };
    await moveBatch(tx, deps, current, 'undone', actor, { summary, undoneAt: deps.clock.now() });
    return { summary };
  });
};
