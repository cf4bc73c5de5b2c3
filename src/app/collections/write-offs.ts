import Decimal from 'decimal.js';
import { and, desc, eq, lt, or } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { printAmount } from '../../core/money';
import { can } from '../../core/permissions';
import { type Actor, actorOf, type Principal, SYSTEM_ACTOR } from '../../core/principal';
import { WRITE_OFF_REASON_WORDS, type WriteOffReason, writeOffNeedsApproval } from '../../core/write-offs';
import type { Tx } from '../../db/client';
import { customers, invoices, notifications, organizations, writeOffs } from '../../db/schema';
import { enqueueWriteOffPushes } from '../accounting/push-queue';
import { notifyRole } from '../approvals/approvals';
import { appendAudit } from '../audit/audit';
import { emitEvent } from '../integrations/webhooks';
import type { InvoiceRow } from '../invoicing/invoice-documents';
import { changeInvoice, lockInvoice, outstandingOf } from '../invoicing/invoice-store';
import { billedJobIds } from '../invoicing/issue-document';
import { todayOf } from '../invoicing/receivables';
import { changeJob, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';

/**
 * Write-offs (#24): the rest of an invoice the organization gives up collecting, with its reason. Every change
 * goes through changeWriteOff (guarded on status, audited on the write-off's own chain); applying one settles
 * the invoice through changeInvoice, its jobs through changeJob, and books it at the accounting providers.
 */

export type WriteOffRow = typeof writeOffs.$inferSelect;

const lockWriteOff = async (tx: Tx, organizationId: string, id: string): Promise<WriteOffRow> => {
  const [row] = await tx.db
    .select()
    .from(writeOffs)
    .where(and(eq(writeOffs.organizationId, organizationId), eq(writeOffs.id, id)))
    .for('update');
  if (!row) throw notFound('write-off');
  return row;
};

/** The one place a write-off's status changes, from pending only, with its audit event. */
const changeWriteOff = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'queue'>,
  row: WriteOffRow,
  to: 'applied' | 'rejected' | 'withdrawn',
  actor: Actor,
  patch: Partial<typeof writeOffs.$inferInsert>,
  reason: string | null,
): Promise<WriteOffRow> => {
  if (row.status !== 'pending')
    throw new AppError('invalid_transition', `This write-off was already ${row.status}`, {
      fields: [{ field: 'status', message: `is ${row.status}` }],
    });
  const [updated] = await tx.db
    .update(writeOffs)
    .set({ ...patch, status: to })
    .where(
      and(
        eq(writeOffs.organizationId, row.organizationId),
        eq(writeOffs.id, row.id),
        eq(writeOffs.status, 'pending'),
      ),
    )
    .returning();
  if (!updated) throw new AppError('conflict', 'The write-off changed while this request ran; retry');
  await appendAudit(tx, deps, {
    organizationId: row.organizationId,
    aggregateType: 'write_off',
    aggregateId: row.id,
    action: `write_off.${to}`,
    actor,
    changes: { status: { before: 'pending', after: to }, invoiceId: row.invoiceId, amount: row.amount },
    reason,
  });
  return updated;
};

/** Settles the invoice with the write-off: its status, its jobs (settled), the webhook and the accounting push. */
const applyIn = async (
  tx: Tx,
  deps: Deps,
  invoice: InvoiceRow,
  w: WriteOffRow,
  actor: Actor,
  today: string,
  note: string | null,
) => {
  const applied = await changeWriteOff(
    tx,
    deps,
    w,
    'applied',
    actor,
    { decidedById: actor.id, decidedAt: deps.clock.now(), decisionNote: note, appliedOn: today },
    note,
  );
  const updated = await changeInvoice(
    tx,
    deps,
    invoice,
    'write_off',
    actor,
    { amountWrittenOff: new Decimal(invoice.amountWrittenOff).plus(w.amount).toFixed() },
    { writeOffId: w.id, amount: w.amount, writeOffReason: w.reason },
    w.note,
  );
  for (const jobId of await billedJobIds(tx, invoice)) {
    const job = await lockJob(tx, invoice.organizationId, jobId);
    if (job.billingStatus !== 'invoiced') continue;
    await changeJob(tx, deps, {
      organizationId: invoice.organizationId,
      jobId,
      actor,
      locked: job,
      action: 'job.written_off',
      billing: 'pay',
      patch: { paidAt: deps.clock.now() },
      extraChanges: { invoiceId: invoice.id, writeOffId: w.id },
    });
  }
  await enqueueWriteOffPushes(tx, deps, {
    organizationId: invoice.organizationId,
    invoiceId: invoice.id,
    writeOffId: w.id,
    amount: w.amount,
  });
  await emitEvent(tx, deps, invoice.organizationId, 'invoice.written_off', {
    invoiceId: invoice.id,
    writeOffId: w.id,
    number: invoice.number,
    currency: invoice.currency,
    amount: w.amount,
    reason: w.reason,
  });
  return { writeOff: applied, invoice: updated };
};

