import { useEffect, useRef, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { z } from 'zod';
import type { Metrics as MetricsSchema } from '../../../../../src/contracts/metrics';
import { DISPUTE_REASON_WORDS } from '../../../../../src/core/disputes';
import { addDays, businessDate, monthBefore } from '../../../../../src/core/time';
import { ApiError, api, type MeT } from '../../shared/api';
import { CashForecast } from './cash-forecast';
import { CollectionsMetrics } from './collections-metrics';
import { pct, Tile } from './metric-tile';

type MetricsT = z.infer<typeof MetricsSchema>;
type Drill = { metric: string; kind: 'jobs' | 'invoices'; items: { id: string; number: string }[] };
type JobType = { id: string; code: string; name: string };

const STAGE_LABEL = { invoiceReady: 'Invoice-ready', issued: 'Issued', sent: 'Sent', paid: 'Paid' } as const;
const STAGES = Object.keys(STAGE_LABEL) as (keyof typeof STAGE_LABEL)[];

const hrs = (v: number | null) => (v === null ? '–' : v >= 48 ? `${Math.round(v / 2.4) / 10} d` : `${v} h`);

/** Why an invoice from a quote is not the quoted price, in words. */
const QUOTE_CAUSE_WORDS = {
  change_orders: 'by approved change orders',
  variance_approved: 'by an approved variance',
  unexplained: 'with neither a change order nor an approval',
} as const;

/** A difference with its sign: "+120.00", "−45.50". */
const signed = (amount: string) => (amount.startsWith('-') ? `−${amount.slice(1)}` : `+${amount}`);

export const MetricsPage = ({ me }: { me: MeT }) => {
  const tz = me.organization.timeZone;
  const today = businessDate(new Date(), tz);
  const [period, setPeriod] = useState({ from: addDays(today, -29), to: today });
  const [jobTypeId, setJobTypeId] = useState('');
  const [groupBy, setGroupBy] = useState<'week' | 'job_type' | 'technician'>('week');
  const [types, setTypes] = useState<JobType[]>([]);
  const [data, setData] = useState<MetricsT | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [drill, setDrill] = useState<Drill | null>(null);
  const [drillLabel, setDrillLabel] = useState('');

  useEffect(() => {
    api<{ items: JobType[] }>('GET', '/api/v1/job-types').then(
      (r) => setTypes(r.items),
      () => setTypes([]),
    );
  }, []);
  const query = `from=${period.from}&to=${period.to}${jobTypeId ? `&jobTypeId=${jobTypeId}` : ''}`;
  useEffect(() => {
    setData(null);
    setError(null);
    setDrill(null);
    api<MetricsT>('GET', `/api/v1/metrics?${query}&groupBy=${groupBy}`).then(setData, (err: unknown) =>
      setError(err instanceof ApiError ? err.message : 'Could not load the metrics'),
    );
  }, [query, groupBy]);

  // The list under a label is always that label's: the previous list goes at once, and an answer that
  // arrives after another number was clicked is dropped.
  const opened = useRef('');
  const open = (metric: string, label: string) => () => {
    opened.current = metric;
    setDrill(null);
    setDrillLabel(label);
    api<Drill>('GET', `/api/v1/metrics/drilldown?${query}&metric=${metric}`).then(
      (d) => opened.current === metric && setDrill(d),
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not load the list'),
    );
  };

  const presets: [string, { from: string; to: string }][] = [
    ['Last 30 days', { from: addDays(today, -29), to: today }],
    ['This month', { from: `${today.slice(0, 8)}01`, to: today }],
    ['Last month', monthBefore(today)],
    ['Last 90 days', { from: addDays(today, -89), to: today }],
  ];

  return (
    <section className="metrics" aria-busy={!data && !error}>
      <form className="filters" aria-label="Period and filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From
          <input
            type="date"
            value={period.from}
            max={period.to}
            onChange={(e) => setPeriod({ ...period, from: e.target.value })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={period.to}
            min={period.from}
            onChange={(e) => setPeriod({ ...period, to: e.target.value })}
          />
        </label>
        <fieldset className="presets">
          <legend className="sr-only">Periods</legend>
          {presets.map(([label, p]) => (
            <button
              key={label}
              type="button"
              className={p.from === period.from && p.to === period.to ? 'active' : 'secondary'}
              onClick={() => setPeriod(p)}
            >
              {label}
            </button>
          ))}
        </fieldset>
        <label>
          Job type
          <select value={jobTypeId} onChange={(e) => setJobTypeId(e.target.value)}>
            <option value="">All job types</option>
            {types.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Group by
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as typeof groupBy)}>
            <option value="week">Week</option>
            <option value="job_type">Job type</option>
            <option value="technician">Technician</option>
          </select>
        </label>
        <a className="csv" href={`/api/v1/metrics/export.csv?${query}`}>
          Download CSV
        </a>
      </form>

      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!data && !error && <p className="loading">Loading the metrics…</p>}
      {data && data.cycleTime.jobs === 0 && data.disputes.invoices === 0 && (
        <p className="empty">Nothing was completed or invoiced in this period. Pick a longer one.</p>
      )}
      {data && (
        <>
          <h2>Completed to invoice sent</h2>
          <div className="tiles">
            <Tile
              label="Jobs completed"
              value={String(data.cycleTime.jobs)}
              onOpen={open('completed', 'Jobs completed')}
            />
            <Tile
              label="Median, completed → sent"
              value={hrs(data.cycleTime.sent.median)}
              hint={`p90 ${hrs(data.cycleTime.sent.p90)} · ${data.cycleTime.sent.count} sent`}
              onOpen={open('sent', 'Jobs whose invoice was sent')}
            />
            <Tile
              label="Median, completed → paid"
              value={hrs(data.cycleTime.paid.median)}
              hint={`${data.cycleTime.paid.count} paid`}
              onOpen={open('paid', 'Jobs paid')}
            />
            <Tile
              label="Closeouts right first time"
              value={pct(data.closeouts.firstTimeRate)}
              hint={`${data.closeouts.acceptedFirstTime} of ${data.closeouts.jobs}`}
              onOpen={open('refused', 'Jobs with a refused closeout')}
            />
          </div>
          <div className="charts">
            <figure>
              <figcaption>Hours from completion to each stage (median and p90)</figcaption>
              <ResponsiveContainer width="100%" height={240}>
                <BarChart
                  data={STAGES.map((s) => ({
                    stage: STAGE_LABEL[s],
                    median: data.cycleTime[s].median,
                    p90: data.cycleTime[s].p90,
                  }))}
                >
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="stage" />
                  <YAxis unit=" h" />
                  <Tooltip />
                  <Legend />
                  <Bar isAnimationActive={false} dataKey="median" name="Median" fill="#0b7a4b" />
                  <Bar isAnimationActive={false} dataKey="p90" name="p90" fill="#9ccfb5" />
                </BarChart>
              </ResponsiveContainer>
            </figure>
            <figure>
              <figcaption>Median hours to invoice sent, by {groupBy.replace('_', ' ')}</figcaption>
              <ResponsiveContainer width="100%" height={240}>
                <LineChart
                  data={data.cycleTime.groups.map((g) => ({
                    key: groupBy === 'job_type' ? (types.find((t) => t.id === g.key)?.name ?? g.key) : g.key,
                    issued: g.issued.median,
                    sent: g.sent.median,
                  }))}
                >
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="key" />
                  <YAxis unit=" h" />
                  <Tooltip />
                  <Legend />
                  <Line
                    isAnimationActive={false}
                    connectNulls
                    type="monotone"
                    dataKey="issued"
                    name="Issued"
                    stroke="#1f6feb"
                  />
                  <Line
                    isAnimationActive={false}
                    connectNulls
                    type="monotone"
                    dataKey="sent"
                    name="Sent"
                    stroke="#0b7a4b"
                  />
                </LineChart>
              </ResponsiveContainer>
            </figure>
          </div>

          <h2>Approvals, touches and disputes</h2>
          <div className="tiles">
            <Tile
              label="Jobs that needed approval"
              value={pct(data.approvals.shareOfJobs)}
              hint={`${data.approvals.jobsNeedingApproval} of ${data.approvals.jobsCompleted} · median ${hrs(data.approvals.medianHoursToDecision)} to decide`}
              onOpen={open('needed_approval', 'Jobs that needed approval')}
            />
            <Tile
              label="Approvals overdue"
              value={String(data.approvals.overdue)}
              warn={data.approvals.overdue > 0}
              onOpen={open('overdue_approvals', 'Overdue approvals')}
            />
            <Tile
              label="Office touches per invoice"
              value={data.touches.perInvoice === null ? '–' : String(data.touches.perInvoice)}
              hint={`${data.touches.officeEdits} edits on ${data.touches.invoices} invoices`}
              onOpen={open('touched', 'Jobs the office corrected')}
            />
            <Tile
              label="Credit-note rate"
              value={pct(data.disputes.creditNoteRate)}
              hint={`${data.disputes.creditNotes} credit notes on ${data.disputes.invoices} invoices`}
              onOpen={open('credit_notes', 'Credit notes')}
            />
            <Tile
              label="Dispute rate"
              value={pct(data.disputes.disputeRate)}
              warn={data.disputes.disputes > 0}
              hint={`${data.disputes.disputes} of ${data.disputes.invoices} invoices disputed${
                data.disputes.customerReasons[0]
                  ? ` · most often “${DISPUTE_REASON_WORDS[data.disputes.customerReasons[0].reason]}”`
                  : ''
              }`}
              onOpen={open('disputes', 'Invoices disputed')}
            />
            <Tile
              label="Invoiced as quoted"
              value={
                data.quotes.invoicedJobs === 0
                  ? '–'
                  : pct(Math.round((data.quotes.matching / data.quotes.invoicedJobs) * 10_000) / 10_000)
              }
              warn={data.quotes.byCause.some((c) => c.cause === 'unexplained')}
              hint={
                data.quotes.invoicedJobs === 0
                  ? 'No invoice from a quote in the period'
                  : `${data.quotes.matching} of ${data.quotes.invoicedJobs} invoices equal their quote${data.quotes.byCause
                      .map(
                        (c) =>
                          ` · ${c.jobs} ${QUOTE_CAUSE_WORDS[c.cause]} (${signed(c.difference)} ${data.currency})`,
                      )
                      .join('')}`
              }
              onOpen={open('quote_differs', 'Invoices that differ from their quote')}
            />
          </div>

          <h2>Cash</h2>
          <div className="tiles">
            <Tile
              label="DSO (days)"
              value={data.dso.days === null ? '–' : String(data.dso.days)}
              hint={`AR ${data.currency} ${data.dso.receivables} ÷ credit sales ${data.dso.creditSales} × ${data.dso.periodDays} days`}
              onOpen={open('receivables', 'Invoices still owed at the end of the period')}
            />
            <Tile
              label="Earned this week"
              value={`${data.currency} ${data.thisWeek.earned}`}
              hint={`${data.thisWeek.completedJobs} jobs completed`}
              onOpen={open('week_completed', 'Jobs completed this week')}
            />
            <Tile
              label="Invoiced this week"
              value={`${data.currency} ${data.thisWeek.invoiced}`}
              onOpen={open('week_invoiced', 'Invoices issued this week')}
            />
            <Tile
              label="Paid this week"
              value={`${data.currency} ${data.thisWeek.paid}`}
              onOpen={open('week_paid', 'Invoices paid this week')}
            />
          </div>
          <div className="charts">
            <figure>
              <figcaption>
                Receivables by age on {data.arAging.asOf} ({data.currency} {data.arAging.total})
              </figcaption>
              <ResponsiveContainer width="100%" height={220}>
                <BarChart
                  data={[
                    ['Current', data.arAging.current],
                    ['1–30', data.arAging.days1to30],
                    ['31–60', data.arAging.days31to60],
                    ['61–90', data.arAging.days61to90],
                    ['90+', data.arAging.days90plus],
                  ].map(([bucket, amount]) => ({ bucket, amount: Number(amount) }))}
                >
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="bucket" />
                  <YAxis />
                  <Tooltip />
                  <Bar
                    isAnimationActive={false}
                    dataKey="amount"
                    name={`Owed (${data.currency})`}
                    fill="#c2410c"
                  />
                </BarChart>
              </ResponsiveContainer>
            </figure>
            <figure>
              <figcaption>Why closeouts were refused</figcaption>
              {data.closeouts.refusalsByMissingItem.length === 0 ? (
                <p className="empty">No closeout was refused in this period.</p>
              ) : (
                <ResponsiveContainer width="100%" height={220}>
                  <BarChart data={data.closeouts.refusalsByMissingItem} layout="vertical">
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis type="number" allowDecimals={false} />
                    <YAxis type="category" dataKey="code" width={120} />
                    <Tooltip />
                    <Bar isAnimationActive={false} dataKey="count" name="Refusals" fill="#1f6feb" />
                  </BarChart>
                </ResponsiveContainer>
              )}
            </figure>
          </div>
          <CollectionsMetrics data={data} />
          <CashForecast />
        </>
      )}

      {drill && (
        <section className="drill" aria-label={drillLabel}>
          <h2>
            {drillLabel} ({drill.items.length})
          </h2>
          {drill.items.length === 0 ? (
            <p className="empty">None.</p>
          ) : (
            <ul>
              {drill.items.map((i) => (
                <li key={i.id}>
                  {drill.kind === 'invoices' ? (
                    <a href={`/api/v1/invoices/${i.id}/pdf`} target="_blank" rel="noreferrer">
                      {i.number}
                    </a>
                  ) : (
                    <span>{i.number}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </section>
  );
};
