import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeOut, drain, invoicesOfJob, newJob, plainJobType, setSeller } from '../invoices/helpers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, PASSWORD, sessionsOf } from '../support/factories';
import { type FakeAccounting, startFakeAccounting } from '../support/fake-accounting';

/**
 * Connecting by clicking: the OAuth 2.0 authorization-code flow against a loopback authorization server
 * (the fake): state bound to the session, PKCE for Xero, the organisation pick, a refusal in words,
 * disconnecting (the token revoked there) and re-authorizing the same connector.
 */
describe('connecting an accounting system with OAuth', () => {
  let t: TestApp;
  let fake: FakeAccounting;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;

  beforeAll(async () => {
    fake = await startFakeAccounting();
    t = await createTestApp('pglite');
    org = await makeOrganization(t.deps, 'oauth');
    ({ owner, billing } = await sessionsOf(t.app, org));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.oauth.tenants = [{ id: 'tenant-oauth', name: 'Fake Xero Org' }];
    fake.oauth.realmId = null;
    fake.oauth.deny = false;
  });

  const endpoints = () => ({
    authorizeUrl: `${fake.url}/authorize`,
    tokenUrl: `${fake.url}/token`,
    apiBaseUrl: `${fake.url}/xero/`,
    connectionsUrl: `${fake.url}/connections`,
    revokeUrl: `${fake.url}/revoke`,
  });
  const start = async (who: Session, extra: Record<string, unknown> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/connectors/oauth',
      headers: as(who, true),
      payload: {
        provider: 'xero',
        clientId: 'app-client',
        clientSecret: 'app-secret',
        endpoints: endpoints(),
        ...extra,
      },
    });
  /** The browser at the provider: it consents and is redirected back; answers where the app sends it next. */
  const consent = async (authorizeUrl: string, who: Session = owner) => {
    const atProvider = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(atProvider.status).toBe(302);
    const back = new URL(atProvider.headers.get('location') ?? '');
    const res = await t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: as(who),
    });
    return res;
  };
  const attemptOf = async (location: string) => {
    const id = new URLSearchParams(location.split('?')[1]).get('oauth');
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/connectors/oauth/${id}`,
      headers: as(owner),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      id: string;
      status: string;
      tenants: { id: string; name: string }[];
      connectorId: string | null;
      message: string | null;
    };
  };
  const connectors = async () =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/connectors', headers: as(owner) })).json().items as {
      id: string;
      tenantId: string;
      status: string;
      authorized: boolean;
    }[];

  it('connects Xero by the authorization-code flow with PKCE, the state bound to the session', async () => {
    const res = await start(owner);
    expect(res.statusCode, res.body).toBe(201);
    const url = new URL(res.json().authorizeUrl);
    expect(url.origin + url.pathname).toBe(`${fake.url}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'app-client',
      redirect_uri: expect.stringMatching(/\/api\/v1\/connectors\/oauth\/callback$/),
      code_challenge_method: 'S256',
      scope: expect.stringContaining('offline_access'),
    });
    expect(url.searchParams.get('state')?.length).toBeGreaterThanOrEqual(40);
    // Another session cannot complete it, even the same person's, even with the state in hand.
    const elsewhere = await signIn(t.app, org.users.owner.email, PASSWORD);
    const stolen = await consent(url.toString(), elsewhere);
    expect(stolen.statusCode).toBe(302);
    expect(decodeURIComponent(stolen.headers.location as string)).toContain(
      'oauthError=This authorization was not started in this session',
    );
    const { rows: before } = await t.database.raw.query(
      'SELECT 1 FROM connectors WHERE organization_id = $1',
      [org.organizationId],
    );
    expect(before).toHaveLength(0);

    const again = await start(owner);
    const back = await consent(again.json().authorizeUrl);
    expect(back.statusCode, back.body).toBe(302);
    expect(back.headers.location).toMatch(/^\/#\/settings\?tab=integrations&oauth=/);
    const attempt = await attemptOf(back.headers.location as string);
    expect(attempt).toMatchObject({ status: 'connected', message: null });
    const [c] = await connectors();
    expect(c).toMatchObject({
      id: attempt.connectorId,
      tenantId: 'tenant-oauth',
      status: 'active',
      authorized: true,
    });
    // The tokens work: the settings' Test button reaches the organisation.
    const tested = await t.app.inject({
      method: 'POST',
      url: `/api/v1/connectors/${c?.id}/test`,
      headers: as(owner, true),
    });
    expect(tested.json()).toMatchObject({ ok: true, account: 'Fake Xero Org' });
    // A state is good once: replaying it changes nothing.
    const replay = await consent(again.json().authorizeUrl);
    expect(replay.statusCode).toBe(302);
    expect((await attemptOf(replay.headers.location as string)).status).toBe('connected');
    expect(await connectors()).toHaveLength(1);
  });

  it('asks which organisation when the grant reaches several, and says so in words when refused', async () => {
    // The organization already has its Xero connector (the first test): a second organization connects.
    const other = await makeOrganization(t.deps, 'oauth-two');
    const otherOwner = await signIn(t.app, other.users.owner.email, PASSWORD);
    fake.oauth.tenants = [
      { id: 'tenant-a', name: 'Harbour Heating Ltd' },
      { id: 'tenant-b', name: 'Harbour Heating (old books)' },
    ];
    const res = await start(otherOwner);
    const back = await consent(res.json().authorizeUrl, otherOwner);
    const id = new URLSearchParams((back.headers.location as string).split('?')[1]).get('oauth');
    const view = await t.app.inject({
      method: 'GET',
      url: `/api/v1/connectors/oauth/${id}`,
      headers: as(otherOwner),
    });
    expect(view.json()).toMatchObject({ status: 'choose_tenant', tenants: fake.oauth.tenants });
    const wrong = await t.app.inject({
      method: 'POST',
      url: `/api/v1/connectors/oauth/${id}/finish`,
      headers: as(otherOwner, true),
      payload: { tenantId: 'tenant-z' },
    });
    expect(problemOf(wrong).errors?.[0]?.field).toBe('body.tenantId');
    const picked = await t.app.inject({
      method: 'POST',
      url: `/api/v1/connectors/oauth/${id}/finish`,
      headers: as(otherOwner, true),
      payload: { tenantId: 'tenant-b' },
    });
    expect(picked.statusCode, picked.body).toBe(200);
    expect(picked.json()).toMatchObject({ tenantId: 'tenant-b', status: 'active', authorized: true });

    fake.oauth.deny = true;
    const denied = await start(otherOwner);
    const refused = await consent(denied.json().authorizeUrl, otherOwner);
    const deniedId = new URLSearchParams((refused.headers.location as string).split('?')[1]).get('oauth');
    const deniedView = await t.app.inject({
      method: 'GET',
      url: `/api/v1/connectors/oauth/${deniedId}`,
      headers: as(otherOwner),
    });
    expect(deniedView.json()).toMatchObject({
      status: 'failed',
      message: 'Xero did not grant access (access_denied)',
    });
    // Billing may not connect anything.
    expect((await start(billing)).statusCode).toBe(403);
  });

  it('disconnects (the token revoked at the provider) and re-authorizes the same connector, which pushes again', async () => {
    const [c] = await connectors();
    const off = await t.app.inject({
      method: 'POST',
      url: `/api/v1/connectors/${c?.id}/disconnect`,
      headers: as(owner, true),
    });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ status: 'disabled', authorized: false, revokeProblem: null });
    expect(fake.oauth.revoked).toHaveLength(1);

    const re = await start(owner, { connectorId: c?.id });
    const back = await consent(re.json().authorizeUrl);
    expect((await attemptOf(back.headers.location as string)).status).toBe('connected');
    const [after] = await connectors();
    expect(after).toMatchObject({ id: c?.id, status: 'active', authorized: true });

    // Pushing works with the new tokens.
    await setSeller(t, owner);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/connectors/${c?.id}`,
      headers: as(owner, true),
      payload: { mappings: { items: {}, accountCode: '200', taxTypes: { 'S:23': 'OUTPUT2' } } },
    });
    const s = await sessionsOf(t.app, org);
    const jobTypeId = await plainJobType(t, owner);
    const j = await newJob(t, org, s.dispatcher, jobTypeId);
    await closeOut(t, org, s.technician, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(fake.creates.get(inv?.number as string)).toBe(1);
  });
});