const WRITABLE = ['issued', 'sent', 'partially_paid'];

/**
 * In the transaction that settled an invoice another way (paid or credited in full): a write-off still waiting
 * for the owner has nothing left to give up, so it is withdrawn, with why, and no longer waits on Approvals.
 */
export const withdrawPendingWriteOffsIn = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'queue'>,
  organizationId: string,
  invoiceId: string,
  because: string,
) => {
  const waiting = await tx.db
    .select()
    .from(writeOffs)
    .where(
      and(
        eq(writeOffs.organizationId, organizationId),
        eq(writeOffs.invoiceId, invoiceId),
        eq(writeOffs.status, 'pending'),
      ),
    )
    .for('update');
  for (const w of waiting)
    await changeWriteOff(tx, deps, w, 'withdrawn', SYSTEM_ACTOR, { decisionNote: because }, because);
};

/**
 * Billing (or the owner) writes off what is left on an invoice. The amount is the caller's reading of the
 * balance and must equal it, so nothing is written off that the caller did not see. Within the organization's
 * limit, or by the owner, it applies at once; above it, it waits for the owner, who is told.
 */
export const requestWriteOff = async (
  deps: Deps,
  principal: Principal,
  invoiceId: string,
  body: { amount: string; reason: WriteOffReason; note: string; version: number },
) => {
  const organizationId = principal.organizationId;
  const actor = actorOf(principal);
  const today = await todayOf(deps, organizationId);
  const [org] = await deps.database.db
    .select({ limit: organizations.writeOffApprovalAbove, currency: organizations.currency })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  return deps.database.transaction(async (tx) => {
    const invoice = await lockInvoice(tx, organizationId, invoiceId);
    if (invoice.kind !== 'invoice' || !invoice.number || !WRITABLE.includes(invoice.status))
      throw new AppError(
        'invalid_transition',
        invoice.kind === 'invoice'
          ? `${invoice.number ?? 'The draft'} has nothing open to write off`
          : 'Only an invoice is written off: a credit note is refunded, a payment request withdrawn',
        { fields: [{ field: 'status', message: `is ${invoice.status}` }] },
      );
    if (invoice.version !== body.version)
      throw new AppError('changed_since', `${invoice.number} changed since you looked; look again`, {
        fields: [{ field: 'body.version', message: `current version is ${invoice.version}` }],
      });
    const outstanding = outstandingOf(invoice);
    if (!outstanding.eq(body.amount))
      throw new AppError(
        'validation_failed',
        `What is left on ${invoice.number} is ${outstanding.toFixed(2)}`,
        {
          fields: [{ field: 'body.amount', message: `must be the ${outstanding.toFixed(2)} still owed` }],
        },
      );
    const inOrgCurrency = outstanding.times(invoice.exchangeRate);
    const waits = writeOffNeedsApproval({
      amount: inOrgCurrency,
      limit: org.limit,
      canApprove: can(principal.roles, 'write_offs.approve'),
    });
    // A newer request replaces one still waiting (the balance it read may have changed since).
    const [older] = await tx.db
      .select()
      .from(writeOffs)
      .where(
        and(
          eq(writeOffs.organizationId, organizationId),
          eq(writeOffs.invoiceId, invoice.id),
          eq(writeOffs.status, 'pending'),
        ),
      )
      .for('update');
    if (older) await changeWriteOff(tx, deps, older, 'withdrawn', actor, {}, 'Replaced by a new request');
    const id = deps.ids.uuid();
    const [row] = await tx.db
      .insert(writeOffs)
      .values({
        organizationId,
        id,
        invoiceId: invoice.id,
        customerId: invoice.customerId,
        amount: outstanding.toFixed(),
        currency: invoice.currency,
        reason: body.reason,
        note: body.note,
        status: 'pending',
        requestedByType: principal.kind,
        requestedById: principal.kind === 'user' ? principal.userId : principal.apiKeyId,
        createdAt: deps.clock.now(),
      })
      .returning();
    if (!row) throw new Error('write-off not stored');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'write_off',
      aggregateId: id,
      action: 'write_off.requested',
      actor,
      changes: { invoiceId: invoice.id, amount: row.amount, reason: body.reason, waits },
      reason: body.note,
    });
    if (!waits) return applyIn(tx, deps, invoice, row, actor, today, null);
    await notifyRole(
      tx,
      deps,
      organizationId,
      'owner',
      invoice.jobId,
      `Write-off to approve: ${printAmount(outstanding.toFixed(2), invoice.currency)} on ${invoice.number} (${WRITE_OFF_REASON_WORDS[body.reason].toLowerCase()}): ${body.note}`,
      null,
      { kind: 'write_off', invoiceId: invoice.id, except: actor.type === 'user' ? actor.id : null },
    );
    return { writeOff: row, invoice };
  });
};

/**
 * The owner approves (the write-off applies, if the balance is still what was asked for) or rejects it with
 * a reason; the requester is told either way.
 */
