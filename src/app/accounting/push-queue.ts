import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { Tx } from '../../db/client';
import { accountingPushes, connectors } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { InvoiceRow } from '../invoicing/invoice-documents';
import type { Deps } from '../ports';
import { idempotencyKeyOf, type PushEntity, type PushRef } from './push-ref';

/**
 * What goes to the accounting systems, and when: each issued document, each payment or refund on one, and
 * each credit note's application to its invoice, written as a push row and a queue job in the transaction
 * that made it; what waited for its documents once they are there; and what a dead worker left behind.
 */

type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue'>;

export const enqueuePush = (tx: Tx, deps: Ctx, ref: PushRef, key: string) =>
  deps.queue.enqueue(
    tx,
    {
      name: 'accounting.push',
      data: {
        organizationId: ref.organizationId,
        invoiceId: ref.invoiceId,
        connectorId: ref.connectorId,
        ...(ref.entity === 'document' ? {} : { entity: ref.entity, subjectId: ref.subjectId }),
      },
    },
    { key },
  );

const insertPush = async (tx: Tx, deps: Ctx, ref: PushRef, amount: string | null = null) => {
  const now = deps.clock.now();
  await tx.db
    .insert(accountingPushes)
    .values({
      organizationId: ref.organizationId,
      connectorId: ref.connectorId,
      entity: ref.entity,
      subjectId: ref.subjectId,
      invoiceId: ref.invoiceId,
      idempotencyKey: idempotencyKeyOf(ref.subjectId, ref.entity),
      status: 'pending',
      amount,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing();
  await enqueuePush(
    tx,
    deps,
    ref,
    ref.entity === 'document'
      ? `${ref.subjectId}:${ref.connectorId}`
      : `${ref.entity}:${ref.subjectId}:${ref.connectorId}`,
  );
};

/** In the issuing transaction: one push per active connector, each enqueued with its own stable key. */
export const enqueuePushes = async (tx: Tx, deps: Ctx, row: InvoiceRow): Promise<number> => {
  const active = await tx.db
    .select({ id: connectors.id })
    .from(connectors)
    .where(and(eq(connectors.organizationId, row.organizationId), eq(connectors.status, 'active')));
  for (const c of active) {
    await insertPush(tx, deps, {
      organizationId: row.organizationId,
      connectorId: c.id,
      entity: 'document',
      subjectId: row.id,
      invoiceId: row.id,
    });
  }
  return active.length;
};

/**
 * The connectors that hold (or will hold) every one of these documents: a payment or allocation goes only
 * where its documents went; a connector added later never got them.
 */
const connectorsHolding = async (tx: Tx, organizationId: string, documentIds: string[]) => {
  const { rows } = await tx.raw.query<{ connector_id: string }>(
    `SELECT p.connector_id FROM accounting_pushes p JOIN connectors c
        ON c.organization_id = p.organization_id AND c.id = p.connector_id AND c.status = 'active'
      WHERE p.organization_id = $1 AND p.entity = 'document' AND p.subject_id = ANY($2::uuid[])
      GROUP BY p.connector_id HAVING count(*) = $3`,
    [organizationId, documentIds, documentIds.length],
  );
  return rows.map((r) => r.connector_id);
};

/** In the paying transaction: the payment (or refund) goes to every connector that has its document. */
export const enqueuePaymentPushes = async (
  tx: Tx,
  deps: Ctx,
  p: { organizationId: string; invoiceId: string; paymentId: string },
) => {
  for (const connectorId of await connectorsHolding(tx, p.organizationId, [p.invoiceId]))
    await insertPush(tx, deps, {
      organizationId: p.organizationId,
      connectorId,
      entity: 'payment',
      subjectId: p.paymentId,
      invoiceId: p.invoiceId,
    });
};

/** In the transaction that applies a write-off: booked wherever its invoice is, against the write-off account. */
export const enqueueWriteOffPushes = async (
  tx: Tx,
  deps: Ctx,
  w: { organizationId: string; invoiceId: string; writeOffId: string; amount: string },
) => {
  for (const connectorId of await connectorsHolding(tx, w.organizationId, [w.invoiceId]))
    await insertPush(
      tx,
      deps,
      {
        organizationId: w.organizationId,
        connectorId,
        entity: 'write_off',
        subjectId: w.writeOffId,
        invoiceId: w.invoiceId,
      },
      w.amount,
    );
};

/**
 * In the reversing transaction (a chargeback): the payment is removed wherever it was pushed (or is still
 * waiting to be), once it is there.
 */
export const enqueueReversalPushes = async (
  tx: Tx,
  deps: Ctx,
  p: { organizationId: string; invoiceId: string; paymentId: string },
) => {
  const { rows } = await tx.raw.query<{ connector_id: string }>(
    `SELECT connector_id FROM accounting_pushes
      WHERE organization_id = $1 AND entity = 'payment' AND subject_id = $2 AND status <> 'failed'`,
    [p.organizationId, p.paymentId],
  );
  for (const r of rows)
    await insertPush(tx, deps, {
      organizationId: p.organizationId,
      connectorId: r.connector_id,
      entity: 'reversal',
      subjectId: p.paymentId,
      invoiceId: p.invoiceId,
    });
};

/**
 * Once a document's PDF exists: it is attached to the document wherever the document goes, and an invoice
 * of one job gets the job's work-completed report too where the connector asks for it.
 */
export const enqueueAttachmentPushes = (deps: Deps, organizationId: string, invoiceId: string) =>
  deps.database.transaction(async (tx) => {
    const held = await connectorsHolding(tx, organizationId, [invoiceId]);
    for (const connectorId of held)
      await insertPush(tx, deps, {
        organizationId,
        connectorId,
        entity: 'attachment',
        subjectId: invoiceId,
        invoiceId,
      });
    if (held.length === 0) return;
    const { rows } = await tx.raw.query<{ id: string }>(
      `SELECT c.id FROM connectors c JOIN invoices i ON i.organization_id = c.organization_id AND i.id = $3
        WHERE c.organization_id = $1 AND c.id = ANY($2::uuid[]) AND i.kind = 'invoice' AND i.job_id IS NOT NULL
          AND coalesce((c.mappings->>'attachWorkReport')::boolean, false)`,
      [organizationId, held, invoiceId],
    );
    for (const r of rows)
      await insertPush(tx, deps, {
        organizationId,
        connectorId: r.id,
        entity: 'report',
        subjectId: invoiceId,
        invoiceId,
      });
  });

/** A job's work report is made: the report pushes that waited for it (its invoices') go now. */
export const releaseReportPushes = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  jobId: string,
  reportSha256: string,
) => {
  const { rows } = await tx.raw.query<{ connector_id: string; subject_id: string }>(
    `SELECT p.connector_id, p.subject_id FROM accounting_pushes p
       JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
      WHERE p.organization_id = $1 AND p.entity = 'report' AND p.status = 'pending' AND i.job_id = $2`,
    [organizationId, jobId],
  );
  for (const r of rows)
    await enqueuePush(
      tx,
      deps,
      {
        organizationId,
        connectorId: r.connector_id,
        entity: 'report',
        subjectId: r.subject_id,
        invoiceId: r.subject_id,
      },
      `report:${r.subject_id}:${r.connector_id}:after:${reportSha256.slice(0, 16)}`,
    );
};

/**
 * In the crediting transaction: the credit note is applied at the provider to the invoice it corrects, for
 * what that invoice still owed (the rest of the credit is the customer's, refunded or kept).
 */
export const enqueueAllocationPushes = async (
  tx: Tx,
  deps: Ctx,
  a: { organizationId: string; creditNoteId: string; invoiceId: string; amount: string },
) => {
  for (const connectorId of await connectorsHolding(tx, a.organizationId, [a.creditNoteId, a.invoiceId]))
    await insertPush(
      tx,
      deps,
      {
        organizationId: a.organizationId,
        connectorId,
        entity: 'allocation',
        subjectId: a.creditNoteId,
        invoiceId: a.creditNoteId,
      },
      a.amount,
    );
};

/** A document is at the provider: its payments and allocations that waited for it go now. */
export const releaseWaiting = async (tx: Tx, deps: Ctx, ref: PushRef) => {
  const { rows } = await tx.raw.query<{ entity: PushEntity; subject_id: string; invoice_id: string }>(
    `SELECT entity, subject_id, invoice_id FROM accounting_pushes
      WHERE organization_id = $1 AND connector_id = $2 AND status = 'pending' AND entity <> 'document'
        AND (invoice_id = $3 OR invoice_id IN (
          SELECT id FROM invoices WHERE organization_id = $1 AND corrects_invoice_id = $3))`,
    [ref.organizationId, ref.connectorId, ref.subjectId],
  );
  for (const r of rows)
    await enqueuePush(
      tx,
      deps,
      {
        organizationId: ref.organizationId,
        connectorId: ref.connectorId,
        entity: r.entity,
        subjectId: r.subject_id,
        invoiceId: r.invoice_id,
      },
      `${r.entity}:${r.subject_id}:${ref.connectorId}:after:${ref.subjectId}`,
    );
};

/** A payment now at the provider: its removal (a chargeback that came first) can go now. */
export const releaseReversal = async (tx: Tx, deps: Ctx, ref: PushRef) => {
  const { rows } = await tx.raw.query<{ invoice_id: string }>(
    `SELECT invoice_id FROM accounting_pushes WHERE organization_id = $1 AND connector_id = $2
        AND entity = 'reversal' AND subject_id = $3 AND status = 'pending'`,
    [ref.organizationId, ref.connectorId, ref.subjectId],
  );
  for (const r of rows)
    await enqueuePush(
      tx,
      deps,
      { ...ref, entity: 'reversal', invoiceId: r.invoice_id },
      `reversal:${ref.subjectId}:${ref.connectorId}:after:payment`,
    );
};

/** A payment taken back is removed at the provider: payments on the same document that waited go now. */
export const releaseAfterReversal = async (tx: Tx, deps: Ctx, ref: PushRef) => {
  const { rows } = await tx.raw.query<{ subject_id: string }>(
    `SELECT subject_id FROM accounting_pushes WHERE organization_id = $1 AND connector_id = $2
        AND entity = 'payment' AND invoice_id = $3 AND status = 'pending'`,
    [ref.organizationId, ref.connectorId, ref.invoiceId],
  );
  for (const r of rows)
    await enqueuePush(
      tx,
      deps,
      { ...ref, entity: 'payment', subjectId: r.subject_id },
      `payment:${r.subject_id}:${ref.connectorId}:after:reversal:${ref.subjectId}`,
    );
};

/**
 * The safety net for crashes: a push still pending long after its last attempt, whose lease has run out
 * (its worker died mid-call, its queue job expired), is enqueued again. The push itself looks up what it may
 * have created first, so this cannot create a duplicate.
 */
export const sweepStalledPushes = async (deps: Deps, olderThanSeconds: number) => {
  const { rows } = await deps.database.raw.query<{
    organization_id: string;
    connector_id: string;
    entity: PushEntity;
    subject_id: string;
    invoice_id: string;
    attempts: number;
  }>(
    `SELECT organization_id, connector_id, entity, subject_id, invoice_id, attempts FROM accounting_pushes
      WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1)
        AND (lease_until IS NULL OR lease_until < now())`,
    [olderThanSeconds],
  );
  for (const r of rows) {
    await deps.database.transaction((tx) =>
      enqueuePush(
        tx,
        deps,
        {
          organizationId: r.organization_id,
          connectorId: r.connector_id,
          entity: r.entity,
          subjectId: r.subject_id,
          invoiceId: r.invoice_id,
        },
        `${r.entity}:${r.subject_id}:${r.connector_id}:sweep:${r.attempts}`,
      ),
    );
  }
  return { requeued: rows.length };
};

export type Backfill = {
  since: string;
  documents: { id: string; number: string; kind: string; issueDate: string }[];
  payments: number;
  allocations: number;
};

/**
 * Documents issued before a connector existed (or while it was disabled) go to it on request: everything
 * issued since a day, with their payments and credit applications. The dry run answers what would go;
 * the real one enqueues it in one transaction, audited. Whatever already has a push is left alone.
 */
export const backfillPushes = (
  deps: Deps,
  organizationId: string,
  connectorId: string,
  since: string,
  dryRun: boolean,
  actor: { type: 'user' | 'api_key' | 'system'; id: string | null },
): Promise<Backfill> =>
  deps.database.transaction(async (tx) => {
    const [c] = await tx.db
      .select({ status: connectors.status })
      .from(connectors)
      .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, connectorId)))
      .for('update');
    if (!c) throw notFound('connector');
    if (c.status !== 'active')
      throw new AppError('invalid_transition', 'Enable the connector before pushing earlier documents', {
        fields: [{ field: 'status', message: `is ${c.status}` }],
      });
    const { rows: docs } = await tx.raw.query<{
      id: string;
      number: string;
      kind: string;
      issue_date: string;
      corrects_invoice_id: string | null;
      amount_credited: string;
    }>(
      `SELECT id, number, kind, issue_date::text, corrects_invoice_id, amount_credited::text FROM invoices i
        WHERE organization_id = $1 AND number IS NOT NULL AND issue_date >= $3::date
          AND NOT EXISTS (SELECT 1 FROM accounting_pushes p WHERE p.organization_id = $1
            AND p.connector_id = $2 AND p.entity = $4 AND p.subject_id = i.id)
        ORDER BY issue_date, number`,
      [organizationId, connectorId, since, 'document'],
    );
    const { rows: pays } = await tx.raw.query<{ id: string; invoice_id: string }>(
      `SELECT y.id, y.invoice_id FROM payments y JOIN invoices i
          ON i.organization_id = y.organization_id AND i.id = y.invoice_id
        WHERE y.organization_id = $1 AND i.issue_date >= $3::date AND y.reversed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM accounting_pushes p WHERE p.organization_id = $1
            AND p.connector_id = $2 AND p.entity = $4 AND p.subject_id = y.id)
        ORDER BY y.received_on, y.created_at`,
      [organizationId, connectorId, since, 'payment'],
    );
    // A credit is applied only where its invoice is (or goes now): otherwise it would wait for ever.
    const { rows: held } = await tx.raw.query<{ subject_id: string }>(
      `SELECT subject_id FROM accounting_pushes WHERE organization_id = $1 AND connector_id = $2 AND entity = 'document'`,
      [organizationId, connectorId],
    );
    const there = new Set([...held.map((h) => h.subject_id), ...docs.map((d) => d.id)]);
    const credits = docs.filter(
      (d) =>
        d.kind === 'credit_note' &&
        d.corrects_invoice_id !== null &&
        there.has(d.corrects_invoice_id) &&
        Number(d.amount_credited) > 0,
    );
    if (!dryRun) {
      const ref = (entity: PushRef['entity'], subjectId: string, invoiceId: string): PushRef => ({
        organizationId,
        connectorId,
        entity,
        subjectId,
        invoiceId,
      });
      for (const d of docs) await insertPush(tx, deps, ref('document', d.id, d.id));
      for (const p of pays) await insertPush(tx, deps, ref('payment', p.id, p.invoice_id));
      for (const d of credits) await insertPush(tx, deps, ref('allocation', d.id, d.id), d.amount_credited);
      await appendAudit(tx, deps, {
        organizationId,
        aggregateType: 'connector',
        aggregateId: connectorId,
        action: 'connector.backfilled',
        actor,
        changes: { since, documents: docs.length, payments: pays.length, allocations: credits.length },
      });
    }
    return {
      since,
      documents: docs.map((d) => ({ id: d.id, number: d.number, kind: d.kind, issueDate: d.issue_date })),
      payments: pays.length,
      allocations: credits.length,
    };
  });
