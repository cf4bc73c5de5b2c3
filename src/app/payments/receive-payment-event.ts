import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { printAmount } from '../../core/money';
import { SYSTEM_ACTOR } from '../../core/principal';
import { businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { invoices, paymentCheckouts, paymentConnections, paymentEvents } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { loadOrg } from '../invoicing/invoice-store';
import { recordPaymentIn } from '../invoicing/record-payment';
import type { Deps } from '../ports';
import { onlinePaymentOf, receiveChargeback } from './chargebacks';
import { invoiceOnlineFeeIn } from './online-fees';
import { refundOfEvent, settleRefund } from './online-refunds';
import { gatewayOf } from './payment-connections';
import { receivePayoutIn } from './payouts';
import { type PaymentEvent, PaymentSignatureError } from './port';
import { queueReceipt } from './receipts';
import { reviewOnlinePayment } from './review';
import { fromMinor } from './start-checkout';
import { refundMadeForUnplaced, unplacedSubject } from './unplaced-payments';

type Checkout = typeof paymentCheckouts.$inferSelect;

const checkoutOf = async (tx: Tx, organizationId: string, connectionId: string, providerId: string) => {
  const [row] = await tx.db
    .select()
    .from(paymentCheckouts)
    .where(
      and(
        eq(paymentCheckouts.organizationId, organizationId),
        eq(paymentCheckouts.connectionId, connectionId),
        eq(paymentCheckouts.providerCheckoutId, providerId),
      ),
    )
    .for('update');
  return row ?? null;
};

/** The document a checkout pays: its number and job, for what people read. */
const docOf = async (tx: Tx, c: Checkout) => {
  const [doc] = await tx.db
    .select({ number: invoices.number, jobId: invoices.jobId })
    .from(invoices)
    .where(and(eq(invoices.organizationId, c.organizationId), eq(invoices.id, c.invoiceId)));
  return doc;
};
type Doc = Awaited<ReturnType<typeof docOf>>;

const settle = (tx: Tx, c: Checkout, patch: Partial<Checkout>, now: Date) =>
  tx.db
    .update(paymentCheckouts)
    .set({ ...patch, updatedAt: now })
    .where(and(eq(paymentCheckouts.organizationId, c.organizationId), eq(paymentCheckouts.id, c.id)));

/**
 * Money arrived at the provider: recorded on its document once (the provider's payment ID is the payment's
 * reference, unique per document), in the same transaction as the event's receipt. Money that no longer fits
 * (the document was paid another way meanwhile) goes to the needs-review lane to refund or apply, never lost.
 */
const applyPaid = async (
  tx: Tx,
  deps: Deps,
  checkout: Checkout,
  e: Extract<PaymentEvent, { kind: 'checkout_paid' }>,
  doc: Doc,
) => {
  const now = deps.clock.now();
  // Money already received on this checkout (recorded, or waiting in the lane, or placed from it) is never
  // received twice, whichever event about it comes again.
  if (checkout.status === 'paid' || checkout.paymentRef) return 'already recorded';
  // The business day the money arrived, in the organization's time zone: the payment's and the receipt's.
  const paidOn = businessDate(e.paidAt, (await loadOrg(tx, checkout.organizationId)).timeZone);
  const amount = fromMinor(e.amountMinor, e.currency);
  const money = printAmount(amount, e.currency);
  // Money that cannot go on its document waits in the lane, said in words, with the payment to find it by.
  const toLane = async (reason: string, patch: Partial<Checkout>, placeable: boolean) => {
    await settle(tx, checkout, { failure: reason, paymentRef: e.paymentRef, ...patch }, now);
    await reviewOnlinePayment(tx, deps, {
      organizationId: checkout.organizationId,
      subject: unplacedSubject(e.paymentRef),
      message: reason,
      invoiceId: checkout.invoiceId,
      jobId: doc?.jobId ?? null,
      ...(placeable ? { unplacedCheckoutId: checkout.id } : {}),
    });
    return `needs review: ${reason}`;
  };
  if (e.currency !== checkout.currency)
    // Nothing in Closeout can send money back in a currency the document is not in: Stripe's page can.
    return toLane(
      `${money} paid online for ${doc?.number ?? 'a document'} was paid in ${e.currency}, the document is in ${checkout.currency}: refund it in Stripe’s dashboard.`,
      { status: 'failed' },
      false,
    );
  // With a convenience fee the money is the document's part and the fee's, as the checkout asked for them.
  const own = checkout.fee ? new Decimal(amount).minus(checkout.fee) : new Decimal(amount);
  if (checkout.fee && !own.eq(checkout.amount))
    return toLane(
      `${money} paid online for ${doc?.number ?? 'a document'} is not the ${printAmount(new Decimal(checkout.amount).plus(checkout.fee).toFixed(), e.currency)} asked (with its convenience fee). Refund it to the card, or apply what still fits and refund the rest.`,
      { status: 'unplaced', paidAmount: amount },
      true,
    );
  // Only the document's own payment may find the money no longer fits: a refusal after it (the fee's invoice)
  // must not send money already recorded on the document to the lane as if it were not.
  let paymentId: string;
  try {
    ({ paymentId } = await recordPaymentIn(
      tx,
      deps,
      checkout.organizationId,
      {
        invoiceId: checkout.invoiceId,
        amount: own.toFixed(),
        receivedOn: paidOn,
        method: 'card',
        reference: e.paymentRef,
      },
      SYSTEM_ACTOR,
    ));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === 'already_in_use') {
      await settle(tx, checkout, { status: 'paid' }, now);
      return 'already recorded';
    }
    return toLane(
      `${money} paid online for ${doc?.number ?? 'a document'} could not be applied: ${err.message}. Refund it to the card, or apply what still fits and refund the rest.`,
      { status: 'unplaced', paidAmount: amount },
      true,
    );
  }
  await settle(tx, checkout, { status: 'paid', paymentId }, now);
  const feeInvoice = checkout.fee
    ? await invoiceOnlineFeeIn(tx, deps, checkout, { on: paidOn, paymentRef: e.paymentRef })
    : null;
  await queueReceipt(tx, deps, {
    organizationId: checkout.organizationId,
    invoiceId: checkout.invoiceId,
    amount: own.toFixed(),
    on: paidOn,
    kind: 'payment',
  });
  return `recorded ${money} on ${doc?.number ?? 'the document'}${feeInvoice ? `; ${feeInvoice}` : ''}`;
};

