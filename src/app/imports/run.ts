import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import {
  actionCounts,
  type CustomerDraft,
  type CustomerIndex,
  duplicateOf,
  type ItemDraft,
  indexCustomer,
  itemChanges,
} from '../../core/imports';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import { normalizeName } from '../../core/tax';
import type { Tx } from '../../db/client';
import { catalogItems, customers, importBatches, importRows, sites } from '../../db/schema/index';
import { DEFAULT_INVOICE_PREFERENCES } from '../../db/schema/operations';
import { type AuditInput, appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { insertJob } from '../scheduling/create-job';
import { getImport, lockBatch, moveBatch } from './batches';
import { customerIndexOf, type JobValue } from './check';

/**
 * The import itself (#25), the `import.run` queue job: the rows the dry run marked new or changed, a chunk per
 * transaction, each row marked done with the record it made in the same transaction. A crash or a stop
 * resumes at the first row not done, so nothing is made twice. A customer typed in meanwhile that the row
 * now duplicates is skipped and the row says so.
 */

const CHUNK = 500;
type Row = typeof importRows.$inferSelect;

const todo = (tx: Pick<Tx, 'db'>, organizationId: string, batchId: string) =>
  tx.db
    .select()
    .from(importRows)
    .where(
      and(
        eq(importRows.organizationId, organizationId),
        eq(importRows.batchId, batchId),
        eq(importRows.done, false),
        inArray(importRows.action, ['create', 'update']),
      ),
    )
    .orderBy(asc(importRows.line))
    .limit(CHUNK);

const markDone = (
  tx: Tx,
  organizationId: string,
  batchId: string,
  done: { line: number; recordId: string | null; before?: Record<string, unknown> | null }[],
) =>
  tx.raw.query(
    `UPDATE import_rows r SET done = true, record_id = v.record_id, before = v.before
       FROM (SELECT unnest($3::int[]) AS line, unnest($4::uuid[]) AS record_id, unnest($5::jsonb[]) AS before) v
      WHERE r.organization_id = $1 AND r.batch_id = $2 AND r.line = v.line`,
    [
      organizationId,
      batchId,
      done.map((d) => d.line),
      done.map((d) => d.recordId),
      done.map((d) => (d.before ? JSON.stringify(d.before) : null)),
    ],
  );

const importCustomers = async (
  deps: Deps,
  tx: Tx,
  known: CustomerIndex,
  batchId: string,
  rows: Row[],
  actor: Actor,
) => {
  const organizationId = rows[0]?.organizationId ?? '';
  await tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`customers:${organizationId}`]);
  const now = deps.clock.now();
  const made: { row: Row; id: string; draft: CustomerDraft }[] = [];
  const skipped: { row: Row; match: { id: string; name: string } }[] = [];
  for (const row of rows) {
    const draft = row.value as CustomerDraft;
    const match = duplicateOf(known, draft);
    if (match) {
      skipped.push({ row, match });
      continue;
    }
    const id = deps.ids.uuid();
    made.push({ row, id, draft });
    indexCustomer(known, { id, ...draft });
  }
  if (made.length > 0) {
    await tx.db.insert(customers).values(
      made.map(({ id, draft }) => ({
        organizationId,
        id,
        name: draft.name,
        normalizedName: normalizeName(draft.name),
        email: draft.email,
        phone: draft.phone,
        billingAddress: draft.billingAddress,
        taxId: draft.taxId,
        paymentTermsDays: draft.paymentTermsDays,
        contacts: draft.contacts,
        invoicePreferences: DEFAULT_INVOICE_PREFERENCES,
        createdAt: now,
        updatedAt: now,
      })),
    );
    const siteRows = made.flatMap(({ id, draft }) =>
      draft.sites.map((s) => ({
        organizationId,
        id: deps.ids.uuid(),
        customerId: id,
        name: s.name,
        address: s.address,
        accessNotes: s.accessNotes,
        createdAt: now,
      })),
    );
    if (siteRows.length > 0) await tx.db.insert(sites).values(siteRows);
    const events: AuditInput[] = made.map(({ id, draft, row }) => ({
      organizationId,
      aggregateType: 'customer',
      aggregateId: id,
      action: 'customer.created',
      actor,
      changes: {
        name: draft.name,
        email: draft.email,
        taxId: draft.taxId,
        importId: batchId,
        line: row.line,
      },
      reason: 'imported from a file',
      first: true,
    }));
    const [head, ...rest] = events;
    if (head) await appendAudit(tx, deps, head, rest);
  }
  for (const { row, match } of skipped) {
    await tx.db
      .update(importRows)
      .set({ action: 'duplicate', matchId: match.id, matchLabel: match.name })
      .where(
        and(
          eq(importRows.organizationId, organizationId),
          eq(importRows.batchId, batchId),
          eq(importRows.line, row.line),
        ),
      );
  }
  await markDone(tx, organizationId, batchId, [
    ...made.map(({ row, id }) => ({ line: row.line, recordId: id })),
    ...skipped.map(({ row }) => ({ line: row.line, recordId: null })),
  ]);
};

