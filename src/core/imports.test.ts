import { describe, expect, it } from 'vitest';
import {
  countryCodeOf,
  customerDraftOf,
  guessMapping,
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
