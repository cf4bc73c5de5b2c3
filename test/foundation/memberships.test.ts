import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainQueues } from '../../src/worker/handlers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

type Mail = { to: string[]; subject: string; text: string };
type MeT = {
  user: { id: string; name: string; email: string; roles: string[] };
  organization: { id: string; name: string };
  roles: string[];
  csrfToken: string;
  secondFactorSetupNeeded: boolean;
  organizations: { id: string; name: string; current: boolean }[];
};

/**
 * One person, several organizations: a subcontractor who works for two firms, a bookkeeper who keeps the
 * books of three. One e-mail, one password, one second factor; a membership per organization with its own
 * roles; a session is in one organization at a time and never sees another's data.
 */
describe.each(testDrivers())('people in several organizations on %s', (driver) => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  const outbox: Mail[] = [];
  beforeAll(async () => {
    t = await createTestApp(driver, { mailer: { send: async (m) => void outbox.push(m) } });
    a = await makeOrganization(t.deps, 'alpha');
    b = await makeOrganization(t.deps, 'bravo');
  });
  afterAll(() => t?.close());

  const sessionOf = (res: { cookies: { name: string; value: string }[]; json: () => MeT }): Session => {
    const cookie = res.cookies.find((c) => c.name === 'closeout_session');
    if (!cookie) throw new Error('no session cookie');
    return { cookie: `closeout_session=${cookie.value}`, csrf: res.json().csrfToken };
  };
  const get = (url: string, who: Session) => t.app.inject({ method: 'GET', url, headers: as(who) });
  const post = (url: string, payload: object, who: Session | null) =>
    t.app.inject({ method: 'POST', url, headers: as(who, true), payload });
  const me = async (who: Session) => (await get('/api/v1/me', who)).json() as MeT;
  const tokenFor = async (email: string) => {
    await drainQueues(t.boss, t.deps);
    const mail = outbox.filter((m) => m.to.includes(email)).at(-1);
    return {
      mail,
      token: decodeURIComponent(/accept-invitation\?token=(\S+)/.exec(mail?.text ?? '')?.[1] ?? ''),
    };
  };
  const auditOf = async (organizationId: string, userId: string) => {
    const { rows } = await t.database.raw.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE organization_id = $1 AND aggregate_id = $2 ORDER BY seq`,
      [organizationId, userId],
    );
    return rows.map((r) => r.action);
  };

  /** The person's membership in an organization. */
  const memberIn = async (organizationId: string) => {
    const { rows } = await t.database.raw.query<{ id: string }>(
      'SELECT id FROM users WHERE organization_id = $1 AND lower(email) = $2',
      [organizationId, person()],
    );
    return rows[0]?.id ?? '';
  };

  // Bravo's billing person also keeps Alpha's books.
  const person = () => b.users.billing.email;

  it('invites a person who has an account elsewhere: they sign in to accept and keep their password', async () => {
    const ownerA = await signIn(t.app, a.users.owner.email, PASSWORD);
    const invited = await post(
      '/api/v1/invitations',
      { email: person().toUpperCase(), name: 'Books for Alpha', roles: ['billing', 'approver'] },
      ownerA,
    );
    expect(invited.statusCode).toBe(201);
    const { mail, token } = await tokenFor(person());
    expect(mail?.text).toMatch(/join with the Closeout password you already use/);
    const preview = await t.app.inject({ method: 'GET', url: `/api/v1/public/invitations/${token}` });
    expect(preview.json()).toMatchObject({ organizationName: 'alpha Services', hasAccount: true });

    // Choosing a new password for an address that has one is refused: the password stays theirs.
    const asNew = await post(
      `/api/v1/public/invitations/${token}/accept`,
      { password: 'another-pass-2026' },
      null,
    );
    expect(asNew.statusCode).toBe(409);
    expect(problemOf(asNew).errors[0]?.field).toBe('body.password');
    // Somebody else, signed in, cannot take the link.
    const stranger = await signIn(t.app, b.users.dispatcher.email, PASSWORD);
    const taken = await post(`/api/v1/auth/invitations/${token}/accept`, {}, stranger);
    expect(taken.statusCode).toBe(403);

    const inBravo = await signIn(t.app, person(), PASSWORD);
    const accepted = await post(`/api/v1/auth/invitations/${token}/accept`, {}, inBravo);
    expect(accepted.statusCode).toBe(200);
    const now = accepted.json() as MeT;
    expect(now.organization.id).toBe(a.organizationId);
    expect(now.roles.sort()).toEqual(['approver', 'billing']);
    expect(now.user.name).toBe('Books for Alpha');
    expect(now.organizations.map((o) => [o.name, o.current])).toEqual([
      ['alpha Services', true],
      ['bravo Services', false],
    ]);
    // The session moved: the old cookie is over, the new one works, the link is used up.
    expect((await get('/api/v1/me', inBravo)).statusCode).toBe(401);
    const inAlpha = sessionOf(accepted);
    expect((await me(inAlpha)).organization.id).toBe(a.organizationId);
    expect((await post(`/api/v1/auth/invitations/${token}/accept`, {}, inAlpha)).statusCode).toBe(404);
    // A member already: inviting again is refused with the field named.
    const again = await post(
      '/api/v1/invitations',
      { email: person(), name: 'x', roles: ['billing'] },
      ownerA,
    );
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).errors[0]?.field).toBe('body.email');
    // The owner cannot make a second account for the address either: it joins by invitation.
    const made = await post(
      '/api/v1/users',
      { email: b.users.technician.email, name: 'x', roles: ['technician'], password: 'long-enough-pass-1' },
      ownerA,
    );
    expect(made.statusCode).toBe(409);
    expect(problemOf(made).detail).toMatch(/invite the person instead/);
  });

  it('switches between organizations, each session seeing only its own data and roles', async () => {
    const s = await signIn(t.app, person(), PASSWORD);
    // Signing in opens the organization used last.
    expect((await me(s)).organization.id).toBe(a.organizationId);
    const teamA = (await get('/api/v1/users', s)).json().items.map((u: { email: string }) => u.email);
    expect(teamA).toContain(a.users.owner.email);
    expect(teamA).not.toContain(b.users.owner.email);

    const moved = await post('/api/v1/auth/switch', { organizationId: b.organizationId }, s);
    expect(moved.statusCode).toBe(200);
    const inB = sessionOf(moved);
    const meB = await me(inB);
    expect(meB.organization.id).toBe(b.organizationId);
    expect(meB.roles).toEqual(['billing']);
    expect(meB.user.id).toBe(b.users.billing.id);
    const teamB = (await get('/api/v1/users', inB)).json().items.map((u: { email: string }) => u.email);
    expect(teamB).toContain(b.users.owner.email);
    expect(teamB).not.toContain(a.users.owner.email);
    // The old session ended; a job of Alpha's is not found from Bravo.
    expect((await get('/api/v1/me', s)).statusCode).toBe(401);
    expect((await get(`/api/v1/jobs/${a.jobId}`, inB)).statusCode).toBe(404);

    const elsewhere = await post('/api/v1/auth/switch', { organizationId: t.deps.ids.uuid() }, inB);
    expect(elsewhere.statusCode).toBe(404);
    expect(problemOf(elsewhere).errors[0]?.field).toBe('body.organizationId');
    expect((await post('/api/v1/auth/switch', { organizationId: b.organizationId }, inB)).statusCode).toBe(
      409,
    );
    const bad = await post('/api/v1/auth/switch', { organizationId: 'not-an-id' }, inB);
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors[0]?.field).toBe('body.organizationId');

    // Each organization's record names its own member: signed out of one, signed in to the other.
    const aMember = (
      await me(sessionOf(await post('/api/v1/auth/switch', { organizationId: a.organizationId }, inB)))
    ).user.id;
    expect(await auditOf(b.organizationId, b.users.billing.id)).toContain('user.switched_organization');
    expect(
      (await auditOf(a.organizationId, aMember)).filter((x) => x === 'user.signed_in').length,
    ).toBeGreaterThanOrEqual(2);
    // Next sign-in lands where they were last.
    expect((await me(await signIn(t.app, person(), PASSWORD))).organization.id).toBe(a.organizationId);
  });

  it('a password change ends the person’s other sessions in every organization, on both records', async () => {
    const inA = await signIn(t.app, person(), PASSWORD);
    const inB = sessionOf(
      await post(
        '/api/v1/auth/switch',
        { organizationId: b.organizationId },
        await signIn(t.app, person(), PASSWORD),
      ),
    );
    const changed = await post(
      '/api/v1/me/password',
      { currentPassword: PASSWORD, newPassword: 'books-in-two-firms-1' },
      inB,
    );
    expect(changed.statusCode).toBe(200);
    expect((await get('/api/v1/me', inA)).statusCode).toBe(401);
    expect((await get('/api/v1/me', inB)).statusCode).toBe(200);
    expect((await signIn(t.app, person(), 'books-in-two-firms-1')).csrf).toBeTruthy();
    expect(await auditOf(a.organizationId, await memberIn(a.organizationId))).toContain(
      'user.password_changed',
    );
    expect(await auditOf(b.organizationId, b.users.billing.id)).toContain('user.password_changed');
    // Put back for the tests after.
    await post(
      '/api/v1/me/password',
      { currentPassword: 'books-in-two-firms-1', newPassword: PASSWORD },
      inB,
    );
  });

  it('one second factor guards every organization; an owner may not turn it off for the others', async () => {
    let s = await signIn(t.app, person(), PASSWORD);
    const setup = (await post('/api/v1/me/two-factor/setup', {}, s)).json();
    expect(setup.uri).toMatch(/issuer=Closeout(&|$)/);
    const codeAt = (offsetMs = 0) =>
      new TOTP({ secret: Secret.fromBase32(setup.secret.replaceAll(' ', '')) }).generate({
        timestamp: t.clock.now().getTime() + offsetMs,
      });
    expect((await post('/api/v1/me/two-factor/confirm', { code: codeAt() }, s)).statusCode).toBe(200);
    t.clock.advance(60_000);
    const login = (code?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: person(), password: PASSWORD, ...(code ? { code } : {}) },
      });
    expect((await login()).statusCode).toBe(401);
    s = sessionOf(await login(codeAt()));
    // Switching does not ask again: the factor was asked at sign-in.
    const other = (await me(s)).organizations.find((o) => !o.current);
    const moved = sessionOf(await post('/api/v1/auth/switch', { organizationId: other?.id }, s));
    expect((await me(moved)).organization.id).toBe(other?.id);

    const ownerB = await signIn(t.app, b.users.owner.email, PASSWORD);
    const reset = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${b.users.billing.id}/two-factor`,
      headers: as(ownerB, true),
    });
    expect(reset.statusCode).toBe(409);
    expect(problemOf(reset).detail).toMatch(/also belongs to another organization/);
    const team = (await get('/api/v1/users', ownerB)).json().items;
    expect(team.find((u: { id: string }) => u.id === b.users.billing.id).secondFactor).toBe(true);
    // Turned off by the person, for every organization.
    expect((await post('/api/v1/me/two-factor/disable', { password: PASSWORD }, moved)).statusCode).toBe(204);
    expect((await login()).statusCode).toBe(200);
  });

  it('opens another organization with the account it has, and the sign-up page points there', async () => {
    const s = await signIn(t.app, person(), PASSWORD);
    const opened = await post('/api/v1/auth/organizations', { businessName: 'Books & Co', country: 'ie' }, s);
    expect(opened.statusCode).toBe(201);
    const mine = opened.json() as MeT;
    expect(mine.organization).toMatchObject({ name: 'Books & Co', currency: 'EUR' });
    expect(mine.roles).toEqual(['owner']);
    expect(mine.organizations.map((o) => o.name)).toEqual(['alpha Services', 'Books & Co', 'bravo Services']);
    const inNew = sessionOf(opened);
    const codes = (await get('/api/v1/tax-codes', inNew)).json().items;
    expect(codes.length).toBeGreaterThan(0);
    const setup = await get('/api/v1/organization/setup', inNew);
    expect(setup.statusCode).toBe(200);
    const bad = await post('/api/v1/auth/organizations', { businessName: '', country: 'XX' }, inNew);
    expect(bad.statusCode).toBe(400);

    // Asking to sign up with the address again: told to open it from the account, no link.
    const before = outbox.length;
    const asked = await post(
      '/api/v1/organizations',
      { businessName: 'Yet Another', country: 'IE', name: 'B', email: person() },
      null,
    );
    expect(asked.statusCode).toBe(202);
    await drainQueues(t.boss, t.deps);
    const told = outbox.slice(before).find((m) => m.to.includes(person()));
    expect(told?.text).toMatch(/Open another organization/);
    expect(told?.text).not.toMatch(/finish-sign-up/);
  });

  it('removing a member ends their sessions there only; they still sign in to the others', async () => {
    const s = await signIn(t.app, person(), PASSWORD);
    const inA = sessionOf(await post('/api/v1/auth/switch', { organizationId: a.organizationId }, s));
    const memberA = (await me(inA)).user.id;
    const ownerA = await signIn(t.app, a.users.owner.email, PASSWORD);
    const removed = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${memberA}`,
      headers: as(ownerA, true),
      payload: { active: false },
    });
    expect(removed.statusCode).toBe(200);
    expect((await get('/api/v1/me', inA)).statusCode).toBe(401);
    const back = await me(await signIn(t.app, person(), PASSWORD));
    expect(back.organization.id).not.toBe(a.organizationId);
    expect(back.organizations.map((o) => o.name)).not.toContain('alpha Services');
    const refused = await post(
      '/api/v1/auth/switch',
      { organizationId: a.organizationId },
      await signIn(t.app, person(), PASSWORD),
    );
    expect(refused.statusCode).toBe(404);
    // The firm they left no longer hears of their account; the one they work for does.
    const changesIn = async (organizationId: string, userId: string) =>
      (await auditOf(organizationId, userId)).filter((x) => x === 'user.password_changed').length;
    const changes = () => changesIn(a.organizationId, memberA);
    const beforeA = await changes();
    const beforeB = await changesIn(b.organizationId, b.users.billing.id);
    const inB = await signIn(t.app, person(), PASSWORD);
    const changed = await post(
      '/api/v1/me/password',
      { currentPassword: PASSWORD, newPassword: 'books-in-one-firm-2' },
      inB,
    );
    expect(changed.statusCode).toBe(200);
    expect(await changes()).toBe(beforeA);
    expect(await changesIn(b.organizationId, b.users.billing.id)).toBe(beforeB + 1);
  });
});