const itemValues = (d: ItemDraft) => ({
  sku: d.sku,
  name: d.name,
  kind: d.kind,
  unitCode: d.unitCode,
  unitPrice: d.unitPrice,
  taxCodeId: d.taxCodeId,
  glAccount: d.glAccount,
  active: d.active,
});

const importItems = async (deps: Deps, tx: Tx, batchId: string, rows: Row[], actor: Actor) => {
  const organizationId = rows[0]?.organizationId ?? '';
  const drafts = rows.map((row) => ({ row, draft: row.value as ItemDraft }));
  // The items as they are now, locked: an item typed in since the check is updated, not duplicated.
  const existing = new Map(
    (
      await tx.db
        .select()
        .from(catalogItems)
        .where(
          and(
            eq(catalogItems.organizationId, organizationId),
            inArray(
              catalogItems.sku,
              drafts.map((d) => d.draft.sku),
            ),
          ),
        )
        .for('update')
    ).map((i) => [i.sku, i]),
  );
  const now = deps.clock.now();
  const created: { row: Row; id: string; draft: ItemDraft }[] = [];
  const updated: { row: Row; id: string; before: ItemDraft; draft: ItemDraft }[] = [];
  const unchanged: Row[] = [];
  for (const { row, draft } of drafts) {
    const item = existing.get(draft.sku);
    if (!item) created.push({ row, id: deps.ids.uuid(), draft });
    else {
      const before = itemValues({ ...item, glAccount: item.glAccount ?? null });
      if (itemChanges(before, draft).length === 0) unchanged.push(row);
      else updated.push({ row, id: item.id, before, draft });
    }
  }
  if (created.length > 0) {
    await tx.db
      .insert(catalogItems)
      .values(created.map(({ id, draft }) => ({ organizationId, id, ...itemValues(draft), createdAt: now })));
    const [head, ...rest] = created.map(
      ({ id, draft, row }): AuditInput => ({
        organizationId,
        aggregateType: 'catalog_item',
        aggregateId: id,
        action: 'catalog_item.created',
        actor,
        changes: { ...itemValues(draft), importId: batchId, line: row.line },
        reason: 'imported from a file',
        first: true,
      }),
    );
    if (head) await appendAudit(tx, deps, head, rest);
  }
  for (const { row, id, before, draft } of updated) {
    await tx.db
      .update(catalogItems)
      .set(itemValues(draft))
      .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.id, id)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'catalog_item',
      aggregateId: id,
      action: 'catalog_item.updated',
      actor,
      changes: {
        ...Object.fromEntries(
          itemChanges(before, draft).map((k) => [k, { before: before[k], after: draft[k] }]),
        ),
        importId: batchId,
        line: row.line,
      },
      reason: 'imported from a file',
    });
  }
  if (unchanged.length > 0)
    await tx.db
      .update(importRows)
      .set({ action: 'unchanged' })
      .where(
        and(
          eq(importRows.organizationId, organizationId),
          eq(importRows.batchId, batchId),
          inArray(
            importRows.line,
            unchanged.map((r) => r.line),
          ),
        ),
      );
  await markDone(tx, organizationId, batchId, [
    ...created.map(({ row, id }) => ({ line: row.line, recordId: id })),
    ...updated.map(({ row, id, before }) => ({ line: row.line, recordId: id, before })),
    ...unchanged.map((row) => ({ line: row.line, recordId: null })),
  ]);
};

/**
 * Books each job row as the office would (the same checks of customer, site, kind of work and crew), in a
 * savepoint of its own: a row that no longer fits (its customer merged away, a technician gone) is refused
 * with why, and the rest of the chunk goes on. A row whose job another import booked since is skipped.
 */
