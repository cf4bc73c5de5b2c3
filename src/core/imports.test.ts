import { describe, expect, it } from 'vitest';
import {
  clockOf,
  countryCodeOf,
  customerDraftOf,
  dayOf,
  guessMapping,
  jobDraftOf,
  looksLikeFormula,
  mappingProblems,
  priceOf,
  skuFromName,
  taxCodeOf,
} from './imports';

const CODES = [
  { id: 'std', code: 'S-STD', name: 'Standard rate', rate: '23.0000', category: 'S' },
  { id: 'red', code: 'S-RED', name: 'Reduced rate', rate: '13.5000', category: 'S' },
  { id: 'zero', code: 'Z', name: 'Zero rate', rate: '0.0000', category: 'Z' },
  { id: 'ex', code: 'E', name: 'Exempt', rate: '0.0000', category: 'E' },
];

describe('reading the exports of the tools businesses leave', () => {
  it('knows each tool by its columns', () => {
    expect(
      guessMapping('customers', ['J-ID', 'Display Name', 'E-mails', 'Billing Street 1', 'Billing Zip code'])
        .preset,
    ).toBe('jobber');
    expect(
      guessMapping('customers', ['First Name', 'Last Name', 'Email', 'Mobile Number', 'Address', 'Zip'])
        .preset,
    ).toBe('housecall_pro');
    expect(
      guessMapping('customers', ['*ContactName', 'EmailAddress', 'POAddressLine1', 'POCity', 'POPostalCode'])
        .preset,
    ).toBe('xero');
    expect(
      guessMapping('customers', ['Customer', 'Email', 'Billing Address Line 1', 'Billing Address City'])
        .preset,
    ).toBe('quickbooks');
    expect(
      guessMapping('price_book', ['*ItemCode', 'ItemName', 'SalesUnitPrice', 'SalesTaxRate']).preset,
    ).toBe('xero');
    // Plain headers: no tool, but the columns are still found.
    expect(guessMapping('customers', ['Name', 'E-mail', 'Town'])).toEqual({
      preset: null,
      mapping: { name: 'Name', email: 'E-mail', city: 'Town' },
    });
  });

  it('reads each column once, and says what a mapping lacks', () => {
    const { mapping } = guessMapping('customers', ['Name', 'Company']);
    expect(mapping).toEqual({ name: 'Name', company: 'Company' });
    expect(mappingProblems('price_book', ['Code'], { sku: 'Code' })).toEqual([
      { field: 'mapping.unitPrice', message: 'choose the column for Price' },
    ]);
    expect(mappingProblems('customers', ['A'], { name: 'A', email: 'A' })[0]?.message).toBe(
      '“A” is already read as name',
    );
  });

  it('treats formula-looking cells as hostile, but not phone numbers or amounts', () => {
    expect(looksLikeFormula('=HYPERLINK("x")')).toBe(true);
    expect(looksLikeFormula('@SUM(A1)')).toBe(true);
    expect(looksLikeFormula('+cmd|/C calc')).toBe(true);
    expect(looksLikeFormula('-2+3+cmd')).toBe(true);
    expect(looksLikeFormula('+353 87 555 0101')).toBe(false);
    expect(looksLikeFormula('-12.50')).toBe(false);
    expect(looksLikeFormula('Ó Briain')).toBe(false);
  });

  it('reads prices, countries, tax cells and names as people write them', () => {
    expect(priceOf('€1,234.50')).toBe('1234.50');
    expect(priceOf('1.234,50')).toBe('1234.50');
    expect(priceOf('95')).toBe('95');
    expect(priceOf('-5')).toBeNull();
    expect(priceOf('twelve')).toBeNull();
    expect(countryCodeOf('Ireland', 'GB')).toBe('IE');
    expect(countryCodeOf('us', 'IE')).toBe('US');
    expect(countryCodeOf(undefined, 'IE')).toBe('IE');
    expect(countryCodeOf('Atlantis', 'IE')).toBeNull();
    expect(taxCodeOf('23%', CODES)?.id).toBe('std');
    expect(taxCodeOf('13.5', CODES)?.id).toBe('red');
    expect(taxCodeOf('Reduced rate', CODES)?.id).toBe('red');
    expect(taxCodeOf('No', CODES)?.id).toBe('zero');
    expect(taxCodeOf('Yes', CODES)?.id).toBe('std');
    expect(taxCodeOf(undefined, CODES)?.id).toBe('std');
    expect(taxCodeOf('7%', CODES)).toBeNull();
    expect(skuFromName('Boiler service – annual')).toBe('BOILER-SERVICE-ANNUAL');
  });

  it('makes a contact of the person behind a company, and a site of the service address', () => {
    const { draft, problems } = customerDraftOf(
      {
        company: 'Harbour Bakery',
        firstName: 'Liam',
        lastName: 'Walsh',
        email: 'a@h.test; b@h.test',
        line1: '4 Quay St',
        city: 'Cork',
        postalCode: 'T12',
        siteLine1: '5 Quay St',
        paymentTermsDays: 'Net 30',
      },
      'IE',
    );
    expect(problems).toEqual([]);
    expect(draft).toMatchObject({
      name: 'Harbour Bakery',
      email: 'a@h.test',
      paymentTermsDays: 30,
      contacts: [{ name: 'Liam Walsh', invoiceRecipient: true }],
      sites: [{ name: '5 Quay St', address: { line1: '5 Quay St', city: 'Cork', country: 'IE' } }],
    });
  });
});

