import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNUP } from '../../src/app/directory/signup';
import { drainQueues } from '../../src/worker/handlers';
import { as, createTestApp, problemOf, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, PASSWORD } from '../support/factories';

type Mail = { to: string[]; subject: string; text: string };
const CHOSEN = 'our-own-business-2026';

describe.each(testDrivers())('sign-up and the setup wizard on %s', (driver) => {
  let t: TestApp;
  const outbox: Mail[] = [];
  beforeAll(async () => {
    t = await createTestApp(driver, {
      mailer: { send: async (m) => void outbox.push(m) },
      sessionTtlHours: 24 * 30,
    });
    await makeOrganization(t.deps, 'existing');
  });
  afterAll(() => t?.close());

  const signUp = (payload: object, ip = '198.51.100.7') =>
    t.app.inject({ method: 'POST', url: '/api/v1/organizations', payload, remoteAddress: ip });
  const preview = (token: string) => t.app.inject({ method: 'GET', url: `/api/v1/public/signups/${token}` });
  const complete = (token: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/public/signups/${token}/complete`, payload });
  const mailsTo = async (email: string) => {
    await drainQueues(t.boss, t.deps);
    return outbox.filter((m) => m.to.includes(email));
  };
  const tokenIn = (mail: Mail | undefined) =>
    decodeURIComponent(/finish-sign-up\?token=(\S+)/.exec(mail?.text ?? '')?.[1] ?? '');

  it('opens an organization only once the link proves the address, with the country’s currency and VAT rates', async () => {
    const email = 'aoife@plumbing.test';
    const res = await signUp({ businessName: 'Murphy Plumbing', country: 'ie', name: 'Aoife Murphy', email });
    expect(res.statusCode).toBe(202);
    expect(res.json().message).toContain('Murphy Plumbing');
    // Nothing exists yet: the address has no account.
    const early = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: CHOSEN },
    });
    expect(early.statusCode).toBe(401);
    const [mail] = await mailsTo(email);
    expect(mail?.subject).toBe('Open Murphy Plumbing on Closeout');
    const token = tokenIn(mail);
    expect(token.length).toBeGreaterThan(20);
    expect((await preview(token)).json()).toEqual({
      email,
      name: 'Aoife Murphy',
      businessName: 'Murphy Plumbing',
      country: 'IE',
    });
    const weak = await complete(token, { password: 'plumbing' });
    expect(weak.statusCode).toBe(400);
    expect(problemOf(weak).errors[0]?.field).toBe('body.password');
    const done = await complete(token, { password: CHOSEN });
    expect(done.statusCode).toBe(201);
    expect(done.json()).toMatchObject({ email, name: 'Aoife Murphy', roles: ['owner'] });
    expect((await complete(token, { password: `${CHOSEN}!` })).statusCode).toBe(404);
    expect((await preview(token)).statusCode).toBe(404);

    const owner = await signIn(t.app, email, CHOSEN);
    const org = (
      await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: as(owner) })
    ).json();
    expect(org).toMatchObject({
      name: 'Murphy Plumbing',
      country: 'IE',
      currency: 'EUR',
      timeZone: 'Europe/Dublin',
      taxScheme: 'vat',
      // Customers' replies reach the owner until the wizard names another address.
      replyToEmail: email,
    });
    const taxes = (
      await t.app.inject({ method: 'GET', url: '/api/v1/tax-codes', headers: as(owner) })
    ).json();
    expect(taxes.items.map((c: { code: string; rate: string }) => `${c.code} ${c.rate}`)).toEqual(
      expect.arrayContaining(['S-STD 23', 'S-RED 13.5', 'S-RED2 9', 'Z 0', 'E 0', 'AE 0']),
    );
    // A new organization sees only its own: no customers, no jobs, no job types until it picks a trade.
    const customers = await t.app.inject({ method: 'GET', url: '/api/v1/customers', headers: as(owner) });
    expect(customers.json().items).toEqual([]);
    const types = await t.app.inject({ method: 'GET', url: '/api/v1/job-types', headers: as(owner) });
    expect(types.json().items).toEqual([]);
    const audit = await t.database.raw.query<{ action: string; actor_id: string }>(
      'SELECT action, actor_id FROM audit_events WHERE organization_id = $1 ORDER BY seq',
      [org.id],
    );
    expect(audit.rows.map((e) => e.action)).toEqual(
      expect.arrayContaining(['organization.created', 'user.created', 'organization.signed_up']),
    );
    expect(audit.rows.find((e) => e.action === 'organization.signed_up')?.actor_id).toBe(done.json().id);
  });

  it('answers alike for an address with an account, and tells that person instead of opening anything', async () => {
    const email = 'owner@existing.test';
    const res = await signUp({ businessName: 'Copycat Ltd', country: 'DE', name: 'Someone', email });
    expect(res.statusCode).toBe(202);
    const [mail] = await mailsTo(email);
    expect(mail?.subject).toBe('You already have a Closeout account');
    expect(mail?.text).not.toMatch(/token=/);
    // Asking again within minutes sends nothing more (no mail bombing through the form).
    expect(
      (await signUp({ businessName: 'Copycat Ltd', country: 'DE', name: 'Someone', email })).statusCode,
    ).toBe(202);
    expect(await mailsTo(email)).toHaveLength(1);
  });

  it('refuses bad input naming the field, limits each network address, and expires links', async () => {
    const bad = await signUp({ businessName: '', country: 'XX', name: 'N', email: 'not-an-address' });
    expect(bad.statusCode).toBe(400);
    expect(
      problemOf(bad)
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['body.businessName', 'body.country', 'body.email'].sort());
    const ip = '203.0.113.50';
    for (let i = 0; i < SIGNUP.perAddressPerHour; i++)
      expect(
        (await signUp({ businessName: `B${i}`, country: 'US', name: 'N', email: `n${i}@b.test` }, ip))
          .statusCode,
      ).toBe(202);
    const limited = await signUp(
      { businessName: 'One more', country: 'US', name: 'N', email: 'more@b.test' },
      ip,
    );
    expect(limited.statusCode).toBe(429);
    const token = tokenIn((await mailsTo('n0@b.test'))[0]);
    expect((await preview(token)).json().country).toBe('US');
    t.clock.advance((SIGNUP.validHours + 1) * 3_600_000);
    expect((await complete(token, { password: CHOSEN })).statusCode).toBe(404);
  });

  it('on an operator-only installation, the public form is closed', async () => {
    t.deps.signup = 'operator';
    try {
      const res = await signUp({ businessName: 'Closed', country: 'IE', name: 'N', email: 'closed@x.test' });
      expect(res.statusCode).toBe(403);
      expect(problemOf(res).detail).toMatch(/operator/);
    } finally {
      t.deps.signup = 'open';
    }
  });

  it('the wizard installs a trade once, with its price book at the country’s rates, and keeps the checklist', async () => {
    const email = 'grace@sparks.test';
    await signUp({ businessName: 'Sparks Electrical', country: 'IE', name: 'Grace', email }, '192.0.2.9');
    await complete(tokenIn((await mailsTo(email))[0]), { password: CHOSEN });
    const owner = await signIn(t.app, email, CHOSEN);
    const get = (url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: as(owner) });
    const send = (method: 'POST' | 'PUT' | 'PATCH', url: string, payload: object) =>
      t.app.inject({ method, url: `/api/v1${url}`, headers: as(owner, true), payload });

    const before = (await get('/organization/setup')).json();
    expect(before.complete).toBe(false);
    expect(before.steps.every((s: { status: string }) => s.status === 'todo')).toBe(true);

    const installed = await send('POST', '/organization/trades', { trades: ['electrical', 'plumbing'] });
    expect(installed.statusCode).toBe(200);
    expect(installed.json()).toEqual({ jobTypes: 3, priceBookItems: 8 });
    expect((await send('POST', '/organization/trades', { trades: ['plumbing'] })).json()).toEqual({
      jobTypes: 0,
      priceBookItems: 0,
    });
    const types = (await get('/job-types')).json().items as { code: string; laborSku: string | null }[];
    expect(types.map((j) => j.code).sort()).toEqual(['ELEC', 'ELEC-CERT', 'PLUMB']);
    expect(types.find((j) => j.code === 'ELEC')?.laborSku).toBe('LAB-ELEC');
    const items = (await get('/catalog-items?limit=100')).json().items as {
      sku: string;
      taxCodeId: string;
    }[];
    const taxes = (await get('/tax-codes')).json().items as { id: string; code: string }[];
    const codeOf = (sku: string) =>
      taxes.find((c) => c.id === items.find((i) => i.sku === sku)?.taxCodeId)?.code;
    // Irish repair labour sells at 13.5 %, parts at the standard rate.
    expect(codeOf('LAB-ELEC')).toBe('S-RED');
    expect(codeOf('PRT-RCBO')).toBe('S-STD');

    const wrong = await send('PUT', '/organization/setup', { step: 'nonsense', status: 'done' });
    expect(wrong.statusCode).toBe(400);
    await send('PUT', '/organization/setup', { step: 'tax', status: 'done' });
    const skipped = (
      await send('PUT', '/organization/setup', { step: 'accounting', status: 'skipped' })
    ).json();
    const status = Object.fromEntries(
      skipped.steps.map((s: { step: string; status: string }) => [s.step, s.status]),
    );
    expect(status).toMatchObject({ trade: 'done', tax: 'done', accounting: 'skipped', business: 'todo' });

    const tz = await send('PATCH', '/organization/details', { timeZone: 'Mars/Olympus' });
    expect(tz.statusCode).toBe(400);
    expect(problemOf(tz).errors[0]?.field).toBe('body.timeZone');
    const named = await send('PATCH', '/organization/details', { legalName: 'Sparks Electrical Ltd' });
    expect(named.json().legalName).toBe('Sparks Electrical Ltd');

    // The wizard belongs to the owner: another organization's owner, or a dispatcher, cannot touch it.
    const other = await signIn(t.app, 'dispatcher@existing.test', PASSWORD);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organization/trades',
      headers: as(other, true),
      payload: { trades: ['hvac'] },
    });
    expect(refused.statusCode).toBe(403);
  });
});
