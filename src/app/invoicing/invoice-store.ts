import Decimal from 'decimal.js';
import { and, eq, inArray } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { CreditReason, InvoiceDocument, RuleBreach } from '../../core/invoice-document';
import { type InvoiceAction, invoiceTransition, isInvoiceStatus } from '../../core/invoice-lifecycle';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { customerOfDraft } from '../../db/queries/receivables';
import { invoices, organizations } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { emitEvent, type WebhookEvent } from '../integrations/webhooks';
import { publish } from '../notify';
import type { Deps } from '../ports';
import type { Built, InvoiceRow, OrgRow } from './invoice-documents';

/**
 * The invoice aggregate: every change to an invoice goes through changeInvoice (the state machine, the
 * audit event and the webhook in the caller's transaction); drafts are created and rebuilt by upsertDraft.
 */
export type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue' | 'reactions'>;
export type Hold = { code: string; message: string };

/**
 * What is still owed on a document (on a credit note, the refund still due): payable less paid, credited and
 * written off, never below nothing. A credit note for more than was still owed (a paid deposit partly given
 * back) settles the rest; what it credits beyond that is the refund due on the credit note itself.
 */
export const outstandingOf = (
  r: Pick<InvoiceRow, 'payable' | 'amountPaid' | 'amountCredited' | 'amountWrittenOff'>,
) =>
  Decimal.max(
    0,
    new Decimal(r.payable).minus(r.amountPaid).minus(r.amountCredited).minus(r.amountWrittenOff),
  );

export const PREFIX = { invoice: 'INV', deposit_invoice: 'INV', credit_note: 'CN' } as const;

export const lockInvoice = async (tx: Tx, organizationId: string, id: string): Promise<InvoiceRow> => {
  const [row] = await tx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, id)))
    .for('update');
  if (!row) throw notFound('invoice');
  return row;
};

export const loadOrg = async (tx: Tx, organizationId: string): Promise<OrgRow> => {
  const [org] = await tx.db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  return org;
};

/**
 * The one place an invoice's status changes: through the core table, with a guarded update on status and
 * version, and its audit event in the same transaction.
 */
export const changeInvoice = async (
  tx: Tx,
  deps: Ctx,
  row: InvoiceRow,
  action: InvoiceAction,
  actor: Actor,
  patch: Partial<typeof invoices.$inferInsert> = {},
  extra: Record<string, unknown> = {},
  reason: string | null = null,
): Promise<InvoiceRow> => {
  if (!isInvoiceStatus(row.status)) throw new Error(`corrupt invoice status ${row.status}`);
  const t = invoiceTransition(row.status, action);
  if (!t.ok) {
    throw new AppError(
      row.status === 'draft' || row.status === 'needs_review' ? 'invalid_transition' : 'immutable',
      `${row.number ?? 'The draft'} is ${row.status}: it cannot ${action.replaceAll('_', ' ')}`,
      { fields: [{ field: 'status', message: `is ${row.status}` }], extra: { allowedFromHere: t.allowed } },
    );
  }
  const now = deps.clock.now();
  const [updated] = await tx.db
    .update(invoices)
    .set({ ...patch, status: t.to, updatedAt: now, version: row.version + 1 })
    .where(
      and(
        eq(invoices.organizationId, row.organizationId),
        eq(invoices.id, row.id),
        eq(invoices.status, row.status),
        eq(invoices.version, row.version),
      ),
    )
    .returning();
  if (!updated) throw new AppError('conflict', 'The invoice changed while this request ran; retry');
  await appendAudit(tx, deps, {
    organizationId: row.organizationId,
    aggregateType: 'invoice',
    aggregateId: row.id,
    action: `invoice.${action}`,
    actor,
    changes: { status: { before: row.status, after: t.to }, number: updated.number, ...extra },
    reason,
  });
  // The office's screens showing this document (its page, the lists, the receivables) refresh live.
  await publish(tx, {
    organizationId: row.organizationId,
    type: 'invoice.changed',
    id: row.id,
    ...(updated.number ? { number: updated.number } : {}),
    status: updated.status,
    version: updated.version,
    action: `invoice.${action}`,
  });
  const event = INVOICE_EVENTS[action];
  if (event) {
    await emitEvent(tx, deps, row.organizationId, event, {
      invoiceId: row.id,
      kind: row.kind,
      number: updated.number,
      status: updated.status,
      jobId: row.jobId,
      currency: row.currency,
      payable: updated.payable,
      amountPaid: updated.amountPaid,
    });
  }
  return updated;
};

const INVOICE_EVENTS: Partial<Record<InvoiceAction, WebhookEvent>> = {
  issue: 'invoice.issued',
  send: 'invoice.sent',
  pay_full: 'invoice.paid',
  credit_full: 'invoice.credited',
};

const totalsColumns = (doc: InvoiceDocument) => ({
  currency: doc.calc.currency,
  exchangeRate: doc.exchange?.rate ?? '1',
  taxExclusive: doc.calc.totals.taxExclusive,
  taxTotal: doc.calc.totals.taxTotal,
  taxInclusive: doc.calc.totals.taxInclusive,
  prepaid: doc.calc.totals.prepaid,
  payable: doc.calc.totals.payable,
});

