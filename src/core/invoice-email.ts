import Decimal from 'decimal.js';
import { printRf, rfReference } from './bank-matching';
import type { InvoiceDocument } from './invoice-document';
import { DEFAULT_INVOICE_EMAIL, fillTemplate, type InvoiceEmailValues } from './message-template';
import { printAmount } from './money';
import { printDate } from './time';

/** How to pay by credit transfer, in the customer's words: the IBAN and the reference to quote. */
export const transferWords = (iban: string, number: string) =>
  `Pay by bank transfer to IBAN ${iban}, quoting ${number} or the creditor reference ${printRf(rfReference(number))} as the reference.`;

/** What a customer reads the document as. */
export const documentWords = (doc: Pick<InvoiceDocument, 'kind' | 'profile'>): string =>
  doc.kind === 'credit_note'
    ? 'credit note'
    : doc.profile === 'payment_request'
      ? 'payment request'
      : doc.kind === 'deposit_invoice'
        ? 'deposit invoice'
        : 'invoice';

const list = (xs: string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

/** What the document is for, in a phrase: "job J-00017 at 12 Quay Street on 18 November 2026". */
export const purposeWords = (doc: InvoiceDocument): string => {
  if (doc.kind === 'credit_note' && doc.preceding)
    return `invoice ${doc.preceding.number} of ${printDate(doc.preceding.issueDate)}`;
  if (doc.period)
    return `the service from ${printDate(doc.period.start)} to ${printDate(doc.period.end)}${
      doc.site ? ` at ${doc.site.name}` : ''
    }`;
  const jobs =
    doc.jobNumbers.length > 0
      ? `${doc.jobNumbers.length > 1 ? 'jobs' : 'job'} ${list(doc.jobNumbers)}`
      : 'our work';
  return [
    doc.kind === 'deposit_invoice' ? `the deposit on ${jobs}` : jobs,
    doc.site ? `at ${doc.site.name}` : null,
    doc.serviceDate && doc.kind !== 'deposit_invoice' ? `on ${printDate(doc.serviceDate)}` : null,
  ]
    .filter(Boolean)
    .join(' ');
};

/** The placeholders of the invoice e-mail, filled from the issued document. */
export const invoiceEmailValues = (
  doc: InvoiceDocument,
  header: { number: string; dueDate: string | null },
  recipientName: string,
): InvoiceEmailValues => {
  const payable = new Decimal(doc.calc.totals.payable).abs();
  const amount = printAmount(payable.toFixed(), doc.calc.currency);
  const due = header.dueDate ? printDate(header.dueDate) : 'on receipt';
  const credit = doc.kind === 'credit_note';
  const nothingToPay = credit || payable.isZero();
  return {
    customer: recipientName,
    organization: doc.seller.name,
    document: documentWords(doc),
    number: header.number,
    for: purposeWords(doc),
    amount,
    amountLine: credit
      ? `Amount credited: ${amount}. There is nothing to pay: it reduces what you owe us.`
      : payable.isZero()
        ? 'Nothing is left to pay: what you paid in advance covers it.'
        : header.dueDate
          ? `Amount due: ${amount} by ${due}.`
          : `Amount due: ${amount}, payable on receipt.`,
    due,
    howToPay: nothingToPay || !doc.iban ? '' : transferWords(doc.iban, header.number),
  };
};

/** The organization's invoice e-mail: the one it wrote (both parts stored), else Closeout's default. */
export const invoiceEmailTemplateOf = (org: {
  invoiceEmailSubject: string | null;
  invoiceEmailBody: string | null;
}): { subject: string; body: string; custom: boolean } =>
  org.invoiceEmailSubject && org.invoiceEmailBody
    ? { subject: org.invoiceEmailSubject, body: org.invoiceEmailBody, custom: true }
    : { ...DEFAULT_INVOICE_EMAIL, custom: false };

/** The subject and text of the invoice e-mail, from its template. */
export const invoiceEmail = (
  template: { subject: string; body: string },
  values: InvoiceEmailValues,
): { subject: string; text: string } => ({
  subject: fillTemplate(template.subject, values).replace(/\s+/g, ' ').trim().slice(0, 300),
  text: fillTemplate(template.body, values),
});
