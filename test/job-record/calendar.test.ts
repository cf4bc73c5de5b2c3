import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

describe.each(testDrivers())('iCalendar feeds on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let tech: Session;
  let dispatcher: Session;

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'cal');
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
  });
  afterAll(() => t?.close());

  const newFeed = async (who: Session, userId?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/calendar-feeds',
      headers: as(who, true),
      payload: userId ? { userId } : {},
    });

  it('serves a valid RFC 5545 feed of exactly the technician’s jobs, behind a secret URL', async () => {
    const created = await newFeed(tech);
    expect(created.statusCode).toBe(201);
    const { url } = created.json();
    expect(url).toMatch(/^\/api\/v1\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${org.jobId}/reschedule`,
      headers: as(dispatcher, true),
      payload: {
        windowStart: '2026-11-19T14:00:00.000Z',
        windowEnd: '2026-11-19T15:30:00.000Z',
        reason: 'moved',
      },
    });
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/calendar');

    const vcalendar = new ICAL.Component(ICAL.parse(res.body));
    expect(vcalendar.getFirstPropertyValue('version')).toBe('2.0');
    const events = vcalendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.uid)).toEqual([`${org.jobId}@closeout`]); // not the other technician's job
    const [event] = events;
    expect(event?.startDate.toJSDate().toISOString()).toBe('2026-11-19T14:00:00.000Z');
    expect(event?.endDate.toJSDate().toISOString()).toBe('2026-11-19T15:30:00.000Z');
    expect(event?.summary).toMatch(/^J-\d+ .+: Customer of cal$/);
    expect(event?.location).toContain('1 Main Street');
    expect(event?.sequence).toBeGreaterThan(1);
  });

  it('rotating the feed retires the old URL; unknown or malformed tokens are 404/400', async () => {
    const first = (await newFeed(tech)).json().url;
    const second = (await newFeed(tech)).json().url;
    expect((await t.app.inject({ method: 'GET', url: first })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: second })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/calendar/not-a-token.ics' })).statusCode).toBe(
      400,
    );
  });

  it('lets a technician manage only their own feed, and the office any technician’s', async () => {
    expect((await newFeed(tech, org.otherTechnician.id)).statusCode).toBe(403);
    expect((await newFeed(dispatcher, org.otherTechnician.id)).statusCode).toBe(201);
    expect((await newFeed(dispatcher, org.users.billing.id)).statusCode).toBe(400);
  });
  it('puts each visit of a job done over several days in the calendar, each its own event', async () => {
    const { url } = (await newFeed(tech)).json();
    const added = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${org.jobId}/visits`,
      headers: as(dispatcher, true),
      payload: { windowStart: '2026-11-20T09:00:00.000Z', windowEnd: '2026-11-20T12:00:00.000Z' },
    });
    expect(added.statusCode, added.body).toBe(201);
    const visits = added.json().items as { id: string }[];
    const res = await t.app.inject({ method: 'GET', url });
    const events = new ICAL.Component(ICAL.parse(res.body))
      .getAllSubcomponents('vevent')
      .map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.uid)).toEqual(visits.map((v) => `${v.id}@closeout`));
    expect(events.map((e) => e.summary.replace(/^.*\(/, '('))).toEqual(['(visit 1 of 2)', '(visit 2 of 2)']);
    expect(events[1]?.startDate.toJSDate().toISOString()).toBe('2026-11-20T09:00:00.000Z');
  });
});
