import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrdersT } from '../../src/contracts/work-orders';
import type { Role } from '../../src/core/roles';
import { customers } from '../../src/db/schema';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, sessionsOf } from '../support/factories';

describe.each(testDrivers())('the technician app’s work orders on %s', (driver) => {
  let t: TestApp;
  let a: OrgFixture;
  let s: Record<Role, Session>;

  beforeAll(async () => {
    t = await createTestApp(driver);
    a = await makeOrganization(t.deps, 'alpha');
    await makeOrganization(t.deps, 'bravo');
    s = await sessionsOf(t.app, a);
    // This customer always signs and is tax exempt: the phone must know both without a connection.
    await t.database.db
      .update(customers)
      .set({ closeoutOverrides: { signature: true }, taxExempt: true, taxExemptionReason: 'Charity' })
      .where(eq(customers.id, a.customerId));
  });
  afterAll(() => t?.close());

  const get = async (session: Session, query = '') => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/my/work-orders${query}`,
      headers: as(session),
    });
    return { status: res.statusCode, body: res.json() as WorkOrdersT };
  };

  it('gives a technician their own jobs with requirements, taxes and the price book, and nothing else', async () => {
    const res = await get(s.technician);
    expect(res.status).toBe(200);
    expect(res.body.items.map((w) => w.job.id)).toEqual([a.jobId]);
    const [w] = res.body.items;
    expect(w?.site.address.city).toBe('Dublin');
    // The customer's override is applied on top of the job type's requirements.
    expect(w?.jobType.requirements.signature).toBe(true);
    // Exempt: every code and the default tax become category E with the customer's reason.
    expect(w?.defaultTax).toMatchObject({ category: 'E', rate: '0', exemptionReason: 'Charity' });
    expect(Object.values(w?.taxByCode ?? {}).every((x) => x.category === 'E')).toBe(true);
    expect(res.body.priceBook.map((p) => p.sku)).toContain('LAB-STD');
    expect(res.body.technician).toMatchObject({ id: a.users.technician.id, hourlyRate: '80.0000' });
    expect(res.body.organization).toMatchObject({ currency: 'EUR', timeZone: 'Europe/Dublin' });
    expect(JSON.stringify(res.body)).not.toContain(a.otherJobId);
  });

  it('leaves out jobs beyond the days asked for, and refuses a bad days value naming the field', async () => {
    t.clock.advance(-3 * 86_400_000);
    expect((await get(s.technician, '?days=1')).body.items).toHaveLength(0);
    expect((await get(s.technician, '?days=3')).body.items).toHaveLength(1);
    t.clock.advance(3 * 86_400_000);
    const bad = await t.app.inject({
      method: 'GET',
      url: '/api/v1/my/work-orders?days=99',
      headers: as(s.technician),
    });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0]?.field).toMatch(/days/);
  });

  it('keeps a phone signed in for weeks of inactivity, while a web session ends after hours', async () => {
    const signIn = async (device: boolean) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: a.users.technician.email, password: PASSWORD, ...(device ? { device } : {}) },
      });
      expect(res.statusCode).toBe(200);
      return { cookie: `${res.cookies[0]?.name}=${res.cookies[0]?.value}`, csrf: '' };
    };
    const phone = await signIn(true);
    const web = await signIn(false);
    t.clock.advance(13 * 3_600_000);
    expect((await get(phone)).status).toBe(200);
    expect((await get(web)).status).toBe(401);
    t.clock.advance(29 * 24 * 3_600_000);
    // Each use slides the phone's expiry: 29 more days after the last use still opens.
    expect((await get(phone)).status).toBe(200);
    t.clock.advance(31 * 24 * 3_600_000);
    expect((await get(phone)).status).toBe(401);
    t.clock.advance(-(13 * 3_600_000 + 60 * 24 * 3_600_000));
  });

  it('records "on my way": scheduled becomes dispatched, audited; another technician’s job is not found', async () => {
    const go = (session: Session, id: string) =>
      t.app.inject({ method: 'POST', url: `/api/v1/jobs/${id}/on-my-way`, headers: as(session, true) });
    const res = await go(s.technician, a.jobId);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'dispatched' });
    // Again while dispatched: the status holds, the moment is recorded again.
    expect((await go(s.technician, a.jobId)).statusCode).toBe(200);
    const events = await t.database.raw.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE aggregate_id = $1 AND action = 'job.on_my_way'`,
      [a.jobId],
    );
    expect(events.rows).toHaveLength(2);
    expect((await go(s.technician, a.otherJobId)).statusCode).toBe(404);
    expect((await go(s.billing, a.jobId)).statusCode).toBe(403);
  });
});
