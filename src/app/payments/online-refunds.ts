import Decimal from 'decimal.js';
import { and, asc, eq } from 'drizzle-orm';
import { REFUND_ATTEMPTS } from '../../contracts/portal';
import { AppError, notFound } from '../../core/errors';
import { printAmount, sumDecimals } from '../../core/money';
import type { Actor } from '../../core/principal';
import { SYSTEM_ACTOR } from '../../core/principal';
import { businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { invoices, paymentCheckouts, paymentConnections, paymentRefunds, payments } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { appendAudit } from '../audit/audit';
import type { InvoiceRow } from '../invoicing/invoice-documents';
import { loadOrg, lockInvoice, outstandingOf } from '../invoicing/invoice-store';
import { recordPaymentIn } from '../invoicing/record-payment';
import type { Deps } from '../ports';
import { gatewayOf } from './payment-connections';
import { PaymentRefused, type RefundState } from './port';
import { queueReceipt } from './receipts';
import { reviewOnlinePayment } from './review';
import { toMinor } from './start-checkout';
import { settleUnplacedRefund } from './unplaced-payments';

type RefundRow = typeof paymentRefunds.$inferSelect;
type Db = Pick<Tx, 'db' | 'raw'>;

/**
 * The online payments on the invoice a credit note corrects, each with what may still go back to its card:
 * its amount less the refunds against it that did not fail.
 */
const cardPaymentsOf = async (tx: Db, organizationId: string, invoiceId: string) => {
  const { rows } = await tx.raw.query<{
    id: string;
    amount: string;
    reference: string;
    connection_id: string;
    left: string;
  }>(
    `SELECT p.id, p.amount::text, p.reference, c.connection_id,
            (p.amount - COALESCE((SELECT sum(r.amount) FROM payment_refunds r
                                   WHERE r.organization_id = p.organization_id AND r.payment_id = p.id
                                     AND r.status <> 'failed'), 0))::text AS left
       FROM payment_checkouts c
       JOIN payments p ON p.organization_id = c.organization_id AND p.id = c.payment_id
      WHERE c.organization_id = $1 AND c.invoice_id = $2 AND c.status = 'paid' AND p.reference IS NOT NULL
        AND p.reversed_at IS NULL
      ORDER BY p.created_at, p.id`,
    [organizationId, invoiceId],
  );
  return rows;
};

const refundsOf = (tx: Pick<Tx, 'db'>, organizationId: string, creditNoteId: string) =>
  tx.db
    .select()
    .from(paymentRefunds)
    .where(
      and(eq(paymentRefunds.organizationId, organizationId), eq(paymentRefunds.creditNoteId, creditNoteId)),
    )
    .orderBy(asc(paymentRefunds.createdAt), asc(paymentRefunds.id));

/**
 * What can go back to the customer's card for this credit note now: the refund it still owes, less refunds
 * asked for and not yet settled, capped by what is left of the online payments on the invoice it corrects.
 */
const refundableNow = async (tx: Db, creditNote: InvoiceRow) => {
  if (creditNote.kind !== 'credit_note' || !creditNote.correctsInvoiceId || !creditNote.number)
    return { amount: new Decimal(0), cards: [] };
  const rows = await refundsOf(tx, creditNote.organizationId, creditNote.id);
  const inFlight = sumDecimals(
    rows.filter((r) => r.status === 'requested' || r.status === 'pending').map((r) => r.amount),
  );
  const owed = Decimal.max(0, outstandingOf(creditNote).minus(inFlight));
  const cards = (await cardPaymentsOf(tx, creditNote.organizationId, creditNote.correctsInvoiceId)).filter(
    (c) => new Decimal(c.left).gt(0),
  );
  return { amount: Decimal.min(owed, sumDecimals(cards.map((c) => c.left))), cards };
};

/** The credit note's refunds to card and what may still be refunded that way (the office's panel). */
export const listOnlineRefunds = async (deps: Deps, organizationId: string, creditNoteId: string) => {
  const db = deps.database;
  const [creditNote] = await db.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, creditNoteId)));
  if (!creditNote) throw notFound('invoice');
  const { amount } = await refundableNow(db, creditNote);
  return { refundable: amount.toFixed(2), items: await refundsOf(db, organizationId, creditNoteId) };
};

/**
 * Billing sends a credit note's refund back to the card it was paid with. The amount is checked against
 * what the credit note still owes (refunds in flight included) and what is left of the online payments, under
 * the invoice's lock, so two clicks cannot refund twice; the provider is called by the queue, with the
 * refund's own ID as its idempotency key, and nothing is recorded until the provider says it succeeded.
 */