/**
 * A refund made at the provider without Closeout (in Stripe's dashboard) for a payment Closeout took: the
 * money left, but the books do not know. It goes to the lane with what to do; nothing is recorded by guess.
 */
const refundMadeElsewhere = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  connectionId: string,
  e: Extract<PaymentEvent, { kind: 'refund_changed' }>,
) => {
  if (e.refund.status !== 'succeeded' || !e.paymentRef) return 'ignored: not a refund asked for in Closeout';
  const unplaced = await refundMadeForUnplaced(tx, deps, organizationId, connectionId, e);
  if (unplaced) return unplaced;
  const paid = await onlinePaymentOf(tx, organizationId, connectionId, e.paymentRef);
  if (!paid) return 'ignored: not a payment taken through Closeout';
  const money = printAmount(fromMinor(e.amountMinor, e.currency), e.currency);
  const number = paid.number ?? 'an invoice';
  await reviewOnlinePayment(tx, deps, {
    organizationId,
    subject: `outside-refund:${e.refund.id}`,
    message: `${money} was refunded in Stripe’s dashboard for ${number}, outside Closeout: credit ${number} for it and record the refund on the credit note, so the books match.`,
    invoiceId: paid.invoice_id,
    jobId: paid.job_id,
  });
  return `needs review: refunded outside Closeout on ${number}`;
};

/** What an event did, kept beside its receipt. */
const noteOutcome = (
  tx: Tx,
  organizationId: string,
  connectionId: string,
  eventId: string,
  outcome: string,
) =>
  tx.db
    .update(paymentEvents)
    .set({ outcome })
    .where(
      and(
        eq(paymentEvents.organizationId, organizationId),
        eq(paymentEvents.connectionId, connectionId),
        eq(paymentEvents.eventId, eventId),
      ),
    );

