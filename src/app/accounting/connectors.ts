import { and, eq } from 'drizzle-orm';
import { ConnectorMappings, Credentials, PROVIDER_NAMES } from '../../contracts/connectors';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { connectors } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { refusePrivateTargets } from '../integrations/outbound-targets';
import type { Deps, Http } from '../ports';
import { REVOKED } from './disconnect-connector';
import { type AccountingConnector, ConnectorError, type RefreshGuard } from './port';

/** An organization's links to accounting systems: connecting, mapping, testing, and the client a push uses. */

export type ConnectorRow = typeof connectors.$inferSelect;

export type NewConnector = {
  provider: 'xero' | 'quickbooks';
  tenantId: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  accessToken?: string | null | undefined;
  apiBaseUrl?: string | undefined;
  tokenUrl?: string | undefined;
  mappings: ConnectorMappings;
};

export const createConnector = async (
  deps: Deps,
  organizationId: string,
  input: NewConnector,
  actor: Actor,
) => {
  // Endpoints typed by the owner must be public: a private one would make the server call its own network.
  await refusePrivateTargets(deps, { 'body.apiBaseUrl': input.apiBaseUrl, 'body.tokenUrl': input.tokenUrl });
  return deps.database.transaction(async (tx) => {
    const { defaults } = deps.accounting[input.provider];
    const now = deps.clock.now();
    const id = deps.ids.uuid();
    const credentials: Credentials = {
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      refreshToken: input.refreshToken,
      accessToken: input.accessToken ?? null,
      expiresAt: input.accessToken ? now.getTime() + 25 * 60_000 : 0,
    };
    const [existing] = await tx.db
      .select({ id: connectors.id })
      .from(connectors)
      .where(and(eq(connectors.organizationId, organizationId), eq(connectors.provider, input.provider)));
    if (existing) {
      throw new AppError('already_in_use', `A ${input.provider} connector exists; update it instead`, {
        fields: [{ field: 'body.provider', message: 'already connected' }],
      });
    }
    const [row] = await tx.db
      .insert(connectors)
      .values({
        organizationId,
        id,
        provider: input.provider,
        status: 'active',
        tenantId: input.tenantId,
        apiBaseUrl: input.apiBaseUrl ?? defaults.apiBaseUrl,
        tokenUrl: input.tokenUrl ?? defaults.tokenUrl,
        credentials: deps.secrets.seal(JSON.stringify(credentials)),
        mappings: input.mappings,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'connector',
      aggregateId: id,
      action: 'connector.created',
      actor,
      first: true,
      changes: { provider: input.provider, tenantId: input.tenantId, mappings: input.mappings },
    });
    if (!row) throw new Error('connector insert returned nothing');
    return row;
  });
};

export const updateConnector = (
  deps: Deps,
  organizationId: string,
  id: string,
  patch: { status?: 'active' | 'disabled' | undefined; mappings?: ConnectorMappings | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const [before] = await tx.db
      .select()
      .from(connectors)
      .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, id)))
      .for('update');
    if (!before) throw notFound('connector');
    // A disconnected connector holds no working token: enabling it would only fail every push.
    if (
      patch.status === 'active' &&
      Credentials.parse(JSON.parse(deps.secrets.open(before.credentials))).refreshToken === REVOKED
    )
      throw new AppError(
        'connector_disconnected',
        `${PROVIDER_NAMES[before.provider] ?? before.provider} is disconnected: re-authorize it to connect it again`,
        { fields: [{ field: 'body.status', message: 'needs a re-authorization first' }] },
      );
    const [after] = await tx.db
      .update(connectors)
      .set({ ...patch, updatedAt: deps.clock.now(), version: before.version + 1 })
      .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'connector',
      aggregateId: id,
      action: 'connector.updated',
      actor,
      changes: {
        ...(patch.status ? { status: { before: before.status, after: patch.status } } : {}),
        ...(patch.mappings ? { mappings: { before: before.mappings, after: patch.mappings } } : {}),
      },
    });
    if (!after) throw new Error('connector update returned nothing');
    return after;
  });

export const listConnectors = (deps: Deps, organizationId: string) =>
  deps.database.db.select().from(connectors).where(eq(connectors.organizationId, organizationId));

/**
 * The settings' Test button: one harmless read with the stored credentials (Xero's organisation, QuickBooks'
 * company info). A failure is an answer, not an error: what the provider said, and whether retrying may help.
 */
export const testConnector = async (deps: Deps & { http?: Http }, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(connectors)
    .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, id)));
  if (!row) throw notFound('connector');
  const started = Date.now();
  try {
    const { name } = await connectorFor(deps, row).checkConnection();
    return { ok: true, account: name, message: `Connected to ${name}`, durationMs: Date.now() - started };
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err;
    return {
      ok: false,
      account: null,
      message: err.message,
      providerCode: err.providerCode,
      retryable: err.retryable,
      durationMs: Date.now() - started,
    };
  }
};

/**
 * The connector a push talks through. Token refreshes are serialized per connector under the row's lock, in
 * every process: a run that finds the token already rotated by another takes the stored one instead of
 * spending the dead refresh token (which rotation would answer with invalid_grant).
 */
export const connectorFor = (deps: Deps & { http?: Http }, c: ConnectorRow): AccountingConnector => {
  const credentials = Credentials.parse(JSON.parse(deps.secrets.open(c.credentials)));
  const mappings = ConnectorMappings.parse(c.mappings);
  const thisConnector = and(eq(connectors.organizationId, c.organizationId), eq(connectors.id, c.id));
  const refreshGuard: RefreshGuard = (stale, refresh) =>
    deps.database.transaction(async (tx) => {
      const [row] = await tx.db
        .select({ credentials: connectors.credentials })
        .from(connectors)
        .where(thisConnector)
        .for('update');
      if (!row) throw notFound('connector');
      const stored = Credentials.parse(JSON.parse(deps.secrets.open(row.credentials)));
      if (
        stored.refreshToken !== stale.refreshToken &&
        stored.accessToken &&
        stored.expiresAt > Date.now() + 60_000
      )
        return stored;
      const next = await refresh(stored);
      // Stored before the lock is let go: the old refresh token no longer works.
      await tx.db
        .update(connectors)
        .set({ credentials: deps.secrets.seal(JSON.stringify(next)), updatedAt: deps.clock.now() })
        .where(thisConnector);
      return next;
    });
  return deps.accounting[c.provider as AccountingConnector['provider']].connect({
    timeoutMs: deps.accountingTimeoutMs,
    http: deps.http ?? deps.outbound.fetch,
    apiBaseUrl: c.apiBaseUrl,
    tokenUrl: c.tokenUrl,
    credentials,
    refreshGuard,
    mappings,
    tenantId: c.tenantId,
  });
};
