import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeOut,
  drain,
  type InvoiceJson,
  invoicesOfJob,
  newJob,
  plainJobType,
  setSeller,
} from '../invoices/helpers';
import { as, createTestApp, type Session, signIn, type TestApp, TestClock } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, requirements } from '../support/factories';

/**
 * A known November, built through the API with a hand-moved clock, and every metric asserted exactly.
 * Europe/Dublin is UTC+0 in November, so the times below are also local.
 *
 * J1 completed 11-02 10:00, office correction 12:00 (invoice-ready again), issued 14:00, sent 11-03 10:00, paid 11-06 10:00
 * J2 refused 11-03 09:00 (notes missing), completed 11-03 11:00, issued 12:00
 * J3 completed 11-04 08:00, needs approval, approved 14:00, issued 11-05 08:00, sent 09:00
 * J4 booked, never done (open)
 * J5 completed 10-31 23:30 (October), issued 11-01 09:00
 * J6 rescheduled, completed 11-05 10:00, issued 10:30, fully credited 11-06 09:00 (price dispute)
 */
describe.each(testDrivers())('cash-flow metrics on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  const inv: Record<string, InvoiceJson> = {};
  const jobNumbers: Record<string, string> = {};
  let earned = new Decimal(0);

  beforeAll(async () => {
    const clock = new TestClock('2026-10-30T08:00:00Z');
    t = await createTestApp(driver, { clock, sessionTtlHours: 24 * 365 });
    org = await makeOrganization(t.deps, 'metrics');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    const dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    const tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    const approver = await signIn(t.app, org.users.approver.email, PASSWORD);
    await setSeller(t, owner, { invoiceAutoIssue: false });
    const plain = await plainJobType(t, owner, 'PLAIN');
    const jobType = async (code: string, extra: Record<string, unknown>) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/job-types',
        headers: as(owner, true),
        payload: {
          code,
          name: code,
          trade: 'plumbing',
          defaultDurationMinutes: 60,
          billingMode: 'time_and_materials',
          closeoutRequirements: requirements(),
          approvalRules: [],
          ...extra,
        },
      });
      return res.json().id as string;
    };
    const notes = await jobType('NOTES', { closeoutRequirements: requirements({ notes: true }) });
    const gated = await jobType('GATED', {
      approvalRules: [
        { code: 'invoice_total_above', threshold: '100', approverRole: 'approver', slaHours: 24 },
      ],
    });
    const at = (iso: string) => clock.set(iso);
    const post = (url: string, payload: object, who: Session = billing) =>
      t.app.inject({ method: 'POST', url, headers: as(who, true), payload });
    const issue = async (key: string, jobId: string, when: string) => {
      at(when);
      const [draft] = (await invoicesOfJob(t, billing, jobId)).filter((i) => i.status === 'draft');
      const res = await post(`/api/v1/invoices/${draft?.id}/issue`, {});
      expect(res.statusCode, res.body).toBe(200);
      inv[key] = res.json();
    };
    // 2.5 h × 80 + 189.99 (the helper's closeout) is earned; the trip charge is a document charge.
    const earnedPerJob = new Decimal('2.5').times(80).plus('189.99').plus('35.00');
    const job = async (key: string, typeId: string, extra: Record<string, unknown> = {}) => {
      const j = await newJob(t, org, dispatcher, typeId, extra);
      jobNumbers[key] = j.number;
      return j.id;
    };

    const j5 = await job('J5', plain);
    at('2026-10-31T23:30:00Z');
    await closeOut(t, org, tech, j5);
    await drain(t);
    await issue('J5', j5, '2026-11-01T09:00:00Z');

    const j1 = await job('J1', plain);
    at('2026-11-02T10:00:00Z');
    await closeOut(t, org, tech, j1);
    earned = earned.plus(earnedPerJob);
    at('2026-11-02T12:00:00Z');
    const corrected = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/jobs/${j1}/closeout`,
      headers: as(owner, true),
      payload: {
        submissionId: randomUUID(),
        reason: 'Part price from the supplier invoice',
        workPerformed: { checklist: [], notes: 'Pump replaced and tested.' },
        labor: [{ technicianId: org.users.technician.id, hours: '2.5' }],
        parts: [{ description: 'Circulator pump', quantity: '1', unitPrice: '189.99' }],
        adjustments: [{ kind: 'trip_charge', amount: '35.00' }],
        deviceTime: '2026-11-02T11:59:00.000Z',
      },
    });
    expect(corrected.statusCode, corrected.body).toBe(201);
    await drain(t);
    await issue('J1', j1, '2026-11-02T14:00:00Z');
    at('2026-11-03T10:00:00Z');
    await post(`/api/v1/invoices/${inv.J1?.id}/send`, {});

    const j2 = await job('J2', notes);
    at('2026-11-03T09:00:00Z');
    const refused = await closeOut(t, org, tech, j2, { workPerformed: { checklist: [], notes: '' } });
    expect(refused.code).toBe('closeout_incomplete');
    at('2026-11-03T11:00:00Z');
    await closeOut(t, org, tech, j2);
    earned = earned.plus(earnedPerJob);
    await drain(t);
    await issue('J2', j2, '2026-11-03T12:00:00Z');

    const j3 = await job('J3', gated);
    at('2026-11-04T08:00:00Z');
    const gatedCloseout = await closeOut(t, org, tech, j3);
    earned = earned.plus(earnedPerJob);
    expect(gatedCloseout.job.billingStatus).toBe('needs_approval');
    at('2026-11-04T14:00:00Z');
    const ok = await post(
      `/api/v1/approvals/${gatedCloseout.approval.id}/decision`,
      { decision: 'approve' },
      approver,
    );
    expect(ok.statusCode, ok.body).toBe(200);
    await drain(t);
    await issue('J3', j3, '2026-11-05T08:00:00Z');
    at('2026-11-05T09:00:00Z');
    await post(`/api/v1/invoices/${inv.J3?.id}/send`, {});

    await job('J4', plain);

    const j6 = await job('J6', plain);
    const moved = await post(
      `/api/v1/jobs/${j6}/reschedule`,
      {
        windowStart: '2026-11-05T09:00:00.000Z',
        windowEnd: '2026-11-05T11:00:00.000Z',
        reason: 'customer away',
      },
      dispatcher,
    );
    expect(moved.statusCode, moved.body).toBe(200);
    at('2026-11-05T10:00:00Z');
    await closeOut(t, org, tech, j6);
    earned = earned.plus(earnedPerJob);
    await drain(t);
    await issue('J6', j6, '2026-11-05T10:30:00Z');
    at('2026-11-06T09:00:00Z');
    const credit = await post(`/api/v1/invoices/${inv.J6?.id}/credit-notes`, { reason: 'price_dispute' });
    expect(credit.statusCode, credit.body).toBe(201);
    inv.CN = credit.json();

    at('2026-11-06T10:00:00Z');
    const paid = await post('/api/v1/payments', {
      invoiceId: inv.J1?.id,
      amount: inv.J1?.totals.payable,
      receivedOn: '2026-11-06',
      method: 'bank_transfer',
      reference: 'BANK-77',
    });
    expect(paid.statusCode, paid.body).toBe(201);
    await drain(t);
    // The customer says J3's invoice is wrong, from their portal: a dispute of their own, not yet settled.
    at('2026-11-06T11:00:00Z');
    const link = await post(`/api/v1/customers/${org.customerId}/portal-link`, {});
    expect(link.statusCode, link.body).toBe(200);
    const token = (link.json().url as string).split('/').pop();
    const said = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/portal/${token}/documents/${inv.J3?.id}/dispute`,
      payload: { reason: 'wrong_amount', comment: 'Two hours of work, billed as three.' },
    });
    expect(said.statusCode, said.body).toBe(200);
    at('2026-11-06T12:00:00Z');
  }, 120_000);
  afterAll(async () => t?.close());

  const metrics = async (query: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/metrics?${query}`, headers: as(owner) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const total = (...keys: string[]) =>
    keys.reduce((s, k) => s.plus(inv[k]?.totals.taxInclusive ?? 'NaN'), new Decimal(0)).toFixed(2);

  it('measures cycle time from completion to invoice-ready, issued, sent and paid', async () => {
    const m = await metrics('from=2026-11-01&to=2026-11-30');
    expect(m.period).toMatchObject({
      from: '2026-11-01',
      to: '2026-11-30',
      timeZone: 'Europe/Dublin',
      days: 30,
    });
    // Completed in November: J1, J2, J3, J6 (J5 completed in October, J4 never).
    expect(m.cycleTime.jobs).toBe(4);
    // invoice-ready after completion: J2 0, J6 0, J1 2 (the correction), J3 6 (the approval).
    expect(m.cycleTime.invoiceReady).toEqual({ count: 4, median: 1, p90: 4.8 });
    // issued: J2 1, J1 4, J3 24; J6's invoice was credited, so it has no live invoice.
    expect(m.cycleTime.issued).toEqual({ count: 3, median: 4, p90: 20 });
    expect(m.cycleTime.sent).toEqual({ count: 2, median: 24.5, p90: 24.9 });
    expect(m.cycleTime.paid).toEqual({ count: 1, median: 96, p90: 96 });
  });

  it('groups cycle time by job type, technician and week', async () => {
    const byType = await metrics('from=2026-11-01&to=2026-11-30&groupBy=job_type');
    expect(byType.cycleTime.groups).toHaveLength(3);
    expect(byType.cycleTime.groups.map((g: { jobs: number }) => g.jobs).sort()).toEqual([1, 1, 2]);
    const byTech = await metrics('from=2026-11-01&to=2026-11-30&groupBy=technician');
    expect(byTech.cycleTime.groups).toEqual([
      expect.objectContaining({ key: 'technician of metrics', jobs: 4 }),
    ]);
    const byWeek = await metrics('from=2026-11-01&to=2026-11-30&groupBy=week');
    expect(byWeek.cycleTime.groups).toEqual([expect.objectContaining({ key: '2026-11-02', jobs: 4 })]);
  });

  it('counts first-time closeouts, refusals, approvals, touches and disputes', async () => {
    const m = await metrics('from=2026-11-01&to=2026-11-30');
    expect(m.closeouts).toEqual({
      jobs: 4,
      acceptedFirstTime: 3,
      firstTimeRate: 0.75,
      refusalsByMissingItem: [{ code: 'notes', count: 1 }],
    });
    expect(m.approvals).toEqual({
      requested: 1,
      jobsCompleted: 4,
      jobsNeedingApproval: 1,
      shareOfJobs: 0.25,
      decided: 1,
      medianHoursToDecision: 6,
      overdue: 0,
    });
    // Invoices issued in November: J5, J1, J2, J3, J6; one credit note, a price dispute; one office correction.
    expect(m.touches).toEqual({ officeEdits: 1, invoices: 5, perInvoice: 0.2 });
    // Disputed: J6's invoice (credited for a price dispute) and J3's (the customer's own dispute).
    expect(m.disputes).toEqual({
      invoices: 5,
      creditNotes: 1,
      creditNoteRate: 0.2,
      disputes: 2,
      disputeRate: 0.4,
      byReason: [{ reason: 'price_dispute', count: 1 }],
      customerReasons: [{ reason: 'wrong_amount', count: 1 }],
    });
  });

  it('computes DSO and AR aging from what was owed at the end of the period', async () => {
    const m = await metrics('from=2026-11-01&to=2026-11-30');
    // Owed on 30 November: J5, J2, J3 (J1 paid, J6 credited in full), none past due yet (30 days' terms).
    const owed = total('J5', 'J2', 'J3');
    const sales = new Decimal(total('J5', 'J1', 'J2', 'J3', 'J6')).minus(
      inv.CN?.totals.taxInclusive ?? 'NaN',
    );
    expect(m.arAging).toEqual({
      asOf: '2026-11-30',
      total: owed,
      current: owed,
      days1to30: '0.00',
      days31to60: '0.00',
      days61to90: '0.00',
      days90plus: '0.00',
    });
    expect(m.dso).toEqual({
      days: new Decimal(owed).div(sales).times(30).toDecimalPlaces(1).toNumber(),
      receivables: owed,
      creditSales: sales.toFixed(2),
      periodDays: 30,
    });
    // Mid-January the same invoices are 41 to 45 days past due.
    const later = await metrics('from=2027-01-01&to=2027-01-15');
    expect(later.arAging).toMatchObject({ total: owed, current: '0.00', days31to60: owed });
    expect(later.dso.days).toBeNull();
    // At the end of October nothing was owed yet: J5 was issued on 1 November.
    expect((await metrics('from=2026-10-01&to=2026-10-31')).arAging.total).toBe('0.00');
  });

  it('shows this week: earned, invoiced and paid', async () => {
    const m = await metrics('from=2026-11-01&to=2026-11-30');
    expect(m.thisWeek).toEqual({
      weekStart: '2026-11-02',
      completedJobs: 4,
      earned: earned.toFixed(2),
      invoiced: total('J1', 'J2', 'J3', 'J6'),
      paid: inv.J1?.totals.payable,
    });
  });

  it('filters by job type and opens the jobs and invoices behind a number', async () => {
    const types = (await t.app.inject({ method: 'GET', url: '/api/v1/job-types', headers: as(owner) })).json()
      .items as {
      id: string;
      code: string;
    }[];
    const gated = types.find((x) => x.code === 'GATED')?.id;
    const m = await metrics(`from=2026-11-01&to=2026-11-30&jobTypeId=${gated}`);
    expect(m.cycleTime.jobs).toBe(1);
    expect(m.approvals.shareOfJobs).toBe(1);
    const open = async (metric: string) =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/metrics/drilldown?from=2026-11-01&to=2026-11-30&metric=${metric}`,
          headers: as(owner),
        })
      ).json();
    expect((await open('completed')).items.map((i: { number: string }) => i.number).sort()).toEqual(
      [jobNumbers.J1, jobNumbers.J2, jobNumbers.J3, jobNumbers.J6].sort(),
    );
    expect((await open('sent')).items.map((i: { number: string }) => i.number).sort()).toEqual(
      [jobNumbers.J1, jobNumbers.J3].sort(),
    );
    expect((await open('refused')).items.map((i: { number: string }) => i.number)).toEqual([jobNumbers.J2]);
    expect((await open('disputes')).items.map((i: { number: string }) => i.number)).toEqual(
      [inv.J3?.number, inv.J6?.number].sort(),
    );
    expect((await open('touched')).items.map((i: { number: string }) => i.number)).toEqual([jobNumbers.J1]);
    expect((await open('week_completed')).items.map((i: { number: string }) => i.number).sort()).toEqual(
      [jobNumbers.J1, jobNumbers.J2, jobNumbers.J3, jobNumbers.J6].sort(),
    );
    expect((await open('week_invoiced')).items.map((i: { number: string }) => i.number).sort()).toEqual(
      [inv.J1?.number, inv.J2?.number, inv.J3?.number, inv.J6?.number].sort(),
    );
    expect((await open('week_paid')).items.map((i: { number: string }) => i.number)).toEqual([
      inv.J1?.number,
    ]);
    expect((await open('receivables')).items.map((i: { number: string }) => i.number).sort()).toEqual(
      [inv.J5?.number, inv.J2?.number, inv.J3?.number].sort(),
    );
  });

  it('exports the metrics as CSV', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/metrics/export.csv?from=2026-11-01&to=2026-11-30',
      headers: as(owner),
    });
    expect(res.headers['content-type']).toContain('text/csv');
    const rows = parse(res.body, { columns: true }) as {
      section: string;
      measure: string;
      group: string;
      value: string;
    }[];
    expect(
      rows.find((r) => r.section === 'cycle_time_hours' && r.measure === 'issued_median' && r.group === '')
        ?.value,
    ).toBe('4');
    expect(rows.find((r) => r.section === 'dso' && r.measure === 'periodDays')?.value).toBe('30');
  });

  it('measures collections: paid on time or how late, the reminders it took, CEI and DSO by month', async () => {
    const nov = await metrics('from=2026-11-01&to=2026-11-30');
    // J1, paid on 6 November against a due date in December: on time. Nothing was owed on 31 October.
    expect(nov.collections).toMatchObject({
      invoicesPaid: 1,
      paidOnTime: 1,
      onTimeShare: 1,
      averageDaysLate: 0,
      remindersSent: 0,
      remindersPerPaidInvoice: 0,
      effectiveness: 1,
      openingReceivables: '0.00',
      lateCustomers: [],
    });
    // J2 (due 3 December) gets a reminder on 10 January and is paid on 20 January: 48 days late.
    const clock = t.clock;
    clock.set('2027-01-10T10:00:00Z');
    const call = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: as(billing, true), payload });
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE id = $2', [
      'pay@metrics.test',
      org.customerId,
    ]);
    const reminded = await call(`/api/v1/invoices/${inv.J2?.id}/reminders`, {});
    expect(reminded.statusCode, reminded.body).toBe(202);
    await drain(t);
    clock.set('2027-01-20T10:00:00Z');
    const paid = await call('/api/v1/payments', {
      invoiceId: inv.J2?.id,
      amount: inv.J2?.totals.payable,
      receivedOn: '2027-01-20',
      method: 'bank_transfer',
      reference: 'LATE-J2',
    });
    expect(paid.statusCode, paid.body).toBe(201);
    const jan = await metrics('from=2027-01-01&to=2027-01-31');
    const owed = new Decimal(total('J5', 'J2', 'J3'));
    expect(jan.collections).toMatchObject({
      invoicesPaid: 1,
      paidOnTime: 0,
      onTimeShare: 0,
      averageDaysLate: 48,
      remindersSent: 1,
      remindersPerPaidInvoice: 1,
      openingReceivables: owed.toFixed(2),
      // Of what was owed at the start (nothing sold, nothing not yet due at the end), J2 came in.
      effectiveness: new Decimal(total('J2')).div(owed).toDecimalPlaces(4).toNumber(),
      lateCustomers: [
        {
          customerId: org.customerId,
          name: 'Customer of metrics',
          invoicesPaid: 1,
          averageDaysLate: 48,
          worstDaysLate: 48,
        },
      ],
    });
    expect(jan.collections.dsoTrend.map((d: { month: string }) => d.month)).toEqual([
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
      '2026-12',
      '2027-01',
    ]);
    expect(jan.collections.dsoTrend[3].days).toBe(nov.dso.days);
    expect(jan.collections.dsoTrend[4].days).toBeNull(); // nothing sold in December
  });
});