const importJobs = async (deps: Deps, tx: Tx, batchId: string, rows: Row[], actor: Actor) => {
  const organizationId = rows[0]?.organizationId ?? '';
  await tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`import-jobs:${organizationId}`]);
  const keys = rows.flatMap((r) => (r.key ? [r.key] : []));
  const taken = new Set(
    (
      await tx.db
        .select({ key: importRows.key })
        .from(importRows)
        .where(
          and(
            eq(importRows.organizationId, organizationId),
            eq(importRows.kind, 'jobs'),
            eq(importRows.done, true),
            isNotNull(importRows.recordId),
            inArray(importRows.key, keys),
          ),
        )
    ).map((r) => r.key),
  );
  const done: { line: number; recordId: string | null }[] = [];
  for (const row of rows) {
    if (row.key && taken.has(row.key)) {
      await setRow(tx, row, { action: 'unchanged', matchLabel: 'imported by another file since' });
      done.push({ line: row.line, recordId: null });
      continue;
    }
    const v = row.value as JobValue;
    await tx.raw.query('SAVEPOINT import_job');
    try {
      const job = await insertJob(
        tx,
        deps,
        organizationId,
        {
          customerId: v.customerId,
          siteId: v.siteId,
          jobTypeId: v.jobTypeId,
          scope: v.scope,
          windowStart: new Date(v.windowStart),
          windowEnd: new Date(v.windowEnd),
          crew: v.crew,
          poNumber: v.poNumber,
          importedFrom: { importId: batchId, line: row.line },
        },
        actor,
      );
      await tx.raw.query('RELEASE SAVEPOINT import_job');
      if (row.key) taken.add(row.key);
      done.push({ line: row.line, recordId: job.id });
    } catch (err) {
      await tx.raw.query('ROLLBACK TO SAVEPOINT import_job');
      if (!(err instanceof AppError)) throw err;
      const said = err.fields?.[0];
      await setRow(tx, row, {
        action: 'refused',
        problems: [
          {
            field: 'customer',
            column: null,
            message: said ? `${said.message} (${err.message})` : err.message,
          },
        ],
      });
      done.push({ line: row.line, recordId: null });
    }
  }
  await markDone(tx, organizationId, batchId, done);
};

const setRow = (tx: Tx, row: Row, values: Partial<typeof importRows.$inferInsert>) =>
  tx.db
    .update(importRows)
    .set(values)
    .where(
      and(
        eq(importRows.organizationId, row.organizationId),
        eq(importRows.batchId, row.batchId),
        eq(importRows.line, row.line),
      ),
    );

const countDone = async (tx: Pick<Tx, 'db'>, organizationId: string, batchId: string) => {
  const [r] = await tx.db
    .select({ n: sql<number>`count(*) FILTER (WHERE ${importRows.done})::int` })
    .from(importRows)
    .where(and(eq(importRows.organizationId, organizationId), eq(importRows.batchId, batchId)));
  return r?.n ?? 0;
};

/** Counts of what the import did, from its rows: the batch's summary once imported. */
export const outcomeOf = async (tx: Pick<Tx, 'db'>, organizationId: string, batchId: string) => {
  const rows = await tx.db
    .select({ action: importRows.action, n: sql<number>`count(*)::int` })
    .from(importRows)
    .where(and(eq(importRows.organizationId, organizationId), eq(importRows.batchId, batchId)))
    .groupBy(importRows.action);
  return actionCounts(Object.fromEntries(rows.map((r) => [r.action, r.n])));
};

/** The `import.run` queue job. */
export const runImport = async (deps: Deps, organizationId: string, batchId: string) => {
  const batch = await getImport(deps, organizationId, batchId);
  if (batch.status !== 'importing') return { skipped: batch.status };
  // Customers typed in since the check are among them: a row that now duplicates one is skipped.
  const known =
    batch.kind === 'customers' ? (await customerIndexOf(deps.database, organizationId)).index : null;
  const actor: Actor = batch.createdBy ? { type: 'user', id: batch.createdBy } : SYSTEM_ACTOR;
  let doneRows = await countDone(deps.database, organizationId, batchId);
  for (;;) {
    const more = await deps.database.transaction(async (tx) => {
      // The batch row is the lock two workers on one batch meet at: one chunk at a time.
      const current = await lockBatch(tx, organizationId, batchId);
      if (current.status !== 'importing') return false;
      const rows = await todo(tx, organizationId, batchId);
      if (rows.length === 0) return false;
      if (known) await importCustomers(deps, tx, known, batchId, rows, actor);
      else if (batch.kind === 'jobs') await importJobs(deps, tx, batchId, rows, actor);
      else await importItems(deps, tx, batchId, rows, actor);
      doneRows += rows.length;
      await tx.db
        .update(importBatches)
        .set({ doneRows })
        .where(and(eq(importBatches.organizationId, organizationId), eq(importBatches.id, batchId)));
      return true;
    });
    if (!more) break;
  }
  return deps.database.transaction(async (tx) => {
    const current = await lockBatch(tx, organizationId, batchId);
    if (current.status !== 'importing') return { skipped: current.status };
    const summary = await outcomeOf(tx, organizationId, batchId);
    await moveBatch(tx, deps, current, 'imported', actor, { summary, importedAt: deps.clock.now() });
    return { summary };
  });
};
