import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { rfReference } from '../../core/bank-matching';
import type { CalcAdjustment, TaxTreatment } from '../../core/invoice-calc';
import {
  type Address,
  exchangeText,
  type InvoiceDocument,
  type IssuedHeader,
  type Party,
} from '../../core/invoice-document';

/**
 * UBL 2.1 Invoice / CreditNote, following Peppol BIS Billing 3.0 when both parties have Peppol IDs and
 * plain EN 16931 otherwise. Element order follows the UBL 2.1 schema sequence (the XSD rejects any other).
 */

const NS = {
  invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  creditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};
const PEPPOL_CUSTOMIZATION = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
const PEPPOL_PROFILE = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';
const EN16931_CUSTOMIZATION = 'urn:cen.eu:en16931:2017';

/** UNTDID 1001: commercial invoice, prepayment invoice (deposit), credit note. */
const TYPE_CODE = { invoice: '380', deposit_invoice: '386', credit_note: '381' } as const;

type El = XMLBuilder;

const cbc = (parent: El, name: string, text: string | null | undefined, attrs?: Record<string, string>) => {
  if (text === null || text === undefined || text === '') return parent;
  parent.ele(NS.cbc, `cbc:${name}`, attrs).txt(text);
  return parent;
};
const cac = (parent: El, name: string): El => parent.ele(NS.cac, `cac:${name}`);

const address = (parent: El, name: 'PostalAddress' | 'Address', a: Address) => {
  const el = cac(parent, name);
  cbc(el, 'StreetName', a.line1);
  cbc(el, 'AdditionalStreetName', a.line2);
  cbc(el, 'CityName', a.city);
  cbc(el, 'PostalZone', a.postalCode);
  cbc(el, 'CountrySubentity', a.region);
  cbc(cac(el, 'Country'), 'IdentificationCode', a.country);
};

const party = (parent: El, name: string, p: Party, peppol: boolean) => {
  const el = cac(cac(parent, name), 'Party');
  if (peppol && p.endpoint) cbc(el, 'EndpointID', p.endpoint.id, { schemeID: p.endpoint.scheme });
  cbc(cac(el, 'PartyName'), 'Name', p.name);
  address(el, 'PostalAddress', p.address);
  if (p.vatId) {
    const ts = cac(el, 'PartyTaxScheme');
    cbc(ts, 'CompanyID', p.vatId);
    cbc(cac(ts, 'TaxScheme'), 'ID', 'VAT');
  }
  const legal = cac(el, 'PartyLegalEntity');
  cbc(legal, 'RegistrationName', p.legalName ?? p.name);
  cbc(legal, 'CompanyID', p.companyId);
  if (p.email || p.phone) {
    const contact = cac(el, 'Contact');
    cbc(contact, 'Telephone', p.phone);
    cbc(contact, 'ElectronicMail', p.email);
  }
};

/** A tax category (BG-23 / BT-151): category O carries no rate (BR-O-05). */
const taxCategory = (
  parent: El,
  name: 'TaxCategory' | 'ClassifiedTaxCategory',
  t: TaxTreatment,
  withReason: boolean,
) => {
  const el = cac(parent, name);
  // US sales tax has no VAT category: taxable or exempt, with the jurisdiction named.
  cbc(el, 'ID', t.category ?? (Number(t.rate) > 0 ? 'S' : 'E'));
  if (t.category === null && t.jurisdiction) cbc(el, 'Name', t.jurisdiction);
  if (t.category !== 'O') cbc(el, 'Percent', t.rate);
  if (withReason) {
    cbc(el, 'TaxExemptionReasonCode', t.exemptionReasonCode);
    cbc(el, 'TaxExemptionReason', t.exemptionReason);
  }
  cbc(cac(el, 'TaxScheme'), 'ID', t.category === null ? 'SALESTAX' : 'VAT');
};

const allowanceCharge = (
  parent: El,
  chargeIndicator: boolean,
  a: CalcAdjustment,
  currency: string,
  tax: TaxTreatment | null,
) => {
  const el = cac(parent, 'AllowanceCharge');
  cbc(el, 'ChargeIndicator', String(chargeIndicator));
  cbc(el, 'AllowanceChargeReasonCode', a.reasonCode);
  cbc(el, 'AllowanceChargeReason', a.reason);
  if (a.percent !== null && a.baseAmount !== null) cbc(el, 'MultiplierFactorNumeric', a.percent);
  cbc(el, 'Amount', a.amount, { currencyID: currency });
  if (a.baseAmount !== null) cbc(el, 'BaseAmount', a.baseAmount, { currencyID: currency });
  if (tax) taxCategory(el, 'TaxCategory', tax, false);
};

