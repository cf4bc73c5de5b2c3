import Decimal from 'decimal.js';
import { and, eq, lt } from 'drizzle-orm';
import {
  type ForecastItem,
  forecastAccuracy,
  forecastWeeks,
  invoiceProbability,
} from '../../core/cash-forecast';
import { csvText } from '../../core/csv';
import { notFound } from '../../core/errors';
import { amountDecimals } from '../../core/money';
import { daysBetween } from '../../core/statement';
import { addDays, businessDate, laterDate, mondayOf } from '../../core/time';
import {
  acceptedUnbooked,
  cashByWeek,
  completionRate,
  openInvoices,
  paymentHabits,
  unbilledWork,
} from '../../db/queries/forecast';
import { cashForecastWeeks, organizations } from '../../db/schema';
import type { Deps } from '../ports';

export const FORECAST_WEEKS = 13;
/** An accepted quote not yet booked: booked within two weeks, and done as often as booked work is. */
const QUOTE_BOOKING_DAYS = 14;
const QUOTE_PROBABILITY_FACTOR = 0.8;
/** Done but not yet invoiced: invoiced within the week, nearly always. */
const DONE_PROBABILITY = 0.95;

/**
 * The next 13 weeks of cash for one organization, from its own history: each customer's usual lateness (else
 * everyone's), how often scheduled work gets done, what its jobs are usually invoiced at. Every item behind a
 * week is listed, with its amount, date and probability, and the assumptions are returned with the figures.
 */
export const cashForecast = async (deps: Deps, organizationId: string) => {
  const [org] = await deps.database.db
    .select()
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  const today = businessDate(deps.clock.now(), org.timeZone);
  const horizon = addDays(mondayOf(today), FORECAST_WEEKS * 7 - 1);
  const q = { organizationId, today, horizon, timeZone: org.timeZone };
  const raw = deps.database.raw;
  const habits = await paymentHabits(raw, q);
  const everyone = Number(habits.find((h) => h.customer_id === null)?.late ?? 0);
  const lateness = new Map(
    habits.filter((h) => h.customer_id !== null && h.paid >= 2).map((h) => [h.customer_id, Number(h.late)]),
  );
  const lateOf = (customerId: string) => Math.round(lateness.get(customerId) ?? everyone);
  const rate = await completionRate(raw, q);
  const completion = rate && rate.closed >= 5 ? rate.done / rate.closed : 0.9;

  const items: ForecastItem[] = [];
  for (const i of await openInvoices(raw, q)) {
    const due = i.due_date ?? today;
    items.push({
      kind: 'invoice',
      id: i.id,
      label: `${i.number}, ${i.customer}`,
      amount: i.owed,
      expectedOn: addDays(due, lateOf(i.customer_id)),
      probability: invoiceProbability(daysBetween(due, today)),
    });
  }
  for (const w of await unbilledWork(raw, q)) {
    if (w.value === null) continue;
    // Invoiced the day after the work (as auto-issue does), then paid on the customer's terms and habit.
    const invoiced = addDays(w.done ? today : laterDate(w.day, today), 1);
    items.push({
      kind: 'work',
      id: w.id,
      label: `${w.done ? 'Done, not yet invoiced' : 'Scheduled'}: ${w.number}, ${w.customer}`,
      amount: w.value,
      expectedOn: addDays(invoiced, w.terms + lateOf(w.customer_id)),
      probability: Math.round((w.done ? DONE_PROBABILITY : completion) * 1000) / 1000,
    });
  }
  for (const qu of await acceptedUnbooked(raw, q)) {
    const booked = addDays(laterDate(qu.accepted_on, today), QUOTE_BOOKING_DAYS);
    items.push({
      kind: 'quote',
      id: qu.id,
      label: `Accepted quote ${qu.number}, ${qu.customer}`,
      amount: qu.value,
      expectedOn: addDays(booked, 1 + qu.terms + lateOf(qu.customer_id)),
      probability: Math.round(completion * QUOTE_PROBABILITY_FACTOR * 1000) / 1000,
    });
  }
  const weeks = forecastWeeks({
    today,
    weeks: FORECAST_WEEKS,
    decimals: amountDecimals(org.currency, true),
    items,
  });
  return {
    currency: org.currency,
    today,
    weeks,
    assumptions: {
      averageDaysLate: everyone,
      completionRate: Math.round(completion * 1000) / 1000,
      quoteProbability: Math.round(completion * QUOTE_PROBABILITY_FACTOR * 1000) / 1000,
    },
    accuracy: await accuracyOf(deps, organizationId, mondayOf(today)),
  };
};

