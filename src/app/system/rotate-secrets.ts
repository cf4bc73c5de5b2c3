import { resignCheckpoints } from '../audit/audit-verify';
import type { Deps } from '../ports';

/**
 * Every column that holds a value sealed with the secret key (tokens, keys, link tokens), each with its own
 * fixed SQL (no SQL text is built from names). A new sealed column is added here, or a rotation leaves it on
 * the old key; the rotation test seals one of each kind it can reach.
 */
export const SEALED_COLUMNS = [
  {
    where: 'connectors.credentials',
    select: 'SELECT DISTINCT credentials AS value FROM connectors WHERE credentials IS NOT NULL',
    update: 'UPDATE connectors SET credentials = $2 WHERE credentials = $1 RETURNING 1',
  },
  {
    where: 'oauth_attempts.secrets',
    select: 'SELECT DISTINCT secrets AS value FROM oauth_attempts WHERE secrets IS NOT NULL',
    update: 'UPDATE oauth_attempts SET secrets = $2 WHERE secrets = $1 RETURNING 1',
  },
  {
    where: 'webhook_subscriptions.secret',
    select: 'SELECT DISTINCT secret AS value FROM webhook_subscriptions WHERE secret IS NOT NULL',
    update: 'UPDATE webhook_subscriptions SET secret = $2 WHERE secret = $1 RETURNING 1',
  },
  {
    where: 'payment_connections.credentials',
    select: 'SELECT DISTINCT credentials AS value FROM payment_connections WHERE credentials IS NOT NULL',
    update: 'UPDATE payment_connections SET credentials = $2 WHERE credentials = $1 RETURNING 1',
  },
  {
    where: 'portal_links.token_sealed',
    select: 'SELECT DISTINCT token_sealed AS value FROM portal_links WHERE token_sealed IS NOT NULL',
    update: 'UPDATE portal_links SET token_sealed = $2 WHERE token_sealed = $1 RETURNING 1',
  },
  {
    where: 'quote_versions.link_sealed',
    select: 'SELECT DISTINCT link_sealed AS value FROM quote_versions WHERE link_sealed IS NOT NULL',
    update: 'UPDATE quote_versions SET link_sealed = $2 WHERE link_sealed = $1 RETURNING 1',
  },
  {
    where: 'change_orders.link_sealed',
    select: 'SELECT DISTINCT link_sealed AS value FROM change_orders WHERE link_sealed IS NOT NULL',
    update: 'UPDATE change_orders SET link_sealed = $2 WHERE link_sealed = $1 RETURNING 1',
  },
  {
    where: 'people.totp_secret',
    select: 'SELECT DISTINCT totp_secret AS value FROM people WHERE totp_secret IS NOT NULL',
    update: 'UPDATE people SET totp_secret = $2 WHERE totp_secret = $1 RETURNING 1',
  },
  {
    where: 'people.totp_pending_secret',
    select: 'SELECT DISTINCT totp_pending_secret AS value FROM people WHERE totp_pending_secret IS NOT NULL',
    update: 'UPDATE people SET totp_pending_secret = $2 WHERE totp_pending_secret = $1 RETURNING 1',
  },
] as const;

/**
 * Seals again, under the current key, every value a previous key sealed (and signs again the audit
 * checkpoints it signed): run after deploying a new
 * SECRET_KEY with the old one in SECRET_KEY_PREVIOUS, then drop the old key. Each value is replaced only where
 * it is still the same (a concurrent writer wins), so it can run beside live traffic, and again.
 */
export const rotateSealedSecrets = async (deps: Pick<Deps, 'database' | 'secrets'>) => {
  const resealed: Record<string, number> = {};
  for (const c of SEALED_COLUMNS) {
    const { rows } = await deps.database.raw.query<{ value: string }>(c.select);
    let n = 0;
    for (const { value } of rows) {
      if (deps.secrets.isCurrent(value)) continue;
      const fresh = deps.secrets.seal(deps.secrets.open(value));
      n += (await deps.database.raw.query(c.update, [value, fresh])).rows.length;
    }
    resealed[c.where] = n;
  }
  resealed['audit_checkpoints.mac'] = await resignCheckpoints(deps);
  return resealed;
};