export const requestOnlineRefund = (
  deps: Deps,
  organizationId: string,
  creditNoteId: string,
  amountText: string,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const peek = await lockInvoice(tx, organizationId, creditNoteId);
    if (peek.kind !== 'credit_note' || !peek.correctsInvoiceId || !peek.number)
      throw new AppError('invalid_transition', 'Only an issued credit note is refunded', {
        fields: [{ field: 'id', message: 'is not an issued credit note' }],
      });
    // The corrected invoice's lock serializes every refund against its payments, whichever credit note asks.
    await lockInvoice(tx, organizationId, peek.correctsInvoiceId);
    const creditNote = await lockInvoice(tx, organizationId, creditNoteId);
    const { amount: refundable, cards } = await refundableNow(tx, creditNote);
    const amount = new Decimal(amountText);
    if (refundable.isZero())
      throw new AppError('invalid_transition', `Nothing on ${creditNote.number} can go back to a card`, {
        fields: [{ field: 'body.amount', message: 'nothing to refund to a card' }],
      });
    if (amount.gt(refundable))
      throw new AppError(
        'payment_exceeds_outstanding',
        `At most ${printAmount(refundable.toFixed(2), creditNote.currency)} can go back to the card`,
        { fields: [{ field: 'body.amount', message: `at most ${refundable.toFixed(2)}` }] },
      );
    const [connection] = await tx.db
      .select()
      .from(paymentConnections)
      .where(
        and(eq(paymentConnections.organizationId, organizationId), eq(paymentConnections.status, 'active')),
      );
    const now = deps.clock.now();
    const made: RefundRow[] = [];
    let rest = amount;
    // Against the oldest payments first, split where one payment holds less than the refund.
    for (const card of cards) {
      if (rest.isZero()) break;
      if (!connection || connection.id !== card.connection_id)
        throw new AppError(
          'connector_disconnected',
          'Online payments are switched off: reconnect Stripe in Settings to refund to a card',
          {
            fields: [{ field: 'id', message: 'online payments are switched off' }],
          },
        );
      const part = Decimal.min(rest, card.left);
      rest = rest.minus(part);
      const [row] = await tx.db
        .insert(paymentRefunds)
        .values({
          organizationId,
          id: deps.ids.uuid(),
          connectionId: card.connection_id,
          creditNoteId,
          paymentId: card.id,
          amount: part.toFixed(2),
          currency: creditNote.currency,
          status: 'requested',
          requestedById: actor.type === 'user' ? actor.id : null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new Error('refund insert returned nothing');
      made.push(row);
      await deps.queue.enqueue(tx, { name: 'payments.refund', data: { organizationId, refundId: row.id } });
    }
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'invoice',
      aggregateId: creditNoteId,
      action: 'invoice.refund_requested',
      actor,
      changes: { amount: amount.toFixed(2), refunds: made.map((r) => r.id) },
    });
    return {
      refundable: refundable.minus(amount).toFixed(2),
      items: await refundsOf(tx, organizationId, creditNoteId),
    };
  });

const lockRefund = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(paymentRefunds)
    .where(and(eq(paymentRefunds.organizationId, organizationId), eq(paymentRefunds.id, id)))
    .for('update');
  return row ?? null;
};

const setRefund = (tx: Tx, row: RefundRow, patch: Partial<RefundRow>, now: Date) =>
  tx.db
    .update(paymentRefunds)
    .set({ ...patch, updatedAt: now })
    .where(and(eq(paymentRefunds.organizationId, row.organizationId), eq(paymentRefunds.id, row.id)));

/**
 * A refund that could not be made or recorded goes to billing and the needs-review lane, in words that name
 * its credit note (read once, with its job).
 */
const toReview = async (tx: Tx, deps: Deps, row: RefundRow, message: (number: string) => string) => {
  const invoiceId = await documentOf(tx, row);
  const [doc] = await tx.db
    .select({ number: invoices.number, jobId: invoices.jobId })
    .from(invoices)
    .where(and(eq(invoices.organizationId, row.organizationId), eq(invoices.id, invoiceId)));
  const said = message(doc?.number ?? (row.creditNoteId ? 'the credit note' : 'the invoice'));
  await reviewOnlinePayment(tx, deps, {
    organizationId: row.organizationId,
    subject: `online-refund:${row.id}`,
    message: said,
    invoiceId,
    jobId: doc?.jobId ?? null,
    ...(row.checkoutId ? { unplacedCheckoutId: row.checkoutId } : {}),
  });
  await notifyRole(tx, deps, row.organizationId, 'billing', doc?.jobId ?? null, said, null, {
    kind: 'refund_failed',
    invoiceId,
  });
};

