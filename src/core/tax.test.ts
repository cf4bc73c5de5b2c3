import { describe, expect, it } from 'vitest';
import { normalizeName, taxCodeProblems } from './tax';

describe('tax codes against EN 16931', () => {
  it.each([
    [{ category: 'S', rate: '23' }, []],
    [{ category: 'S', rate: '0' }, ['body.rate']],
    [{ category: 'Z', rate: '0' }, []],
    [{ category: 'Z', rate: '5' }, ['body.rate']],
    [{ category: 'E', rate: '0' }, ['body.exemptionReason']],
    [{ category: 'E', rate: '0', exemptionReasonCode: 'VATEX-EU-132' }, []],
    [{ category: 'AE', rate: '0', exemptionReason: 'Reverse charge' }, []],
    [{ category: 'S', rate: '23', exemptionReason: 'x' }, ['body.exemptionReason']],
    [{ category: 'X', rate: '0' }, ['body.category']],
    [{ category: null, rate: '0' }, ['body.category']],
  ])('%j -> %j', (input, fields) => {
    expect(taxCodeProblems('vat', input).map((p) => p.field)).toEqual(fields);
  });

  it('asks a US sales-tax code for a jurisdiction, not a category', () => {
    expect(
      taxCodeProblems('us_sales_tax', { category: null, rate: '8.875', jurisdiction: 'NY-NYC' }),
    ).toEqual([]);
    expect(taxCodeProblems('us_sales_tax', { category: 'S', rate: '8.875' }).map((p) => p.field)).toEqual([
      'body.category',
      'body.jurisdiction',
    ]);
  });
});

describe('customer name normalization', () => {
  it.each([
    ['Quayside Coffee Ltd', 'Quayside Coffee Ltd.', true],
    ['Tom & Sinead Farrell', 'tom and sinead farrell', true],
    ['Café Olé', 'Cafe Ole', true],
    ['Harbour View', 'Harbour Views', false],
  ])('%s ~ %s: %s', (a, b, same) => {
    expect(normalizeName(a) === normalizeName(b)).toBe(same);
  });
});
