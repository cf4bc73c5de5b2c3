import { en } from './i18n/en';
/**
 * Messages an organization writes for its customers, with named placeholders ({{number}}) filled from the
 * document. Only the fields listed here exist: no logic, no HTML, nothing a template could reach beyond them,
 * so a template is safe to store and to show. An unknown placeholder is refused when the template is saved.
 */

export const INVOICE_EMAIL_FIELDS = {
  customer: 'The customer’s name, or the contact’s who receives invoices',
  organization: 'Your business name',
  document: '“invoice”, “deposit invoice” or “credit note”',
  number: 'The document number, e.g. INV-2026-00042',
  for: 'What it is for: the job and the work, or the service period',
  amount: 'The amount with its currency, e.g. EUR 1,234.50',
  amountLine: '“Amount due: … by …” (or, for a credit note, what is credited)',
  due: 'The due date in words, e.g. 17 December 2026',
  howToPay: 'How to pay: the bank transfer details and the reference to quote',
} as const;

export type InvoiceEmailField = keyof typeof INVOICE_EMAIL_FIELDS;
export type InvoiceEmailValues = Record<InvoiceEmailField, string>;

export const DEFAULT_INVOICE_EMAIL: { subject: string; body: string } = en.email.invoiceTemplate;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** The placeholders a template uses that do not exist, each once, in order of appearance. */
export const unknownPlaceholders = (
  template: string,
  fields: Readonly<Record<string, string>> = INVOICE_EMAIL_FIELDS,
): string[] => {
  const unknown = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!Object.hasOwn(fields, name)) unknown.add(name);
  }
  return [...unknown];
};

/**
 * Fills a template. A placeholder that stands alone on its line and comes out empty takes its line with it,
 * so a credit note's empty {{howToPay}} leaves no blank gap.
 */
export const fillTemplate = (template: string, values: Readonly<Record<string, string>>): string =>
  template
    .split('\n')
    .flatMap((line) => {
      const filled = line.replace(PLACEHOLDER, (whole, name: string) =>
        Object.hasOwn(values, name) ? (values[name] ?? whole) : whole,
      );
      const onlyPlaceholders = line.replace(PLACEHOLDER, '').trim() === '' && line.includes('{{');
      return onlyPlaceholders && filled.trim() === '' ? [] : [filled];
    })
    .join('\n');
