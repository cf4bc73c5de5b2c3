import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ContractGroup, progressLines, progressProblem } from './progress-billing';

const groups: ContractGroup[] = [
  { tax: { category: 'S', rate: '23' }, net: '7333.33' },
  { tax: { category: 'S', rate: '13.5' }, net: '1296.86' },
];

describe('progress billing', () => {
  it('bills each VAT group its cumulative share to the cent, less what earlier steps billed', () => {
    expect(progressLines(groups, '0', '30', 2).map((l) => l.net)).toEqual(['2200.00', '389.06']);
    expect(progressLines(groups, '30', '75', 2).map((l) => l.net)).toEqual(['3300.00', '583.59']);
    // A group whose share does not move is left out.
    expect(progressLines([{ tax: { category: 'S', rate: '23' }, net: '0.01' }], '10', '20', 2)).toEqual([]);
  });

  it('adds up to each group exactly over any sequence of steps to 100 %', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 99_999_999 }), { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: 1, maxLength: 6 }),
        (cents, hundredths) => {
          const gs = cents.map((c) => ({
            tax: { category: 'S' as const, rate: '23' },
            net: new Decimal(c).div(100).toFixed(2),
          }));
          const steps = [
            ...hundredths.sort((a, b) => a - b).map((h) => new Decimal(h).div(100).toFixed()),
            '100',
          ];
          const billed = gs.map(() => new Decimal(0));
          let before = '0';
          for (const p of steps) {
            for (const l of progressLines(gs, before, p, 2)) {
              const i = gs.findIndex((g) => g.tax === l.tax);
              billed[i] = (billed[i] ?? new Decimal(0)).plus(l.net);
            }
            before = p;
          }
          expect(billed.map((b) => b.toFixed(2))).toEqual(gs.map((g) => g.net));
        },
      ),
    );
  });

  it('moves only forward and stops short of the whole', () => {
    expect(progressProblem('30', '30')?.message).toBe('must be above the 30 % already billed');
    expect(progressProblem('0', '100')?.field).toBe('percent');
    expect(progressProblem('0', '0')?.field).toBe('percent');
    expect(progressProblem('30', '62.5')).toBeNull();
  });
});
