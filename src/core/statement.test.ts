import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStatement, type StatementEntry } from './statement';

const KINDS = ['invoice', 'credit_note', 'payment', 'payment_reversed', 'refund', 'written_off'] as const;

describe('a statement of account', () => {
  it('carries the balance brought forward plus every movement, and its open items sum to that balance, whatever the movements and the period', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            day: fc.integer({ min: 0, max: 120 }),
            kind: fc.constantFrom(...KINDS),
            group: fc.integer({ min: 0, max: 5 }),
            cents: fc.integer({ min: -5_000_000, max: 5_000_000 }),
          }),
          { maxLength: 60 },
        ),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 60 }),
        (raw, start, length) => {
          const day = (n: number) => new Date(Date.UTC(2026, 8, 1 + n)).toISOString().slice(0, 10);
          const entries: StatementEntry[] = raw.map((r) => ({
            date: day(r.day),
            kind: r.kind,
            number: `INV-${r.group}`,
            group: `g${r.group}`,
            amount: new Decimal(r.cents).div(100).toFixed(2),
            reference: null,
          }));
          const from = day(start);
          const to = day(start + length);
          const s = buildStatement({
            from,
            to,
            decimals: 2,
            entries,
            documents: [0, 1, 2, 3, 4, 5].map((g) => ({
              group: `g${g}`,
              number: `INV-${g}`,
              issueDate: day(0),
              dueDate: day(14),
            })),
          });
          const upTo = entries.filter((e) => e.date <= to);
          const sum = (xs: StatementEntry[]) => xs.reduce((a, e) => a.plus(e.amount), new Decimal(0));
          expect(s.opening).toBe(sum(upTo.filter((e) => e.date < from)).toFixed(2));
          expect(s.closing).toBe(sum(upTo).toFixed(2));
          expect(s.lines).toHaveLength(upTo.filter((e) => e.date >= from).length);
          expect(s.lines.at(-1)?.balance ?? s.opening).toBe(s.closing);
          expect(s.open.reduce((a, o) => a.plus(o.amount), new Decimal(0)).toFixed(2)).toBe(s.closing);
          const aged = s.aging.reduce((a, b) => a.plus(b.amount), new Decimal(0));
          expect(aged.plus(s.credits).toFixed(2)).toBe(s.closing);
        },
      ),
    );
  });
});
