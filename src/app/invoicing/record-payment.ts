import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import { printAmount } from '../../core/money';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { payments } from '../../db/schema';
import { enqueuePaymentPushes } from '../accounting/push-queue';
import { notifyRole } from '../approvals/approvals';
import { withdrawPendingWriteOffsIn } from '../collections/write-offs';
import { emitEvent } from '../integrations/webhooks';
import { changeJob, lockJob } from '../jobs/job-store';
import { type PaymentMethod, queueReceipt } from '../payments/receipts';
import type { Deps } from '../ports';
import type { InvoiceRow } from './invoice-documents';
import { documentOf } from './invoice-documents';
import { type Ctx, changeInvoice, lockInvoice, outstandingOf } from './invoice-store';
import { billedJobIds } from './issue-document';

export type PaymentInput = {
  invoiceId: string;
  amount: string;
  receivedOn: string;
  method: PaymentMethod;
  reference?: string | null | undefined;
  /** Internal: no "payment received" notice (the bank matching sends one summary per file instead). */
  quiet?: boolean | undefined;
  /** E-mail the customer a receipt (a refund's advice on a credit note), in this transaction's queue. */
  sendReceipt?: boolean | undefined;
};

/**
 * What money on a document means for its jobs: a deposit paid adds to the job's deposit received (taken back,
 * comes off it); an invoice paid in full marks its invoiced jobs paid, and a payment taken back (a chargeback)
 * marks its paid jobs owed again.
 */
export const followMoneyToJobs = async (
  tx: Tx,
  deps: Ctx,
  row: InvoiceRow,
  actor: Actor,
  m: { delta: Decimal; settle: 'pay' | 'unpay' | null },
) => {
  const organizationId = row.organizationId;
  // A refund paid on a deposit's credit note comes off the deposit received (taken back, goes on it again).
  if (row.kind === 'credit_note' && row.correctsInvoiceId && row.jobId) {
    const original = await lockInvoice(tx, organizationId, row.correctsInvoiceId);
    if (original.kind !== 'deposit_invoice' || documentOf(original).progress) return;
    const job = await lockJob(tx, organizationId, row.jobId);
    await changeJob(tx, deps, {
      organizationId,
      jobId: job.id,
      actor,
      locked: job,
      action: m.delta.isNeg() ? 'job.deposit_refund_reversed' : 'job.deposit_refunded',
      patch: {
        depositReceived: Decimal.max(0, new Decimal(job.depositReceived ?? '0').minus(m.delta)).toFixed(),
      },
      extraChanges: { creditNote: row.number, amount: m.delta.toFixed() },
    });
    return;
  }
  if (row.kind === 'deposit_invoice' && row.jobId) {
    const job = await lockJob(tx, organizationId, row.jobId);
    // A progress bill's money is not the deposit: the job only learns of it (its final draft follows).
    const progress = !!documentOf(row).progress;
    await changeJob(tx, deps, {
      organizationId,
      jobId: job.id,
      actor,
      locked: job,
      action: progress
        ? m.delta.isNeg()
          ? 'job.progress_payment_reversed'
          : 'job.progress_payment_received'
        : m.delta.isNeg()
          ? 'job.deposit_reversed'
          : 'job.deposit_received',
      patch: progress
        ? {}
        : {
            depositReceived: Decimal.max(0, new Decimal(job.depositReceived ?? '0').plus(m.delta)).toFixed(),
          },
      ...(progress ? { extraChanges: { invoice: row.number, amount: m.delta.toFixed() } } : {}),
    });
    return;
  }
  if (!m.settle) return;
  const pay = m.settle === 'pay';
  for (const jobId of await billedJobIds(tx, row)) {
    const job = await lockJob(tx, organizationId, jobId);
    if (job.billingStatus !== (pay ? 'invoiced' : 'paid')) continue;
    await changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      locked: job,
      action: pay ? 'job.paid' : 'job.payment_reversed',
      billing: m.settle,
      patch: { paidAt: pay ? deps.clock.now() : null },
    });
  }
};

/**
 * A document nothing is owed on any more though no payment made up its last amount (the advances paid for
 * the work, or a credit took the rest): settled as paid, and a final invoice's jobs with it. (An advance
 * settled so moves no job: its job already has what was paid on it.)
 */
export const settleOwedNothing = async (
  tx: Tx,
  deps: Ctx,
  row: InvoiceRow,
  actor: Actor,
  changes: Record<string, unknown>,
  reason?: string,
) => {
  const settled = await changeInvoice(
    tx,
    deps,
    row,
    'pay_full',
    actor,
    { paidAt: deps.clock.now() },
    changes,
    reason,
  );
  if (settled.kind === 'invoice')
    await followMoneyToJobs(tx, deps, settled, actor, { delta: new Decimal(0), settle: 'pay' });
  return settled;
};

