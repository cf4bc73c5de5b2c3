import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { payments } from '../../db/schema';
import { enqueuePaymentPushes, enqueueReversalPushes } from '../accounting/push-queue';
import { emitEvent } from '../integrations/webhooks';
import type { Deps } from '../ports';
import { changeInvoice, lockInvoice, outstandingOf } from './invoice-store';
import { followMoneyToJobs } from './record-payment';

export type Reversal = {
  paymentId: string;
  /** What the bank took back: all of the payment, or part of it. */
  amount: string;
  /** The business day it happened. */
  on: string;
  /** The provider's ID of the chargeback, or why a bank match was undone. */
  reference: string;
  /** A chargeback (the default), or a bank payment unmatched from this invoice by the office. */
  cause?: 'chargeback' | 'bank_unmatched' | undefined;
};

/**
 * Money the customer's bank took back from a payment (a chargeback). The payment stays on record, marked
 * reversed and no longer counted, and is removed at the accounting provider; a part the bank left is a new
 * payment, pushed as one. The document is owed again (its status moves back), and so is its job.
 */
export const reversePaymentIn = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  input: Reversal,
  actor: Actor,
) => {
  const [peek] = await tx.db
    .select({ invoiceId: payments.invoiceId })
    .from(payments)
    .where(and(eq(payments.organizationId, organizationId), eq(payments.id, input.paymentId)));
  if (!peek) throw notFound('payment');
  const row = await lockInvoice(tx, organizationId, peek.invoiceId);
  const [p] = await tx.db
    .select()
    .from(payments)
    .where(and(eq(payments.organizationId, organizationId), eq(payments.id, input.paymentId)))
    .for('update');
  if (!p) throw notFound('payment');
  if (p.reversedAt)
    throw new AppError('invalid_transition', 'This payment was already taken back', {
      fields: [{ field: 'paymentId', message: 'already reversed' }],
    });
  const amount = new Decimal(input.amount);
  const original = new Decimal(p.amount);
  if (amount.lte(0) || amount.gt(original))
    throw new AppError('validation_failed', `A reversal is between 0 and the ${original.toFixed(2)} paid`, {
      fields: [{ field: 'amount', message: `at most ${original.toFixed(2)}` }],
    });
  const now = deps.clock.now();
  await tx.db
    .update(payments)
    .set({ reversedAt: now, reversedOn: input.on, reversalReference: input.reference })
    .where(and(eq(payments.organizationId, organizationId), eq(payments.id, p.id)));
  await enqueueReversalPushes(tx, deps, { organizationId, invoiceId: row.id, paymentId: p.id });
  // What the bank left of the payment: a payment of its own, so each provider holds exactly what stands.
  const kept = original.minus(amount);
  let keptId: string | null = null;
  if (kept.gt(0)) {
    keptId = deps.ids.uuid();
    await tx.db.insert(payments).values({
      organizationId,
      id: keptId,
      invoiceId: row.id,
      amount: kept.toFixed(),
      receivedOn: p.receivedOn,
      method: p.method,
      reference: `${p.reference ?? 'payment'} (part kept)`,
      recordedByType: actor.type,
      recordedById: actor.id,
      createdAt: now,
    });
    await enqueuePaymentPushes(tx, deps, { organizationId, invoiceId: row.id, paymentId: keptId });
  }
  const paid = Decimal.max(0, new Decimal(row.amountPaid).minus(amount));
  const updated = await changeInvoice(
    tx,
    deps,
    row,
    paid.gt(0) ? 'unpay_part' : 'unpay_full',
    actor,
    { amountPaid: paid.toFixed(), paidAt: null },
    {
      paymentId: p.id,
      amount: amount.toFixed(2),
      reference: input.reference,
      cause: input.cause ?? 'chargeback',
    },
  );
  await emitEvent(tx, deps, organizationId, 'payment.reversed', {
    paymentId: p.id,
    invoiceId: row.id,
    number: row.number,
    jobId: row.jobId,
    currency: row.currency,
    amount: amount.toFixed(2),
    reference: input.reference,
    reversedOn: input.on,
    outstandingAfter: outstandingOf(updated).toFixed(2),
  });
  await followMoneyToJobs(tx, deps, row, actor, { delta: amount.neg(), settle: 'unpay' });
  return { invoice: updated, keptPaymentId: keptId };
};
