import { createHash, randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { Credentials, PROVIDER_NAMES } from '../../contracts/connectors';
import { AppError, notFound } from '../../core/errors';
import type { Actor, Principal } from '../../core/principal';
import { connectors, oauthAttempts } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { sha256Hex } from '../auth/secrets';
import { refusePrivateTargets } from '../integrations/outbound-targets';
import type { Deps, Http } from '../ports';
import { createConnector } from './connectors';
import { ConnectorError, type OAuthEndpoints } from './port';

/**
 * "Connect with Xero / QuickBooks" by clicking: the OAuth 2.0 authorization-code flow. The state is random,
 * kept only as a hash and bound to the session that started it; Xero gets a PKCE challenge; the code is
 * exchanged once; the tokens reach the organisation the owner picks. Re-authorizing replaces a connector's
 * tokens (a revoked one is repaired); disconnecting revokes them.
 */

const ATTEMPT_MINUTES = 10;
const b64url = (b: Buffer) => b.toString('base64url');

const AttemptSecrets = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  codeVerifier: z.string().nullable(),
  credentials: Credentials.nullable(),
});
type AttemptSecrets = z.infer<typeof AttemptSecrets>;
const Endpoints = z.object({
  authorizeUrl: z.string(),
  tokenUrl: z.string(),
  apiBaseUrl: z.string(),
  revokeUrl: z.string(),
  connectionsUrl: z.string().optional(),
  redirectUri: z.string(),
});
type AttemptRow = typeof oauthAttempts.$inferSelect;
type Provider = 'xero' | 'quickbooks';
type Endpoints = z.infer<typeof Endpoints>;

export type StartInput = {
  provider: Provider;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** Re-authorize this connector instead of making a new one. */
  connectorId?: string | undefined;
  /** The provider's endpoints, unless a gateway (or a test's loopback server) stands in. */
  endpoints?: { [K in keyof OAuthEndpoints]?: string | undefined } | undefined;
};

const userOf = (p: Principal) => {
  if (p.kind !== 'user')
    throw new AppError('forbidden', 'Connecting an accounting system is done by a person, signed in');
  return p;
};

