import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbound } from '../../src/adapters/http/outbound';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { makeOrganization, sessionsOf } from '../support/factories';

/**
 * Server-side request forgery (#27 finding 2): with private targets not allowed (the default of a real
 * instance), a webhook or a connector endpoint that points at the server's own network is refused when it is
 * saved, and a connection that would reach one is refused when it is made.
 */
describe('outbound calls reach public hosts only', () => {
  let t: TestApp;
  let owner: Session;

  beforeAll(async () => {
    t = await createTestApp('pglite', { allowPrivateTargets: false });
    const org = await makeOrganization(t.deps, 'ssrf');
    ({ owner } = await sessionsOf(t.app, org));
  });
  afterAll(async () => t?.close());

  it.each([
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://[::1]/hook',
    'https://0.0.0.0/hook',
    'https://127.1/hook',
    'https://2130706433/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/',
    'https://10.0.0.1/hook',
    'https://172.16.0.1/hook',
    'https://192.168.1.1/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'http://hooks.example.com/plain-http',
  ])('refuses a webhook to %s, naming the field', async (url) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhook-subscriptions',
      headers: as(owner, true),
      payload: { url, events: ['invoice.issued'] },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(problemOf(res).errors.map((e) => e.field)).toContain('body.url');
  });

  it("refuses a connector whose API or token endpoint is the cloud's metadata service", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/connectors',
      headers: as(owner, true),
      payload: {
        provider: 'xero',
        tenantId: 'tenant-1',
        clientId: 'id',
        clientSecret: 'secret',
        refreshToken: 'refresh',
        apiBaseUrl: 'https://169.254.169.254/api/',
        tokenUrl: 'https://10.1.2.3/token',
        mappings: {},
      },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(
      problemOf(res)
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['body.apiBaseUrl', 'body.tokenUrl']);
  });

  it('refuses at connect time a name that resolves to a private address, whatever was checked before', async () => {
    const guarded = outbound({ allowPrivate: false });
    // Nothing listens on the port: were the name allowed, the error would be a refused connection instead.
    const failure = (await guarded.fetch('http://localhost:8089/').then(
      () => null,
      (e: Error & { cause?: Error }) => e,
    )) as (Error & { cause?: Error }) | null;
    expect(String(failure?.cause?.message)).toMatch(/private or reserved address/);
    // Allowed where the instance says so (a self-hosted network), and https to a public name is no problem.
    expect(await outbound({ allowPrivate: true }).targetProblem('http://127.0.0.1:8080/hook')).toBeNull();
    expect(await guarded.targetProblem('https://8.8.8.8/hook')).toBeNull();
  });
});
