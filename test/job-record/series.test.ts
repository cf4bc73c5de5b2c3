import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendAllSeries } from '../../src/app/series/extend-series';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp, TestClock } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

describe.each(testDrivers())('recurring series on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let dispatcher: Session;

  beforeAll(async () => {
    t = await createTestApp(driver, { clock: new TestClock('2026-10-01T12:00:00Z') });
    org = await makeOrganization(t.deps, 'clean');
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
  });
  afterAll(() => t?.close());

  const create = (overrides: Record<string, unknown> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/series',
      headers: as(dispatcher, true),
      payload: {
        customerId: org.customerId,
        siteId: org.siteId,
        jobTypeId: org.jobTypeId,
        rrule: 'FREQ=WEEKLY;BYDAY=FR',
        startDate: '2026-10-16',
        startTime: '09:00',
        durationMinutes: 120,
        crew: [org.users.technician.id],
        scope: 'Weekly office clean',
        billingRule: 'per_cycle',
        billingCycle: 'monthly',
        horizonDays: 60,
        ...overrides,
      },
    });

  it('generates each visit as its own job, at 09:00 local across the DST change', async () => {
    const res = await create();
    expect(res.statusCode).toBe(201);
    const s = res.json();
    expect(s).toMatchObject({ billingRule: 'per_cycle', billingCycle: 'monthly', timeZone: 'Europe/Dublin' });
    expect(s.visits.map((v: { occurrenceDate: string }) => v.occurrenceDate)).toEqual([
      '2026-10-16',
      '2026-10-23',
      '2026-10-30',
      '2026-11-06',
      '2026-11-13',
      '2026-11-20',
      '2026-11-27',
      '2026-12-04',
      '2026-12-11', // horizon: 60 days from the start
    ]);
    expect(s.visits[1].windowStart).toBe('2026-10-23T08:00:00.000Z');
    expect(s.visits[2].windowStart).toBe('2026-10-30T09:00:00.000Z');
    const numbers = new Set(s.visits.map((v: { number: string }) => v.number));
    expect(numbers.size).toBe(9);
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${s.visits[0].id}`, headers: as(dispatcher) })
    ).json();
    expect(job).toMatchObject({
      seriesId: s.id,
      occurrenceDate: '2026-10-16',
      scope: 'Weekly office clean',
      status: 'scheduled',
    });
  });

  it('edits one visit without touching the others', async () => {
    const s = (await create({ startDate: '2026-10-15', rrule: 'FREQ=WEEKLY;BYDAY=TH' })).json();
    const [first, second] = s.visits;
    const moved = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${first.id}/reschedule`,
      headers: as(dispatcher, true),
      payload: {
        windowStart: '2026-10-15T13:00:00.000Z',
        windowEnd: '2026-10-15T15:00:00.000Z',
        reason: 'Office closed in the morning',
      },
    });
    expect(moved.json()).toMatchObject({
      seriesId: s.id,
      occurrenceDate: '2026-10-15',
      windowStart: '2026-10-15T13:00:00.000Z',
    });
    const after = (
      await t.app.inject({ method: 'GET', url: `/api/v1/series/${s.id}`, headers: as(dispatcher) })
    ).json();
    expect(after.visits[1]).toMatchObject({ id: second.id, windowStart: second.windowStart });
  });

  it('splits "this and following": visits keep their IDs and move to the new schedule, the rest are closed', async () => {
    const s = (
      await create({ startDate: '2026-10-12', rrule: 'FREQ=WEEKLY;BYDAY=MO,WE', startTime: '08:00' })
    ).json();
    const before = new Map<string, string>(
      s.visits.map((v: { occurrenceDate: string; id: string }) => [v.occurrenceDate, v.id]),
    );
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/series/${s.id}/split`,
      headers: as(dispatcher, true),
      payload: {
        fromDate: '2026-11-02',
        rrule: 'FREQ=WEEKLY;BYDAY=MO',
        startTime: '10:00',
        reason: 'Customer wants Mondays only, later',
      },
    });
    expect(res.statusCode).toBe(201);
    const { series: next, moved, canceled } = res.json();
    expect(next.splitFrom).toBe(s.id);
    expect(moved).toBeGreaterThan(0);
    expect(canceled).toBeGreaterThan(0);
    // Monday 2 November: the same job, now in the new series at 10:00 local (GMT).
    const monday = next.visits.find((v: { occurrenceDate: string }) => v.occurrenceDate === '2026-11-02');
    expect(monday.id).toBe(before.get('2026-11-02'));
    expect(monday.windowStart).toBe('2026-11-02T10:00:00.000Z');
    // Wednesday 4 November has no visit under the new rule: its job is closed, not deleted.
    const wednesday = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/jobs/${before.get('2026-11-04')}`,
        headers: as(dispatcher),
      })
    ).json();
    expect(wednesday).toMatchObject({ status: 'canceled', billingStatus: 'not_billable', seriesId: s.id });
    expect(wednesday.closedReason).toMatch(/new schedule: Customer wants Mondays only/);
    const old = (
      await t.app.inject({ method: 'GET', url: `/api/v1/series/${s.id}`, headers: as(dispatcher) })
    ).json();
    expect(old.endDate).toBe('2026-11-01');
    expect(
      old.visits
        .filter((v: { occurrenceDate: string }) => v.occurrenceDate < '2026-11-02')
        .every((v: { status: string }) => v.status === 'scheduled'),
    ).toBe(true);
  });

  it('pauses with a reason, resumes as a new part from a later date, and ends; each a logged step', async () => {
    const s = (
      await create({
        startDate: '2026-10-06',
        rrule: 'FREQ=WEEKLY;BYDAY=TU',
        billingRule: 'per_visit',
        billingCycle: null,
      })
    ).json();
    const post = (path: string, payload: Record<string, unknown>, session = dispatcher) =>
      t.app.inject({ method: 'POST', url: `/api/v1/series/${path}`, headers: as(session, true), payload });
    const get = async (id: string) =>
      (await t.app.inject({ method: 'GET', url: `/api/v1/series/${id}`, headers: as(dispatcher) })).json();
    const technician = await signIn(t.app, org.users.technician.email, PASSWORD);
    expect(
      (await post(`${s.id}/pause`, { fromDate: '2026-10-20', reason: 'x' }, technician)).statusCode,
    ).toBe(403);
    const past = await post(`${s.id}/pause`, { fromDate: '2026-09-30', reason: 'Away' });
    expect(past.statusCode).toBe(400);
    expect(problemOf(past).errors.map((e) => e.field)).toEqual(['body.fromDate']);

    const paused = await post(`${s.id}/pause`, {
      fromDate: '2026-10-20',
      reason: 'Customer away until November',
    });
    expect(paused.statusCode).toBe(200);
    const p = paused.json();
    expect(p.series).toMatchObject({
      status: 'paused',
      statusReason: 'Customer away until November',
      endDate: '2026-10-19',
    });
    const from20 = s.visits.filter((v: { occurrenceDate: string }) => v.occurrenceDate >= '2026-10-20');
    expect(p.canceled).toBe(from20.length);
    expect(from20.length).toBeGreaterThan(3);
    for (const v of p.series.visits)
      expect(v.status).toBe(v.occurrenceDate < '2026-10-20' ? 'scheduled' : 'canceled');
    const closed = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${from20[0].id}`, headers: as(dispatcher) })
    ).json();
    expect(closed).toMatchObject({
      billingStatus: 'not_billable',
      closedReason: 'Recurring service paused: Customer away until November',
    });
    expect((await post(`${s.id}/pause`, { fromDate: '2026-10-27', reason: 'again' })).json().code).toBe(
      'invalid_transition',
    );

    expect((await post(`${s.id}/resume`, { fromDate: '2026-10-13' })).statusCode).toBe(400);
    const resumed = await post(`${s.id}/resume`, { fromDate: '2026-11-09' });
    expect(resumed.statusCode).toBe(201);
    const r = resumed.json();
    expect(r.series).toMatchObject({
      status: 'active',
      splitFrom: s.id,
      rrule: 'FREQ=WEEKLY;BYDAY=TU',
      startTime: '09:00',
    });
    expect(r.series.visits[0].occurrenceDate).toBe('2026-11-10'); // the first Tuesday on or after the 9th
    expect(r.created).toBe(r.series.visits.length);
    expect(r.series.chain.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      [s.id, 'continued'],
      [r.series.id, 'active'],
    ]);
    expect((await get(s.id)).chain).toEqual(r.series.chain);
    expect(r.series.chain.map((c: { visits: number }) => c.visits)).toEqual([
      s.visits.length,
      r.series.visits.length,
    ]);
    // The paused part is history now: changes go to the part that continues it.
    expect((await post(`${s.id}/resume`, { fromDate: '2026-11-17' })).statusCode).toBe(409);
    expect((await post(`${s.id}/end`, { fromDate: '2026-11-17', reason: 'x' })).statusCode).toBe(409);

    const list = async (query: string) =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/series?customerId=${org.customerId}${query}`,
          headers: as(dispatcher),
        })
      )
        .json()
        .items.map((i: { id: string }) => i.id);
    expect(await list('')).toContain(r.series.id);
    expect(await list('')).not.toContain(s.id);
    expect(await list('&status=continued')).toContain(s.id);

    const ended = await post(`${r.series.id}/end`, {
      fromDate: '2026-11-24',
      reason: 'Contract not renewed',
    });
    expect(ended.statusCode).toBe(200);
    expect(ended.json().series).toMatchObject({
      status: 'ended',
      endDate: '2026-11-23',
      statusReason: 'Contract not renewed',
    });
    expect(
      ended
        .json()
        .series.visits.filter((v: { status: string }) => v.status === 'scheduled')
        .map((v: { occurrenceDate: string }) => v.occurrenceDate),
    ).toEqual(['2026-11-10', '2026-11-17']);
    const summary = (
      await t.app.inject({ method: 'GET', url: `/api/v1/series?status=ended`, headers: as(dispatcher) })
    )
      .json()
      .items.find((i: { id: string }) => i.id === r.series.id);
    expect(summary).toMatchObject({
      customer: { id: org.customerId },
      status: 'ended',
      statusReason: 'Contract not renewed',
      nextVisit: null,
    });

    const actions = async (id: string) =>
      (
        await t.database.raw.query<{ action: string }>(
          "SELECT action FROM audit_events WHERE aggregate_type = 'series' AND aggregate_id = $1 ORDER BY seq",
          [id],
        )
      ).rows.map((a) => a.action);
    expect(await actions(s.id)).toEqual(['series.created', 'series.paused', 'series.resumed']);
    expect(await actions(r.series.id)).toEqual(['series.split_from', 'series.ended']);
  });

  it('extends every series to its horizon as time passes, once', async () => {
    const s = (
      await create({ startDate: '2026-10-13', rrule: 'FREQ=WEEKLY;BYDAY=TU', horizonDays: 14 })
    ).json();
    const count = async () =>
      (await t.app.inject({ method: 'GET', url: `/api/v1/series/${s.id}`, headers: as(dispatcher) })).json()
        .visits.length;
    const initial = await count();
    expect(initial).toBe(3); // 13, 20 and 27 October: 14 days from the start
    t.clock.advance(21 * 86_400_000);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD); // the old session expired meanwhile
    await extendAllSeries(t.deps);
    const later = await count();
    expect(later).toBe(4); // 22 October + 14 days reaches 3 November
    await extendAllSeries(t.deps);
    expect(await count()).toBe(later);
  });

  it.each([
    [{ rrule: 'FREQ=NEVER' }, 'body.rrule'],
    [{ timeZone: 'Atlantis/Capital' }, 'body.timeZone'],
    [{ billingCycle: null }, 'body.billingCycle'],
    [{ startTime: '25:00' }, 'body.startTime'],
    [{ siteId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }, 'body.siteId'],
  ])('refuses %j naming %s, and writes nothing', async (overrides, field) => {
    const before = (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]
      ?.n;
    const res = await create(overrides);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors.map((e) => e.field)).toContain(field);
    expect(
      (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]?.n,
    ).toBe(before);
  });
});
