import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { printAmount } from '../../core/money';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import { businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { invoices, paymentCheckouts, paymentConnections, paymentRefunds } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { settleIntegrationError } from '../integrations/integration-errors';
import { loadOrg, lockInvoice, outstandingOf } from '../invoicing/invoice-store';
import { recordPaymentIn } from '../invoicing/record-payment';
import type { Deps } from '../ports';
import type { PaymentEvent } from './port';
import { queueReceipt } from './receipts';
import { fromMinor } from './start-checkout';

/**
 * Money paid online that did not fit its document (#23): the document was paid another way meanwhile, or
 * credited. It sits at the provider and not in the books, on its checkout ("unplaced"), until billing sends it
 * back to the card or applies what still fits and sends back the rest. Each refund is asked of the provider
 * through the same queue and idempotency key as a credit note's, and nothing is recorded for the money that
 * goes back: the books never held it.
 */

type Checkout = typeof paymentCheckouts.$inferSelect;
type Db = Pick<Tx, 'db' | 'raw'>;

/** The lane entry of money paid online that did not fit: one per provider payment. */
export const unplacedSubject = (paymentRef: string) => `online-payment:${paymentRef}`;

const checkoutRow = async (tx: Db, organizationId: string, id: string, lock: boolean) => {
  const q = tx.db
    .select()
    .from(paymentCheckouts)
    .where(and(eq(paymentCheckouts.organizationId, organizationId), eq(paymentCheckouts.id, id)));
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
};

/**
 * What became of the money a checkout brought: applied (the payment recorded from it), going back (refunds
 * asked for, not settled), sent back (refunds that succeeded), and what is left to place.
 */
const placementOf = async (tx: Db, c: Checkout) => {
  const { rows } = await tx.raw.query<{ applied: string; going: string; back: string }>(
    `SELECT COALESCE((SELECT p.amount FROM payments p
                       WHERE p.organization_id = $1 AND p.id = $2 AND p.reversed_at IS NULL), 0)::text AS applied,
            COALESCE((SELECT sum(r.amount) FROM payment_refunds r
                       WHERE r.organization_id = $1 AND r.checkout_id = $3
                         AND r.status IN ('requested', 'pending')), 0)::text AS going,
            COALESCE((SELECT sum(r.amount) FROM payment_refunds r
                       WHERE r.organization_id = $1 AND r.checkout_id = $3 AND r.status = 'succeeded'), 0)::text AS back`,
    [c.organizationId, c.paymentId, c.id],
  );
  const r = rows[0] ?? { applied: '0', going: '0', back: '0' };
  const paid = new Decimal(c.paidAmount ?? 0);
  const left = Decimal.max(0, paid.minus(r.applied).minus(r.going).minus(r.back));
  return {
    paid,
    applied: new Decimal(r.applied),
    going: new Decimal(r.going),
    back: new Decimal(r.back),
    left,
  };
};

/** What of the money left to place its document still owes: what "apply" records on it. */
const applicableOn = (left: Decimal, doc: Parameters<typeof outstandingOf>[0]) =>
  Decimal.min(left, Decimal.max(0, outstandingOf(doc)));

/** The unplaced money of a checkout as billing sees it: what arrived, where it went, what may still apply. */
export const getUnplacedPayment = async (deps: Deps, organizationId: string, checkoutId: string) => {
  const db = deps.database;
  const c = await checkoutRow(db, organizationId, checkoutId, false);
  if (!c?.paymentRef || c.paidAmount === null) throw notFound('unplaced payment');
  const [doc] = await db.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, c.invoiceId)));
  if (!doc) throw notFound('invoice');
  const p = await placementOf(db, c);
  const applicable = applicableOn(p.left, doc);
  return {
    id: c.id,
    invoiceId: c.invoiceId,
    number: doc.number ?? '',
    currency: c.currency,
    status: c.status,
    paid: p.paid.toFixed(2),
    applied: p.applied.toFixed(2),
    goingBack: p.going.toFixed(2),
    sentBack: p.back.toFixed(2),
    left: p.left.toFixed(2),
    applicable: applicable.toFixed(2),
    backIfApplied: p.left.minus(applicable).toFixed(2),
  };
};

