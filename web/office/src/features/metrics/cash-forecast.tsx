import { useEffect, useState } from 'react';
import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { z } from 'zod';
import type { CashForecast as CashForecastSchema } from '../../../../../src/contracts/collections';
import { api } from '../../shared/api';
import { messageOf } from '../../shared/feedback';
import { dayText, money } from '../../shared/format';
import { pct } from './metric-tile';

type F = z.infer<typeof CashForecastSchema>;
const KIND_WORDS = { invoice: 'Owed', work: 'Work', quote: 'Quote' } as const;

/**
 * The cash to come, week by week for 13 weeks: expected, with the 80 % band, each week opening the invoices,
 * work and quotes behind it; then how close the last weeks' forecasts came to what arrived.
 */
export const CashForecast = () => {
  const [f, setF] = useState<F | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [week, setWeek] = useState<string | null>(null);
  useEffect(() => {
    api<F>('GET', '/api/v1/cash-forecast').then(setF, (e) => setError(messageOf(e)));
  }, []);
  if (error) return <p role="alert">{error}</p>;
  if (!f) return <p aria-busy="true">Working out the next 13 weeks…</p>;
  const data = f.weeks.map((w) => ({
    week: dayText(w.weekStart).replace(/ \d{4}$/, ''),
    weekStart: w.weekStart,
    expected: Number(w.expected),
    band: [Number(w.low), Number(w.high)],
  }));
  const open = f.weeks.find((w) => w.weekStart === week) ?? null;
  const total = f.weeks.reduce((s, w) => s + Number(w.expected), 0);
  return (
    <section aria-label="Cash forecast">
      <h2>Cash to come, next 13 weeks</h2>
      <p className="hint">
        About {money(total.toFixed(2), f.currency)} expected. Open invoices count from the day each customer
        usually pays (on average {f.assumptions.averageDaysLate} days after the due date); scheduled work from
        its date, done {pct(f.assumptions.completionRate)} of the time; accepted quotes not yet booked at{' '}
        {pct(f.assumptions.quoteProbability)}. The shaded band is where the week should land 8 times in 10.
        Click a week below to see what is behind it.
      </p>
      <div className="charts">
        <figure>
          <figcaption>Expected cash per week ({f.currency})</figcaption>
          <ResponsiveContainer width="100%" height={240}>
            <ComposedChart data={data}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="week" tick={{ fontSize: 11 }} />
              <YAxis />
              <Tooltip />
              <Legend />
              <Area isAnimationActive={false} dataKey="band" name="80 % band" fill="#9ec5fe" stroke="none" />
              <Line
                isAnimationActive={false}
                dataKey="expected"
                name="Expected"
                stroke="#0b5ed7"
                strokeWidth={2}
              />
            </ComposedChart>
          </ResponsiveContainer>
          <div className="week-buttons">
            {f.weeks.map((w) => (
              <button
                key={w.weekStart}
                type="button"
                className={w.weekStart === week ? 'active' : ''}
                onClick={() => setWeek(w.weekStart === week ? null : w.weekStart)}
                aria-label={`Week of ${dayText(w.weekStart)}: ${money(w.expected, f.currency)} expected`}
              >
                {dayText(w.weekStart).replace(/ \d{4}$/, '')}
              </button>
            ))}
          </div>
        </figure>
        <figure>
          <figcaption>Forecast against what came in</figcaption>
          {f.accuracy.length === 0 ? (
            <p className="empty">
              Each Monday’s forecast is kept; from next week on, this compares it with the money that came in.
            </p>
          ) : (
            <ResponsiveContainer width="100%" height={240}>
              <BarChart
                data={f.accuracy.map((a) => ({
                  week: dayText(a.weekStart).replace(/ \d{4}$/, ''),
                  forecast: Number(a.forecast),
                  actual: Number(a.actual),
                }))}
              >
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="week" tick={{ fontSize: 11 }} />
                <YAxis />
                <Tooltip />
                <Legend />
                <Bar isAnimationActive={false} dataKey="forecast" name="Forecast" fill="#9ec5fe" />
                <Bar isAnimationActive={false} dataKey="actual" name="Came in" fill="#0b7a4b" />
              </BarChart>
            </ResponsiveContainer>
          )}
        </figure>
      </div>
      {open && (
        <section className="drill" aria-label={`Behind the week of ${dayText(open.weekStart)}`}>
          <h3>
            Week of {dayText(open.weekStart)}: {money(open.expected, f.currency)} expected (
            {money(open.low, f.currency)} to {money(open.high, f.currency)})
          </h3>
          {open.items.length === 0 ? (
            <p className="empty">Nothing is expected this week.</p>
          ) : (
            <table aria-label="What the week is made of">
              <thead>
                <tr>
                  <th>What</th>
                  <th>Expected on</th>
                  <th>Amount</th>
                  <th>Likely</th>
                </tr>
              </thead>
              <tbody>
                {open.items.map((i) => (
                  <tr key={`${i.kind}-${i.id}`}>
                    <td>
                      {i.kind === 'invoice' ? (
                        <a href={`#/invoices/${i.id}`}>{i.label}</a>
                      ) : i.kind === 'work' ? (
                        <a href={`#/jobs/${i.id}`}>{i.label}</a>
                      ) : (
                        <a href={`#/quotes/${i.id}`}>{i.label}</a>
                      )}{' '}
                      <small>({KIND_WORDS[i.kind]})</small>
                    </td>
                    <td>
                      {i.expectedOn < f.today
                        ? `Late: due since ${dayText(i.expectedOn)}`
                        : dayText(i.expectedOn)}
                    </td>
                    <td>{money(i.amount, f.currency)}</td>
                    <td>{pct(i.probability)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </section>
  );
};
