import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import { printAmount } from '../../core/money';
import { SYSTEM_ACTOR } from '../../core/principal';
import { businessDate, printDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { paymentChargebacks, paymentCheckouts } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { settleIntegrationError } from '../integrations/integration-errors';
import { loadOrg } from '../invoicing/invoice-store';
import { recordPaymentIn } from '../invoicing/record-payment';
import { reversePaymentIn } from '../invoicing/reverse-payment';
import type { Deps } from '../ports';
import type { Chargeback } from './port';
import { reviewOnlinePayment } from './review';
import { fromMinor } from './start-checkout';

type Row = typeof paymentChargebacks.$inferSelect;

/** How far a chargeback has gone: a stage never moves back, whatever order the events arrive in. */
const RANK: Record<Row['status'], number> = { inquiry: 0, open: 1, won: 2, lost: 2 };

/** An online payment taken through this connection, by the provider's reference (a PaymentIntent). */
export const onlinePaymentOf = async (
  tx: Tx,
  organizationId: string,
  connectionId: string,
  paymentRef: string,
) => {
  const { rows } = await tx.raw.query<{
    id: string;
    invoice_id: string;
    amount: string;
    number: string | null;
    job_id: string | null;
    currency: string;
  }>(
    `SELECT p.id, p.invoice_id, p.amount::text, i.number, i.job_id, i.currency
       FROM payments p
       JOIN payment_checkouts c ON c.organization_id = p.organization_id AND c.payment_id = p.id
       JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
      WHERE p.organization_id = $1 AND c.connection_id = $2 AND p.reference = $3
      LIMIT 1`,
    [organizationId, connectionId, paymentRef],
  );
  return rows[0] ?? null;
};

const subjectOf = (row: Pick<Row, 'id'>) => `chargeback:${row.id}`;

/**
 * How a disputed amount falls on the payments one card payment made: the document's own, then the
 * convenience fee's (its own invoice) for what is beyond it. Without a fee, all of it on the document's.
 */
const chargebackParts = async (
  tx: Tx,
  organizationId: string,
  paid: { id: string; invoice_id: string; amount: string },
  amount: string,
) => {
  const [checkout] = await tx.db
    .select({ feeInvoiceId: paymentCheckouts.feeInvoiceId, feePaymentId: paymentCheckouts.feePaymentId })
    .from(paymentCheckouts)
    .where(and(eq(paymentCheckouts.organizationId, organizationId), eq(paymentCheckouts.paymentId, paid.id)));
  const total = new Decimal(amount);
  const own = Decimal.min(total, paid.amount);
  const rest = total.minus(own);
  if (!rest.gt(0) || !checkout?.feePaymentId || !checkout.feeInvoiceId)
    return [{ paymentId: paid.id, invoiceId: paid.invoice_id, amount: total.toFixed() }];
  return [
    { paymentId: paid.id, invoiceId: paid.invoice_id, amount: own.toFixed() },
    { paymentId: checkout.feePaymentId, invoiceId: checkout.feeInvoiceId, amount: rest.toFixed() },
  ];
};

/**
 * A chargeback's news from the provider, at any stage and in any order, acted on once per stage reached:
 * - open (or lost without our having seen it open): the money is gone, so the payment is reversed, the
 *   document is owed again, and billing is told what the bank said and by when to answer;
 * - won after open: the money is back, recorded as a new payment;
 * - an inquiry moves no money: billing is asked to answer it.
 * Every step is on the document's history and in the needs-review lane until it is settled.
 */
export const receiveChargeback = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  connectionId: string,
  cb: Chargeback,
): Promise<string> => {
  const now = deps.clock.now();
  const paid = await onlinePaymentOf(tx, organizationId, connectionId, cb.paymentRef);
  if (!paid) return 'ignored: not a payment taken through Closeout';
  const amount = fromMinor(cb.amountMinor, cb.currency);
  const money = printAmount(amount, cb.currency);
  const number = paid.number ?? 'the invoice';
  const [inserted] = await tx.db
    .insert(paymentChargebacks)
    .values({
      organizationId,
      id: deps.ids.uuid(),
      connectionId,
      providerDisputeId: cb.id,
      invoiceId: paid.invoice_id,
      paymentId: paid.id,
      amount,
      currency: cb.currency,
      reason: cb.reason,
      // Inserted at its first stage; the update below moves it to the one this event reports.
      status: 'inquiry',
      respondBy: cb.respondBy,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: paymentChargebacks.id });
  const [row] = await tx.db
    .select()
    .from(paymentChargebacks)
    .where(
      and(
        eq(paymentChargebacks.organizationId, organizationId),
        eq(paymentChargebacks.connectionId, connectionId),
        eq(paymentChargebacks.providerDisputeId, cb.id),
      ),
    )
    .for('update');
  if (!row) throw new Error('chargeback row vanished');
  const fresh = inserted !== undefined;
  if (!fresh && RANK[cb.stage] <= RANK[row.status]) return `already ${row.status}`;
  const { timeZone } = await loadOrg(tx, organizationId);
  const today = businessDate(now, timeZone);
  const by = cb.respondBy ? ` by ${printDate(businessDate(cb.respondBy, timeZone))}` : '';
  const moneyWasTaken = row.status === 'open' || row.status === 'lost';
  const set = (patch: Partial<Row>) =>
    tx.db
      .update(paymentChargebacks)
      .set({ ...patch, updatedAt: now, respondBy: cb.respondBy ?? row.respondBy })
      .where(and(eq(paymentChargebacks.organizationId, organizationId), eq(paymentChargebacks.id, row.id)));
  const tell = async (message: string, lane: boolean) => {
    if (lane)
      await reviewOnlinePayment(tx, deps, {
        organizationId,
        subject: subjectOf(row),
        message,
        invoiceId: paid.invoice_id,
        jobId: paid.job_id,
      });
    for (const role of ['billing', 'owner'] as const)
      await notifyRole(tx, deps, organizationId, role, paid.job_id, message, null, {
        kind: 'chargeback',
        invoiceId: paid.invoice_id,
      });
  };

  /** The case leaves the needs-review lane by itself. */
  const settled = (why: string) =>
    settleIntegrationError(tx, deps, organizationId, 'online_payment', subjectOf(row), why);

  if (cb.stage === 'inquiry') {
    await set({ status: 'inquiry' });
    await tell(
      `The customer’s bank asks about ${money} paid by card on ${number}: ${cb.reason}. No money has moved yet. Answer at Stripe${by} with the proof of the work, or it may become a chargeback.`,
      true,
    );
    return 'inquiry';
  }
  // The money disputed: the document's payment first, then its convenience fee's (one card payment paid both).
  const parts = await chargebackParts(tx, organizationId, paid, amount);
  if ((cb.stage === 'open' || cb.stage === 'lost') && !moneyWasTaken) {
    try {
      for (const part of parts)
        await reversePaymentIn(
          tx,
          deps,
          organizationId,
          { paymentId: part.paymentId, amount: part.amount, on: today, reference: cb.id },
          SYSTEM_ACTOR,
        );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await set({ status: cb.stage });
      await tell(
        `The customer’s bank took back ${money} paid by card on ${number} (${cb.reason}), but it could not be taken off the books: ${err.message}. Correct it by hand.`,
        true,
      );
      return `needs review: ${err.message}`;
    }
    await set({ status: cb.stage });
    await tell(
      cb.stage === 'open'
        ? `The customer’s bank took back ${money} paid by card on ${number}: ${cb.reason}. ${number} is owed again. Send Stripe the proof of the work (the signed report, the photos)${by}, or settle it with the customer.`
        : `The customer’s bank took back ${money} paid by card on ${number} for good: ${cb.reason}. ${number} is owed again.`,
      true,
    );
    return `reversed ${money} on ${number}`;
  }
  if (cb.stage === 'won' && moneyWasTaken) {
    try {
      let reinstated: string | null = null;
      for (const part of parts) {
        const { paymentId } = await recordPaymentIn(
          tx,
          deps,
          organizationId,
          {
            invoiceId: part.invoiceId,
            amount: part.amount,
            receivedOn: today,
            method: 'card',
            reference: `${cb.id} (won)`,
          },
          SYSTEM_ACTOR,
        );
        reinstated ??= paymentId;
      }
      await set({ status: 'won', reinstatedPaymentId: reinstated });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await set({ status: 'won' });
      await tell(
        `The chargeback of ${money} on ${number} was decided for you and Stripe paid it back, but it could not be recorded: ${err.message}. Record it by hand or refund it.`,
        true,
      );
      return `needs review: ${err.message}`;
    }
    await settled('chargeback won');
    await tell(
      `The chargeback of ${money} on ${number} was decided for you: the money is back and recorded.`,
      false,
    );
    return `won: ${money} recorded again on ${number}`;
  }
  // Won before any money moved (an inquiry closed), or lost after the money was already taken back.
  await set({ status: cb.stage });
  if (cb.stage === 'won') await settled('inquiry closed');
  else
    await tell(
      `The chargeback of ${money} on ${number} was decided for the customer: the money stays with them and ${number} is owed. Settle it with the customer, or credit it.`,
      true,
    );
  return cb.stage;
};