/** The document a refund belongs to: its credit note, or the invoice whose unplaced money goes back. */
const documentOf = async (tx: Pick<Tx, 'db'>, row: RefundRow): Promise<string> => {
  if (row.creditNoteId) return row.creditNoteId;
  const [c] = await tx.db
    .select({ invoiceId: paymentCheckouts.invoiceId })
    .from(paymentCheckouts)
    .where(
      and(
        eq(paymentCheckouts.organizationId, row.organizationId),
        eq(paymentCheckouts.id, row.checkoutId ?? ''),
      ),
    );
  if (!c) throw notFound('checkout');
  return c.invoiceId;
};

/** Unplaced money's refund, settled: nothing goes on the books (they never held it); the checkout says so. */
const settleUnplaced = async (tx: Tx, deps: Deps, row: RefundRow, state: RefundState, checkoutId: string) => {
  const now = deps.clock.now();
  const money = printAmount(new Decimal(row.amount).toFixed(2), row.currency);
  const ids = row.providerRefundId || !state.id ? {} : { providerRefundId: state.id };
  if (state.status === 'succeeded') {
    if (row.status === 'succeeded') return 'already recorded';
    await setRefund(tx, row, { status: 'succeeded', failure: null, ...ids }, now);
    await settleUnplacedRefund(tx, deps, { ...row, checkoutId }, true);
    return `sent ${money} of unplaced money back to the card`;
  }
  if (row.status === 'failed') return 'already failed';
  const afterSuccess = row.status === 'succeeded';
  await setRefund(tx, row, { status: 'failed', failure: state.failure, ...ids }, now);
  await settleUnplacedRefund(tx, deps, { ...row, checkoutId }, false);
  await toReview(tx, deps, row, (number) =>
    afterSuccess
      ? `Stripe now says the refund of ${money} paid online for ${number} failed (${state.failure}) after it had gone through: the money is back in the Stripe balance and still not in the books. Refund it again, or apply it.`
      : `The refund of ${money} paid online for ${number} (money that did not fit it) failed: ${state.failure}. It is still at Stripe and not in the books: refund it again, or apply what fits.`,
  );
  return `failed: ${state.failure}`;
};

/**
 * Where the provider says a refund stands, from its answer or its event, in any order and any number of
 * times: a success is recorded on the credit note once (the provider's refund ID is the reference); a
 * failure leaves the credit note owing and goes to review; a late "pending" never undoes either.
 */
export const settleRefund = async (tx: Tx, deps: Deps, row: RefundRow, state: RefundState) => {
  if (state.status !== 'pending' && row.checkoutId)
    return settleUnplaced(tx, deps, row, state, row.checkoutId);
  const now = deps.clock.now();
  const money = printAmount(new Decimal(row.amount).toFixed(2), row.currency);
  // A refusal has no provider ID: nothing to keep (and an empty one would clash with the next refusal's).
  const ids = row.providerRefundId || !state.id ? {} : { providerRefundId: state.id };
  if (state.status === 'pending') {
    if (row.status === 'requested') await setRefund(tx, row, { status: 'pending', ...ids }, now);
    return row.status === 'requested' ? 'pending' : `already ${row.status}`;
  }
  const creditNoteId = row.creditNoteId;
  if (!creditNoteId) throw new Error('a refund is of a credit note or of unplaced money');
  if (state.status === 'failed') {
    if (row.status === 'failed') return 'already failed';
    const afterSuccess = row.status === 'succeeded';
    if (!afterSuccess) await setRefund(tx, row, { status: 'failed', failure: state.failure, ...ids }, now);
    await toReview(tx, deps, row, (number) =>
      afterSuccess
        ? `Stripe now says the refund of ${money} for ${number} failed (${state.failure}) after it had gone through: the money is back in the Stripe balance. Refund the customer another way and record it.`
        : `The refund of ${money} to the customer’s card for ${number} failed: ${state.failure}. ${number} still owes it: refund another way and record it, or try again.`,
    );
    return `failed: ${state.failure}`;
  }
  if (row.status === 'succeeded') return 'already recorded';
  const today = businessDate(now, (await loadOrg(tx, row.organizationId)).timeZone);
  try {
    const { paymentId } = await recordPaymentIn(
      tx,
      deps,
      row.organizationId,
      {
        invoiceId: creditNoteId,
        amount: row.amount,
        receivedOn: today,
        method: 'card',
        reference: state.id,
      },
      SYSTEM_ACTOR,
    );
    await setRefund(tx, row, { status: 'succeeded', refundPaymentId: paymentId, failure: null, ...ids }, now);
    await queueReceipt(tx, deps, {
      organizationId: row.organizationId,
      invoiceId: creditNoteId,
      amount: row.amount,
      on: today,
      kind: 'refund',
    });
    return `recorded the refund of ${money}`;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    await setRefund(tx, row, { status: 'succeeded', failure: err.message, ...ids }, now);
    if (err.code === 'already_in_use') return 'already recorded';
    await toReview(
      tx,
      deps,
      row,
      (number) =>
        `${money} went back to the customer’s card for ${number} but could not be recorded there: ${err.message}. Record it by hand so the books match.`,
    );
    return `needs review: ${err.message}`;
  }
};

