import { stringify } from 'csv-stringify/sync';
import Decimal from 'decimal.js';
import { and, asc, between, eq, isNotNull } from 'drizzle-orm';
import { ConnectorMappings, taxKey, taxKeyText } from '../../contracts/connectors';
import { csvText as t } from '../../core/csv';
import type { TaxTreatment } from '../../core/invoice-calc';
import { catalogItems, connectors, customers, invoices, taxCodes } from '../../db/schema/index';
import { documentOf } from '../invoicing/invoice-documents';
import type { Deps } from '../ports';
import { invoiceCustomerId, toAccountingInvoice } from './entries';
import type { AccountingLine } from './port';

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
  const names = format === 'quickbooks' ? await quickbooksNames(deps, organizationId) : null;
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
              // A colon makes QuickBooks' importer file the invoice under a sub-customer.
              t(buyer.replaceAll(':', ' ').replace(/\s+/g, ' ').trim()),
              acc.issueDate,
              acc.dueDate ?? acc.issueDate,
              t(acc.reference),
              t(names?.item(l) ?? item),
              t(l.description),
              qty,
              price(l.unitPrice),
              amount(l.amount),
              t(names?.tax(l, acc.salesTax) ?? tax),
              amount(l.taxAmount),
              acc.currency,
            ],
      );
    }
  }
  return stringify([format === 'xero' ? XERO_COLUMNS : QUICKBOOKS_COLUMNS, ...records]);
};

/**
 * QuickBooks' importer matches products and tax codes by name, never by the API's IDs: a line's product is
 * its price-book item's name (QuickBooks' own "Services" for lines without one, "Deposit" and "Discount" for
 * those lines), and its tax code the organization's tax code name for that rate (US sales tax: TAX or NON),
 * which the importer's tax step maps once to the company's codes.
 */
const quickbooksNames = async (deps: Deps, organizationId: string) => {
  const db = deps.database.db;
  const [items, codes] = await Promise.all([
    db
      .select({ sku: catalogItems.sku, name: catalogItems.name })
      .from(catalogItems)
      .where(eq(catalogItems.organizationId, organizationId)),
    db
      .select({
        name: taxCodes.name,
        category: taxCodes.category,
        jurisdiction: taxCodes.jurisdiction,
        rate: taxCodes.rate,
      })
      .from(taxCodes)
      .where(eq(taxCodes.organizationId, organizationId))
      .orderBy(asc(taxCodes.code)),
  ]);
  const itemName = new Map(items.map((i) => [i.sku, i.name]));
  const taxName = new Map<string, string>();
  for (const c of codes) {
    const key = taxKey({
      category: c.category as TaxTreatment['category'],
      jurisdiction: c.jurisdiction,
      rate: new Decimal(c.rate).toFixed(),
    });
    if (!taxName.has(key)) taxName.set(key, c.name);
  }
  return {
    item: (l: AccountingLine) =>
      l.account === 'deposit'
        ? 'Deposit'
        : l.kind === 'allowance'
          ? 'Discount'
          : ((l.sku ? itemName.get(l.sku) : undefined) ?? 'Services'),
    tax: (l: AccountingLine, salesTax: boolean) => {
      if (salesTax) return new Decimal(l.tax.rate).gt(0) ? 'TAX' : 'NON';
      const key = taxKey({ ...l.tax, rate: new Decimal(l.tax.rate).toFixed() });
      return taxName.get(key) ?? taxKeyText(key);
    },
  };
};
