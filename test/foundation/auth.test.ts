import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THROTTLE } from '../../src/app/auth/sessions';
import { apiKeys, loginAttempts, users } from '../../src/db/schema';
import { as, createTestApp, problemOf, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

describe.each(testDrivers())('accounts and sessions on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'acme');
  });
  afterAll(() => t?.close());

  const rowCount = async (table: typeof apiKeys | typeof users) =>
    (await t.database.db.select({ n: count() }).from(table))[0]?.n;

  it('signs in with an HttpOnly SameSite cookie and answers /me with roles and a CSRF token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: org.users.owner.email.toUpperCase(), password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'closeout_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    expect(cookie?.path).toBe('/');
    const me = res.json();
    expect(me.user.email).toBe(org.users.owner.email);
    expect(me.roles).toEqual(['owner']);
    expect(me.permissions).toContain('users.manage');
    expect(me.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const again = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: `closeout_session=${cookie?.value}` },
    });
    expect(again.json().organization.slug).toBe('acme');
  });

  it('refuses a wrong password with problem+json naming the field, and counts the failure', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: org.users.billing.email, password: 'not-the-password' },
    });
    expect(res.statusCode).toBe(401);
    const problem = problemOf(res);
    expect(problem.code).toBe('invalid_credentials');
    expect(problem.errors[0]?.field).toBe('body.password');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('throttles sign-in after repeated failures, even with the right password, and says when to retry', async () => {
    const email = org.users.approver.email;
    for (let i = 0; i < THROTTLE.perAccountAndAddress; i++) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: `wrong-${i}` },
      });
      expect(r.statusCode).toBe(401);
    }
    const blocked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(blocked.statusCode).toBe(429);
    expect(problemOf(blocked).code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance((THROTTLE.windowMinutes + 1) * 60_000);
    const later = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(later.statusCode).toBe(200);
  });

  const login = (email: string, password: string, ip: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress: ip,
    });

  it('gives fifty concurrent guesses at one account the five tries one address has, not fifty', async () => {
    const email = org.users.dispatcher.email;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(email, `guess-${i}`, '10.9.0.1')),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(THROTTLE.perAccountAndAddress);
    expect(codes.filter((c) => c === 429)).toHaveLength(50 - THROTTLE.perAccountAndAddress);
    // Eighty at once from one address at different accounts: the address's thirty, no more.
    const spray = await Promise.all(
      Array.from({ length: 80 }, (_, i) => login(`nobody-${i}@example.test`, 'guess', '10.9.0.2')),
    );
    expect(spray.filter((a) => a.statusCode === 401)).toHaveLength(THROTTLE.perAddress);
    t.clock.advance((THROTTLE.windowMinutes + 1) * 60_000);
  });

  it('never locks the real user out from guesses made elsewhere: it slows them by a minute at most', async () => {
    const email = org.users.technician.email;
    for (let i = 0; i < THROTTLE.perAccountAndAddress; i++)
      expect((await login(email, `wrong-${i}`, '10.8.0.1')).statusCode).toBe(401);
    expect((await login(email, PASSWORD, '10.8.0.1')).statusCode).toBe(429);
    // The real user, from their own address: in.
    expect((await login(email, PASSWORD, '10.8.0.99')).statusCode).toBe(200);
    // Guesses spread over addresses pass the account's free failures: everyone waits, briefly.
    for (const ip of ['10.8.0.2', '10.8.0.3', '10.8.0.4'])
      for (let i = 0; i < 4; i++) {
        t.clock.advance(THROTTLE.accountMaxDelaySeconds * 1000 + 1000);
        await login(email, `wrong-${ip}-${i}`, ip);
      }
    const slowed = await login(email, PASSWORD, '10.8.0.99');
    expect(slowed.statusCode).toBe(429);
    const wait = Number(slowed.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(THROTTLE.accountMaxDelaySeconds);
    t.clock.advance(wait * 1000);
    expect((await login(email, PASSWORD, '10.8.0.99')).statusCode).toBe(200);
    t.clock.advance((THROTTLE.windowMinutes + 1) * 60_000);
  });

  it.each([
    ['malformed JSON', '{"email": ', 'application/json', 400, 'body'],
    [
      'an unknown field',
      JSON.stringify({ email: 'a@b.test', password: 'x', admin: true }),
      'application/json',
      400,
      'body.admin',
    ],
    [
      'a wrong type',
      JSON.stringify({ email: 'a@b.test', password: 42 }),
      'application/json',
      400,
      'body.password',
    ],
    ['a missing field', JSON.stringify({ email: 'a@b.test' }), 'application/json', 400, 'body.password'],
    ['a bad e-mail', JSON.stringify({ email: 'nope', password: 'x' }), 'application/json', 400, 'body.email'],
    [
      'an oversized body',
      JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(70_000) }),
      'application/json',
      413,
      'body',
    ],
    ['form encoding', 'email=a&password=b', 'application/x-www-form-urlencoded', 415, 'header.content-type'],
  ])(
    'answers %s with a problem naming the field and writes nothing',
    async (_label, payload, contentType, status, field) => {
      const before = (await t.database.db.select({ n: count() }).from(loginAttempts))[0]?.n;
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload,
        headers: { 'content-type': contentType },
      });
      expect(res.statusCode).toBe(status);
      const problem = problemOf(res);
      expect(problem.errors.map((e) => e.field)).toContain(field);
      expect(problem.requestId).toBe(res.headers['x-request-id']);
      expect((await t.database.db.select({ n: count() }).from(loginAttempts))[0]?.n).toBe(before);
    },
  );

  it('requires the CSRF token on cookie-authenticated writes', async () => {
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const before = await rowCount(apiKeys);
    const payload = { name: 'no csrf', role: 'billing' };
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload,
      headers: as(owner),
    });
    expect(missing.statusCode).toBe(403);
    expect(problemOf(missing).code).toBe('csrf_failed');
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload,
      headers: { ...as(owner), 'x-csrf-token': 'x'.repeat(43) },
    });
    expect(wrong.statusCode).toBe(403);
    expect(await rowCount(apiKeys)).toBe(before);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload,
      headers: as(owner, true),
    });
    expect(ok.statusCode).toBe(201);
  });

  it('expires sessions and ends them at sign-out', async () => {
    const s = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: as(s) })).statusCode).toBe(200);
    t.clock.advance(13 * 3_600_000);
    const expired = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: as(s) });
    expect(expired.statusCode).toBe(401);
    expect(problemOf(expired).code).toBe('session_expired');

    const s2 = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: as(s2, true) });
    expect(out.statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: as(s2) });
    expect(after.statusCode).toBe(401);
    expect(problemOf(after).code).toBe('unauthenticated');
  });

  it('issues API keys shown once, stored hashed, scoped to one role, and revocable', async () => {
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'accounting sync', role: 'billing' },
      headers: as(owner, true),
    });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = created.json();
    expect(key).toMatch(/^co_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const stored = await t.database.raw.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM api_keys WHERE id = $1',
      [apiKey.id],
    );
    expect(stored.rows[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const secret = /^co_[A-Za-z0-9]{16}_(.+)$/.exec(key)?.[1] ?? '';
    expect(secret.length).toBe(43);
    expect(JSON.stringify(stored.rows)).not.toContain(secret);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: as(owner) });
    expect(list.body).not.toContain(key);

    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: as({ apiKey: key }) });
    expect(me.statusCode).toBe(200);
    // Exactly "Bearer <key>": the same key with anything after it is refused, not read past.
    const padded = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${key} extra` },
    });
    expect(padded.statusCode).toBe(401);
    expect(me.json()).toMatchObject({
      principal: 'api_key',
      roles: ['billing'],
      user: null,
      csrfToken: null,
    });
    // A billing key may not manage users, whatever it asks.
    const denied = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'x@acme.test', name: 'X', password: PASSWORD, roles: ['owner'] },
      headers: as({ apiKey: key }),
    });
    expect(denied.statusCode).toBe(403);

    const revoked = await t.app.inject({
      method: 'POST',
      url: `/api/v1/api-keys/${apiKey.id}/revoke`,
      headers: as(owner, true),
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).not.toBeNull();
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: as({ apiKey: key }) });
    expect(after.statusCode).toBe(401);
    expect(problemOf(after).code).toBe('api_key_revoked');
  });

  it('rejects malformed and unknown keys', async () => {
    for (const authorization of [
      'Basic abc',
      'Bearer',
      'Bearer co_short',
      `Bearer co_${'A'.repeat(16)}_${'b'.repeat(43)}`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(problemOf(res).code).toBe('unauthenticated');
    }
  });

  it('lets the owner create users under the password policy, and refuses duplicates', async () => {
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const before = await rowCount(users);
    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'new@acme.test', name: 'New', password: 'short', roles: ['technician'] },
      headers: as(owner, true),
    });
    expect(weak.statusCode).toBe(400);
    expect(problemOf(weak).errors[0]?.field).toBe('body.password');
    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: org.users.billing.email, name: 'Dup', password: PASSWORD, roles: ['technician'] },
      headers: as(owner, true),
    });
    expect(dup.statusCode).toBe(409);
    expect(problemOf(dup).errors[0]?.field).toBe('body.email');
    expect(await rowCount(users)).toBe(before);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: {
        email: 'new@acme.test',
        name: 'New Tech',
        password: PASSWORD,
        roles: ['technician', 'dispatcher'],
      },
      headers: as(owner, true),
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().roles).toEqual(['technician', 'dispatcher']);
    await signIn(t.app, 'new@acme.test', PASSWORD);
  });

  it('echoes a sane request ID and replaces a hostile one', async () => {
    const good = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123-def-456' },
    });
    expect(good.headers['x-request-id']).toBe('abc-123-def-456');
    const bad = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': '<script>' },
    });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
