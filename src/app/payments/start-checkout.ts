import Decimal from 'decimal.js';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { amountDecimals, printAmount } from '../../core/money';
import { customers, type invoices, organizations, paymentCheckouts } from '../../db/schema';
import { outstandingOf } from '../invoicing/invoice-store';
import { portalUrl } from '../portal/portal-links';
import { portalDocument } from '../portal/portal-view';
import type { Deps } from '../ports';
import { recipientOf } from '../quotes/send-quote';
import { feeFor, feeRuleOf } from './online-fees';
import { activePaymentConnection, gatewayOf } from './payment-connections';

/**
 * Minor units as providers count money, by ISO 4217's own exponent (not EN 16931's cap of two): 123.45 EUR
 * is 12345, 1500 JPY is 1500, 1.25 KWD is 1250 (Stripe counts three-decimal currencies in thousandths).
 */
export const toMinor = (amount: Decimal.Value, currency: string) => {
  const minor = new Decimal(amount).times(new Decimal(10).pow(amountDecimals(currency, false)));
  if (!minor.isInteger()) throw new Error(`${amount} ${currency} has more decimals than the currency`);
  return minor.toNumber();
};
/** Back from minor units to the document's amount (two decimals at most, as every document counts). */
export const fromMinor = (minor: number, currency: string) =>
  new Decimal(minor)
    .div(new Decimal(10).pow(amountDecimals(currency, false)))
    .toFixed(amountDecimals(currency, true));

/**
 * "Pay now" on the portal: a hosted checkout at the organization's provider for what is outstanding on the
 * document. A checkout still open for the same amount is reused, so a second tap does not open a second
 * one. The payment is recorded when the provider's signed event arrives, never from the customer's return.
 */
export const startCheckout = async (deps: Deps, token: string, invoiceId: string) => {
  const { invoice } = await portalDocument(deps.database, token, invoiceId, deps.clock.now());
  return openCheckout(deps, invoice, portalUrl(deps, token));
};

/**
 * A hosted checkout at the organization's provider for what is outstanding on an issued document, reused
 * while one is open for the same amount; `back` is where the customer returns (with `?paid=` on success).
 */
export const openCheckout = async (deps: Deps, invoice: typeof invoices.$inferSelect, back: string) => {
  const now = deps.clock.now();
  const who = { organizationId: invoice.organizationId };
  const connection = await activePaymentConnection(deps.database, who.organizationId);
  const outstanding = outstandingOf(invoice);
  if (!connection)
    throw new AppError(
      'invalid_transition',
      'Online payment is not offered: pay by the transfer details on the invoice',
      {
        fields: [{ field: 'id', message: 'no online payment' }],
      },
    );
  if (invoice.kind === 'credit_note' || !outstanding.gt(0))
    throw new AppError('invalid_transition', `${invoice.number} has nothing left to pay`, {
      fields: [{ field: 'id', message: 'nothing to pay' }],
    });
  const amount = outstanding.toFixed(amountDecimals(invoice.currency, true));
  const [org] = await deps.database.db
    .select()
    .from(organizations)
    .where(eq(organizations.id, who.organizationId));
  if (!org) throw notFound('organization');
  // The convenience fee, where the organization charges one: the customer saw it before tapping Pay.
  const rule = await feeRuleOf(deps.database, org, connection);
  const fee = feeFor(rule, invoice, outstanding);
  const [open] = await deps.database.db
    .select()
    .from(paymentCheckouts)
    .where(
      and(
        eq(paymentCheckouts.organizationId, who.organizationId),
        eq(paymentCheckouts.invoiceId, invoice.id),
        eq(paymentCheckouts.connectionId, connection.id),
        eq(paymentCheckouts.status, 'open'),
        eq(paymentCheckouts.amount, amount),
        fee ? eq(paymentCheckouts.fee, fee.payable) : isNull(paymentCheckouts.fee),
        gt(paymentCheckouts.expiresAt, new Date(now.getTime() + 5 * 60_000)),
      ),
    )
    .orderBy(desc(paymentCheckouts.createdAt))
    .limit(1);
  if (open) return { url: open.url };
  const [customer] = invoice.customerId
    ? await deps.database.db
        .select()
        .from(customers)
        .where(and(eq(customers.organizationId, who.organizationId), eq(customers.id, invoice.customerId)))
    : [];
  const id = deps.ids.uuid();
  const checkout = await gatewayOf(deps, connection).createCheckout({
    amountMinor: toMinor(fee ? new Decimal(amount).plus(fee.payable) : amount, invoice.currency),
    currency: invoice.currency,
    description: fee
      ? `${invoice.number} · ${org.name} · incl. ${printAmount(fee.payable, invoice.currency)} convenience fee`
      : `${invoice.number} · ${org.name}`,
    customerEmail: customer ? recipientOf(customer) : null,
    successUrl: `${back}?paid=${invoice.id}`,
    cancelUrl: back,
    metadata: { organizationId: who.organizationId, invoiceId: invoice.id, checkoutId: id },
    idempotencyKey: `closeout-checkout-${id}`,
    methods: connection.methods,
  });
  await deps.database.db.insert(paymentCheckouts).values({
    organizationId: who.organizationId,
    id,
    connectionId: connection.id,
    invoiceId: invoice.id,
    providerCheckoutId: checkout.id,
    url: checkout.url,
    amount,
    currency: invoice.currency,
    ...(fee && rule ? { feeNet: fee.net, feeTax: rule.tax, fee: fee.payable } : {}),
    status: 'open',
    expiresAt: checkout.expiresAt ?? new Date(now.getTime() + 24 * 3_600_000),
    createdAt: now,
    updatedAt: now,
  });
  return { url: checkout.url };
};