/**
 * An event from the organization's payment provider. Its signature is checked over the exact bytes received
 * (a bad one is refused and changes nothing); each event is acted on once, whatever the redeliveries; an
 * event for a checkout we did not open is acknowledged and ignored; a late "expired" never undoes a payment.
 */
export const receivePaymentEvent = async (
  deps: Deps,
  organizationId: string,
  connectionId: string,
  rawBody: Buffer,
  signature: string | undefined,
) => {
  const [connection] = await deps.database.db
    .select()
    .from(paymentConnections)
    .where(
      and(eq(paymentConnections.organizationId, organizationId), eq(paymentConnections.id, connectionId)),
    );
  if (!connection) throw notFound('payment connection');
  let event: PaymentEvent;
  const gateway = gatewayOf(deps, connection);
  try {
    event = gateway.readEvent(rawBody, signature);
  } catch (err) {
    if (err instanceof PaymentSignatureError)
      throw new AppError('validation_failed', 'The event’s signature does not verify', {
        fields: [{ field: 'stripe-signature', message: 'does not verify' }],
      });
    throw err;
  }
  // A payout's lines are asked of the provider before the transaction (no call held open in it); a failure
  // leaves the event unrecorded, so the provider's redelivery tries again.
  const payoutLines = event.kind === 'payout_paid' ? await gateway.payoutLines(event.payout.id) : [];
  return deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const [fresh] = await tx.db
      .insert(paymentEvents)
      .values({
        organizationId,
        connectionId,
        eventId: event.eventId,
        kind: event.kind,
        outcome: 'received',
        receivedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!fresh) return { eventId: event.eventId, outcome: 'duplicate' };
    if (event.kind === 'chargeback') {
      const outcome = await receiveChargeback(tx, deps, organizationId, connectionId, event.chargeback);
      await noteOutcome(tx, organizationId, connectionId, event.eventId, outcome);
      return { eventId: event.eventId, outcome };
    }
    if (event.kind === 'payout_paid') {
      const outcome = await receivePayoutIn(
        tx,
        deps,
        organizationId,
        connectionId,
        event.payout,
        payoutLines,
      );
      await noteOutcome(tx, organizationId, connectionId, event.eventId, outcome);
      return { eventId: event.eventId, outcome };
    }
    if (event.kind === 'refund_changed') {
      const refund = await refundOfEvent(tx, organizationId, connectionId, event.refund.id, event.metadata);
      const outcome = refund
        ? await settleRefund(tx, deps, refund, event.refund)
        : await refundMadeElsewhere(tx, deps, organizationId, connectionId, event);
      await noteOutcome(tx, organizationId, connectionId, event.eventId, outcome);
      return { eventId: event.eventId, outcome };
    }
    const checkout =
      event.kind === 'ignored' || event.checkoutId === null
        ? null
        : await checkoutOf(tx, organizationId, connectionId, event.checkoutId);
    let outcome: string;
    if (event.kind === 'ignored') outcome = `ignored: ${event.type}`;
    else if (!checkout) outcome = 'ignored: not a checkout of ours';
    else if (event.kind === 'checkout_paid')
      outcome = await applyPaid(tx, deps, checkout, event, await docOf(tx, checkout));
    else if (event.kind === 'checkout_expired') {
      if (checkout.status === 'open') await settle(tx, checkout, { status: 'expired' }, now);
      outcome = checkout.status === 'open' ? 'expired' : `ignored: already ${checkout.status}`;
    } else {
      if (checkout.status === 'open') {
        await settle(tx, checkout, { status: 'failed', failure: event.reason }, now);
        const doc = await docOf(tx, checkout);
        await notifyRole(
          tx,
          deps,
          organizationId,
          'billing',
          doc?.jobId ?? null,
          `An online payment of ${printAmount(checkout.amount, checkout.currency)} for ${doc?.number ?? 'a document'} failed: ${event.reason}. It is still to pay.`,
          null,
          { kind: 'payment_failed', invoiceId: checkout.invoiceId },
        );
      }
      outcome = `failed: ${event.reason}`;
    }
    await noteOutcome(tx, organizationId, connectionId, event.eventId, outcome);
    return { eventId: event.eventId, outcome };
  });
};
