import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVITATION_VALID_DAYS } from '../../src/app/directory/invitations';
import { drainQueues } from '../../src/worker/handlers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

type Mail = { to: string[]; subject: string; text: string };
const CHOSEN = 'my-own-choice-2026';

describe.each(testDrivers())('staff invitations on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  const outbox: Mail[] = [];
  beforeAll(async () => {
    t = await createTestApp(driver, {
      mailer: { send: async (m) => void outbox.push(m) },
      sessionTtlHours: 24 * 30,
    });
    org = await makeOrganization(t.deps, 'invites');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
  });
  afterAll(() => t?.close());

  const invite = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/v1/invitations', headers: as(owner, true), payload });
  const ownerPost = (url: string) =>
    t.app.inject({ method: 'POST', url, headers: as(owner, true), payload: {} });
  const preview = (token: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/public/invitations/${token}` });
  const accept = (token: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/public/invitations/${token}/accept`, payload });
  /** The link's token in the newest invitation e-mail to this address. */
  const tokenFor = async (email: string) => {
    await drainQueues(t.boss, t.deps);
    const mail = outbox.filter((m) => m.to.includes(email)).at(-1);
    return decodeURIComponent(/accept-invitation\?token=(\S+)/.exec(mail?.text ?? '')?.[1] ?? '');
  };

  it('invites by e-mail; the person chooses their own password and joins with the invited roles', async () => {
    const email = 'new.tech@invites.test';
    const res = await invite({ email, name: 'Nora Tech', roles: ['technician'], hourlyRate: '42.50' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ email, status: 'pending', roles: ['technician'] });
    await drainQueues(t.boss, t.deps);
    const mail = outbox.find((m) => m.to.includes(email));
    expect(mail?.subject).toBe('invites Services invites you to Closeout');
    expect(mail?.text).toMatch(/as technician\./);
    const token = await tokenFor(email);

    const shown = await preview(token);
    expect(shown.json()).toEqual({
      organizationName: 'invites Services',
      email,
      name: 'Nora Tech',
      roles: ['technician'],
      hasAccount: false,
    });
    const weak = await accept(token, { password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(problemOf(weak).errors[0]?.field).toBe('body.password');
    const ok = await accept(token, { password: CHOSEN, name: 'Nóra Tech' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ email, name: 'Nóra Tech', roles: ['technician'], hourlyRate: '42.50' });
    const me = await signIn(t.app, email, CHOSEN);
    expect(me.csrf.length).toBeGreaterThan(20);
    // Used once; gone from the open list; the address now has an account.
    expect((await accept(token, { password: `${CHOSEN}!` })).statusCode).toBe(404);
    const open = await t.app.inject({ method: 'GET', url: '/api/v1/invitations', headers: as(owner) });
    expect(open.json().items.map((i: { email: string }) => i.email)).not.toContain(email);
    const twice = await invite({ email: email.toUpperCase(), name: 'Again', roles: ['technician'] });
    expect(twice.statusCode).toBe(409);
    expect(problemOf(twice).errors[0]?.field).toBe('body.email');
  });

  it('sends again with a new link (the old one stops working), withdraws, and lets a link expire', async () => {
    const email = 'office.help@invites.test';
    const first = (await invite({ email, name: 'Olly Office', roles: ['dispatcher'] })).json();
    const oldToken = await tokenFor(email);
    const again = await invite({ email, name: 'Olly Office', roles: ['dispatcher', 'billing'] });
    expect(again.json().id).toBe(first.id);
    expect(again.json().roles).toEqual(['dispatcher', 'billing']);
    const newToken = await tokenFor(email);
    expect(newToken).not.toBe(oldToken);
    expect((await preview(oldToken)).statusCode).toBe(404);
    expect((await preview(newToken)).json().roles).toEqual(['dispatcher', 'billing']);

    t.clock.advance((INVITATION_VALID_DAYS + 1) * 86_400_000);
    expect((await preview(newToken)).statusCode).toBe(404);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/invitations', headers: as(owner) });
    expect(list.json().items.find((i: { id: string }) => i.id === first.id).status).toBe('expired');
    const resent = await ownerPost(`/api/v1/invitations/${first.id}/resend`);
    expect(resent.json().status).toBe('pending');
    const freshToken = await tokenFor(email);
    expect((await preview(freshToken)).statusCode).toBe(200);

    const withdrawn = await ownerPost(`/api/v1/invitations/${first.id}/withdraw`);
    expect(withdrawn.json().status).toBe('withdrawn');
    expect((await preview(freshToken)).statusCode).toBe(404);
    expect((await accept(freshToken, { password: CHOSEN })).statusCode).toBe(404);
    expect((await ownerPost(`/api/v1/invitations/${first.id}/resend`)).statusCode).toBe(409);
  });

  it('refuses staff who may not manage users, and answers a malformed link with the field named', async () => {
    const dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: as(dispatcher, true),
      payload: { email: 'x@invites.test', name: 'X', roles: ['owner'] },
    });
    expect(res.statusCode).toBe(403);
    const bad = await preview('short');
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors[0]?.field).toMatch(/token/);
  });
});