export const startOAuth = async (
  deps: Deps,
  principal: Principal,
  input: StartInput,
  redirectUri: string,
): Promise<{ attemptId: string; authorizeUrl: string }> => {
  const user = userOf(principal);
  const provider = deps.accounting[input.provider].oauth;
  await refusePrivateTargets(deps, {
    'body.endpoints.authorizeUrl': input.endpoints?.authorizeUrl,
    'body.endpoints.tokenUrl': input.endpoints?.tokenUrl,
    'body.endpoints.apiBaseUrl': input.endpoints?.apiBaseUrl,
    'body.endpoints.revokeUrl': input.endpoints?.revokeUrl,
    'body.endpoints.connectionsUrl': input.endpoints?.connectionsUrl,
  });
  const named = Object.fromEntries(Object.entries(input.endpoints ?? {}).filter(([, v]) => v));
  const endpoints: Endpoints = { ...provider.defaults, ...named, redirectUri };
  const state = b64url(randomBytes(32));
  const verifier = provider.pkce ? b64url(randomBytes(48)) : null;
  const id = deps.ids.uuid();
  const now = deps.clock.now();
  let clientId = '';
  await deps.database.transaction(async (tx) => {
    let client = { clientId: input.clientId, clientSecret: input.clientSecret };
    if (input.connectorId) {
      const [c] = await tx.db
        .select({ provider: connectors.provider, credentials: connectors.credentials })
        .from(connectors)
        .where(and(eq(connectors.organizationId, user.organizationId), eq(connectors.id, input.connectorId)));
      if (!c) throw notFound('connector');
      if (c.provider !== input.provider)
        throw new AppError('validation_failed', 'This connector is another provider’s', {
          fields: [{ field: 'body.provider', message: `the connector is ${c.provider}` }],
        });
      // Re-authorizing reuses the connector's app unless another is named.
      const stored = Credentials.parse(JSON.parse(deps.secrets.open(c.credentials)));
      client = {
        clientId: input.clientId ?? stored.clientId,
        clientSecret: input.clientSecret ?? stored.clientSecret,
      };
    }
    if (!client.clientId || !client.clientSecret)
      throw new AppError('validation_failed', 'The app’s client ID and secret are needed to connect', {
        fields: [
          ...(client.clientId ? [] : [{ field: 'body.clientId', message: 'required' }]),
          ...(client.clientSecret ? [] : [{ field: 'body.clientSecret', message: 'required' }]),
        ],
      });
    clientId = client.clientId;
    const secrets: AttemptSecrets = {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      codeVerifier: verifier,
      credentials: null,
    };
    await tx.db.insert(oauthAttempts).values({
      organizationId: user.organizationId,
      id,
      provider: input.provider,
      userId: user.userId,
      sessionTokenHash: user.sessionTokenHash,
      stateHash: sha256Hex(state),
      secrets: deps.secrets.seal(JSON.stringify(secrets)),
      endpoints,
      connectorId: input.connectorId ?? null,
      status: 'started',
      expiresAt: new Date(now.getTime() + ATTEMPT_MINUTES * 60_000),
      createdAt: now,
    });
    await appendAudit(tx, deps, {
      organizationId: user.organizationId,
      aggregateType: 'connector',
      aggregateId: input.connectorId ?? id,
      action: input.connectorId ? 'connector.reauthorize_started' : 'connector.oauth_started',
      actor: { type: 'user', id: user.userId },
      changes: { provider: input.provider, attemptId: id },
    });
  });
  const url = new URL(endpoints.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('state', state);
  if (verifier) {
    url.searchParams.set('code_challenge', b64url(createHash('sha256').update(verifier).digest()));
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return { attemptId: id, authorizeUrl: url.toString() };
};

const setAttempt = (deps: Deps, a: AttemptRow, patch: Partial<AttemptRow>) =>
  deps.database.db
    .update(oauthAttempts)
    .set(patch)
    .where(and(eq(oauthAttempts.organizationId, a.organizationId), eq(oauthAttempts.id, a.id)));

/** Stores the tokens on the connector being re-authorized, or makes the new connector for this tenant. */
const settle = async (
  deps: Deps,
  a: AttemptRow,
  credentials: Credentials,
  tenantId: string,
  actor: Actor,
): Promise<string> => {
  const endpoints = Endpoints.parse(a.endpoints);
  if (a.connectorId) {
    const connectorId = a.connectorId;
    await deps.database.transaction(async (tx) => {
      const [before] = await tx.db
        .select()
        .from(connectors)
        .where(and(eq(connectors.organizationId, a.organizationId), eq(connectors.id, connectorId)))
        .for('update');
      if (!before) throw notFound('connector');
      if (before.tenantId !== tenantId)
        throw new AppError('validation_failed', `Authorized for another organisation than this connector’s`, {
          fields: [{ field: 'body.tenantId', message: `the connector is for ${before.tenantId}` }],
        });
      await tx.db
        .update(connectors)
        .set({
          credentials: deps.secrets.seal(JSON.stringify(credentials)),
          tokenUrl: endpoints.tokenUrl,
          status: 'active',
          updatedAt: deps.clock.now(),
          version: before.version + 1,
        })
        .where(and(eq(connectors.organizationId, a.organizationId), eq(connectors.id, connectorId)));
      await appendAudit(tx, deps, {
        organizationId: a.organizationId,
        aggregateType: 'connector',
        aggregateId: connectorId,
        action: 'connector.reauthorized',
        actor,
        changes: { status: { before: before.status, after: 'active' }, attemptId: a.id },
      });
    });
    return connectorId;
  }
  const made = await createConnector(
    deps,
    a.organizationId,
    {
      provider: a.provider,
      tenantId,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      refreshToken: credentials.refreshToken,
      accessToken: credentials.accessToken,
      apiBaseUrl: endpoints.apiBaseUrl,
      tokenUrl: endpoints.tokenUrl,
      mappings: { items: {}, taxTypes: {}, paymentAccounts: {} },
    },
    actor,
  );
  return made.id;
};

/**
 * The provider's redirect back: the state must be one this session started, unexpired and unused; the
 * code is exchanged; one organisation connects at once, several wait for the owner's pick. Answers the
 * attempt (the office shows its outcome); a refusal is recorded on it, in words.
 */
export const completeOAuth = async (
  deps: Deps & { http?: Http },
  principal: Principal,
  input: {
    state: string;
    code?: string | undefined;
    realmId?: string | undefined;
    error?: string | undefined;
  },
): Promise<AttemptRow> => {
  const user = userOf(principal);
  const [a] = await deps.database.db
    .select()
    .from(oauthAttempts)
    .where(
      and(
        eq(oauthAttempts.organizationId, user.organizationId),
        eq(oauthAttempts.stateHash, sha256Hex(input.state)),
      ),
    );
  // Another session's (or a forged) state is not this user's to complete.
  if (!a || a.sessionTokenHash !== user.sessionTokenHash || a.userId !== user.userId)
    throw new AppError(
      'forbidden',
      'This authorization was not started in this session: start again from Settings',
      {
        fields: [{ field: 'query.state', message: 'unknown to this session' }],
      },
    );
  const name = PROVIDER_NAMES[a.provider] ?? a.provider;
  const fail = async (message: string) => {
    await setAttempt(deps, a, { status: 'failed', message });
    return { ...a, status: 'failed' as const, message };
  };
  // A state is good once: a replay changes nothing, the attempt keeps its outcome.
  if (a.status !== 'started') return a;
  if (a.expiresAt.getTime() < deps.clock.now().getTime())
    return fail('The authorization took longer than ten minutes: start again from Settings');
  if (input.error) return fail(`${name} did not grant access (${input.error})`);
  if (!input.code) return fail(`${name} sent no authorization code`);
  const secrets = AttemptSecrets.parse(JSON.parse(deps.secrets.open(a.secrets)));
  const endpoints = Endpoints.parse(a.endpoints);
  const oauth = deps.accounting[a.provider].oauth;
  const http = deps.http ?? deps.outbound.fetch;
  try {
    const credentials = await oauth.exchangeCode({
      http,
      endpoints,
      client: secrets,
      code: input.code,
      redirectUri: endpoints.redirectUri,
      codeVerifier: secrets.codeVerifier,
    });
    if (!credentials.accessToken) return fail(`${name} answered without an access token`);
    const tenants = await oauth.tenants({
      http,
      endpoints,
      accessToken: credentials.accessToken,
      realmId: input.realmId ?? null,
    });
    if (tenants.length === 0) return fail(`${name} gave access to no organisation`);
    const actor: Actor = { type: 'user', id: user.userId };
    const only = tenants.length === 1 ? tenants[0] : undefined;
    if (only) {
      const connectorId = await settle(deps, a, credentials, only.id, actor);
      await setAttempt(deps, a, {
        status: 'connected',
        connectorId,
        tenants,
        secrets: deps.secrets.seal(JSON.stringify({ ...secrets, credentials: null })),
      });
      return { ...a, status: 'connected', connectorId, tenants };
    }
    await setAttempt(deps, a, {
      status: 'choose_tenant',
      tenants,
      secrets: deps.secrets.seal(JSON.stringify({ ...secrets, credentials })),
    });
    return { ...a, status: 'choose_tenant', tenants };
  } catch (err) {
    if (err instanceof ConnectorError) return fail(`${name}: ${err.message}`);
    if (err instanceof AppError) return fail(err.message);
    throw err;
  }
};

/** The owner picked the organisation among several the tokens reach. */
export const finishOAuth = async (deps: Deps, principal: Principal, attemptId: string, tenantId: string) => {
  const [a] = await deps.database.db
    .select()
    .from(oauthAttempts)
    .where(and(eq(oauthAttempts.organizationId, principal.organizationId), eq(oauthAttempts.id, attemptId)));
  if (!a) throw notFound('authorization');
  const user = userOf(principal);
  if (a.userId !== user.userId) throw notFound('authorization');
  if (a.status !== 'choose_tenant')
    throw new AppError('invalid_transition', 'There is no organisation to pick on this authorization', {
      fields: [{ field: 'status', message: `is ${a.status}` }],
    });
  if (!a.tenants.some((t) => t.id === tenantId))
    throw new AppError('validation_failed', 'Pick one of the organisations offered', {
      fields: [{ field: 'body.tenantId', message: 'not among those the provider listed' }],
    });
  const secrets = AttemptSecrets.parse(JSON.parse(deps.secrets.open(a.secrets)));
  if (!secrets.credentials) throw new Error('an attempt waiting for a pick holds no tokens');
  const connectorId = await settle(deps, a, secrets.credentials, tenantId, { type: 'user', id: user.userId });
  await setAttempt(deps, a, {
    status: 'connected',
    connectorId,
    secrets: deps.secrets.seal(JSON.stringify({ ...secrets, credentials: null })),
  });
  return connectorId;
};

export const getOAuthAttempt = async (deps: Deps, organizationId: string, id: string) => {
  const [a] = await deps.database.db
    .select()
    .from(oauthAttempts)
    .where(and(eq(oauthAttempts.organizationId, organizationId), eq(oauthAttempts.id, id)));
  if (!a) throw notFound('authorization');
  return {
    id: a.id,
    provider: a.provider,
    status: a.status,
    tenants: a.tenants,
    connectorId: a.connectorId,
    message: a.message,
  };
};
