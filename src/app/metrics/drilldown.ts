import { drilldownRows, INVOICE_DRILLDOWNS, JOB_DRILLDOWNS } from '../../db/queries/metrics';
import { jobNumber } from '../jobs/job-store';
import type { Deps } from '../ports';
import { type MetricsQuery, metricPeriod } from './compute-metrics';

export const DRILLDOWNS = [
  'completed',
  'invoice_ready',
  'issued',
  'sent',
  'paid',
  'needed_approval',
  'overdue_approvals',
  'refused',
  'touched',
  'credit_notes',
  'disputes',
  'receivables',
  'week_completed',
  'week_invoiced',
  'week_paid',
  'quote_differs',
] as const satisfies readonly (keyof typeof JOB_DRILLDOWNS | keyof typeof INVOICE_DRILLDOWNS)[];
export type Drilldown = (typeof DRILLDOWNS)[number];

const isJobDrilldown = (m: Drilldown): m is keyof typeof JOB_DRILLDOWNS => m in JOB_DRILLDOWNS;

/** The jobs or invoices behind a number, so each figure on the dashboard opens its list. */
export const drilldown = async (
  deps: Deps,
  organizationId: string,
  q: MetricsQuery & { metric: Drilldown },
) => {
  const { period } = await metricPeriod(deps, organizationId, q);
  const query = isJobDrilldown(q.metric)
    ? JOB_DRILLDOWNS[q.metric](period)
    : INVOICE_DRILLDOWNS[q.metric](period);
  const rows = await drilldownRows(deps.database.raw, query);
  return {
    metric: q.metric,
    kind: isJobDrilldown(q.metric) ? 'jobs' : 'invoices',
    items: rows.map((r) => ({
      id: r.id,
      number: typeof r.number === 'number' ? jobNumber(r.number) : r.number,
    })),
  };
};