/**
 * Records a full or partial payment; the invoice's status follows the outstanding amount. A paid deposit
 * is written to the job and rebuilds its final draft, where it shows as prepaid.
 */
export const recordPayment = (deps: Deps, organizationId: string, input: PaymentInput, actor: Actor) =>
  deps.database.transaction((tx) => recordPaymentIn(tx, deps, organizationId, input, actor));

/** The same in the caller's transaction (a provider's event records its payment and its own receipt at once). */
export const recordPaymentIn = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  input: PaymentInput,
  actor: Actor,
) => {
  const row = await lockInvoice(tx, organizationId, input.invoiceId);
  // On a credit note the "payment" is the refund paid out to the customer: what is outstanding is refund due.
  const outstanding = outstandingOf(row);
  const amount = new Decimal(input.amount);
  if (amount.gt(outstanding)) {
    throw new AppError(
      'payment_exceeds_outstanding',
      `The payment exceeds the ${outstanding.toFixed(2)} outstanding`,
      {
        fields: [{ field: 'body.amount', message: `at most ${outstanding.toFixed(2)}` }],
      },
    );
  }
  if (input.reference) {
    const [dup] = await tx.db
      .select({ id: payments.id })
      .from(payments)
      .where(
        and(
          eq(payments.organizationId, organizationId),
          eq(payments.invoiceId, row.id),
          eq(payments.reference, input.reference),
        ),
      );
    if (dup)
      throw new AppError('already_in_use', 'A payment with this reference is already recorded', {
        fields: [{ field: 'body.reference', message: 'already recorded' }],
      });
  }
  const now = deps.clock.now();
  const id = deps.ids.uuid();
  const paid = new Decimal(row.amountPaid).plus(amount);
  const full = paid.plus(row.amountCredited).plus(row.amountWrittenOff).gte(row.payable);
  await tx.db.insert(payments).values({
    organizationId,
    id,
    invoiceId: row.id,
    amount: amount.toFixed(),
    receivedOn: input.receivedOn,
    method: input.method,
    reference: input.reference ?? null,
    recordedByType: actor.type,
    recordedById: actor.id,
    createdAt: now,
  });
  await enqueuePaymentPushes(tx, deps, { organizationId, invoiceId: row.id, paymentId: id });
  await emitEvent(tx, deps, organizationId, 'payment.recorded', {
    paymentId: id,
    kind: row.kind === 'credit_note' ? 'refund' : 'payment',
    invoiceId: row.id,
    number: row.number,
    jobId: row.jobId,
    currency: row.currency,
    amount: amount.toFixed(),
    method: input.method,
    receivedOn: input.receivedOn,
    reference: input.reference ?? null,
    outstandingAfter: outstanding.minus(amount).toFixed(),
  });
  const updated = await changeInvoice(
    tx,
    deps,
    row,
    full ? 'pay_full' : 'pay_part',
    actor,
    { amountPaid: paid.toFixed(), ...(full ? { paidAt: now } : {}) },
    { paymentId: id, amount: amount.toFixed(), method: input.method },
  );
  await followMoneyToJobs(tx, deps, row, actor, { delta: amount, settle: full ? 'pay' : null });
  if (input.sendReceipt && row.number)
    await queueReceipt(tx, deps, {
      organizationId,
      invoiceId: row.id,
      amount: amount.toFixed(),
      on: input.receivedOn,
      kind: row.kind === 'credit_note' ? 'refund' : 'payment',
      method: input.method,
    });
  if (full && row.kind === 'invoice')
    await withdrawPendingWriteOffsIn(tx, deps, organizationId, row.id, 'Paid in full meanwhile');
  if (row.kind !== 'credit_note' && row.number && !input.quiet) {
    const doc = documentOf(row);
    const money = printAmount(amount.toFixed(2), row.currency);
    await notifyRole(
      tx,
      deps,
      organizationId,
      'owner',
      row.jobId,
      `Payment received: ${money} from ${doc.buyer.name} on ${row.number}${full ? ', now paid in full' : `, ${printAmount(outstanding.minus(amount).toFixed(2), row.currency)} still to pay`}.`,
      null,
      { kind: 'payment', invoiceId: row.id, except: actor.type === 'user' ? actor.id : null },
    );
  }
  return { paymentId: id, invoice: updated };
};
