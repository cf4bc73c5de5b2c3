import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { PaymentBody } from '../../contracts/invoices';
import { printAmount } from '../../core/money';
import { printDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { customers, invoices, organizations } from '../../db/schema';
import { outstandingOf } from '../invoicing/invoice-store';
import { portalLinkFor } from '../portal/portal-links';
import type { Deps } from '../ports';
import { recipientOf } from '../quotes/send-quote';

/** How money moves, as the payment contract names it. */
export type PaymentMethod = z.infer<typeof PaymentBody>['method'];

/** How the money moved, as the receipt's sentence says it. */
const HOW: Record<PaymentMethod, string> = {
  card: ' by card',
  bank_transfer: ' by bank transfer',
  cash: ' in cash',
  check: ' by cheque',
  other: '',
};

/**
 * The customer's receipt for money that moved online, or that the office recorded and asked a receipt for: a payment taken, or a refund sent back to their card.
 * Written to the e-mail queue in the transaction that recorded the money, so it goes once, after the commit,
 * with the link to their page. Nothing is sent to a customer without an address.
 */
export const queueReceipt = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'secrets' | 'publicUrl' | 'queue'>,
  m: {
    organizationId: string;
    invoiceId: string;
    amount: string;
    on: string;
    kind: 'payment' | 'refund';
    /** How the money moved; online payments and refunds are by card. */
    method?: PaymentMethod | undefined;
  },
) => {
  const [row] = await tx.db
    .select({
      invoice: invoices,
      customer: customers,
      org: organizations.name,
      replyTo: organizations.replyToEmail,
    })
    .from(invoices)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, invoices.organizationId), eq(customers.id, invoices.customerId)),
    )
    .innerJoin(organizations, eq(organizations.id, invoices.organizationId))
    .where(and(eq(invoices.organizationId, m.organizationId), eq(invoices.id, m.invoiceId)));
  const to = row ? recipientOf(row.customer) : null;
  if (!row || !to) return;
  const number = row.invoice.number ?? 'your invoice';
  const money = printAmount(new Decimal(m.amount).toFixed(2), row.invoice.currency);
  const left = outstandingOf(row.invoice);
  const link = await portalLinkFor(tx, deps, m.organizationId, row.customer.id);
  const method = m.method ?? 'card';
  const body =
    m.kind === 'payment'
      ? `Thank you: we received ${money}${HOW[method]} for ${number} on ${printDate(m.on)}. ${
          left.gt(0)
            ? `${printAmount(left.toFixed(2), row.invoice.currency)} is still to pay on it.`
            : 'Nothing is left to pay on it.'
        }`
      : method === 'card'
        ? `We have sent ${money} back to your card for ${number} on ${printDate(m.on)}. Banks take 5 to 10 days to show it on your statement.`
        : `We have paid you back ${money}${HOW[method]} for ${number} on ${printDate(m.on)}.`;
  await deps.queue.enqueue(tx, {
    name: 'email.send',
    data: {
      to: [to],
      subject: m.kind === 'payment' ? `Receipt: ${money} for ${number}` : `Refund of ${money} for ${number}`,
      text: `Dear ${row.customer.name},\n\n${body}\n\nYour invoices, payments and receipts: ${link}\n\n${row.org}\n`,
      fromName: row.org,
      ...(row.replyTo ? { replyTo: row.replyTo } : {}),
    },
  });
};
