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
  const lines: Omit<AccountingLine, 'taxAmount'>[] = [
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
  return {
    id: row.id,
    kind: row.kind,
    number: row.number ?? '',
    issueDate: row.issueDate ?? '',
    dueDate: row.dueDate,
    currency: row.currency,
    exchangeRate: doc.exchange?.rate ?? null,
    reference: doc.jobNumbers.join(', ') || (row.number ?? ''),
    contact: { customerId: customer.id, name: customer.name, email: doc.buyer.email, externalId: external },
    lines: lines.map((l, i) => ({ ...l, taxAmount: taxAmounts.get(i) ?? new Decimal(0).toFixed(decimals) })),
    taxTotal: doc.calc.totals.taxTotal,
    total: doc.calc.totals.taxInclusive,
  };
};

/**
 * The customer an invoice bills, whose row holds the connector IDs: its job's (per-job invoices) or its
 * series' (per-cycle invoices).
 */
export const invoiceCustomerId = (i: typeof invoices) =>
  sql<string>`coalesce(
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
