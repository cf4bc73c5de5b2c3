import { z } from 'zod';
import { DISPUTE_REASONS } from '../core/disputes';

/** GET /api/v1/metrics: hours for durations, decimal strings for money, shares as 0..1. */
const Stat = z.object({ count: z.number().int(), median: z.number().nullable(), p90: z.number().nullable() });
const Stages = { invoiceReady: Stat, issued: Stat, sent: Stat, paid: Stat };

export const Metrics = z
  .object({
    period: z.object({ from: z.string(), to: z.string(), timeZone: z.string(), days: z.number() }),
    cycleTime: z.object({
      jobs: z.number().int(),
      ...Stages,
      groupBy: z.string().nullable(),
      groups: z.array(z.object({ key: z.string(), jobs: z.number().int(), ...Stages })),
    }),
    closeouts: z.object({
      jobs: z.number().int(),
      acceptedFirstTime: z.number().int(),
      firstTimeRate: z.number().nullable(),
      refusalsByMissingItem: z.array(z.object({ code: z.string(), count: z.number().int() })),
    }),
    approvals: z.object({
      requested: z.number().int(),
      jobsCompleted: z.number().int(),
      jobsNeedingApproval: z.number().int(),
      shareOfJobs: z.number().nullable(),
      decided: z.number().int(),
      medianHoursToDecision: z.number().nullable(),
      overdue: z.number().int(),
    }),
    touches: z.object({
      officeEdits: z.number().int(),
      invoices: z.number().int(),
      perInvoice: z.number().nullable(),
    }),
    disputes: z.object({
      invoices: z.number().int(),
      creditNotes: z.number().int(),
      creditNoteRate: z.number().nullable(),
      /** Invoices disputed: by the customer (the portal's "Something's wrong?") or credited for a dispute. */
      disputes: z.number().int(),
      disputeRate: z.number().nullable(),
      /** Credit notes by their reason. */
      byReason: z.array(z.object({ reason: z.string(), count: z.number().int() })),
      /** What customers said was wrong, by reason, for disputes opened in the period. */
      customerReasons: z.array(z.object({ reason: z.enum(DISPUTE_REASONS), count: z.number().int() })),
    }),
    /**
     * Jobs from an accepted quote invoiced in the period: how many invoices equal the quote, and of those that
     * differ, why — approved change orders (the invoice is the agreed price after them), an approved estimate
     * variance, or neither — with the difference (invoice less quote, tax included, in the report's currency).
     */
    quotes: z.object({
      invoicedJobs: z.number().int(),
      matching: z.number().int(),
      differing: z.number().int(),
      byCause: z.array(
        z.object({
          cause: z.enum(['change_orders', 'variance_approved', 'unexplained']),
          jobs: z.number().int(),
          difference: z.string(),
        }),
      ),
    }),
    dso: z.object({
      days: z.number().nullable(),
      receivables: z.string(),
      creditSales: z.string(),
      periodDays: z.number(),
    }),
    arAging: z.object({
      asOf: z.string(),
      total: z.string(),
      current: z.string(),
      days1to30: z.string(),
      days31to60: z.string(),
      days61to90: z.string(),
      days90plus: z.string(),
    }),
    /** Collections: paid on time or how late, the reminders it took, CEI (0..1), who pays latest, DSO by month. */
    collections: z.object({
      invoicesPaid: z.number().int(),
      paidOnTime: z.number().int(),
      onTimeShare: z.number().nullable(),
      averageDaysLate: z.number().nullable(),
      remindersSent: z.number().int(),
      remindersPerPaidInvoice: z.number().nullable(),
      effectiveness: z.number().nullable(),
      openingReceivables: z.string(),
      lateCustomers: z.array(
        z.object({
          customerId: z.string(),
          name: z.string(),
          invoicesPaid: z.number().int(),
          averageDaysLate: z.number(),
          worstDaysLate: z.number().int(),
        }),
      ),
      dsoTrend: z.array(z.object({ month: z.string(), days: z.number().nullable() })),
      /** Balances given up in the period (org currency), their share of credit sales, and requests waiting now. */
      writeOffs: z.object({
        count: z.number().int(),
        amount: z.string(),
        shareOfSales: z.number().nullable(),
        pending: z.number().int(),
      }),
    }),
    thisWeek: z.object({
      weekStart: z.string().nullable(),
      completedJobs: z.number().int(),
      earned: z.string(),
      invoiced: z.string(),
      paid: z.string(),
    }),
    currency: z.string(),
  })
  .meta({ id: 'Metrics' });
