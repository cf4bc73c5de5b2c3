import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { BillingSettingsBody } from '../../../../src/contracts/billing';
import { CatalogItemBody, JobTypeBody } from '../../../../src/contracts/catalog';
import { CreateJobBody } from '../../../../src/contracts/jobs';
import { ApiError } from '../../../shared/api-client';
import { errorsOf, formPath, serverErrorsOf } from './form-errors';
import { dayText, money, plural, timeOnly } from './format';
import { messageOf } from './refusal';

/** The office's shared pieces that decide what a person reads: form complaints and formatted values. */
describe("a form's complaints", () => {
  const issuesOf = (schema: z.ZodType, body: unknown) => {
    const r = schema.safeParse(body);
    expect(r.success).toBe(false);
    return r.error?.issues ?? [];
  };

  it('speak words, not zod: a missing field is "Required", a contract message passes through', () => {
    const errors = errorsOf(
      issuesOf(CatalogItemBody, { sku: '', name: 'Tap', kind: 'part', unitCode: 'C62', unitPrice: 'six' }),
      {},
    );
    expect(errors).toEqual({
      sku: 'Required',
      unitPrice: 'must be a decimal string like "12.50", at most six decimals',
      taxCodeId: 'Required',
    });
  });

  it('land on the field the form asks with, by whole path or by prefix', () => {
    expect(formPath('windowStart', { windowStart: 'day' })).toBe('day');
    expect(
      formPath('closeoutRequirements.checklist.3', { 'closeoutRequirements.checklist': 'checklist' }),
    ).toBe('checklist.3');
    expect(formPath('customFields.0.key', {})).toBe('customFields.0.key');
    expect(formPath('', {})).toBe('_form');
    const booking = errorsOf(issuesOf(CreateJobBody, { scope: 'Tap', crew: [] }), {
      windowStart: 'day',
      windowEnd: 'hours',
    });
    expect(booking).toMatchObject({ customerId: 'Required', day: 'Required', hours: 'Required' });
    expect(booking).not.toHaveProperty('windowStart');
  });

  it("name a row's field in a list", () => {
    const errors = errorsOf(
      issuesOf(JobTypeBody, {
        code: 'GAS',
        name: 'Gas check',
        trade: 'hvac',
        defaultDurationMinutes: 60,
        billingMode: 'fixed',
        closeoutRequirements: {
          checklist: [],
          photos: [],
          signature: true,
          serialNumbers: false,
          partNumbers: false,
          notes: true,
        },
        approvalRules: [],
        customFields: [
          {
            key: 'meter reading',
            label: 'Meter',
            type: 'number',
            required: true,
            capture: 'closeout',
            printOnInvoice: false,
          },
        ],
      }),
      {},
    );
    expect(errors).toEqual({ 'customFields.0.key': 'lower-case letters, digits and _' });
  });

  it("take the server's field names without the body prefix", () => {
    expect(
      serverErrorsOf(
        [
          { field: 'body.iban', message: 'an IBAN' },
          { field: 'body.windowEnd', message: 'must be after windowStart' },
        ],
        { windowEnd: 'hours' },
      ),
    ).toEqual({ iban: 'an IBAN', hours: 'must be after windowStart' });
    expect(Object.keys(errorsOf(issuesOf(BillingSettingsBody, { iban: 'x' }), {}))).toEqual(['iban']);
  });
});

describe('values as people read them', () => {
  it('money from decimal strings, exactly, with the currency', () => {
    expect(money('1234.5', 'EUR')).toBe('€1,234.50');
    expect(money('-80', 'GBP')).toBe('-£80.00');
    // A float would print 9007199254740993 as ...992: the string is formatted as given.
    expect(money('9007199254740993.01', 'EUR')).toBe('€9,007,199,254,740,993.01');
    expect(money(null, 'EUR')).toBe('–');
  });

  it('days and times without ISO text', () => {
    expect(dayText('2026-11-18')).toBe('18 Nov 2026');
    expect(dayText(null)).toBe('–');
    expect(timeOnly('2026-07-01T06:30:00Z', 'Europe/Dublin')).toBe('07:30');
    expect(plural(1, 'document', 'documents')).toBe('1 document');
    expect(plural(0, 'document', 'documents')).toBe('0 documents');
  });
});

describe('a refusal in words', () => {
  it('never shows a field’s path: the detail without it, and what each field needs that it does not say', () => {
    const refused = new ApiError(400, {
      code: 'validation_failed',
      detail: 'body.customFields.roof_type: Roof type is required',
      errors: [{ field: 'body.customFields.roof_type', message: 'Roof type is required' }],
    });
    expect(messageOf(refused)).toBe('Roof type is required');
    const lines = new ApiError(400, {
      code: 'validation_failed',
      detail: 'The quote has problems',
      errors: [{ field: 'body.lines.2.unitPrice', message: 'must be a decimal' }],
    });
    expect(messageOf(lines)).toBe('The quote has problems (lines 3 unit price: must be a decimal)');
    expect(messageOf(new ApiError(409, { detail: 'J-1042 is already invoiced' }))).toBe(
      'J-1042 is already invoiced',
    );
    expect(messageOf(new Error('offline'))).toBe('Could not reach the server');
  });
});
