import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calculate, discountAllowances } from './invoice-calc';
import { choiceProblems, chosenLines, defaultChoice, priceQuote, type QuoteLine } from './quote-pricing';

const STD = { category: 'S' as const, rate: '23' };
const RED = { category: 'S' as const, rate: '13.5' };
const line = (
  id: string,
  quantity: string,
  unitPrice: string,
  extra: Partial<QuoteLine> = {},
): QuoteLine => ({
  id,
  description: id,
  quantity,
  unitPrice,
  tax: STD,
  ...extra,
});

/** A boiler swap: labour and a flue kit always, one boiler of three, a magnetic filter if the customer wants. */
const boiler: QuoteLine[] = [
  line('labour', '6', '70', { tax: RED }),
  line('flue', '1', '85'),
  line('good', '1', '1450', { option: { group: 'boiler', key: 'good' } }),
  line('better', '1', '1890', { option: { group: 'boiler', key: 'better' } }),
  line('best', '1', '2400', { option: { group: 'boiler', key: 'best' } }),
  line('filter', '1', '129.99', { optional: true }),
];
const terms = { currency: 'EUR', scheme: 'vat' as const };

describe("a quote's price for what the customer chose", () => {
  it('takes the base lines, one option of each group and the ticked add-ons', () => {
    expect(defaultChoice(boiler)).toEqual({ options: { boiler: 'good' }, addOns: [] });
    const chosen = chosenLines(boiler, { options: { boiler: 'better' }, addOns: ['filter'] });
    expect(chosen.map((l) => l.id)).toEqual(['labour', 'flue', 'better', 'filter']);
  });

  it('prices the choice like an invoice of those lines, VAT per rate, and the deposit on it', () => {
    const p = priceQuote(
      boiler,
      { ...terms, deposit: { percent: '30' } },
      { options: { boiler: 'better' }, addOns: [] },
    );
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    // 420.00 at 13.5 % (56.70) and 1,975.00 at 23 % (454.25): 2,905.95 in all.
    expect(p.calc.totals).toMatchObject({ taxExclusive: '2395.00', taxTotal: '510.95', payable: '2905.95' });
    expect(p.depositDue).toBe('871.79');
    const fixed = priceQuote(boiler, { ...terms, deposit: { amount: '5000' } }, defaultChoice(boiler));
    // A fixed deposit never asks for more than the quote is worth.
    expect(fixed.ok && fixed.depositDue).toBe(fixed.ok ? fixed.calc.totals.payable : '');
  });

  it('refuses a choice the quote does not offer, naming it', () => {
    expect(choiceProblems(boiler, { options: {}, addOns: [] })).toEqual([
      { field: 'choice.options.boiler', message: 'choose one option' },
    ]);
    expect(
      choiceProblems(boiler, { options: { boiler: 'deluxe', colour: 'red' }, addOns: ['flue'] }),
    ).toEqual([
      { field: 'choice.options.boiler', message: 'is not one of good, better, best' },
      { field: 'choice.options.colour', message: 'this quote has no such choice' },
      { field: 'choice.addOns', message: 'flue is not an optional line of this quote' },
    ]);
    expect(priceQuote(boiler, terms, { options: {}, addOns: [] }).ok).toBe(false);
  });

  it('prices exactly the chosen lines with the discount per tax group, whatever the mix of options and add-ons (property)', () => {
    const price = fc.stringMatching(/^\d{1,4}(\.\d{1,2})?$/);
    const qty = fc.stringMatching(/^[1-9]\d?(\.\d{1,2})?$/);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(qty, price, fc.boolean(), fc.constantFrom('none', 'a', 'b', 'add')), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.constantFrom(null, '5', '12.5'),
        fc.boolean(),
        (rows, discount, pickB) => {
          const lines = rows.map(([q, p, reduced, kind], i) =>
            line(`l${i}`, q, p, {
              tax: reduced ? RED : STD,
              ...(kind === 'a' || kind === 'b' ? { option: { group: 'g', key: kind } } : {}),
              ...(kind === 'add' ? { optional: true } : {}),
            }),
          );
          const keys = [...new Set(lines.filter((l) => l.option).map((l) => l.option?.key as string))];
          const choice = {
            options: keys.length ? { g: pickB && keys.includes('b') ? 'b' : (keys[0] as string) } : {},
            addOns: lines.filter((l) => l.optional).map((l) => l.id),
          };
          const quoted = priceQuote(lines, { ...terms, discountPercent: discount }, choice);
          const taken = chosenLines(lines, choice).map(({ quantity, unitPrice, tax }) => ({
            quantity,
            unitPrice,
            tax,
          }));
          const invoiced = calculate({
            currency: 'EUR',
            scheme: 'vat',
            kind: 'invoice',
            lines: taken,
            allowances: discountAllowances(discount, taken),
          });
          if (!quoted.ok || !invoiced.ok) return !quoted.ok && (taken.length === 0 || !invoiced.ok);
          return JSON.stringify(quoted.calc.totals) === JSON.stringify(invoiced.value.totals);
        },
      ),
      { numRuns: 300 },
    );
  });
});
