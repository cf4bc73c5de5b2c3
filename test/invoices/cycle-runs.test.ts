import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeCycleRun, startCycleRun, startDueCycleRuns } from '../../src/app/invoicing/cycle-runs';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';
import { closeOut, drain, plainJobType, setSeller } from './helpers';

type Run = {
  id: string;
  status: string;
  total: number | null;
  done: number;
  issued: number;
  held: number;
  nothingReady: number;
  failed: number;
  problems: { seriesId: string; customer: string; outcome: string; message: string }[];
};

describe.each(testDrivers())('month-end cycle runs on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  /** Three per-cycle series for three customers, and one billed per visit. */
  const s: Record<'full' | 'partial' | 'idle' | 'perVisit' | 'weekly', { id: string; customer: string }> =
    {} as never;

  const call = (method: 'GET' | 'POST', url: string, who: Session, payload?: object) =>
    t.app.inject({ method, url, headers: as(who, method === 'POST'), ...(payload ? { payload } : {}) });

  const newSeries = async (
    name: string,
    startDate: string,
    billingRule: string,
    billingCycle = 'monthly',
  ) => {
    const c = await call('POST', '/api/v1/customers', dispatcher, {
      name,
      email: 'accounts@example.com',
      billingAddress: { line1: '5 Quay Street', city: 'Galway', postalCode: 'H91 TK33', country: 'IE' },
      sites: [
        {
          name: 'Main',
          address: { line1: '5 Quay Street', city: 'Galway', postalCode: 'H91 TK33', country: 'IE' },
        },
      ],
      confirmDuplicate: true,
    });
    expect(c.statusCode, c.body).toBe(201);
    const res = await call('POST', '/api/v1/series', dispatcher, {
      customerId: c.json().id,
      siteId: c.json().sites[0].id,
      jobTypeId,
      rrule: 'FREQ=WEEKLY;BYDAY=TU',
      startDate,
      startTime: '09:00',
      durationMinutes: 60,
      crew: [org.users.technician.id],
      scope: `Weekly service for ${name}`,
      billingRule,
      ...(billingRule === 'per_cycle' ? { billingCycle } : {}),
      horizonDays: 40,
    });
    expect(res.statusCode, res.body).toBe(201);
    return { series: res.json() as { id: string; visits: { id: string; occurrenceDate: string }[] }, name };
  };

  const invoicesOfSeries = async (seriesId: string) =>
    (
      await t.database.raw.query<{
        number: string | null;
        period_start: string;
        status: string;
        customer_id: string | null;
      }>(
        `SELECT number, period_start::text, status, customer_id FROM invoices WHERE organization_id = $1 AND series_id = $2`,
        [org.organizationId, seriesId],
      )
    ).rows;

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'cycles');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    await setSeller(t, owner);
    jobTypeId = await plainJobType(t, owner);
    // Visits on Tuesdays: 3, 10, 17 and 24 November; the clock stands at 18 November.
    const full = await newSeries('Harbour Offices', '2026-11-03', 'per_cycle');
    const partial = await newSeries('Quay Dental', '2026-11-03', 'per_cycle');
    const idle = await newSeries('Mill Bakery', '2026-11-24', 'per_cycle');
    const perVisit = await newSeries('Dock Gym', '2026-11-03', 'per_visit');
    // Billed weekly: a monthly run leaves it to the weekly one.
    const weekly = await newSeries('Pier Cafe', '2026-11-03', 'per_cycle', 'weekly');
    const firstWeekly = weekly.series.visits.find((x) => x.occurrenceDate === '2026-11-03');
    await closeOut(t, org, tech, firstWeekly?.id as string, { parts: [], adjustments: [] });
    for (const v of full.series.visits.filter((x) => x.occurrenceDate <= '2026-11-17'))
      await closeOut(t, org, tech, v.id, { parts: [], adjustments: [] });
    const first = partial.series.visits.find((x) => x.occurrenceDate === '2026-11-03');
    await closeOut(t, org, tech, first?.id as string, { parts: [], adjustments: [] });
    for (const v of perVisit.series.visits.filter((x) => x.occurrenceDate <= '2026-11-10'))
      await closeOut(t, org, tech, v.id, { parts: [], adjustments: [] });
    await drain(t);
    s.full = { id: full.series.id, customer: full.name };
    s.partial = { id: partial.series.id, customer: partial.name };
    s.idle = { id: idle.series.id, customer: idle.name };
    s.perVisit = { id: perVisit.series.id, customer: perVisit.name };
    s.weekly = { id: weekly.series.id, customer: weekly.name };
  });
  afterAll(() => t?.close());

  it('refuses a period that ends before it starts, naming the field, and starts nothing', async () => {
    const res = await call('POST', '/api/v1/cycle-runs', billing, {
      periodStart: '2026-11-30',
      periodEnd: '2026-11-01',
    });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors.map((e: { field: string }) => e.field)).toContain('body.periodEnd');
    expect((await call('GET', '/api/v1/cycle-runs', billing)).json().items).toEqual([]);
  });

  it('is for billing and the owner: a dispatcher and a technician are refused', async () => {
    for (const who of [dispatcher, tech]) {
      const res = await call('POST', '/api/v1/cycle-runs', who, {
        periodStart: '2026-11-01',
        periodEnd: '2026-11-30',
      });
      expect(res.statusCode).toBe(403);
    }
  });

  let runId: string;
  it('queues one run at a time, then invoices every per-cycle series and names the ones it could not', async () => {
    const res = await call('POST', '/api/v1/cycle-runs', billing, {
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    });
    expect(res.statusCode, res.body).toBe(202);
    const queued = res.json() as Run;
    runId = queued.id;
    expect(queued).toMatchObject({ status: 'queued', total: null, done: 0 });

    const again = await call('POST', '/api/v1/cycle-runs', owner, {
      periodStart: '2026-10-01',
      periodEnd: '2026-10-31',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().runId).toBe(runId);

    await drain(t);
    const run = (await call('GET', `/api/v1/cycle-runs/${runId}`, billing)).json() as Run;
    expect(run).toMatchObject({
      status: 'finished',
      total: 3,
      done: 3,
      issued: 2,
      held: 0,
      nothingReady: 1,
      failed: 0,
    });
    expect(run.problems).toEqual([
      expect.objectContaining({ seriesId: s.idle.id, customer: s.idle.customer, outcome: 'nothing_ready' }),
    ]);
    expect(run.problems[0]?.message).toMatch(/No visit of this cycle is ready/);
    // Each waiting visit in the office's words: its date as people write it, its statuses as the badges say.
    expect(run.problems[0]?.message).toMatch(/J-\d+ on \d{1,2} November 2026: scheduled, not ready/);
    expect(run.problems[0]?.message).not.toMatch(/\d{4}-\d{2}-\d{2}|_/);

    // One issued invoice per series that had ready visits; the unfinished visits are listed on it.
    for (const key of ['full', 'partial'] as const) {
      const invoices = await invoicesOfSeries(s[key].id);
      expect(invoices).toEqual([expect.objectContaining({ period_start: '2026-11-01', status: 'issued' })]);
      expect(invoices[0]?.number).toMatch(/^INV-/);
      // A cycle invoice has no job: it is the series' customer's, and in that customer's receivables.
      const series = (await call('GET', `/api/v1/series/${s[key].id}`, billing)).json();
      expect(invoices[0]?.customer_id).toBe(series.customerId);
      const owed = (await call('GET', `/api/v1/receivables?customerId=${series.customerId}`, billing)).json();
      expect(owed.currencies[0]?.count).toBe(1);
    }
    expect(await invoicesOfSeries(s.idle.id)).toEqual([]);
    expect(await invoicesOfSeries(s.perVisit.id)).toEqual([]);
    expect(await invoicesOfSeries(s.weekly.id)).toEqual([]);

    const list = (await call('GET', '/api/v1/cycle-runs', billing)).json().items as Run[];
    expect(list.map((r) => [r.id, r.status, r.issued])).toEqual([[runId, 'finished', 2]]);
  });

  it('bills nothing twice: a second run for the same month finds nothing ready', async () => {
    t.clock.advance(60_000);
    const res = await call('POST', '/api/v1/cycle-runs', billing, {
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
    });
    expect(res.statusCode, res.body).toBe(202);
    await drain(t);
    const run = (await call('GET', `/api/v1/cycle-runs/${res.json().id}`, billing)).json() as Run;
    expect(run).toMatchObject({ status: 'finished', total: 3, issued: 0, nothingReady: 3 });
    expect((await invoicesOfSeries(s.full.id)).length).toBe(1);
    // The list counts each run on its own, newest first.
    const list = (await call('GET', '/api/v1/cycle-runs', billing)).json().items as Run[];
    expect(list.map((r) => [r.id, r.issued, r.nothingReady])).toEqual([
      [run.id, 0, 3],
      [runId, 2, 1],
    ]);
  });

  it('covers the series billed on its cycle only: a weekly run bills the weekly contract', async () => {
    const res = await call('POST', '/api/v1/cycle-runs', billing, {
      billingCycle: 'weekly',
      periodStart: '2026-11-02',
      periodEnd: '2026-11-08',
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().billingCycle).toBe('weekly');
    await drain(t);
    const run = (await call('GET', `/api/v1/cycle-runs/${res.json().id}`, billing)).json() as Run;
    expect(run).toMatchObject({ status: 'finished', total: 1, issued: 1 });
    expect((await invoicesOfSeries(s.weekly.id)).map((i) => i.period_start)).toEqual(['2026-11-02']);
  });

  it('resumed after a crash, skips the series it already recorded', async () => {
    // December: the full series' 1 December visit is done; the run "crashed" after recording it.
    const dec = (
      await t.database.raw.query<{ id: string; series_id: string }>(
        `SELECT id, series_id FROM jobs WHERE organization_id = $1 AND series_id = ANY($2::uuid[])
            AND occurrence_date = '2026-12-01'`,
        [org.organizationId, [s.full.id, s.partial.id]],
      )
    ).rows;
    expect(dec.length).toBe(2);
    for (const v of dec) await closeOut(t, org, tech, v.id, { parts: [], adjustments: [] });
    await drain(t);
    const run = await startCycleRun(
      t.deps,
      org.organizationId,
      { start: '2026-12-01', end: '2026-12-31', billingCycle: 'monthly' },
      { type: 'system', id: null },
    );
    await t.database.raw.query(
      `INSERT INTO cycle_run_items (organization_id, run_id, series_id, outcome, message, at)
       VALUES ($1, $2, $3, 'failed', 'recorded before the crash', now())`,
      [org.organizationId, run.id, s.full.id],
    );
    const counts = await executeCycleRun(t.deps, org.organizationId, run.id);
    expect(counts).toMatchObject({ issued: 1, failed: 1 });
    expect((await invoicesOfSeries(s.full.id)).map((i) => i.period_start)).toEqual(['2026-11-01']);
    expect((await invoicesOfSeries(s.partial.id)).map((i) => i.period_start).sort()).toEqual([
      '2026-11-01',
      '2026-12-01',
    ]);
    // A finished run is left alone when its job is delivered again.
    expect(await executeCycleRun(t.deps, org.organizationId, run.id)).toEqual({ alreadyFinished: true });
    await drain(t);
  });

  it('logs who asked for each run and what it did', async () => {
    const { rows } = await t.database.raw.query<{ action: string; actor_id: string | null; changes: string }>(
      `SELECT action, actor_id, changes FROM audit_events
        WHERE organization_id = $1 AND aggregate_type = 'cycle_run' AND aggregate_id = $2 ORDER BY seq`,
      [org.organizationId, runId],
    );
    expect(rows.map((r) => r.action)).toEqual(['cycle_run.requested', 'cycle_run.finished']);
    expect(rows.every((r) => r.actor_id === org.users.billing.id)).toBe(true);
    expect(JSON.parse(rows[1]?.changes ?? '{}')).toEqual({ issued: 2, held: 0, nothingReady: 1, failed: 0 });
  });

  it('starts the run of each cycle by itself once the cycle is over, from 06:00 local the day after, once', async () => {
    const runsOf = async () =>
      (
        await t.database.raw.query<{
          billing_cycle: string;
          period_start: string;
          requested_by_type: string;
        }>(
          `SELECT billing_cycle, period_start::text, requested_by_type FROM cycle_runs
            WHERE organization_id = $1 ORDER BY created_at`,
          [org.organizationId],
        )
      ).rows;
    const before = (await runsOf()).length;
    // Monday 30 November, 05:00 in Dublin: last week (23 to 29 November) is over, but its run waits for 06:00.
    t.clock.set('2026-11-30T05:00:00Z');
    expect(await startDueCycleRuns(t.deps)).toEqual({ started: 0 });
    t.clock.set('2026-11-30T06:30:00Z');
    expect(await startDueCycleRuns(t.deps)).toEqual({ started: 1 });
    expect(await startDueCycleRuns(t.deps)).toEqual({ started: 0 });
    await drain(t);
    expect((await runsOf()).slice(before)).toEqual([
      { billing_cycle: 'weekly', period_start: '2026-11-23', requested_by_type: 'system' },
    ]);
    // 1 February: January's monthly run first; the weekly one waits for the next hour (one run at a time).
    t.clock.set('2027-02-01T07:00:00Z');
    expect(await startDueCycleRuns(t.deps)).toEqual({ started: 1 });
    await drain(t);
    t.clock.set('2027-02-01T08:00:00Z');
    expect(await startDueCycleRuns(t.deps)).toEqual({ started: 1 });
    await drain(t);
    expect((await runsOf()).slice(before + 1)).toEqual([
      { billing_cycle: 'monthly', period_start: '2027-01-01', requested_by_type: 'system' },
      { billing_cycle: 'weekly', period_start: '2027-01-25', requested_by_type: 'system' },
    ]);
    // 10 March: February ended more than a week ago (workers down?): no late monthly run behind the
    // office's back; last week's run is due as usual.
    t.clock.set('2027-03-10T07:00:00Z');
    expect(await startDueCycleRuns(t.deps)).toEqual({ started: 1 });
    await drain(t);
    expect((await runsOf()).at(-1)).toMatchObject({ billing_cycle: 'weekly', period_start: '2027-03-01' });
  });

  it('keeps another organization out', async () => {
    const other = await makeOrganization(t.deps, `other-${randomUUID().slice(0, 6)}`);
    const stranger = await signIn(t.app, other.users.billing.email, PASSWORD);
    expect((await call('GET', `/api/v1/cycle-runs/${runId}`, stranger)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/cycle-runs', stranger)).json().items).toEqual([]);
  });
});