/**
 * The queue's half: asks the provider for one refund, exactly once whatever the retries (the refund's ID is
 * the idempotency key), and settles what it answers. A refusal is final and goes to review; a lost answer or a
 * provider outage is thrown, and the queue tries again with the same key.
 */
export const runOnlineRefund = async (deps: Deps, organizationId: string, refundId: string) => {
  const db = deps.database.db;
  const [row] = await db
    .select()
    .from(paymentRefunds)
    .where(and(eq(paymentRefunds.organizationId, organizationId), eq(paymentRefunds.id, refundId)));
  if (!row) throw notFound('refund');
  if (row.status !== 'requested') return { status: row.status };
  // The provider's payment it goes back against: the recorded payment's, or the unplaced money's.
  const [payment] = row.paymentId
    ? await db
        .select({ reference: payments.reference })
        .from(payments)
        .where(and(eq(payments.organizationId, organizationId), eq(payments.id, row.paymentId)))
    : await db
        .select({ reference: paymentCheckouts.paymentRef })
        .from(paymentCheckouts)
        .where(
          and(
            eq(paymentCheckouts.organizationId, organizationId),
            eq(paymentCheckouts.id, row.checkoutId ?? ''),
          ),
        );
  const [connection] = await db
    .select()
    .from(paymentConnections)
    .where(
      and(eq(paymentConnections.organizationId, organizationId), eq(paymentConnections.id, row.connectionId)),
    );
  if (!payment?.reference || !connection) throw notFound('payment');
  let state: RefundState;
  try {
    state = await gatewayOf(deps, connection).createRefund({
      paymentRef: payment.reference,
      amountMinor: toMinor(row.amount, row.currency),
      metadata: {
        closeoutRefundId: row.id,
        organizationId,
        ...(row.creditNoteId ? { creditNoteId: row.creditNoteId } : { checkoutId: row.checkoutId ?? '' }),
      },
      idempotencyKey: `closeout-refund-${row.id}`,
    });
  } catch (err) {
    if (!(err instanceof PaymentRefused)) {
      if (await unanswered(deps, row, err)) return { status: 'unanswered' };
      throw err;
    }
    state = { id: '', status: 'failed', failure: `Stripe refused it (${err.message})` };
  }
  const outcome = await deps.database.transaction(async (tx) => {
    const locked = await lockRefund(tx, organizationId, refundId);
    if (!locked) throw notFound('refund');
    return settleRefund(tx, deps, locked, state.id ? state : { ...state, id: locked.providerRefundId ?? '' });
  });
  return { status: state.status, outcome };
};

/**
 * Counts an unanswered ask on the refund; at the limit the refund goes to billing and the lane, still asked
 * for (the money may have gone: Stripe's event settles it if so), and the queue stops, so it never sits "asked
 * of Stripe" with nobody told. Reprocessing the lane entry asks again, with the same key. Answers whether it did.
 */
const unanswered = async (deps: Deps, row: RefundRow, err: unknown) =>
  deps.database.transaction(async (tx) => {
    const locked = await lockRefund(tx, row.organizationId, row.id);
    if (locked?.status !== 'requested') return true;
    const attempts = locked.attempts + 1;
    const message = err instanceof Error ? err.message : String(err);
    await setRefund(tx, locked, { attempts, lastError: message.slice(0, 500) }, deps.clock.now());
    if (attempts < REFUND_ATTEMPTS) return false;
    const money = printAmount(new Decimal(locked.amount).toFixed(2), locked.currency);
    await toReview(
      tx,
      deps,
      locked,
      (number) =>
        `Stripe did not answer the refund of ${money} for ${number} after ${attempts} tries (the last: ${message}). It may have gone through: look at the payment in Stripe first. Reprocess asks Stripe again for the same refund, which it makes once.`,
    );
    return true;
  });

/** The refund an event is about: ours by the ID we gave it, or by the provider's ID once we know it. */
export const refundOfEvent = async (
  tx: Tx,
  organizationId: string,
  connectionId: string,
  providerRefundId: string,
  metadata: Record<string, string>,
) => {
  const ours = metadata.closeoutRefundId;
  const [row] = await tx.db
    .select()
    .from(paymentRefunds)
    .where(
      and(
        eq(paymentRefunds.organizationId, organizationId),
        eq(paymentRefunds.connectionId, connectionId),
        ours && /^[0-9a-f-]{36}$/.test(ours)
          ? eq(paymentRefunds.id, ours)
          : eq(paymentRefunds.providerRefundId, providerRefundId),
      ),
    )
    .for('update');
  return row ?? null;
};
