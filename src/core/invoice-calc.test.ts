import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { type CalcInput, type CalcResult, calculate, type TaxTreatment } from './invoice-calc';
import { amountDecimals } from './money';

const S23: TaxTreatment = { category: 'S', rate: '23' };
const S9: TaxTreatment = { category: 'S', rate: '9' };
const Z: TaxTreatment = { category: 'Z', rate: '0' };
const E: TaxTreatment = { category: 'E', rate: '0', exemptionReasonCode: 'VATEX-EU-132' };
const AE: TaxTreatment = { category: 'AE', rate: '0', exemptionReason: 'Reverse charge' };

const calc = (input: Partial<CalcInput> & Pick<CalcInput, 'lines'>) =>
  calculate({ currency: 'EUR', scheme: 'vat', kind: 'invoice', ...input });
const ok = (r: CalcResult) => {
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
};
const fields = (r: CalcResult) => (r.ok ? [] : r.problems.map((p) => p.field));

describe('the invoice calculator', () => {
  it('takes currency minor units from ISO 4217, capped at two for EN 16931', () => {
    expect([amountDecimals('JPY', true), amountDecimals('EUR', true), amountDecimals('BHD', true)]).toEqual([
      0, 2, 2,
    ]);
    expect(amountDecimals('BHD', false)).toBe(3);
    expect(() => amountDecimals('XXY', true)).toThrow();
  });

  it('computes VAT on the summed base of a category, then rounds (BR-CO-17)', () => {
    // Per line 0.33 × 23% = 0.0759 → 0.08, three lines 0.24; on the summed base 0.99 × 23% = 0.2277 → 0.23.
    const v = ok(calc({ lines: [1, 2, 3].map(() => ({ quantity: '1', unitPrice: '0.33', tax: S23 })) }));
    expect(v.taxSubtotals).toEqual([
      expect.objectContaining({ category: 'S', rate: '23', taxableAmount: '0.99', taxAmount: '0.23' }),
    ]);
    expect(v.totals).toMatchObject({
      lineTotal: '0.99',
      taxTotal: '0.23',
      taxInclusive: '1.22',
      payable: '1.22',
    });
  });

  it('rounds each line net amount: quantity × (price ÷ base quantity) − allowances + charges', () => {
    const v = ok(
      calc({
        lines: [
          { quantity: '3', unitPrice: '10', baseQuantity: '7', tax: S23 }, // 4.2857… → 4.29
          {
            quantity: '2.5',
            unitPrice: '19.99',
            allowances: [{ percent: '10', reason: 'Loyalty' }],
            charges: [{ amount: '1.005', reason: 'Handling' }],
            tax: S23,
          },
        ],
      }),
    );
    // 2.5 × 19.99 = 49.975 → 49.98; 10 % of 49.975 = 5.00; charge 1.01 → 45.99
    expect(v.lines.map((l) => l.netAmount)).toEqual(['4.29', '45.99']);
    expect(v.lines[1]?.allowances[0]).toMatchObject({ amount: '5.00', baseAmount: '49.98', percent: '10' });
  });

  it('applies document allowances and charges to their category and follows BR-CO-10 to BR-CO-16', () => {
    const v = ok(
      calc({
        lines: [
          { quantity: '2', unitPrice: '100', tax: S23 },
          { quantity: '1', unitPrice: '50', tax: S9 },
          { quantity: '1', unitPrice: '40', tax: Z },
        ],
        allowances: [{ percent: '10', reason: 'Discount', reasonCode: '95', tax: S23 }],
        charges: [{ amount: '15', reason: 'Trip charge', reasonCode: 'FC', tax: S23 }],
        prepaid: '100',
      }),
    );
    expect(v.allowances[0]).toMatchObject({ amount: '20.00', baseAmount: '200.00' });
    expect(v.taxSubtotals.map((t) => [t.category, t.rate, t.taxableAmount, t.taxAmount])).toEqual([
      ['S', '23', '195.00', '44.85'],
      ['S', '9', '50.00', '4.50'],
      ['Z', '0', '40.00', '0.00'],
    ]);
    expect(v.totals).toEqual({
      lineTotal: '290.00',
      allowanceTotal: '20.00',
      chargeTotal: '15.00',
      taxExclusive: '285.00',
      taxTotal: '49.35',
      taxInclusive: '334.35',
      prepaid: '100.00',
      rounding: '0.00',
      payable: '234.35',
    });
  });

  it('rounds to the currency: JPY to whole yen, BHD to two places on an EN 16931 invoice', () => {
    const yen = ok(
      calc({
        currency: 'JPY',
        lines: [{ quantity: '3', unitPrice: '333.5', tax: { category: 'S', rate: '10' } }],
      }),
    );
    expect(yen.totals).toMatchObject({ lineTotal: '1001', taxTotal: '100', payable: '1101' });
    const bhd = ok(
      calc({
        currency: 'BHD',
        lines: [{ quantity: '1', unitPrice: '12.345', tax: { category: 'S', rate: '10' } }],
      }),
    );
    expect(bhd.totals).toMatchObject({ lineTotal: '12.35', taxTotal: '1.24', payable: '13.59' });
  });

  it('computes US sales tax by jurisdiction rate on taxable lines, to the ISO minor unit', () => {
    const ny: TaxTreatment = { category: null, rate: '8.875', jurisdiction: 'NY-NYC' };
    const exempt: TaxTreatment = { category: null, rate: '0', jurisdiction: 'NY-NYC' };
    const v = ok(
      calculate({
        currency: 'USD',
        scheme: 'us_sales_tax',
        kind: 'invoice',
        lines: [
          { quantity: '1', unitPrice: '129.99', tax: ny },
          { quantity: '2', unitPrice: '85', tax: exempt },
        ],
      }),
    );
    expect(v.taxSubtotals.map((t) => [t.jurisdiction, t.rate, t.taxableAmount, t.taxAmount])).toEqual([
      ['NY-NYC', '8.875', '129.99', '11.54'],
      ['NY-NYC', '0', '170.00', '0.00'],
    ]);
    expect(v.totals.payable).toBe('311.53');
  });

  it('applies cash rounding to the payable amount (BT-114)', () => {
    const v = ok(
      calc({
        currency: 'CHF',
        lines: [{ quantity: '1', unitPrice: '10.02', tax: Z }],
        payableRoundingIncrement: '0.05',
      }),
    );
    expect(v.totals).toMatchObject({ taxInclusive: '10.02', rounding: '-0.02', payable: '10.00' });
  });

  it('keeps exempt and reverse-charge categories at zero with their reasons', () => {
    const v = ok(
      calc({
        lines: [
          { quantity: '1', unitPrice: '100', tax: E },
          { quantity: '1', unitPrice: '50', tax: AE },
        ],
      }),
    );
    expect(
      v.taxSubtotals.map((t) => [t.category, t.taxAmount, t.exemptionReasonCode ?? t.exemptionReason]),
    ).toEqual([
      ['E', '0.00', 'VATEX-EU-132'],
      ['AE', '0.00', 'Reverse charge'],
    ]);
  });

  it.each([
    [
      'an invoice whose total is negative (that is a credit note)',
      { lines: [{ quantity: '-1', unitPrice: '10', tax: S23 }] },
      ['body.lines'],
    ],
    [
      'a negative line on a deposit invoice',
      { kind: 'deposit_invoice', lines: [{ quantity: '-1', unitPrice: '10', tax: S23 }] },
      ['body.lines.0.quantity'],
    ],
    [
      'a line larger than the database holds',
      { lines: [{ quantity: '1000000', unitPrice: '999999999.99', tax: S23 }] },
      ['body.lines.0.quantity'],
    ],
    [
      'a document larger than the database holds',
      {
        lines: [1, 2].map(() => ({ quantity: '1000', unitPrice: '9999999999.99', tax: S23 })),
      },
      ['body.lines'],
    ],
    [
      'an allowance of more than 100 percent',
      { lines: [{ quantity: '1', unitPrice: '1', tax: S23, allowances: [{ percent: '150', reason: 'x' }] }] },
      ['body.lines.0.allowances.0.percent'],
    ],
    [
      'a category E line without an exemption reason',
      { lines: [{ quantity: '1', unitPrice: '10', tax: { category: 'E', rate: '0' } as TaxTreatment }] },
      ['body.lines.0.tax.exemptionReason'],
    ],
    [
      'a mix of currencies',
      { lines: [{ quantity: '1', unitPrice: '10', currency: 'USD', tax: S23 }] },
      ['body.lines.0.currency'],
    ],
    [
      'a standard rate of zero',
      { lines: [{ quantity: '1', unitPrice: '10', tax: { category: 'S', rate: '0' } as TaxTreatment }] },
      ['body.lines.0.tax.rate'],
    ],
    [
      'a zero-rated line with a rate',
      { lines: [{ quantity: '1', unitPrice: '10', tax: { category: 'Z', rate: '5' } as TaxTreatment }] },
      ['body.lines.0.tax.rate'],
    ],
    ['no lines', { lines: [] }, ['body.lines']],
    [
      'an unknown currency',
      { currency: 'EUX', lines: [{ quantity: '1', unitPrice: '1', tax: S23 }] },
      ['body.currency'],
    ],
    [
      'an allowance with both amount and percent',
      {
        lines: [
          {
            quantity: '1',
            unitPrice: '1',
            tax: S23,
            allowances: [{ amount: '1', percent: '2', reason: 'x' }],
          },
        ],
      },
      ['body.lines.0.allowances.0'],
    ],
    [
      'a zero base quantity',
      { lines: [{ quantity: '1', unitPrice: '1', baseQuantity: '0', tax: S23 }] },
      ['body.lines.0.baseQuantity'],
    ],
  ])('refuses %s, naming the field', (_what, input, expected) => {
    expect(fields(calc(input as Pick<CalcInput, 'lines'>))).toEqual(expected);
  });

  it.each([
    // quantity × price ÷ base quantity is exact before the one rounding: these were a cent short.
    ['3', '1.01', '6', '0.51'],
    ['21', '0.23', '6', '0.81'],
    ['1', '0.00101', '1', '0.00'],
    ['1000', '0.00101', '1', '1.01'],
    ['-3', '1.01', '6', '-0.51'],
  ])('%s × %s per %s = %s, rounded once', (quantity, unitPrice, baseQuantity, net) => {
    const v = ok(
      calc({
        lines: [
          { quantity, unitPrice, baseQuantity, tax: S23 },
          { quantity: '1', unitPrice: '10', tax: S23 },
        ],
      }),
    );
    expect(v.lines[0]?.netAmount).toBe(net);
  });

  it('takes a returned part as a negative line on an invoice, VAT on the signed base', () => {
    const v = ok(
      calc({
        lines: [
          { quantity: '1', unitPrice: '189.99', tax: S23 },
          { quantity: '-1', unitPrice: '40.00', tax: S23 },
        ],
      }),
    );
    expect(v.lines.map((l) => l.netAmount)).toEqual(['189.99', '-40.00']);
    expect(v.totals).toMatchObject({ lineTotal: '149.99', taxTotal: '34.50', payable: '184.49' });
  });

  it.each([
    ['L', '7', true],
    ['L', '0', true],
    ['M', '4', true],
    ['B', '22', true],
    ['B', '0', false],
    ['L', '-1', false],
    ['Z', '5', false],
  ])('takes category %s at %s %%: %s', (category, rate, accepted) => {
    const tax = { category, rate } as TaxTreatment;
    const r = calc({ lines: [{ quantity: '1', unitPrice: '100', tax }] });
    expect(r.ok).toBe(accepted);
    if (r.ok) expect(r.value.taxSubtotals[0]?.taxAmount).toBe(new Decimal(rate).toFixed(2));
  });

  it('allows negative quantities on a credit note', () => {
    const v = ok(
      calc({
        kind: 'credit_note',
        lines: [
          { quantity: '-1', unitPrice: '10', tax: S23 },
          { quantity: '2', unitPrice: '10', tax: S23 },
        ],
      }),
    );
    expect(v.totals.taxExclusive).toBe('10.00');
  });
});
