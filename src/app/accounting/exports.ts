import { stringify } from 'csv-stringify/sync';
import Decimal from 'decimal.js';
import { and, asc, between, eq, isNotNull } from 'drizzle-orm';
import { ConnectorMappings, taxKey } from '../../contracts/connectors';
import { csvText as t } from '../../core/csv';
import { connectors, customers, invoices } from '../../db/schema/index';
import { documentOf } from '../invoicing/invoice-documents';
import type { Deps } from '../ports';
import { invoiceCustomerId, toAccountingInvoice } from './entries';

const XERO_COLUMNS = [
  '*ContactName',
  'EmailAddress',
  'POAddressLine1',
  'POAddressLine2',
  'POCity',
  'PORegion',
  'POPostalCode',
  'POCountry',
  '*InvoiceNumber',
  'Reference',
  '*InvoiceDate',
  '*DueDate',
  'InventoryItemCode',
  '*Description',
  '*Quantity',
  '*UnitAmount',
  '*AccountCode',
  '*TaxType',
  'TaxAmount',
  'Currency',
];

const QUICKBOOKS_COLUMNS = [
  'Invoice no',
  'Customer',
  'Invoice date',
  'Due date',
  'Memo',
  'Item(Product/Service)',
  'Item description',
  'Item quantity',
  'Item rate',
  'Item amount',
  'Item tax code',
  'Item tax amount',
  'Currency code',
];

/**
 * Issued invoices and credit notes of a period as CSV, one row per line; every text cell neutralized
 * against formula injection (csvText), number cells as they are (charges and the discount as lines
 * of their own, VAT spread over the lines so each document's tax adds up to ours). Items, accounts and tax
 * types come from the organization's connector mappings for that provider when there is one. A credit note's
 * lines carry negative quantities.
 */
export const invoicesCsv = async (
  deps: Deps,
  organizationId: string,
  format: 'xero' | 'quickbooks',
  from: string,
  to: string,
) => {
  const db = deps.database.db;
  const [connector] = await db
    .select()
    .from(connectors)
    .where(and(eq(connectors.organizationId, organizationId), eq(connectors.provider, format)));
  const m = connector ? ConnectorMappings.parse(connector.mappings) : ConnectorMappings.parse({});
  const rows = await db
    .select({ invoice: invoices, customer: customers })
    .from(invoices)
    .innerJoin(
      customers,
      and(
        eq(customers.organizationId, invoices.organizationId),
        // The buyer is the job's customer; a cycle invoice's comes from its series.
        eq(customers.id, invoiceCustomerId(invoices)),
      ),
    )
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        isNotNull(invoices.number),
        between(invoices.issueDate, from, to),
      ),
    )
    .orderBy(asc(invoices.number));
  const records: string[][] = [];
  for (const { invoice, customer } of rows) {
    const acc = toAccountingInvoice(invoice, customer, format);
    const sign = invoice.kind === 'credit_note' ? -1 : 1;
    const doc = documentOf(invoice);
    const address = doc.buyer.address;
    // The name on the issued document, not the customer's name today.
    const buyer = doc.buyer.name;
    const decimals = doc.calc.decimals;
    // Amounts to the currency's minor unit, every row alike; a unit price keeps its extra decimals.
    const amount = (v: Decimal.Value) => new Decimal(v).times(sign).toFixed(decimals);
    const price = (v: string) => new Decimal(v).toFixed(Math.max(decimals, new Decimal(v).decimalPlaces()));
    for (const l of acc.lines) {
      const qty = new Decimal(l.quantity).times(sign).toFixed();
      const deposit = l.account === 'deposit';
      const item = deposit
        ? format === 'quickbooks'
          ? (m.depositAccount ?? '')
          : ''
        : l.sku
          ? (m.items[l.sku] ?? m.defaultItem ?? l.sku)
          : (m.defaultItem ?? '');
      const account = deposit ? (m.depositAccount ?? '') : (m.accountCode ?? '');
      const tax = m.taxTypes[taxKey(l.tax)] ?? taxKey(l.tax);
      records.push(
        format === 'xero'
          ? [
              t(buyer),
              t(acc.contact.email ?? ''),
              t(address.line1),
              t(address.line2 ?? ''),
              t(address.city),
              t(address.region ?? ''),
              t(address.postalCode),
              t(address.country),
              acc.number,
              t(acc.reference),
              acc.issueDate,
              acc.dueDate ?? acc.issueDate,
              t(item),
              t(l.description),
              qty,
              price(l.unitPrice),
              t(account),
              t(tax),
              amount(l.taxAmount),
              acc.currency,
            ]
          : [
              acc.number,
              t(buyer),
              acc.issueDate,
              acc.dueDate ?? acc.issueDate,
              t(acc.reference),
              t(item),
              t(l.description),
              qty,
              price(l.unitPrice),
              amount(l.amount),
              t(tax),
              amount(l.taxAmount),
              acc.currency,
            ],
      );
    }
  }
  return stringify([format === 'xero' ? XERO_COLUMNS : QUICKBOOKS_COLUMNS, ...records]);
};