export const ublFileName = (header: IssuedHeader) => `${header.number}.xml`;

/** Renders the document as UBL 2.1 XML (UTF-8, indented). Pure: the same document gives the same bytes. */
export const renderUbl = (
  doc: InvoiceDocument,
  header: IssuedHeader,
  opts: { onlinePayment?: boolean } = {},
): string => {
  const credit = doc.kind === 'credit_note';
  const peppol = doc.profile === 'peppol';
  const currency = doc.calc.currency;
  const money = { currencyID: currency };
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(
    credit ? NS.creditNote : NS.invoice,
    credit ? 'CreditNote' : 'Invoice',
    {
      'xmlns:cac': NS.cac,
      'xmlns:cbc': NS.cbc,
    },
  );
  // A US sales-tax invoice and a payment request are plain UBL 2.1: they do not claim EN 16931 conformance.
  if (doc.profile !== 'us_sales_tax' && doc.profile !== 'payment_request')
    cbc(root, 'CustomizationID', peppol ? PEPPOL_CUSTOMIZATION : EN16931_CUSTOMIZATION);
  if (peppol) cbc(root, 'ProfileID', PEPPOL_PROFILE);
  cbc(root, 'ID', header.number);
  cbc(root, 'IssueDate', header.issueDate);
  if (!credit) cbc(root, 'DueDate', header.dueDate);
  cbc(root, credit ? 'CreditNoteTypeCode' : 'InvoiceTypeCode', TYPE_CODE[doc.kind]);
  const notes = [
    doc.memo,
    doc.creditReason ? `Reason: ${doc.creditReason.replaceAll('_', ' ')}` : null,
    ...doc.customFields.map((f) => `${f.label}: ${f.value}`),
    // The rate it was converted at: UBL's TaxExchangeRate is not allowed in EN 16931 (UBL-CR-490).
    exchangeText(doc),
  ].filter((n): n is string => !!n);
  // Peppol allows one note (PEPPOL-EN16931-R002): everything for the buyer goes in it.
  if (notes.length > 0) cbc(root, 'Note', notes.join('\n'));
  cbc(root, 'DocumentCurrencyCode', currency);
  // BT-6: the VAT is stated in the seller's accounting currency too (BR-53 wants its total below).
  const taxCurrency = doc.calc.taxCurrency ?? null;
  if (taxCurrency) cbc(root, 'TaxCurrencyCode', taxCurrency.code);
  cbc(root, 'BuyerReference', doc.buyerReference);
  if (doc.period) {
    const period = cac(root, 'InvoicePeriod');
    cbc(period, 'StartDate', doc.period.start);
    cbc(period, 'EndDate', doc.period.end);
  }
  if (doc.poNumber) cbc(cac(root, 'OrderReference'), 'ID', doc.poNumber);
  if (doc.preceding) {
    const ref = cac(cac(root, 'BillingReference'), 'InvoiceDocumentReference');
    cbc(ref, 'ID', doc.preceding.number);
    cbc(ref, 'IssueDate', doc.preceding.issueDate);
  }
  party(root, 'AccountingSupplierParty', doc.seller, peppol);
  party(root, 'AccountingCustomerParty', doc.buyer, peppol);
  if (doc.serviceDate || doc.site) {
    const delivery = cac(root, 'Delivery');
    cbc(delivery, 'ActualDeliveryDate', doc.serviceDate);
    if (doc.site) address(cac(delivery, 'DeliveryLocation'), 'Address', doc.site.address);
  }
  // BG-16, the one way to pay the organization offers (several payment means must share one code, UBL-SR-47):
  // a credit transfer to its IBAN (58 SEPA for euro, 30 otherwise), else online payment (68) where it takes
  // it; the PDF prints both. The remittance (BT-83) is the invoice's ISO 11649 creditor reference, which bank
  // matching reads back.
  const remittance = credit ? header.number : rfReference(header.number);
  if (doc.iban) {
    const means = cac(root, 'PaymentMeans');
    cbc(means, 'PaymentMeansCode', currency === 'EUR' ? '58' : '30');
    if (credit) cbc(means, 'PaymentDueDate', header.dueDate);
    cbc(means, 'PaymentID', remittance);
    const account = cac(means, 'PayeeFinancialAccount');
    cbc(account, 'ID', doc.iban.replaceAll(' ', ''));
    cbc(account, 'Name', doc.seller.legalName ?? doc.seller.name);
  } else if (opts.onlinePayment && !credit) {
    const means = cac(root, 'PaymentMeans');
    cbc(means, 'PaymentMeansCode', '68', { name: 'Online by card or bank, from the pay link' });
    cbc(means, 'PaymentID', remittance);
  }
  if (!credit) {
    const note =
      doc.paymentTermsDays > 0
        ? `Payment within ${doc.paymentTermsDays} days of the invoice date`
        : 'Due on receipt';
    cbc(cac(root, 'PaymentTerms'), 'Note', note);
  }
  for (const a of doc.calc.allowances) allowanceCharge(root, false, a, currency, a.tax);
  for (const c of doc.calc.charges) allowanceCharge(root, true, c, currency, c.tax);

  const taxTotal = cac(root, 'TaxTotal');
  cbc(taxTotal, 'TaxAmount', doc.calc.totals.taxTotal, money);
  for (const t of doc.calc.taxSubtotals) {
    const sub = cac(taxTotal, 'TaxSubtotal');
    cbc(sub, 'TaxableAmount', t.taxableAmount, money);
    cbc(sub, 'TaxAmount', t.taxAmount, money);
    taxCategory(
      sub,
      'TaxCategory',
      {
        category: t.category,
        rate: t.rate,
        exemptionReason: t.exemptionReason,
        exemptionReasonCode: t.exemptionReasonCode,
      },
      true,
    );
  }

  // BT-111: one tax total without subtotals, in the accounting currency (PEPPOL-EN16931-R054).
  if (taxCurrency)
    cbc(cac(root, 'TaxTotal'), 'TaxAmount', taxCurrency.taxTotal, { currencyID: taxCurrency.code });

  const totals = doc.calc.totals;
  const lmt = cac(root, 'LegalMonetaryTotal');
  cbc(lmt, 'LineExtensionAmount', totals.lineTotal, money);
  cbc(lmt, 'TaxExclusiveAmount', totals.taxExclusive, money);
  cbc(lmt, 'TaxInclusiveAmount', totals.taxInclusive, money);
  if (doc.calc.allowances.length > 0) cbc(lmt, 'AllowanceTotalAmount', totals.allowanceTotal, money);
  if (doc.calc.charges.length > 0) cbc(lmt, 'ChargeTotalAmount', totals.chargeTotal, money);
  if (Number(totals.prepaid) !== 0) cbc(lmt, 'PrepaidAmount', totals.prepaid, money);
  if (Number(totals.rounding) !== 0) cbc(lmt, 'PayableRoundingAmount', totals.rounding, money);
  cbc(lmt, 'PayableAmount', totals.payable, money);

  for (const l of doc.lines) {
    const line = cac(root, credit ? 'CreditNoteLine' : 'InvoiceLine');
    cbc(line, 'ID', String(l.position));
    cbc(line, credit ? 'CreditedQuantity' : 'InvoicedQuantity', l.quantity, { unitCode: l.unitCode });
    cbc(line, 'LineExtensionAmount', l.netAmount, money);
    if (l.serviceDate && doc.period) {
      const period = cac(line, 'InvoicePeriod');
      cbc(period, 'StartDate', l.serviceDate);
      cbc(period, 'EndDate', l.serviceDate);
    }
    for (const a of l.allowances) allowanceCharge(line, false, a, currency, null);
    for (const c of l.charges) allowanceCharge(line, true, c, currency, null);
    const item = cac(line, 'Item');
    cbc(
      item,
      'Name',
      l.jobNumber && doc.jobNumbers.length > 1
        ? `${l.jobNumber} ${l.serviceDate ?? ''}: ${l.description}`
        : l.description,
    );
    if (l.sku) cbc(cac(item, 'SellersItemIdentification'), 'ID', l.sku);
    taxCategory(item, 'ClassifiedTaxCategory', l.tax, false);
    const price = cac(line, 'Price');
    cbc(price, 'PriceAmount', l.unitPrice, money);
    if (l.baseQuantity !== '1') cbc(price, 'BaseQuantity', l.baseQuantity, { unitCode: l.unitCode });
    // BT-147/BT-148: the list price and the discount from it (net = gross − discount).
    if (l.grossPrice && l.priceDiscount) {
      const discount = cac(price, 'AllowanceCharge');
      cbc(discount, 'ChargeIndicator', 'false');
      cbc(discount, 'Amount', l.priceDiscount, money);
      cbc(discount, 'BaseAmount', l.grossPrice, money);
    }
  }
  return root.end({ prettyPrint: true });
};