/**
 * Billing places unplaced money: everything back to the card, or what still fits applied to its document (a
 * payment with the provider's reference, a receipt to the customer) and the rest back to the card. Under the
 * checkout's lock, then the document's (the order a provider event takes), so two clicks place it once. The
 * lane entry is settled by the person, in the same transaction.
 */
export const placeUnplacedPayment = (
  deps: Deps,
  organizationId: string,
  checkoutId: string,
  action: 'refund' | 'apply',
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const c = await checkoutRow(tx, organizationId, checkoutId, true);
    if (!c?.paymentRef || c.paidAmount === null) throw notFound('unplaced payment');
    const doc = await lockInvoice(tx, organizationId, c.invoiceId);
    const p = await placementOf(tx, c);
    const number = doc.number ?? 'the document';
    if (p.left.isZero())
      throw new AppError('invalid_transition', 'Nothing of this payment is left to refund or apply', {
        fields: [{ field: 'id', message: `is ${c.status}` }],
      });
    const now = deps.clock.now();
    let applied = new Decimal(0);
    let paymentId = c.paymentId;
    if (action === 'apply') {
      if (c.paymentId)
        throw new AppError('invalid_transition', `Part of this payment is already applied to ${number}`, {
          fields: [{ field: 'body.action', message: 'already applied' }],
        });
      applied = applicableOn(p.left, doc);
      if (applied.isZero())
        throw new AppError('invalid_transition', `Nothing is left to pay on ${number}: refund it instead`, {
          fields: [{ field: 'body.action', message: `nothing is owed on ${number}` }],
        });
      const on = businessDate(now, (await loadOrg(tx, organizationId)).timeZone);
      ({ paymentId } = await recordPaymentIn(
        tx,
        deps,
        organizationId,
        {
          invoiceId: c.invoiceId,
          amount: applied.toFixed(2),
          receivedOn: on,
          method: 'card',
          reference: c.paymentRef,
        },
        actor,
      ));
      await queueReceipt(tx, deps, {
        organizationId,
        invoiceId: c.invoiceId,
        amount: applied.toFixed(2),
        on,
        kind: 'payment',
      });
    }
    const back = p.left.minus(applied);
    let refundId: string | null = null;
    if (back.gt(0)) {
      const [connection] = await tx.db
        .select({ id: paymentConnections.id })
        .from(paymentConnections)
        .where(
          and(
            eq(paymentConnections.organizationId, organizationId),
            eq(paymentConnections.id, c.connectionId),
            eq(paymentConnections.status, 'active'),
          ),
        );
      if (!connection)
        throw new AppError(
          'connector_disconnected',
          'Online payments are switched off: reconnect Stripe in Settings to send money back to a card',
          { fields: [{ field: 'id', message: 'online payments are switched off' }] },
        );
      refundId = deps.ids.uuid();
      await tx.db.insert(paymentRefunds).values({
        organizationId,
        id: refundId,
        connectionId: c.connectionId,
        checkoutId: c.id,
        amount: back.toFixed(2),
        currency: c.currency,
        status: 'requested',
        requestedById: actor.type === 'user' ? actor.id : null,
        createdAt: now,
        updatedAt: now,
      });
      await deps.queue.enqueue(tx, { name: 'payments.refund', data: { organizationId, refundId } });
    }
    await tx.db
      .update(paymentCheckouts)
      .set({ status: applied.gt(0) ? 'paid' : 'refunded', paymentId, updatedAt: now })
      .where(and(eq(paymentCheckouts.organizationId, organizationId), eq(paymentCheckouts.id, c.id)));
    const said = [
      applied.gt(0) ? `${printAmount(applied.toFixed(2), c.currency)} applied to ${number}` : null,
      back.gt(0) ? `${printAmount(back.toFixed(2), c.currency)} going back to the card` : null,
    ]
      .filter(Boolean)
      .join('; ');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'invoice',
      aggregateId: c.invoiceId,
      action: 'invoice.online_money_placed',
      actor,
      changes: { paymentRef: c.paymentRef, applied: applied.toFixed(2), refunded: back.toFixed(2), refundId },
    });
    await settleIntegrationError(
      tx,
      deps,
      organizationId,
      'online_payment',
      unplacedSubject(c.paymentRef),
      said,
      actor,
    );
    return said;
  });

