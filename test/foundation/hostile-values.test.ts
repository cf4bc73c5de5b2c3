import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Session, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';

/**
 * Values that once answered 500 (#27 finding 3b): each must be a 4xx problem naming its field, and change
 * nothing.
 */
describe('hostile values', () => {
  let t: TestApp;
  let org: OrgFixture;
  let dispatcher: Session;

  beforeAll(async () => {
    t = await createTestApp('pglite');
    org = await makeOrganization(t.deps, 'hostile');
    ({ dispatcher } = await sessionsOf(t.app, org));
  });
  afterAll(async () => t?.close());

  const send = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: as(dispatcher, method !== 'GET'), ...(payload ? { payload } : {}) });

  it.each([
    ['GET', '/api/v1/board?date=9999-12-31', undefined],
    ['GET', '/api/v1/board?date=0001-01-01', undefined],
    ['GET', '/api/v1/jobs?from=0001-01-01T00:00:00.000Z', undefined],
    ['GET', '/api/v1/jobs?to=9999-12-31T23:59:59.000Z', undefined],
  ] as const)('%s %s answers without a 5xx', async (method, url, payload) => {
    const res = await send(method, url, payload);
    expect(res.statusCode, res.body).toBeLessThan(500);
  });

  it('refuses a lone surrogate in a name or an address, naming the field', async () => {
    const res = await send('POST', '/api/v1/customers', {
      name: 'Bad \ud800 Ltd',
      billingAddress: { line1: 'x\udfff', city: 'Cork', postalCode: 'T12', country: 'IE' },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain('body.name');
  });

  it.each(['FREQ=HOURLY', 'FREQ=MINUTELY;INTERVAL=1', 'FREQ=SECONDLY'])(
    'refuses a series rule %s, naming the field',
    async (rrule) => {
      const res = await send('POST', '/api/v1/series', {
        customerId: org.customerId,
        siteId: org.siteId,
        jobTypeId: org.jobTypeId,
        rrule,
        startDate: '2026-11-03',
        startTime: '09:00',
        durationMinutes: 60,
        crew: [],
        scope: 'x',
        billingRule: 'per_visit',
        horizonDays: 30,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain('body.rrule');
    },
  );
});