/**
 * In the caller's transaction: an issued document marked sent and its e-mail queued, once per version (a
 * retry or a second worker queues nothing twice). Who sent it and why goes in `extra`, onto its history.
 */
export const sendIn = async (
  tx: Tx,
  deps: Ctx,
  row: InvoiceRow,
  actor: Actor,
  extra: Record<string, unknown> = {},
): Promise<InvoiceRow> => {
  const sent = await changeInvoice(tx, deps, row, 'send', actor, { sentAt: deps.clock.now() }, extra);
  await deps.queue.enqueue(
    tx,
    {
      name: 'invoice.send',
      data: { organizationId: row.organizationId, invoiceId: row.id, sendVersion: sent.version },
    },
    { key: `${row.id}:${sent.version}` },
  );
  return sent;
};

/**
 * Creates the draft for a billing key, or rebuilds it while it is still a draft. An issued document under
 * the key is left alone: its work is billed.
 */
export const upsertDraft = async (
  tx: Tx,
  deps: Ctx,
  args: {
    organizationId: string;
    billingKey: string;
    kind: InvoiceDocument['kind'];
    jobId: string | null;
    seriesId?: string | null;
    correctsInvoiceId?: string | null;
    /** Whose document it is, for one billing neither a job nor a series (a late fee). */
    customerId?: string | null;
    creditReason?: CreditReason | null;
    period?: { start: string; end: string } | null;
    built: Built;
    holds: Hold[];
    actor: Actor;
    /**
     * What the office sees of a draft that could not be made (which job, which customer, in what currency),
     * so the queue row says whose it is while its hold says why.
     */
    unbuilt?: { currency: string; jobNumbers: string[]; buyer: string };
  },
): Promise<InvoiceRow | null> => {
  const [existing] = await tx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, args.organizationId), eq(invoices.billingKey, args.billingKey)))
    .for('update');
  if (existing && existing.status !== 'draft' && existing.status !== 'needs_review') return null;
  const now = deps.clock.now();
  const holds = args.built.ok
    ? args.holds
    : [...args.holds, ...args.built.problems.map((p) => ({ code: p.rule, message: p.message }))];
  const stub = args.unbuilt
    ? { jobNumbers: args.unbuilt.jobNumbers, buyer: { name: args.unbuilt.buyer } }
    : {};
  const document = args.built.ok ? args.built.document : (existing?.document ?? stub);
  const columns = args.built.ok
    ? totalsColumns(args.built.document)
    : {
        currency: existing?.currency ?? args.unbuilt?.currency ?? 'XXX',
        exchangeRate: existing?.exchangeRate ?? '1',
        taxExclusive: '0',
        taxTotal: '0',
        taxInclusive: '0',
        prepaid: '0',
        payable: '0',
      };
  if (existing) {
    const [row] = await tx.db
      .update(invoices)
      .set({
        document,
        ...columns,
        holdReasons: holds,
        status: 'draft',
        updatedAt: now,
        version: existing.version + 1,
      })
      .where(and(eq(invoices.organizationId, existing.organizationId), eq(invoices.id, existing.id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId: args.organizationId,
      aggregateType: 'invoice',
      aggregateId: existing.id,
      action: 'invoice.draft_rebuilt',
      actor: args.actor,
      changes: {
        payable: { before: existing.payable, after: columns.payable },
        holds: holds.map((h) => h.code),
      },
    });
    return row ?? null;
  }
  const id = deps.ids.uuid();
  const customerId = args.customerId ?? (await customerOfDraft(tx.db, args.organizationId, args));
  const [row] = await tx.db
    .insert(invoices)
    .values({
      organizationId: args.organizationId,
      id,
      kind: args.kind,
      status: 'draft',
      billingKey: args.billingKey,
      jobId: args.jobId,
      seriesId: args.seriesId ?? null,
      customerId,
      correctsInvoiceId: args.correctsInvoiceId ?? null,
      creditReason: args.creditReason ?? null,
      periodStart: args.period?.start ?? null,
      periodEnd: args.period?.end ?? null,
      document,
      ...columns,
      holdReasons: holds,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await appendAudit(tx, deps, {
    organizationId: args.organizationId,
    aggregateType: 'invoice',
    aggregateId: id,
    action: 'invoice.drafted',
    actor: args.actor,
    first: true,
    changes: {
      kind: args.kind,
      billingKey: args.billingKey,
      jobId: args.jobId,
      payable: columns.payable,
      holds: holds.map((h) => h.code),
    },
  });
  return row ?? null;
};

export const toHold = (b: RuleBreach): Hold => ({ code: b.rule, message: b.message });

/** Discards the job's drafts that were never numbered (draft or needs_review): they go void, on record. */
export const discardOpenDrafts = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  jobId: string,
  actor: Actor,
  reason: string,
): Promise<InvoiceRow[]> => {
  const open = await tx.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        eq(invoices.jobId, jobId),
        inArray(invoices.status, ['draft', 'needs_review']),
      ),
    )
    .for('update');
  const out: InvoiceRow[] = [];
  for (const row of open) out.push(await changeInvoice(tx, deps, row, 'discard', actor, {}, {}, reason));
  return out;
};
