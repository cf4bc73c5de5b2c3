import { STAGES } from '../../db/queries/metrics';
import type { Metrics } from './compute-metrics';

/** The metric's rows, flattened for a spreadsheet: section, measure, group, value. */
export const metricsCsvRows = (m: Metrics): string[][] => {
  const rows: string[][] = [['section', 'measure', 'group', 'value']];
  const add = (section: string, measure: string, value: unknown, group = '') =>
    rows.push([section, measure, group, value === null || value === undefined ? '' : String(value)]);
  for (const s of STAGES) {
    add('cycle_time_hours', `${s}_median`, m.cycleTime[s].median);
    add('cycle_time_hours', `${s}_p90`, m.cycleTime[s].p90);
    add('cycle_time_hours', `${s}_count`, m.cycleTime[s].count);
    for (const g of m.cycleTime.groups) {
      add('cycle_time_hours', `${s}_median`, g[s].median, g.key);
      add('cycle_time_hours', `${s}_p90`, g[s].p90, g.key);
    }
  }
  for (const [section, values] of Object.entries({
    closeouts: {
      jobs: m.closeouts.jobs,
      acceptedFirstTime: m.closeouts.acceptedFirstTime,
      firstTimeRate: m.closeouts.firstTimeRate,
    },
    approvals: m.approvals,
    touches: m.touches,
    disputes: {
      invoices: m.disputes.invoices,
      creditNotes: m.disputes.creditNotes,
      creditNoteRate: m.disputes.creditNoteRate,
      disputes: m.disputes.disputes,
      disputeRate: m.disputes.disputeRate,
    },
    quotes: {
      invoicedJobs: m.quotes.invoicedJobs,
      matching: m.quotes.matching,
      differing: m.quotes.differing,
    },
    dso: m.dso,
    ar_aging: m.arAging,
    this_week: m.thisWeek,
    collections: {
      invoicesPaid: m.collections.invoicesPaid,
      paidOnTime: m.collections.paidOnTime,
      onTimeShare: m.collections.onTimeShare,
      averageDaysLate: m.collections.averageDaysLate,
      remindersSent: m.collections.remindersSent,
      remindersPerPaidInvoice: m.collections.remindersPerPaidInvoice,
      effectiveness: m.collections.effectiveness,
      writeOffs: m.collections.writeOffs.count,
      writtenOff: m.collections.writeOffs.amount,
      writtenOffShareOfSales: m.collections.writeOffs.shareOfSales,
    },
  })) {
    for (const [k, v] of Object.entries(values)) add(section, k, v);
  }
  for (const r of m.closeouts.refusalsByMissingItem) add('closeouts', 'refusals', r.count, r.code);
  for (const r of m.disputes.byReason) add('disputes', 'credit_notes', r.count, r.reason);
  for (const r of m.disputes.customerReasons) add('disputes', 'customer_disputes', r.count, r.reason);
  for (const c of m.quotes.byCause) {
    add('quotes', 'jobs_differing', c.jobs, c.cause);
    add('quotes', 'difference', c.difference, c.cause);
  }
  for (const d of m.collections.dsoTrend) add('collections', 'dso_days', d.days, d.month);
  for (const c of m.collections.lateCustomers)
    add('collections', 'average_days_late', c.averageDaysLate, c.name);
  return rows;
};
