import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

describe.runIf(process.env.TEST_DATABASE_URL)('job numbers under concurrency on PostgreSQL', () => {
  let t: TestApp;
  let org: OrgFixture;
  let dispatcher: Session;
  beforeAll(async () => {
    t = await createTestApp('postgres');
    org = await makeOrganization(t.deps, 'numbers');
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
  });
  afterAll(() => t?.close());

  it('30 concurrent bookings, some refused, leave a gapless run of unique numbers', async () => {
    const book = (i: number) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: as(dispatcher, true),
        payload: {
          customerId: org.customerId,
          siteId: org.siteId,
          jobTypeId: org.jobTypeId,
          scope: `Booking ${i}`,
          windowStart: '2026-12-01T09:00:00.000Z',
          windowEnd: '2026-12-01T10:00:00.000Z',
          // Every third booking names a crew member that does not exist: refused, and takes no number.
          crew: i % 3 === 0 ? ['0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'] : [org.users.technician.id],
        },
      });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => book(i)));
    expect(results.filter((r) => r.statusCode === 400)).toHaveLength(10);
    // Every valid booking succeeded: a racy counter (max() + 1) would answer some of them with a 500.
    expect(results.filter((_, i) => i % 3 !== 0).map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    const { rows } = await t.database.raw.query<{ number: number }>(
      'SELECT number FROM jobs WHERE organization_id = $1 ORDER BY number',
      [org.organizationId],
    );
    const numbers = rows.map((r) => r.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => (numbers[0] ?? 0) + i));
  });
});
