/**
 * The cash forecast: the money expected in each of the next weeks, from what is owed (open invoices, paid on
 * the day each customer usually pays), what is scheduled or done and not yet invoiced (valued, and weighed by
 * how often such work gets done), and accepted quotes not yet booked. Each item is a bet that pays its amount
 * with a probability: the expected cash is the sum of amount × probability, and the band is the 80 % range
 * of independent bets (mean ± 1.2816 standard deviations). Pure: the items come in, the weeks come out.
 */
import Decimal from 'decimal.js';
import { addDays, mondayOf } from './time';

export type ForecastKind = 'invoice' | 'work' | 'quote';
export type ForecastItem = {
  kind: ForecastKind;
  id: string;
  /** What a person reads: "INV-2026-00042, Quayside Coffee". */
  label: string;
  amount: string;
  /** The business date the money is expected. */
  expectedOn: string;
  /** 0..1: how likely the money comes at all. */
  probability: number;
};

const Z80 = new Decimal('1.2816');

/** How likely an open invoice is paid, by how late it already is: the older the debt, the less certain. */
export const invoiceProbability = (daysOverdue: number): number =>
  daysOverdue <= 0
    ? 0.97
    : daysOverdue <= 30
      ? 0.9
      : daysOverdue <= 60
        ? 0.75
        : daysOverdue <= 90
          ? 0.5
          : 0.25;

export const forecastWeeks = (input: {
  today: string;
  weeks: number;
  decimals: number;
  items: readonly ForecastItem[];
}) => {
  const first = mondayOf(input.today);
  const fix = (d: Decimal) => d.toFixed(input.decimals);
  const weeks = Array.from({ length: input.weeks }, (_, i) => ({
    weekStart: addDays(first, i * 7),
    items: [] as ForecastItem[],
  }));
  for (const item of input.items) {
    // Money expected before today (a late payer's usual day has passed) is expected this week.
    const on = item.expectedOn < input.today ? input.today : item.expectedOn;
    const index = Math.floor(
      (Date.parse(`${on}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / (7 * 86_400_000),
    );
    const week = weeks[index];
    if (week) week.items.push(item);
  }
  return weeks.map((w) => {
    let mean = new Decimal(0);
    let variance = new Decimal(0);
    let certain = new Decimal(0);
    for (const it of w.items) {
      const a = new Decimal(it.amount);
      const p = new Decimal(it.probability);
      mean = mean.plus(a.times(p));
      variance = variance.plus(a.pow(2).times(p).times(new Decimal(1).minus(p)));
      certain = certain.plus(a);
    }
    const spread = variance.sqrt().times(Z80);
    return {
      weekStart: w.weekStart,
      expected: fix(mean),
      low: fix(Decimal.max(0, mean.minus(spread))),
      high: fix(Decimal.min(certain, mean.plus(spread))),
      items: w.items.sort(
        (a, b) => a.expectedOn.localeCompare(b.expectedOn) || a.label.localeCompare(b.label),
      ),
    };
  });
};

export type ForecastWeek = ReturnType<typeof forecastWeeks>[number];

/** How close a week's forecast came to what arrived: 1 is exact, 0 is off by the whole amount or more. */
export const forecastAccuracy = (forecast: string, actual: string): number | null => {
  const f = new Decimal(forecast);
  const a = new Decimal(actual);
  if (a.isZero()) return f.isZero() ? 1 : null;
  return Decimal.max(0, new Decimal(1).minus(f.minus(a).abs().div(a)))
    .toDecimalPlaces(4)
    .toNumber();
};