export const decideWriteOff = async (
  deps: Deps,
  principal: Principal,
  id: string,
  body: { decision: 'approve' | 'reject'; note?: string | undefined },
) => {
  const organizationId = principal.organizationId;
  const actor = actorOf(principal);
  const today = await todayOf(deps, organizationId);
  return deps.database.transaction(async (tx) => {
    const [peek] = await tx.db
      .select({ invoiceId: writeOffs.invoiceId })
      .from(writeOffs)
      .where(and(eq(writeOffs.organizationId, organizationId), eq(writeOffs.id, id)));
    if (!peek) throw notFound('write-off');
    // Lock order everywhere: the invoice, then its write-off.
    const invoice = await lockInvoice(tx, organizationId, peek.invoiceId);
    const w = await lockWriteOff(tx, organizationId, id);
    const note = body.note?.trim() || null;
    if (body.decision === 'reject') {
      if (!note)
        throw new AppError('validation_failed', 'Say why the write-off is refused', {
          fields: [{ field: 'body.note', message: 'required to refuse' }],
        });
      const rejected = await changeWriteOff(
        tx,
        deps,
        w,
        'rejected',
        actor,
        { decidedById: actor.id, decidedAt: deps.clock.now(), decisionNote: note },
        note,
      );
      await tellRequester(tx, deps, invoice, rejected, `refused: ${note}`);
      return { writeOff: rejected, invoice };
    }
    if (w.status !== 'pending')
      throw new AppError('invalid_transition', `This write-off was already ${w.status}`, {
        fields: [{ field: 'status', message: `is ${w.status}` }],
      });
    const outstanding = outstandingOf(invoice);
    if (!WRITABLE.includes(invoice.status) || !outstanding.eq(w.amount))
      throw new AppError(
        'changed_since',
        `${invoice.number} now has ${printAmount(outstanding.toFixed(2), invoice.currency)} open, not the ${printAmount(new Decimal(w.amount).toFixed(2), invoice.currency)} asked for: refuse this request and ask again`,
        { fields: [{ field: 'amount', message: `the balance is now ${outstanding.toFixed(2)}` }] },
      );
    const done = await applyIn(tx, deps, invoice, w, actor, today, note);
    await tellRequester(tx, deps, invoice, done.writeOff, 'approved and applied');
    return done;
  });
};

const tellRequester = async (tx: Tx, deps: Deps, invoice: InvoiceRow, w: WriteOffRow, what: string) => {
  if (w.requestedByType !== 'user' || w.requestedById === w.decidedById) return;
  await tx.db.insert(notifications).values({
    organizationId: invoice.organizationId,
    id: deps.ids.uuid(),
    userId: w.requestedById,
    jobId: invoice.jobId,
    invoiceId: invoice.id,
    kind: 'write_off',
    body: `Write-off of ${printAmount(new Decimal(w.amount).toFixed(2), w.currency)} on ${invoice.number}: ${what}.`,
    createdAt: deps.clock.now(),
  });
};

export type WriteOffView = WriteOffRow & {
  invoiceNumber: string | null;
  customerName: string | null;
  dueDate: string | null;
};

/** Write-offs, newest first: those waiting for the owner, or all of one invoice's or customer's. */
export const listWriteOffs = async (
  deps: Deps,
  organizationId: string,
  q: {
    status?: WriteOffRow['status'] | undefined;
    invoiceId?: string | undefined;
    customerId?: string | undefined;
    limit: number;
    before?: { createdAt: Date; id: string } | undefined;
  },
): Promise<WriteOffView[]> => {
  const rows = await deps.database.db
    .select({
      w: writeOffs,
      invoiceNumber: invoices.number,
      dueDate: invoices.dueDate,
      customerName: customers.name,
    })
    .from(writeOffs)
    .innerJoin(
      invoices,
      and(eq(invoices.organizationId, writeOffs.organizationId), eq(invoices.id, writeOffs.invoiceId)),
    )
    .leftJoin(
      customers,
      and(eq(customers.organizationId, writeOffs.organizationId), eq(customers.id, writeOffs.customerId)),
    )
    .where(
      and(
        eq(writeOffs.organizationId, organizationId),
        q.status ? eq(writeOffs.status, q.status) : undefined,
        q.invoiceId ? eq(writeOffs.invoiceId, q.invoiceId) : undefined,
        q.customerId ? eq(writeOffs.customerId, q.customerId) : undefined,
        q.before
          ? or(
              lt(writeOffs.createdAt, q.before.createdAt),
              and(eq(writeOffs.createdAt, q.before.createdAt), lt(writeOffs.id, q.before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(writeOffs.createdAt), desc(writeOffs.id))
    .limit(q.limit + 1);
  return rows.map((r) => ({
    ...r.w,
    invoiceNumber: r.invoiceNumber,
    customerName: r.customerName,
    dueDate: r.dueDate,
  }));
};
