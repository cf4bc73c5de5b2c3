import { and, desc, eq, isNull } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { actorOf, type Principal } from '../../core/principal';
import { isRole, type Role } from '../../core/roles';
import { apiKeys, organizations } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { randomToken, safeEqual, sha256Hex } from './secrets';

/** Key format: co_<prefix>_<secret>. The prefix finds the row; only the secret's SHA-256 is stored. */
const KEY_PATTERN = /^co_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export type ApiKeyView = {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

const view = (row: typeof apiKeys.$inferSelect): ApiKeyView => ({
  id: row.id,
  name: row.name,
  role: isRole(row.role) ? row.role : 'technician',
  prefix: row.prefix,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  revokedAt: row.revokedAt,
});

const newPrefix = (): string =>
  randomToken(24)
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16)
    .padEnd(16, '0');

export const createApiKey = async (
  deps: Deps,
  input: { organizationId: string; role: Role; name: string; createdBy: Principal | null },
): Promise<{ key: string; apiKey: ApiKeyView }> => {
  const secret = randomToken(32);
  const prefix = newPrefix();
  const now = deps.clock.now();
  const row = await deps.database.transaction(async (tx) => {
    const [inserted] = await tx.db
      .insert(apiKeys)
      .values({
        id: deps.ids.uuid(),
        organizationId: input.organizationId,
        name: input.name,
        role: input.role,
        prefix,
        secretHash: sha256Hex(secret),
        createdBy: input.createdBy?.kind === 'user' ? input.createdBy.userId : null,
        createdAt: now,
      })
      .returning();
    if (!inserted) throw new Error('api key insert returned nothing');
    await appendAudit(tx, deps, {
      organizationId: input.organizationId,
      aggregateType: 'api_key',
      aggregateId: inserted.id,
      action: 'api_key.created',
      actor: input.createdBy ? actorOf(input.createdBy) : { type: 'system', id: null },
      changes: { name: input.name, role: input.role, prefix },
    });
    return inserted;
  });
  return { key: `co_${prefix}_${secret}`, apiKey: view(row) };
};

export const createApiKeyForSlug = async (deps: Deps, input: { slug: string; role: Role; name: string }) => {
  const [org] = await deps.database.db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.slug, input.slug));
  if (!org) throw notFound('organization', 'org');
  return createApiKey(deps, { organizationId: org.id, role: input.role, name: input.name, createdBy: null });
};

export const authenticateApiKey = async (deps: Deps, key: string): Promise<Principal> => {
  const match = KEY_PATTERN.exec(key);
  if (!match?.[1] || !match[2]) throw new AppError('unauthenticated', 'Malformed API key');
  const [row] = await deps.database.db.select().from(apiKeys).where(eq(apiKeys.prefix, match[1])).limit(1);
  if (!row || !safeEqual(row.secretHash, sha256Hex(match[2])))
    throw new AppError('unauthenticated', 'Unknown API key');
  if (row.revokedAt) throw new AppError('api_key_revoked', 'This API key has been revoked');
  if (!isRole(row.role)) throw new AppError('unauthenticated', 'API key has no valid role');
  const now = deps.clock.now();
  // Record use at most once a minute: a busy integration should not turn every read into a write.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await deps.database.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
  }
  return { kind: 'api_key', apiKeyId: row.id, organizationId: row.organizationId, roles: [row.role] };
};

export const listApiKeys = async (deps: Deps, organizationId: string): Promise<ApiKeyView[]> => {
  const rows = await deps.database.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.organizationId, organizationId))
    .orderBy(desc(apiKeys.id));
  return rows.map(view);
};

export const revokeApiKey = async (deps: Deps, principal: Principal, id: string): Promise<ApiKeyView> =>
  deps.database.transaction(async (tx) => {
    const [row] = await tx.db
      .update(apiKeys)
      .set({ revokedAt: deps.clock.now() })
      .where(
        and(
          eq(apiKeys.id, id),
          eq(apiKeys.organizationId, principal.organizationId),
          isNull(apiKeys.revokedAt),
        ),
      )
      .returning();
    if (!row) {
      const [existing] = await tx.db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.id, id), eq(apiKeys.organizationId, principal.organizationId)));
      if (!existing) throw notFound('api key');
      return view(existing); // already revoked: revoking again changes nothing
    }
    await appendAudit(tx, deps, {
      organizationId: principal.organizationId,
      aggregateType: 'api_key',
      aggregateId: row.id,
      action: 'api_key.revoked',
      actor: actorOf(principal),
      changes: { revokedAt: { before: null, after: row.revokedAt?.toISOString() } },
    });
    return view(row);
  });
