import { and, eq } from 'drizzle-orm';
import { Credentials } from '../../contracts/connectors';
import { notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { connectors } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps, Http } from '../ports';
import type { OAuthEndpoints } from './port';

/** The tokens a disconnected connector keeps: none that work. Re-authorizing brings it back. */
export const REVOKED = 'revoked';

/**
 * Disconnects: the refresh token is revoked at the provider (a refusal is reported, not blocking), the
 * tokens are forgotten and the connector disabled; its mappings and history stay for a re-authorization.
 */
export const disconnectConnector = async (
  deps: Deps & { http?: Http },
  organizationId: string,
  id: string,
  actor: Actor,
) => {
  const [c] = await deps.database.db
    .select()
    .from(connectors)
    .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, id)));
  if (!c) throw notFound('connector');
  const credentials = Credentials.parse(JSON.parse(deps.secrets.open(c.credentials)));
  let revoked: string | null = null;
  if (credentials.refreshToken !== REVOKED) {
    const oauth = deps.accounting[c.provider].oauth;
    try {
      await oauth.revoke({
        http: deps.http ?? deps.outbound.fetch,
        endpoints: {
          ...oauth.defaults,
          tokenUrl: c.tokenUrl,
          revokeUrl: revokeUrlOf(oauth.defaults, c.tokenUrl),
        },
        client: credentials,
        token: credentials.refreshToken,
      });
    } catch (err) {
      revoked = err instanceof Error ? err.message : String(err);
    }
  }
  return deps.database.transaction(async (tx) => {
    const [after] = await tx.db
      .update(connectors)
      .set({
        status: 'disabled',
        credentials: deps.secrets.seal(
          JSON.stringify({ ...credentials, accessToken: null, refreshToken: REVOKED, expiresAt: 0 }),
        ),
        updatedAt: deps.clock.now(),
        version: c.version + 1,
      })
      .where(and(eq(connectors.organizationId, organizationId), eq(connectors.id, id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'connector',
      aggregateId: id,
      action: 'connector.disconnected',
      actor,
      changes: { status: { before: c.status, after: 'disabled' }, revokedAtProvider: revoked === null },
      reason: revoked,
    });
    if (!after) throw new Error('connector update returned nothing');
    return { connector: after, revokeProblem: revoked };
  });
};

/**
 * Where to revoke: the provider's endpoint, or beside a stand-in token endpoint (a gateway or a test's
 * loopback server names its token URL; revocation lives next to it).
 */
const revokeUrlOf = (defaults: OAuthEndpoints, tokenUrl: string) =>
  tokenUrl === defaults.tokenUrl ? defaults.revokeUrl : new URL('revoke', tokenUrl).toString();
