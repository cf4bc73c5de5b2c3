import Decimal from 'decimal.js';
import { sql } from 'drizzle-orm';
import { allocate } from '../../core/allocate';
import { taxGroupKey } from '../../core/invoice-calc';
import type { customers, invoices } from '../../db/schema';
import { documentOf, type InvoiceRow } from '../invoicing/invoice-documents';
import type { Deps } from '../ports';
import type { AccountingInvoice, AccountingLine } from './port';

/** What a push sends: our issued document flattened into the port's shape, and the customer's provider IDs. */

/** Our document, flattened for a provider: charges and allowances become lines, VAT spread per line to the cent. */
export const toAccountingInvoice = (
  row: InvoiceRow,
  customer: typeof customers.$inferSelect,
  provider: string,
): AccountingInvoice => {
  const doc = documentOf(row);
  const decimals = doc.calc.decimals;
  // A payment request (and a credit note withdrawing or refunding one) is no sale: it is held as a deposit.
  const account = doc.profile === 'payment_request' ? ('deposit' as const) : ('revenue' as const);
  const lines: Omit<AccountingLine, 'taxAmount' | 'account'>[] = [
    ...doc.lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      amount: l.netAmount,
      sku: l.sku,
      tax: l.tax,
      kind: 'item' as const,
    })),
    ...doc.calc.charges.map((c) => ({
      description: c.reason,
      quantity: '1',
      unitPrice: c.amount,
      amount: c.amount,
      sku: null,
      tax: c.tax,
      kind: 'charge' as const,
    })),
    ...doc.calc.allowances.map((a) => ({
      description: a.reason,
      quantity: '1',
      unitPrice: new Decimal(a.amount).neg().toFixed(decimals),
      amount: new Decimal(a.amount).neg().toFixed(decimals),
      sku: null,
      tax: a.tax,
      kind: 'allowance' as const,
    })),
  ];
  const taxAmounts = new Map<number, string>();
  for (const sub of doc.calc.taxSubtotals) {
    const idx = lines.map((l, i) => ({ l, i })).filter(({ l }) => taxGroupKey(l.tax) === taxGroupKey(sub));
    const parts = allocate(
      sub.taxAmount,
      idx.map(({ l }) => l.amount),
      decimals,
    );
    idx.forEach(({ i }, k) => {
      taxAmounts.set(i, parts[k] ?? '0');
    });
  }
  const external = customer.externalIds[provider] ?? null;
  const booked: AccountingLine[] = lines.map((l, i) => ({
    ...l,
    account,
    taxAmount: taxAmounts.get(i) ?? new Decimal(0).toFixed(decimals),
  }));
  // What was paid on payment requests (BT-113) leaves the deposits held: the provider's invoice then owes
  // what ours does, its revenue is the whole supply, and the deposit account is back to nothing.
  const prepaid = new Decimal(doc.calc.totals.prepaid);
  if (prepaid.gt(0))
    booked.push({
      description: 'Deposit already paid',
      quantity: '1',
      unitPrice: prepaid.neg().toFixed(decimals),
      amount: prepaid.neg().toFixed(decimals),
      sku: null,
      tax: { category: null, rate: '0', jurisdiction: null },
      kind: 'deposit',
      account: 'deposit',
      taxAmount: new Decimal(0).toFixed(decimals),
    });
  // The rounding amount (BT-114) that brought the documents of a job to its price: no sale and no tax, a
  // line of its own so the provider's document owes what ours does, to the cent.
  const rounding = new Decimal(doc.calc.totals.rounding);
  if (!rounding.isZero())
    booked.push({
      description: 'Rounding',
      quantity: '1',
      unitPrice: rounding.toFixed(decimals),
      amount: rounding.toFixed(decimals),
      sku: null,
      tax: { category: null, rate: '0', jurisdiction: null },
      kind: 'charge',
      account,
      taxAmount: new Decimal(0).toFixed(decimals),
    });
  return {
    id: row.id,
    kind: row.kind,
    number: row.number ?? '',
    issueDate: row.issueDate ?? '',
    dueDate: row.dueDate,
    currency: row.currency,
    exchangeRate: doc.exchange?.rate ?? null,
    reference: doc.jobNumbers.join(', ') || (row.number ?? ''),
    // The customer as they are now (an address added since is used on reprocess), not the document's copy.
    contact: {
      customerId: customer.id,
      name: customer.name,
      email: customer.email ?? doc.buyer.email,
      externalId: external,
    },
    lines: booked,
    salesTax: doc.profile === 'us_sales_tax',
    taxTotal: doc.calc.totals.taxTotal,
    total: new Decimal(doc.calc.totals.taxInclusive).minus(prepaid).plus(rounding).toFixed(decimals),
  };
};

/**
 * The customer an invoice bills, whose row holds the connector IDs: the one it was drafted for, else its
 * job's (per-job invoices) or its series' (per-cycle invoices). A document of neither (a late fee, a
 * convenience fee) has only the first: without it, it never reached the books.
 */
export const invoiceCustomerId = (i: typeof invoices) =>
  sql<string>`coalesce(
    ${i.customerId},
    (SELECT j.customer_id FROM jobs j WHERE j.organization_id = ${i.organizationId} AND j.id = ${i.jobId}),
    (SELECT s.customer_id FROM series s WHERE s.organization_id = ${i.organizationId} AND s.id = ${i.seriesId}))`;

/** Immutable once set: a customer's ID in a connector is written once and never replaced. */
export const storeExternalId = async (
  deps: Deps,
  organizationId: string,
  customerId: string,
  provider: string,
  externalId: string,
) => {
  await deps.database.raw.query(
    `UPDATE customers SET external_ids = external_ids || jsonb_build_object($3::text, $4::text)
      WHERE organization_id = $1 AND id = $2 AND NOT (external_ids ? $3)`,
    [organizationId, customerId, provider, externalId],
  );
};
