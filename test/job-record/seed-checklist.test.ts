import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../../src/app/demo/seed-demo';
import { as, createTestApp, type Session, signIn, type TestApp, TestClock } from '../support/app';
import { testDrivers } from '../support/databases';

type JobT = {
  id: string;
  number: string;
  status: string;
  billingStatus: string;
  exception: boolean;
  exceptionReason: string | null;
  crew: { userId: string }[];
};

/** The seed problem, state drift, as a checklist run against the demo organization. */
describe.each(testDrivers())('the seed checklist on the demo organization (%s)', (driver) => {
  let t: TestApp;
  let office: Session;
  let ana: Session;
  let jobs: JobT[];
  const get = (url: string, who = office) => t.app.inject({ method: 'GET', url, headers: as(who) });
  const post = (url: string, payload: object, who = office) =>
    t.app.inject({ method: 'POST', url, headers: as(who, true), payload });

  beforeAll(async () => {
    // Wednesday mid-morning in Dublin: the seeded days run from Monday to the next Monday.
    t = await createTestApp(driver, { clock: new TestClock('2026-11-18T10:45:00Z') });
    expect(await seedDemo(t.deps)).toBe(true);
    expect(await seedDemo(t.deps)).toBe(false); // seeding twice changes nothing
    office = await signIn(t.app, 'dispatch@demo.closeout.test', DEMO_PASSWORD);
    ana = await signIn(t.app, 'ana@demo.closeout.test', DEMO_PASSWORD);
    jobs = (await get('/api/v1/jobs?limit=200')).json().items;
  });
  afterAll(() => t?.close());

  it('one job ID appears in the schedule, the work order, the technician’s calendar and the timeline', async () => {
    const job = jobs.find((j) => j.status === 'scheduled');
    if (!job) throw new Error('the demo has no scheduled job');
    const board = (await get('/api/v1/board?date=2026-11-16&days=7')).json();
    const onBoard = board.rows
      .flatMap((r: { jobs: { id: string }[] }) => r.jobs)
      .filter((j: { id: string }) => j.id === job.id);
    expect(onBoard).toHaveLength(1);
    expect((await get(`/api/v1/jobs/${job.id}`)).json().number).toBe(job.number);
    const techId = job.crew[0]?.userId;
    const feed = (await post('/api/v1/calendar-feeds', { userId: techId })).json().url;
    expect((await t.app.inject({ method: 'GET', url: feed })).body).toContain(`UID:${job.id}@closeout`);
    expect((await get(`/api/v1/jobs/${job.id}/timeline`)).json().items[0].action).toBe('job.created');
  });

  it('recurring contracts are on record, each visit its own job from tomorrow on, billed per visit or per month', async () => {
    const list = (await get('/api/v1/series')).json().items;
    expect(
      list.map((s: { customer: { name: string }; rrule: string; billingRule: string }) => [
        s.customer.name,
        s.rrule,
        s.billingRule,
      ]),
    ).toEqual([
      ['Greenfield Primary School', 'FREQ=MONTHLY;BYDAY=1TU', 'per_visit'],
      ['Quayside Coffee Ltd', 'FREQ=WEEKLY;BYDAY=MO,TH', 'per_cycle'],
    ]);
    const cafe = (await get(`/api/v1/series/${list[1].id}`)).json();
    expect(cafe.visits[0]).toMatchObject({ occurrenceDate: '2026-11-19', status: 'scheduled' });
    expect(cafe.visits.length).toBe(9); // Thursday 19 Nov to Thursday 17 Dec: five Thursdays, four Mondays
  });

  it('every job has one clear operational and one clear billing status', () => {
    const op = new Set(jobs.map((j) => j.status));
    expect([...op].every((s) => ['scheduled', 'dispatched', 'in_progress', 'completed'].includes(s))).toBe(
      true,
    );
    expect(op.has('completed') && op.has('scheduled')).toBe(true);
    expect(new Set(jobs.map((j) => j.billingStatus)).size).toBeGreaterThan(1);
  });

  it('a reschedule keeps the original ID and number', async () => {
    const job = jobs.find((j) => j.status === 'scheduled');
    const res = await post(`/api/v1/jobs/${job?.id}/reschedule`, {
      windowStart: '2026-11-27T09:00:00.000Z',
      windowEnd: '2026-11-27T10:00:00.000Z',
      reason: 'Customer away',
    });
    expect(res.json()).toMatchObject({
      id: job?.id,
      number: job?.number,
      windowStart: '2026-11-27T09:00:00.000Z',
    });
  });

  it('deposits, discounts and taxes are fields, and free-text notes cannot carry them', async () => {
    const job = (await get(`/api/v1/jobs/${jobs[0]?.id}`)).json();
    for (const field of [
      'depositRequired',
      'depositAmount',
      'depositReceived',
      'discountPercent',
      'taxCodeId',
      'poNumber',
      'billingOwnerId',
    ])
      expect(job).toHaveProperty(field);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: as(office, true),
      payload: { notes: 'give them 10% off' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('body.notes');
  });

  it('exception jobs carry a visible flag and sit in a queue with their reason', async () => {
    const queue: JobT[] = (await get('/api/v1/jobs?exceptions=true&limit=200')).json().items;
    expect(queue.length).toBeGreaterThan(0);
    expect(queue.every((j) => j.exception && j.status === 'completed')).toBe(true);
    // Each lane says why: proof missing, an approval waiting, an invoice to review.
    expect(new Set(queue.map((j) => j.exceptionReason))).toEqual(
      new Set([
        'Closeout is missing required proof',
        'Waiting for an approval',
        'An invoice or accounting step failed: review and reprocess',
      ]),
    );
    expect(
      jobs
        .filter((j) => j.exception)
        .map((j) => j.id)
        .sort(),
    ).toEqual(queue.map((j) => j.id).sort());
    const board = (await get('/api/v1/board?date=2026-11-16&days=7')).json();
    const flagged = board.rows
      .flatMap((r: { jobs: { exception: boolean }[] }) => r.jobs)
      .filter((j: { exception: boolean }) => j.exception);
    expect(flagged.length).toBe(queue.length);
  });

  it('the current week tells a true story: most finished jobs invoiced, some paid, one in each exception lane', async () => {
    // Finished since Monday (the seeded week), not the six weeks of history behind it.
    const week = (
      await get('/api/v1/jobs?limit=200&from=2026-11-16T00:00:00Z&to=2026-11-18T10:45:00Z')
    ).json().items as JobT[];
    const finished = week.filter((j) => j.status === 'completed');
    expect(finished.length).toBeGreaterThan(4);
    const by = (s: string) => finished.filter((j) => j.billingStatus === s);
    expect(by('invoiced').length + by('paid').length).toBeGreaterThan(finished.length / 2);
    expect(by('paid').length).toBeGreaterThan(0);
    expect(by('needs_approval')).toHaveLength(1);
    // A refused closeout names what is missing; the latest job still waits for the phone.
    const waiting = by('needs_info');
    expect(waiting).toHaveLength(2);
    const refused = (
      await Promise.all(waiting.map(async (j) => (await get(`/api/v1/jobs/${j.id}/closeout`)).json()))
    ).filter((c) => c?.missing?.length > 0);
    expect(refused).toHaveLength(1);
    expect(refused[0].missing.map((m: { code: string }) => m.code)).toContain('photos');
    const owner = await signIn(t.app, 'owner@demo.closeout.test', DEMO_PASSWORD);
    const metrics = (await get('/api/v1/metrics?from=2026-10-01&to=2026-11-18', owner)).json();
    expect(Number(metrics.thisWeek.earned)).toBeGreaterThan(0);
    expect(Number(metrics.thisWeek.invoiced)).toBeGreaterThan(0);
  });

  it('an accounting push stopped by a missing mapping waits in the review lane, told by the real push', async () => {
    const owner = await signIn(t.app, 'owner@demo.closeout.test', DEMO_PASSWORD);
    const lane = (await get('/api/v1/integration-errors?status=open', owner)).json().items;
    const xero = lane.filter((e: { kind: string }) => e.kind === 'accounting_push');
    expect(xero).toHaveLength(1);
    const [err] = xero;
    // The reduced rate on the labour lines has no Xero tax type; the standard rate has one.
    expect(err.message).toMatch(/^Xero: INV-[\d-]+: Standard 13\.5 % has no Xero tax type/);
    expect(err.message).not.toContain('23 %');
    expect(err.reprocessBlockedBy).toBe('Xero is disconnected: connect it again in Settings, then reprocess');
    const job = jobs.find((j) => j.id === err.jobId);
    expect((await get(`/api/v1/jobs/${err.jobId}`, owner)).json().billingStatus).toBe('needs_review');
    expect(job?.exceptionReason).toBe('An invoice or accounting step failed: review and reprocess');
    const connectors = (await get('/api/v1/connectors', owner)).json().items;
    expect(connectors.map((c: { provider: string; status: string }) => [c.provider, c.status])).toEqual([
      ['xero', 'disabled'],
    ]);
    // Reprocessing would only fail again: refused, and nothing changes.
    const refused = await post(`/api/v1/integration-errors/${err.id}/reprocess`, {}, owner);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('connector_disconnected');
    expect((await get(`/api/v1/integration-errors/${err.id}`, owner)).json().status).toBe('open');
    expect((await get(`/api/v1/jobs/${err.jobId}`, owner)).json().billingStatus).toBe('needs_review');
    // Nor can it be switched back on without signing in to Xero again.
    const enable = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/connectors/${err.connectorId}`,
      headers: as(owner, true),
      payload: { status: 'active' },
    });
    expect(enable.statusCode).toBe(409);
    expect(enable.json().errors).toEqual([
      { field: 'body.status', message: 'needs a re-authorization first' },
    ]);
    expect((await get('/api/v1/connectors', owner)).json().items[0].status).toBe('disabled');
  });

  it('a customer disputes an invoice through their own page, and the dispute waits for billing', async () => {
    const billing = await signIn(t.app, 'billing@demo.closeout.test', DEMO_PASSWORD);
    const open = (await get('/api/v1/disputes?status=open', billing)).json().items;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      reason: 'wrong_amount',
      status: 'open',
      number: expect.stringMatching(/^INV-/),
    });
    const history = await t.database.raw.query<{ action: string }>(
      'SELECT action FROM audit_events WHERE aggregate_id = $1 ORDER BY seq',
      [open[0].invoiceId],
    );
    expect(history.rows.map((r) => r.action)).toContain('invoice.disputed');
  });

  it('overdue invoices were followed up by the real reminder runs, and a promise to pay pauses one customer', async () => {
    const billing = await signIn(t.app, 'billing@demo.closeout.test', DEMO_PASSWORD);
    const sent = await t.database.raw.query<{
      invoice_id: string;
      tone: string;
      status: string;
      sent_at: Date;
    }>(
      "SELECT invoice_id, tone, status, sent_at FROM invoice_reminders WHERE status = 'sent' ORDER BY sent_at",
    );
    expect(sent.rows.length).toBeGreaterThan(0);
    // Each went in the past, at the hour the organization sends from, and never twice for one step.
    for (const r of sent.rows) expect(r.sent_at.getTime()).toBeLessThanOrEqual(t.clock.now().getTime());
    const one = sent.rows[0];
    const view = (await get(`/api/v1/invoices/${one?.invoice_id}/reminders`, billing)).json();
    expect(view.items.length).toBeGreaterThan(0);
    const paused = (await get('/api/v1/customers?limit=200', billing))
      .json()
      .items.filter((c: { reminders: { pausedUntil: string | null } }) => c.reminders.pausedUntil);
    expect(paused).toHaveLength(1);
    expect(paused[0].reminders.pauseReason).toMatch(/^Promised/);
    expect((await get('/api/v1/organization', billing)).json().remindersEnabled).toBe(true);
  });

  it('yesterday’s bank statement paid two invoices by itself and left one payment and one transfer for billing', async () => {
    const billing = await signIn(t.app, 'billing@demo.closeout.test', DEMO_PASSWORD);
    type Entry = {
      counterpartyName: string;
      status: string;
      suggestions: { basis: string; allocations: { invoiceId: string }[] }[];
      applications: { invoiceId: string; basis: string; automatic: boolean }[];
    };
    const all = (await get('/api/v1/bank/entries?status=all', billing)).json().items as Entry[];
    const applied = all.filter((e) => e.status === 'applied' || e.status === 'credit');
    // The customer who quoted the invoice rounded up: the rest is their credit, shown on their page.
    const [credit] = all.filter((e) => e.status === 'credit') as (Entry & {
      credit: string;
      customer: { id: string };
    })[];
    expect(Number(credit?.credit)).toBeGreaterThan(0);
    expect(credit?.applications[0]?.basis).toBe('reference');
    const theirs = (
      await get(`/api/v1/bank/entries?status=credit&customerId=${credit?.customer.id}`, billing)
    ).json().items;
    expect(theirs).toHaveLength(1);
    expect(applied.map((e) => e.applications[0]?.basis).sort()).toEqual(['payer_and_amount', 'reference']);
    expect(applied.every((e) => e.applications.every((a) => a.automatic))).toBe(true);
    for (const e of applied) {
      const inv = (await get(`/api/v1/invoices/${e.applications[0]?.invoiceId}`, billing)).json();
      expect(inv.status).toBe('paid');
    }
    const review = all.filter((e) => e.status === 'review');
    expect(review.map((e) => [e.counterpartyName, e.suggestions.map((s) => s.basis)])).toEqual(
      expect.arrayContaining([
        ['P. Brennan', ['amount']],
        ['Brightwater savings', []],
      ]),
    );
    expect(all.filter((e) => e.status === 'outgoing')).toHaveLength(1);
    const [statement] = (await get('/api/v1/bank/statements', billing)).json().items;
    expect(statement).toMatchObject({ format: 'camt053', entryCount: 5, applied: 2, toReview: 2 });
  });

  it('billing wrote off a customer’s 50 cents short at once, and an uncollectible invoice waits for the owner', async () => {
    const billing = await signIn(t.app, 'billing@demo.closeout.test', DEMO_PASSWORD);
    type W = { status: string; amount: string; reason: string; invoiceId: string; requestedBy: string };
    const all = (await get('/api/v1/write-offs', billing)).json().items as W[];
    const small = all.find((w) => w.reason === 'small_balance');
    expect(small).toMatchObject({ status: 'applied', amount: '0.50' });
    const settled = (await get(`/api/v1/invoices/${small?.invoiceId}`, billing)).json();
    expect(settled).toMatchObject({ status: 'written_off', outstanding: '0.00', amountWrittenOff: '0.50' });
    const waiting = all.find((w) => w.reason === 'uncollectible');
    expect(waiting?.status).toBe('pending');
    expect(Number(waiting?.amount)).toBeGreaterThan(25);
    const owed = (await get(`/api/v1/invoices/${waiting?.invoiceId}`, billing)).json();
    expect(owed.outstanding).toBe(waiting?.amount);
    expect(['sent', 'partially_paid']).toContain(owed.status);
  });

  it('cancellations and no-shows are closed records that stay, never disappearing rows', async () => {
    const [a, b] = jobs.filter((j) => j.status === 'scheduled').slice(-2);
    await post(`/api/v1/jobs/${a?.id}/cancel`, { reason: 'Customer sold the house' });
    await post(`/api/v1/jobs/${b?.id}/no-show`, { reason: 'Nobody home' });
    const all: JobT[] = (await get('/api/v1/jobs?limit=200')).json().items;
    expect(all).toHaveLength(jobs.length);
    expect(all.find((j) => j.id === a?.id)?.status).toBe('canceled');
    expect(all.find((j) => j.id === b?.id)?.status).toBe('no_show');
  });

  it('technicians see their own jobs only', async () => {
    const mine: JobT[] = (await get('/api/v1/jobs?limit=200', ana)).json().items;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(jobs.length);
  });
});