describe('the days and times of an old tool’s jobs', () => {
  it('reads the ways exports write a day, day first unless the business is in the United States', () => {
    expect(dayOf('2026-12-08', false)).toEqual({ day: '2026-12-08', time: null });
    expect(dayOf('08/12/2026', false)).toEqual({ day: '2026-12-08', time: null });
    expect(dayOf('12/08/2026', true)).toEqual({ day: '2026-12-08', time: null });
    expect(dayOf('8 Dec 2026', false)).toEqual({ day: '2026-12-08', time: null });
    expect(dayOf('Tue, Dec 8, 2026 9:30 AM', true)).toEqual({ day: '2026-12-08', time: '9:30 AM' });
    expect(dayOf('2026-12-08T14:00', false)).toEqual({ day: '2026-12-08', time: '14:00' });
    expect(dayOf('31/02/2026', false)).toBeNull();
    expect(dayOf('next Tuesday', false)).toBeNull();
  });

  it('reads a time on either clock, and nothing else', () => {
    expect(['9:00 AM', '9am', '12:15 pm', '12 AM', '14:30', '0930', '7.45'].map(clockOf)).toEqual([
      '09:00',
      '09:00',
      '12:15',
      '00:00',
      '14:30',
      '09:30',
      '07:45',
    ]);
    expect(['25:00', '13 PM', 'noon', '9:75'].map(clockOf)).toEqual([null, null, null, null]);
  });

  it('books a row with a range in one cell, a start alone, or no time at all', () => {
    const of = (cells: Record<string, string>) =>
      jobDraftOf({ customer: 'A', scope: 'Work', ...cells }, false);
    expect(of({ date: '14/12/2026', startTime: '9:00 AM - 11:30 AM' }).draft).toMatchObject({
      day: '2026-12-14',
      start: '09:00',
      end: '11:30',
      anyTime: false,
    });
    expect(of({ date: '14/12/2026 13:00' }).draft).toMatchObject({ start: '13:00', end: '15:00' });
    expect(of({ date: '14/12/2026' }).draft).toMatchObject({ start: '08:00', end: '17:00', anyTime: true });
    expect(of({ date: '14/12/2026', startTime: '15:00', endTime: '14:00' }).problems).toEqual([
      { field: 'endTime', message: 'is not after the start' },
    ]);
    expect(of({ date: '14/12/2026', startTime: 'after lunch' }).problems).toEqual([
      { field: 'startTime', message: 'is not a time: “after lunch”' },
    ]);
    expect(of({ date: '14/12/2026', technicians: 'Ben Okafor, Ana Silva & Tom' }).draft.technicians).toEqual([
      'Ben Okafor',
      'Ana Silva',
      'Tom',
    ]);
  });
});
