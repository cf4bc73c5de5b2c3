import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INVOICE_EMAIL,
  fillTemplate,
  INVOICE_EMAIL_FIELDS,
  type InvoiceEmailValues,
  unknownPlaceholders,
} from './message-template';

const values: InvoiceEmailValues = {
  customer: 'Aoife Byrne',
  organization: 'Demo Heating & Cooling',
  document: 'invoice',
  number: 'INV-2026-00042',
  for: 'job J-00017, Boiler service at 12 Quay Street',
  amount: 'EUR 1,234.50',
  amountLine: 'Amount due: EUR 1,234.50 by 17 December 2026.',
  due: '17 December 2026',
  howToPay: 'Pay by bank transfer to IBAN IE29 AIBK 9311 5212 3456 78, reference INV-2026-00042.',
};

describe('message templates', () => {
  it('fills the default invoice e-mail into a message a customer reads, with no placeholder left', () => {
    const body = fillTemplate(DEFAULT_INVOICE_EMAIL.body, values);
    expect(body).toContain('Hello Aoife Byrne,');
    expect(body).toContain('Please find attached invoice INV-2026-00042 for job J-00017, Boiler service');
    expect(body).toContain('Amount due: EUR 1,234.50 by 17 December 2026.');
    expect(body).toContain('reference INV-2026-00042.');
    expect(body).not.toContain('{{');
    expect(fillTemplate(DEFAULT_INVOICE_EMAIL.subject, values)).toBe(
      'Demo Heating & Cooling: invoice INV-2026-00042',
    );
  });

  it('drops a line whose only placeholder is empty, and keeps lines with other words', () => {
    const body = fillTemplate('A\n{{howToPay}}\n  {{ howToPay }}  \nPay: {{howToPay}}\nB', {
      ...values,
      howToPay: '',
    });
    expect(body).toBe('A\nPay: \nB');
  });

  it('names every unknown placeholder once, in order, and accepts spacing inside the braces', () => {
    expect(unknownPlaceholders('{{ number }} {{total}} {{ iban}} {{total}}')).toEqual(['total', 'iban']);
    expect(unknownPlaceholders(DEFAULT_INVOICE_EMAIL.body)).toEqual([]);
    expect(unknownPlaceholders('{{constructor}} {{toString}}')).toEqual(['constructor', 'toString']);
  });

  it('leaves text that merely looks like braces alone, and fills each known field', () => {
    for (const field of Object.keys(INVOICE_EMAIL_FIELDS))
      expect(fillTemplate(`[{{${field}}}]`, values)).toBe(`[${values[field as keyof InvoiceEmailValues]}]`);
    expect(fillTemplate('{ number } {{unknown}}', values)).toBe('{ number } {{unknown}}');
  });
});