/** The last eight whole weeks: what the forecast made at each week's start expected for it, and what came in. */
const accuracyOf = async (deps: Deps, organizationId: string, thisMonday: string) => {
  const from = addDays(thisMonday, -56);
  const made = await deps.database.db
    .select()
    .from(cashForecastWeeks)
    .where(
      and(eq(cashForecastWeeks.organizationId, organizationId), lt(cashForecastWeeks.weekStart, thisMonday)),
    );
  const actual = new Map(
    (await cashByWeek(deps.database.raw, { organizationId, from, to: addDays(thisMonday, -1) })).map((r) => [
      r.week,
      r.amount,
    ]),
  );
  return made
    .filter((m) => m.madeOn === m.weekStart && m.weekStart >= from)
    .sort((a, b) => a.weekStart.localeCompare(b.weekStart))
    .map((m) => {
      const forecast = new Decimal(m.expected).toFixed(2);
      const came = actual.get(m.weekStart) ?? '0.00';
      return { weekStart: m.weekStart, forecast, actual: came, accuracy: forecastAccuracy(forecast, came) };
    });
};

/**
 * The hourly `forecast.record` job: the first run of each week (Monday in the organization's time zone) keeps
 * that week's forecast, so each week can be compared with what came in. Once per organization and week.
 */
export const recordForecasts = async (deps: Deps, organizationId?: string) => {
  const orgs = await deps.database.db
    .select({ id: organizations.id, timeZone: organizations.timeZone })
    .from(organizations)
    .where(organizationId ? eq(organizations.id, organizationId) : undefined);
  let recorded = 0;
  for (const o of orgs) {
    const madeOn = mondayOf(businessDate(deps.clock.now(), o.timeZone));
    const [kept] = await deps.database.db
      .select({ week: cashForecastWeeks.weekStart })
      .from(cashForecastWeeks)
      .where(and(eq(cashForecastWeeks.organizationId, o.id), eq(cashForecastWeeks.madeOn, madeOn)))
      .limit(1);
    if (kept) continue;
    const f = await cashForecast(deps, o.id);
    const inserted = await deps.database.db
      .insert(cashForecastWeeks)
      .values(
        f.weeks.map((w) => ({
          organizationId: o.id,
          madeOn,
          weekStart: w.weekStart,
          expected: w.expected,
          low: w.low,
          high: w.high,
          createdAt: deps.clock.now(),
        })),
      )
      .onConflictDoNothing()
      .returning({ week: cashForecastWeeks.weekStart });
    if (inserted.length > 0) recorded++;
  }
  return { recorded };
};

/** The forecast for a spreadsheet: one row per item behind a week, plus the week's totals; text cells guarded. */
export const cashForecastCsvRows = (f: Awaited<ReturnType<typeof cashForecast>>): string[][] => [
  [
    'week_start',
    'kind',
    'what',
    'expected_on',
    'amount',
    'probability',
    'week_expected',
    'week_low',
    'week_high',
  ],
  ...f.weeks.flatMap((w) => [
    [w.weekStart, 'week', '', '', '', '', w.expected, w.low, w.high],
    ...w.items.map((i) => [
      w.weekStart,
      i.kind,
      csvText(i.label),
      i.expectedOn,
      i.amount,
      String(i.probability),
      '',
      '',
      '',
    ]),
  ]),
];
