import Decimal from 'decimal.js';
import { printRf, rfReference } from './bank-matching';
import { isLanguage, type Language, MESSAGES, type Translator, translator } from './i18n';
import type { InvoiceDocument } from './invoice-document';
import { fillTemplate, type InvoiceEmailValues } from './message-template';

/** How to pay by credit transfer, in the customer's words: the IBAN and the reference to quote. */
export const transferWords = (iban: string, number: string, w: Translator = translator()) =>
  w.t('invoice.transfer', { iban, number, reference: printRf(rfReference(number)) });

/** What a customer reads the document as. */
export const documentWords = (
  doc: Pick<InvoiceDocument, 'kind' | 'profile'>,
  w: Translator = translator(),
): string =>
  w.t(
    `email.document.${doc.profile === 'payment_request' && doc.kind !== 'credit_note' ? 'payment_request' : doc.kind}`,
  );

/** What the document is for, in a phrase: "job J-00017 at 12 Quay Street on 18 November 2026". */
export const purposeWords = (doc: InvoiceDocument, w: Translator = translator(doc.language)): string => {
  if (doc.kind === 'credit_note' && doc.preceding)
    return w.t('email.creditOf', { number: doc.preceding.number, date: w.date(doc.preceding.issueDate) });
  if (doc.period)
    return [
      w.t('email.period', { start: w.date(doc.period.start), end: w.date(doc.period.end) }),
      doc.site ? w.t('email.at', { site: doc.site.name }) : null,
    ]
      .filter(Boolean)
      .join(' ');
  const jobs =
    doc.jobNumbers.length > 0
      ? w.t(doc.jobNumbers.length > 1 ? 'email.jobs' : 'email.job', { numbers: w.list(doc.jobNumbers) })
      : w.t('email.ourWork');
  return [
    doc.kind === 'deposit_invoice' ? w.t('email.deposit', { jobs }) : jobs,
    doc.site ? w.t('email.at', { site: doc.site.name }) : null,
    doc.serviceDate && doc.kind !== 'deposit_invoice'
      ? w.t('email.on', { date: w.date(doc.serviceDate) })
      : null,
  ]
    .filter(Boolean)
    .join(' ');
};

/** The placeholders of the invoice e-mail, filled from the issued document in the customer's language. */
export const invoiceEmailValues = (
  doc: InvoiceDocument,
  header: { number: string; dueDate: string | null },
  recipientName: string,
): InvoiceEmailValues => {
  const w = translator(doc.language);
  const payable = new Decimal(doc.calc.totals.payable).abs();
  const amount = w.amount(payable.toFixed(), doc.calc.currency);
  const due = header.dueDate ? w.date(header.dueDate) : w.t('email.onReceipt');
  const credit = doc.kind === 'credit_note';
  const nothingToPay = credit || payable.isZero();
  return {
    customer: recipientName,
    organization: doc.seller.name,
    document: documentWords(doc, w),
    number: header.number,
    for: purposeWords(doc, w),
    amount,
    amountLine: credit
      ? w.t('email.amountCredited', { amount })
      : payable.isZero()
        ? w.t('email.nothingLeft')
        : header.dueDate
          ? w.t('email.amountDueBy', { amount, date: due })
          : w.t('email.amountDueOnReceipt', { amount }),
    due,
    howToPay: nothingToPay || !doc.iban ? '' : transferWords(doc.iban, header.number, w),
  };
};

/**
 * The organization's invoice e-mail: the one it wrote (both parts stored), else Closeout's default. A customer
 * who reads another language than the organization's gets Closeout's default in theirs: the organization's own
 * words are in its language.
 */
export const invoiceEmailTemplateOf = (
  org: { invoiceEmailSubject: string | null; invoiceEmailBody: string | null; language?: string },
  language: Language = isLanguage(org.language) ? org.language : 'en',
): { subject: string; body: string; custom: boolean } =>
  org.invoiceEmailSubject && org.invoiceEmailBody && language === (org.language ?? 'en')
    ? { subject: org.invoiceEmailSubject, body: org.invoiceEmailBody, custom: true }
    : { ...MESSAGES[language].email.invoiceTemplate, custom: false };

/** The subject and text of the invoice e-mail, from its template. */
export const invoiceEmail = (
  template: { subject: string; body: string },
  values: InvoiceEmailValues,
): { subject: string; text: string } => ({
  subject: fillTemplate(template.subject, values).replace(/\s+/g, ' ').trim().slice(0, 300),
  text: fillTemplate(template.body, values),
});
