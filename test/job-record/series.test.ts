import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendAllSeries } from '../../src/app/series';
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
    expect(wednesday.closedReason).toMatch(/series split/);
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
