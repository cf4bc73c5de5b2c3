import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forecastAccuracy, forecastWeeks, invoiceProbability } from './cash-forecast';

const item = (id: string, amount: string, expectedOn: string, probability: number) => ({
  kind: 'invoice' as const,
  id,
  label: id,
  amount,
  expectedOn,
  probability,
});

describe('the cash forecast', () => {
  it('puts each item in the week it is expected, overdue money in this week, and nothing past the horizon', () => {
    const weeks = forecastWeeks({
      today: '2026-11-18', // a Wednesday: weeks start on Monday the 16th
      weeks: 3,
      decimals: 2,
      items: [
        item('late', '100.00', '2026-11-02', 1),
        item('friday', '50.00', '2026-11-20', 1),
        item('next', '30.00', '2026-11-23', 0.5),
        item('far', '999.00', '2026-12-07', 1),
      ],
    });
    expect(weeks.map((w) => [w.weekStart, w.items.map((i) => i.id)])).toEqual([
      ['2026-11-16', ['late', 'friday']],
      ['2026-11-23', ['next']],
      ['2026-11-30', []],
    ]);
    // Certain money has no band; an even bet of 30 expects 15, between 0 and 30 at most.
    expect(weeks[0]).toMatchObject({ expected: '150.00', low: '150.00', high: '150.00' });
    expect(weeks[1]).toMatchObject({ expected: '15.00', low: '0.00', high: '30.00' });
    expect(weeks[2]).toMatchObject({ expected: '0.00', low: '0.00', high: '0.00' });
  });

  it('always has low ≤ expected ≤ high ≤ everything, and expected is the sum of amount × probability', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cents: fc.integer({ min: 1, max: 10_000_000 }),
            day: fc.integer({ min: 0, max: 90 }),
            p: fc.integer({ min: 0, max: 100 }),
          }),
          { maxLength: 40 },
        ),
        (raw) => {
          const items = raw.map((r, i) => {
            const d = new Date(Date.UTC(2026, 10, 16 + r.day)).toISOString().slice(0, 10);
            return item(String(i), new Decimal(r.cents).div(100).toFixed(2), d, r.p / 100);
          });
          const weeks = forecastWeeks({ today: '2026-11-16', weeks: 13, decimals: 2, items });
          for (const w of weeks) {
            const all = w.items.reduce((s, i) => s.plus(i.amount), new Decimal(0));
            const mean = w.items.reduce(
              (s, i) => s.plus(new Decimal(i.amount).times(i.probability)),
              new Decimal(0),
            );
            expect(w.expected).toBe(mean.toFixed(2));
            expect(new Decimal(w.low).lte(w.expected)).toBe(true);
            expect(new Decimal(w.expected).lte(w.high)).toBe(true);
            expect(new Decimal(w.high).lte(all.toFixed(2))).toBe(true);
          }
          expect(weeks.reduce((n, w) => n + w.items.length, 0)).toBe(items.length);
        },
      ),
    );
  });

  it('trusts old debt less, and scores a week by how close it came', () => {
    expect([0, 10, 45, 75, 200].map(invoiceProbability)).toEqual([0.97, 0.9, 0.75, 0.5, 0.25]);
    expect(forecastAccuracy('900.00', '1000.00')).toBe(0.9);
    expect(forecastAccuracy('3000.00', '1000.00')).toBe(0);
    expect(forecastAccuracy('0.00', '0.00')).toBe(1);
    expect(forecastAccuracy('10.00', '0.00')).toBeNull();
  });
});
