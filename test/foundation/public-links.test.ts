import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp } from '../support/app';

/**
 * Every route a customer or an invited person reaches by a link, without an account (#27): a made-up token
 * opens nothing (404, or 400 when it is malformed, never 5xx), and guessing is slowed per address, past 60
 * answers a minute (600 for a page's proof photos), with a 429 problem in words. Walks the registered routes, so a new link route is covered.
 */
describe('links opened without an account', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(() => t?.close());

  it('answers a made-up token with nothing, and slows guessing on every link route', async () => {
    const linkRoutes = t.app.routeAccess.filter((r) => r.access === 'public' && r.url.includes(':token'));
    const families = new Set(linkRoutes.map((r) => r.url.split('/')[4]));
    // The customer's portal, quotes, change orders and staff invitations at least.
    expect([...families].sort()).toEqual(
      expect.arrayContaining(['change-orders', 'invitations', 'portal', 'quotes']),
    );
    let n = 0;
    for (const r of linkRoutes) {
      n += 1;
      const remoteAddress = `10.77.${Math.floor(n / 250)}.${n % 250}`;
      const url = r.url
        .replace(':token', 'x'.repeat(43))
        .replace(':id', '00000000-0000-4000-8000-000000000000')
        .replace(/:[a-zA-Z]+/g, 'x');
      const first = await t.app.inject({
        method: r.method as 'GET',
        url,
        remoteAddress,
        ...(r.method === 'GET' ? {} : { payload: {} }),
      });
      // "E-mail me a new link" answers alike whoever asks (202), so it reveals nothing either.
      if (!r.url.endsWith('/renew'))
        expect(first.statusCode, `${r.method} ${r.url}`).toBeGreaterThanOrEqual(400);
      expect(first.statusCode, `${r.method} ${r.url}`).toBeLessThan(500);
      // A proof photo is one request of many on a page: it has its own budget of 600 a minute.
      const budget = r.url.endsWith('/proof/:photoId') ? 600 : 60;
      let last = first;
      for (let i = 0; i < budget + 10 && last.statusCode !== 429; i++)
        last = await t.app.inject({
          method: r.method as 'GET',
          url,
          remoteAddress,
          ...(r.method === 'GET' ? {} : { payload: {} }),
        });
      expect(last.statusCode, `${r.method} ${r.url} is not rate-limited`).toBe(429);
      expect(problemOf(last)).toMatchObject({ code: 'rate_limited', status: 429 });
    }
  }, 120_000);

  it('limits "forgot password" per address too', async () => {
    let last = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: 'a@b.test' },
      remoteAddress: '10.78.0.1',
    });
    for (let i = 0; i < 70 && last.statusCode !== 429; i++)
      last = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset',
        payload: { email: `a${i}@b.test` },
        remoteAddress: '10.78.0.1',
      });
    expect(last.statusCode).toBe(429);
    expect(problemOf(last).code).toBe('rate_limited');
  });
});
