import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { PaymentBody } from '../../contracts/invoices';
import { customerTranslator } from '../../core/i18n';
import type { Tx } from '../../db/client';
import { customers, invoices, organizations } from '../../db/schema';
import { outstandingOf } from '../invoicing/invoice-store';
import { portalLinkFor } from '../portal/portal-links';
import type { Deps } from '../ports';
import { recipientOf } from '../quotes/send-quote';

/** How money moves, as the payment contract names it. */
export type PaymentMethod = z.infer<typeof PaymentBody>['method'];

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
      orgLanguage: organizations.language,
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
  const w = customerTranslator(row.customer.language, row.orgLanguage);
  const number = row.invoice.number ?? w.t('receipt.yourInvoice');
  const money = w.amount(new Decimal(m.amount).toFixed(2), row.invoice.currency);
  const left = outstandingOf(row.invoice);
  const link = await portalLinkFor(tx, deps, m.organizationId, row.customer.id);
  const method = m.method ?? 'card';
  // How the money moved, as the sentence says it ("… by bank transfer"); "other" says nothing.
  const how = method === 'other' ? '' : w.t(`receipt.how.${method}`);
  const facts = { amount: money, how, number, date: w.date(m.on) };
  const body =
    m.kind === 'payment'
      ? `${w.t('receipt.received', facts)} ${
          left.gt(0)
            ? w.t('receipt.stillToPay', { amount: w.amount(left.toFixed(2), row.invoice.currency) })
            : w.t('receipt.nothingLeft')
        }`
      : method === 'card'
        ? w.t('receipt.refundToCard', facts)
        : w.t('receipt.refund', facts);
  await deps.queue.enqueue(tx, {
    name: 'email.send',
    data: {
      to: [to],
      subject: w.t(m.kind === 'payment' ? 'receipt.subjectPayment' : 'receipt.subjectRefund', {
        amount: money,
        number,
      }),
      text: `${w.t('receipt.greeting', { name: row.customer.name })}\n\n${body}\n\n${w.t('receipt.portal', { url: link })}\n\n${row.org}\n`,
      fromName: row.org,
      ...(row.replyTo ? { replyTo: row.replyTo } : {}),
    },
  });
};
