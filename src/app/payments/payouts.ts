import Decimal from 'decimal.js';
import { and, eq, inArray } from 'drizzle-orm';
import { SYSTEM_ACTOR } from '../../core/principal';
import { businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { type PayoutItem, paymentPayouts, payments } from '../../db/schema';
import { linkPayoutIn, payoutEntryFor } from '../collections/bank-matching';
import { loadOrg } from '../invoicing/invoice-store';
import type { Deps } from '../ports';
import type { Payout, PayoutLine } from './port';
import { fromMinor } from './start-checkout';

/**
 * Payouts (#24): what the provider sent to the bank, stored once from its event with the payments it settles
 * and the fees it kept, then reconciled with the bank credit that brought it: the credit is the payout, not a
 * customer's payment (those were recorded when the customers paid online), so it pays no invoice again.
 */

/** In the event's transaction: the payout and its lines, once; then the bank credit it is, when imported already. */
export const receivePayoutIn = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  connectionId: string,
  payout: Payout,
  lines: PayoutLine[],
): Promise<string> => {
  const org = await loadOrg(tx, organizationId);
  const refs = [...new Set(lines.flatMap((l) => (l.paymentRef ? [l.paymentRef] : [])))];
  const ours = refs.length
    ? await tx.db
        .select({ id: payments.id, invoiceId: payments.invoiceId, reference: payments.reference })
        .from(payments)
        .where(and(eq(payments.organizationId, organizationId), inArray(payments.reference, refs)))
    : [];
  const cur = payout.currency;
  const items: PayoutItem[] = lines.map((l) => {
    const p = ours.find((x) => x.reference === l.paymentRef);
    return {
      type: l.type,
      paymentRef: l.paymentRef,
      paymentId: p?.id ?? null,
      invoiceId: p?.invoiceId ?? null,
      gross: fromMinor(l.grossMinor, cur),
      fee: fromMinor(l.feeMinor, cur),
      net: fromMinor(l.netMinor, cur),
    };
  });
  const sum = (k: 'gross' | 'fee') => items.reduce((s, i) => s.plus(i[k]), new Decimal(0)).toFixed(2);
  const [row] = await tx.db
    .insert(paymentPayouts)
    .values({
      organizationId,
      id: deps.ids.uuid(),
      connectionId,
      providerPayoutId: payout.id,
      amount: fromMinor(payout.amountMinor, cur),
      gross: sum('gross'),
      fees: sum('fee'),
      currency: cur,
      arrivalDate: businessDate(payout.arrivalDate, org.timeZone),
      items,
      createdAt: deps.clock.now(),
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return 'already recorded';
  const entry = await payoutEntryFor(tx, organizationId, row);
  if (!entry) return `payout of ${row.amount} ${cur} recorded: its bank credit is not imported yet`;
  await linkPayoutIn(tx, deps, entry, row, SYSTEM_ACTOR);
  return `payout of ${row.amount} ${cur} recorded and reconciled with the bank`;
};
