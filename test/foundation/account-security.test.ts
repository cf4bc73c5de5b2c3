import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_RESET } from '../../src/app/auth/account';
import { RECOVERY_CODE_COUNT } from '../../src/core/account-security';
import { drainQueues } from '../../src/worker/handlers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

type Mail = { to: string[]; subject: string; text: string };
const NEW_PASSWORD = 'a-new-passphrase-42';

describe.each(testDrivers())('account security on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  const outbox: Mail[] = [];
  let ownerSecret = '';
  beforeAll(async () => {
    t = await createTestApp(driver, { mailer: { send: async (m) => void outbox.push(m) } });
    org = await makeOrganization(t.deps, 'secure');
  });
  afterAll(() => t?.close());

  const login = (email: string, password: string, extra: object = {}, ip = '10.1.0.1') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password, ...extra },
      remoteAddress: ip,
      headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36' },
    });
  const get = (url: string, who: Session) => t.app.inject({ method: 'GET', url, headers: as(who) });
  const post = (url: string, payload: object | undefined, who: Session | null, ip = '10.1.0.1') =>
    t.app.inject({
      method: 'POST',
      url,
      headers: as(who, true),
      remoteAddress: ip,
      ...(payload === undefined ? {} : { payload }),
    });
  const sessionOf = (res: Awaited<ReturnType<typeof login>>): Session => {
    const cookie = res.cookies.find((c) => c.name === 'closeout_session');
    if (!cookie) throw new Error(`no cookie: ${res.statusCode} ${res.body}`);
    return { cookie: `closeout_session=${cookie.value}`, csrf: res.json().csrfToken };
  };
  const mailsTo = async (email: string) => {
    await drainQueues(t.boss, t.deps);
    return outbox.filter((m) => m.to.includes(email));
  };
  const codeAt = (secret: string) =>
    new TOTP({ secret: Secret.fromBase32(secret.replaceAll(' ', '')) }).generate({
      timestamp: t.clock.now().getTime(),
    });
  /** Sets up an authenticator app for a signed-in person: the secret and the recovery codes. */
  const enrol = async (who: Session) => {
    const setup = await post('/api/v1/me/two-factor/setup', undefined, who);
    expect(setup.statusCode).toBe(200);
    const { secret, uri, qrCode } = setup.json();
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    const confirmed = await post('/api/v1/me/two-factor/confirm', { code: codeAt(secret) }, who);
    expect(confirmed.statusCode).toBe(200);
    return { secret: secret as string, recoveryCodes: confirmed.json().recoveryCodes as string[] };
  };

  it('changes a password with the current one and ends every other session, keeping this one', async () => {
    const email = org.users.dispatcher.email;
    const here = sessionOf(await login(email, PASSWORD));
    const phone = sessionOf(await login(email, PASSWORD));
    const wrong = await post(
      '/api/v1/me/password',
      { currentPassword: 'not-it', newPassword: NEW_PASSWORD },
      here,
    );
    expect(wrong.statusCode).toBe(401);
    expect(problemOf(wrong).errors[0]?.field).toBe('body.currentPassword');
    const weak = await post('/api/v1/me/password', { currentPassword: PASSWORD, newPassword: 'short' }, here);
    expect(weak.statusCode).toBe(400);
    expect(problemOf(weak).errors[0]?.field).toBe('body.newPassword');
    expect((await get('/api/v1/me', phone)).statusCode).toBe(200);

    const ok = await post(
      '/api/v1/me/password',
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      here,
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.json().otherSessionsEnded).toBe(1);
    expect((await get('/api/v1/me', here)).statusCode).toBe(200);
    expect((await get('/api/v1/me', phone)).statusCode).toBe(401);
    expect((await login(email, PASSWORD)).statusCode).toBe(401);
    expect((await login(email, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('sends a single-use reset link only to a known address, the same answer either way', async () => {
    const email = org.users.approver.email;
    const unknown = await post('/api/v1/auth/password-reset', { email: 'nobody@example.test' }, null);
    const known = await post('/api/v1/auth/password-reset', { email: email.toUpperCase() }, null);
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    // Asked again at once: no second e-mail.
    expect((await post('/api/v1/auth/password-reset', { email }, null)).statusCode).toBe(202);
    const mails = await mailsTo(email);
    expect(mails).toHaveLength(1);
    expect(outbox.some((m) => m.to.includes('nobody@example.test'))).toBe(false);
    const token = decodeURIComponent(/reset-password\?token=([^\s]+)/.exec(mails[0]?.text ?? '')?.[1] ?? '');
    expect(token.length).toBeGreaterThan(30);

    const signedIn = sessionOf(await login(email, PASSWORD));
    const weak = await post('/api/v1/auth/password-reset/complete', { token, password: 'short' }, null);
    expect(weak.statusCode).toBe(400);
    expect(problemOf(weak).errors[0]?.field).toBe('body.password');
    // A weak choice does not use the link up.
    const done = await post('/api/v1/auth/password-reset/complete', { token, password: NEW_PASSWORD }, null);
    expect(done.statusCode).toBe(204);
    expect((await get('/api/v1/me', signedIn)).statusCode).toBe(401);
    expect((await login(email, NEW_PASSWORD)).statusCode).toBe(200);
    const again = await post(
      '/api/v1/auth/password-reset/complete',
      { token, password: `${NEW_PASSWORD}x` },
      null,
    );
    expect(again.statusCode).toBe(400);
    expect(problemOf(again).errors[0]?.field).toBe('body.token');
  });

  it('lets a reset link expire, and limits how often one address may ask', async () => {
    const email = org.users.technician.email;
    t.clock.advance(PASSWORD_RESET.perAccountGapMinutes * 60_000 + 1000);
    await post('/api/v1/auth/password-reset', { email }, null, '10.2.0.1');
    const mails = await mailsTo(email);
    const token = decodeURIComponent(/token=([^\s]+)/.exec(mails.at(-1)?.text ?? '')?.[1] ?? '');
    t.clock.advance((PASSWORD_RESET.validMinutes + 1) * 60_000);
    const late = await post('/api/v1/auth/password-reset/complete', { token, password: NEW_PASSWORD }, null);
    expect(late.statusCode).toBe(400);
    expect((await login(email, PASSWORD)).statusCode).toBe(200);
    const answers = [];
    for (let i = 0; i < PASSWORD_RESET.perAddressPerHour + 1; i++)
      answers.push(
        (await post('/api/v1/auth/password-reset', { email: `x${i}@example.test` }, null, '10.2.0.9'))
          .statusCode,
      );
    expect(answers.at(-1)).toBe(429);
    expect(answers.slice(0, -1).every((s) => s === 202)).toBe(true);
  });

  it('signs in with an authenticator code once it is set up, each code good once, recovery codes too', async () => {
    const email = org.users.billing.email;
    const billing = await signIn(t.app, email, PASSWORD);
    const badConfirm = await post('/api/v1/me/two-factor/setup', undefined, billing);
    const wrong = await post('/api/v1/me/two-factor/confirm', { code: '000000' }, billing);
    expect(badConfirm.statusCode).toBe(200);
    expect(wrong.statusCode).toBe(400);
    expect(problemOf(wrong).errors[0]?.field).toBe('body.code');
    // Nothing changed yet: the password alone still signs in.
    expect((await login(email, PASSWORD)).statusCode).toBe(200);

    const { secret, recoveryCodes } = await enrol(billing);
    expect(recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(recoveryCodes).size).toBe(RECOVERY_CODE_COUNT);
    t.clock.advance(30_000);

    const needsCode = await login(email, PASSWORD);
    expect(needsCode.statusCode).toBe(401);
    expect(problemOf(needsCode).code).toBe('second_factor_required');
    expect(problemOf(needsCode).errors[0]?.field).toBe('body.code');
    expect(needsCode.headers['set-cookie']).toBeUndefined();
    const wrongCode = await login(email, PASSWORD, { code: '123456' });
    expect(problemOf(wrongCode).code).toBe('invalid_credentials');
    expect(problemOf(wrongCode).errors[0]?.field).toBe('body.code');
    // A wrong password with the right code is still a wrong password.
    expect(problemOf(await login(email, 'not-it', { code: codeAt(secret) })).errors[0]?.field).toBe(
      'body.password',
    );

    const code = codeAt(secret);
    expect((await login(email, PASSWORD, { code })).statusCode).toBe(200);
    // The same code again (someone who saw it): refused.
    expect((await login(email, PASSWORD, { code })).statusCode).toBe(401);
    const [first] = recoveryCodes;
    expect(
      (await login(email, PASSWORD, { code: first?.toUpperCase().replaceAll('-', ' ') })).statusCode,
    ).toBe(200);
    expect((await login(email, PASSWORD, { code: first })).statusCode).toBe(401);
    const status = await get('/api/v1/me/two-factor', billing);
    expect(status.json()).toMatchObject({
      enabled: true,
      recoveryCodesLeft: RECOVERY_CODE_COUNT - 1,
      required: false,
    });

    // Turning it off needs the password; an owner can also reset it for a lost phone.
    const off = await post('/api/v1/me/two-factor/disable', { password: 'not-it' }, billing);
    expect(off.statusCode).toBe(401);
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const reset = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${org.users.billing.id}/two-factor`,
      headers: as(owner, true),
    });
    expect(reset.statusCode).toBe(204);
    expect((await login(email, PASSWORD)).statusCode).toBe(200);
    const users = await get('/api/v1/users?limit=50', owner);
    expect(users.json().items.find((u: { id: string }) => u.id === org.users.billing.id).secondFactor).toBe(
      false,
    );
  });

  it('makes owners and billing set up a second factor before anything else once the owner requires it', async () => {
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const early = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/organization/security',
      headers: as(owner, true),
      payload: { twoFactorRequired: true },
    });
    expect(early.statusCode).toBe(409);
    expect(problemOf(early).errors[0]?.field).toBe('body.twoFactorRequired');
    const ownerApp = await enrol(owner);
    ownerSecret = ownerApp.secret;
    const on = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/organization/security',
      headers: as(owner, true),
      payload: { twoFactorRequired: true },
    });
    expect(on.statusCode).toBe(200);
    expect(on.json().twoFactorRequired).toBe(true);

    t.clock.advance(30_000);
    const billing = sessionOf(await login(org.users.billing.email, PASSWORD));
    expect((await get('/api/v1/me', billing)).json().secondFactorSetupNeeded).toBe(true);
    const blocked = await get('/api/v1/invoices', billing);
    expect(blocked.statusCode).toBe(403);
    expect(problemOf(blocked).code).toBe('second_factor_setup_required');
    const { secret } = await enrol(billing);
    expect((await get('/api/v1/invoices', billing)).statusCode).toBe(200);
    const cannot = await post('/api/v1/me/two-factor/disable', { password: PASSWORD }, billing);
    expect(cannot.statusCode).toBe(403);
    expect(secret.length).toBeGreaterThan(20);
    // A dispatcher is not covered by the rule.
    const dispatcher = sessionOf(await login(org.users.dispatcher.email, NEW_PASSWORD));
    expect((await get('/api/v1/customers', dispatcher)).statusCode).toBe(200);

    // The owner's own later sign-in needs the code; then the rule goes off again.
    t.clock.advance(30_000);
    const ownerAgain = sessionOf(
      await login(org.users.owner.email, PASSWORD, { code: codeAt(ownerApp.secret) }),
    );
    const off = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/organization/security',
      headers: as(ownerAgain, true),
      payload: { twoFactorRequired: false },
    });
    expect(off.json().twoFactorRequired).toBe(false);
  });

  it('lists a person’s own sessions and ends one, or all but this one; never someone else’s', async () => {
    const email = org.users.technician.email;
    const laptop = sessionOf(await login(email, PASSWORD));
    const phone = sessionOf(await login(email, PASSWORD, { device: true }));
    const list = await get('/api/v1/me/sessions', laptop);
    const items = list.json().items as {
      id: string;
      current: boolean;
      device: boolean;
      deviceWords: string;
    }[];
    expect(items[0]?.current).toBe(true);
    expect(items[0]?.deviceWords).toBe('Chrome on Windows');
    const phoneRow = items.find((s) => s.device);
    expect(phoneRow).toBeDefined();
    const stranger = await signIn(t.app, org.users.approver.email, NEW_PASSWORD);
    const notYours = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/sessions/${phoneRow?.id}`,
      headers: as(stranger, true),
    });
    expect(notYours.statusCode).toBe(404);
    expect((await get('/api/v1/me', phone)).statusCode).toBe(200);
    const end = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/sessions/${phoneRow?.id}`,
      headers: as(laptop, true),
    });
    expect(end.statusCode).toBe(204);
    expect((await get('/api/v1/me', phone)).statusCode).toBe(401);
    const other = sessionOf(await login(email, PASSWORD));
    const everywhere = await post('/api/v1/me/sessions/sign-out-others', undefined, laptop);
    expect(everywhere.json().ended).toBeGreaterThanOrEqual(1);
    expect((await get('/api/v1/me', other)).statusCode).toBe(401);
    expect((await get('/api/v1/me', laptop)).statusCode).toBe(200);
  });

  it('shows the owner every sign-in to the organization’s accounts with its outcome, in pages', async () => {
    t.clock.advance(30_000);
    const owner = sessionOf(await login(org.users.owner.email, PASSWORD, { code: codeAt(ownerSecret) }));
    const seen: { name: string; outcome: string; deviceWords: string }[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(
        `/api/v1/sign-ins?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        owner,
      );
      expect(page.statusCode).toBe(200);
      expect(page.json().items.length).toBeLessThanOrEqual(4);
      seen.push(...page.json().items);
      cursor = page.json().nextCursor;
    } while (cursor);
    const billingName = (await get(`/api/v1/users/${org.users.billing.id}`, owner)).json().name;
    const billingOutcomes = seen.filter((r) => r.name === billingName).map((r) => r.outcome);
    expect(billingOutcomes).toEqual(
      expect.arrayContaining(['code_needed', 'wrong_code', 'signed_in', 'wrong_password']),
    );
    expect(seen[0]).toMatchObject({ outcome: 'signed_in', deviceWords: 'Chrome on Windows' });
    const bad = await get('/api/v1/sign-ins?cursor=nonsense', owner);
    expect(problemOf(bad).errors[0]?.field).toBe('query.cursor');

    // Another organization's owner sees their own people only.
    const other = await makeOrganization(t.deps, 'elsewhere');
    await login(other.users.owner.email, 'wrong-elsewhere');
    const admin = await signIn(t.app, other.users.owner.email, PASSWORD);
    const theirs = (await get('/api/v1/sign-ins?limit=200', admin)).json().items as { outcome: string }[];
    expect(theirs.map((r) => r.outcome)).toEqual(['signed_in', 'wrong_password']);
    const dispatcher = sessionOf(await login(org.users.dispatcher.email, NEW_PASSWORD));
    expect((await get('/api/v1/sign-ins', dispatcher)).statusCode).toBe(403);
  });
});
