import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/core/roles';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';

describe.each(testDrivers())('managing users on %s', (driver) => {
  let t: TestApp;
  let a: OrgFixture;
  let s: Record<Role, Session>;
  /** The billing user once made an owner too (the first owner is deactivated along the way). */
  let billingOwner: Session;

  beforeAll(async () => {
    t = await createTestApp(driver);
    a = await makeOrganization(t.deps, 'people');
    s = await sessionsOf(t.app, a);
  });
  afterAll(() => t?.close());

  const patch = (id: string, payload: object, session = s.owner) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: as(session, true), payload });
  const me = (session: Session) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: as(session) });

  it('changes roles and the labor rate, audited with before and after', async () => {
    const res = await patch(a.users.dispatcher.id, {
      roles: ['dispatcher', 'approver'],
      hourlyRate: '60.00',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ roles: ['dispatcher', 'approver'] });
    const audit = await t.database.raw.query<{ action: string; changes: string }>(
      `SELECT action, changes FROM audit_events WHERE aggregate_id = $1 ORDER BY seq DESC LIMIT 1`,
      [a.users.dispatcher.id],
    );
    expect(audit.rows[0]?.action).toBe('user.updated');
    expect(JSON.parse(String(audit.rows[0]?.changes)).roles).toEqual({
      before: ['dispatcher'],
      after: ['dispatcher', 'approver'],
    });
  });

  it('deactivates a user: their sessions end at once, their records stay; reactivation lets them sign in anew', async () => {
    expect((await me(s.technician)).statusCode).toBe(200);
    const off = await patch(a.users.technician.id, { active: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().active).toBe(false);
    expect((await me(s.technician)).statusCode).toBe(401);
    const job = await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${a.jobId}`, headers: as(s.owner) });
    expect(job.json().crew.map((c: { userId: string }) => c.userId)).toContain(a.users.technician.id);
    expect((await patch(a.users.technician.id, { active: true })).statusCode).toBe(200);
    // Back, but not through the sessions they had: those ended with the removal.
    expect((await me(s.technician)).statusCode).toBe(401);
    expect((await me((await sessionsOf(t.app, a)).technician)).statusCode).toBe(200);
  });

  it('keeps one active owner and refuses to let the owner lock themselves out', async () => {
    const self = await patch(a.users.owner.id, { active: false });
    expect(self.statusCode).toBe(400);
    expect(problemOf(self).errors?.[0]?.field).toBe('body.active');
    // Another owner exists now; the first may not remove their own owner role, but the second may demote the first.
    expect((await patch(a.users.billing.id, { roles: ['billing', 'owner'] })).statusCode).toBe(200);
    const demoteSelf = await patch(a.users.owner.id, { roles: ['billing'] });
    expect(demoteSelf.statusCode).toBe(400);
    // The first owner made an API key for the accounting sync.
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'accounting sync', role: 'billing' },
      headers: as(s.owner, true),
    });
    expect(made.statusCode, made.body).toBe(201);
    const key = made.json().key as string;
    const withKey = () => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: as({ apiKey: key }) });
    expect((await withKey()).statusCode).toBe(200);
    // The second owner (billing) deactivates the first: allowed, one active owner remains, and the key the
    // first one made ends with them.
    billingOwner = (await sessionsOf(t.app, a)).billing;
    expect((await patch(a.users.owner.id, { active: false }, billingOwner)).statusCode).toBe(200);
    expect((await withKey()).statusCode).toBe(401);
    const audit = await t.database.raw.query<{ changes: string }>(
      `SELECT changes FROM audit_events WHERE aggregate_id = $1 AND action = 'user.deactivated'`,
      [a.users.owner.id],
    );
    const revoked = JSON.parse(audit.rows[0]?.changes ?? '{}').revoked;
    expect(revoked.apiKeys).toBe(1);
    expect(revoked.sessions).toBeGreaterThanOrEqual(1);
    // …but not the last one standing.
    const last = await patch(a.users.billing.id, { roles: ['billing'] }, billingOwner);
    expect(last.statusCode).toBe(400);
  });

  it('refuses bad input naming the field, and changes nothing', async () => {
    const before = await t.app.inject({
      method: 'GET',
      url: `/api/v1/users/${a.users.approver.id}`,
      headers: as(s.billing),
    });
    const bad = await patch(a.users.approver.id, { hourlyRate: 'twelve', roles: [] }, billingOwner);
    expect(bad.statusCode).toBe(400);
    expect(
      problemOf(bad)
        .errors?.map((e) => e.field)
        .sort(),
    ).toEqual(['body.hourlyRate', 'body.roles']);
    const after = await t.app.inject({
      method: 'GET',
      url: `/api/v1/users/${a.users.approver.id}`,
      headers: as(s.billing),
    });
    expect(after.json()).toEqual(before.json());
    expect((await patch(a.users.approver.id, { name: 'x' }, s.dispatcher)).statusCode).toBe(403);
  });
});