/** A refund of unplaced money settled at the provider: the checkout says so, and the customer gets a receipt. */
export const settleUnplacedRefund = async (
  tx: Tx,
  deps: Deps,
  refund: { organizationId: string; checkoutId: string; amount: string; currency: string },
  succeeded: boolean,
): Promise<void> => {
  const c = await checkoutRow(tx, refund.organizationId, refund.checkoutId, true);
  if (!c) throw notFound('checkout');
  const now = deps.clock.now();
  if (!succeeded) {
    // The money is still at the provider and still not in the books: unplaced again, to try once more.
    if (!c.paymentId)
      await tx.db
        .update(paymentCheckouts)
        .set({ status: 'unplaced', updatedAt: now })
        .where(and(eq(paymentCheckouts.organizationId, c.organizationId), eq(paymentCheckouts.id, c.id)));
    return;
  }
  const on = businessDate(now, (await loadOrg(tx, c.organizationId)).timeZone);
  await queueReceipt(tx, deps, {
    organizationId: c.organizationId,
    invoiceId: c.invoiceId,
    amount: refund.amount,
    on,
    kind: 'refund',
  });
};

/**
 * A refund made in the provider's dashboard of unplaced money (as the lane entry allowed): recorded against
 * its checkout, never on the books, and the entry settled when nothing is left. More than is left is not this
 * money's refund: answered null, for the caller's "refunded outside Closeout" path.
 */
export const refundMadeForUnplaced = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  connectionId: string,
  e: Extract<PaymentEvent, { kind: 'refund_changed' }>,
): Promise<string | null> => {
  if (!e.paymentRef) return null;
  const [c] = await tx.db
    .select()
    .from(paymentCheckouts)
    .where(
      and(
        eq(paymentCheckouts.organizationId, organizationId),
        eq(paymentCheckouts.connectionId, connectionId),
        eq(paymentCheckouts.paymentRef, e.paymentRef),
        eq(paymentCheckouts.status, 'unplaced'),
      ),
    )
    .for('update');
  if (!c || e.currency !== c.currency) return null;
  const amount = new Decimal(fromMinor(e.amountMinor, e.currency));
  const p = await placementOf(tx, c);
  if (amount.gt(p.left)) return null;
  const now = deps.clock.now();
  await tx.db.insert(paymentRefunds).values({
    organizationId,
    id: deps.ids.uuid(),
    connectionId,
    checkoutId: c.id,
    amount: amount.toFixed(2),
    currency: c.currency,
    status: 'succeeded',
    providerRefundId: e.refund.id,
    createdAt: now,
    updatedAt: now,
  });
  const money = printAmount(amount.toFixed(2), c.currency);
  const rest = p.left.minus(amount);
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'invoice',
    aggregateId: c.invoiceId,
    action: 'invoice.online_money_placed',
    actor: SYSTEM_ACTOR,
    changes: { paymentRef: e.paymentRef, applied: '0.00', refunded: amount.toFixed(2), outside: true },
  });
  if (rest.gt(0))
    return `${money} of unplaced money refunded in Stripe’s dashboard; ${rest.toFixed(2)} still unplaced`;
  await tx.db
    .update(paymentCheckouts)
    .set({ status: 'refunded', updatedAt: now })
    .where(and(eq(paymentCheckouts.organizationId, organizationId), eq(paymentCheckouts.id, c.id)));
  await settleIntegrationError(
    tx,
    deps,
    organizationId,
    'online_payment',
    unplacedSubject(e.paymentRef),
    `${money} refunded in Stripe’s dashboard`,
  );
  return `unplaced money of ${money} refunded in Stripe’s dashboard`;
};
