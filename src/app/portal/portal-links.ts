import { and, eq, gt, isNull } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { portalLinks } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { randomToken, sha256Hex } from '../auth/secrets';
import type { Deps } from '../ports';

/** A portal link answers this long after it was made. */
const LINK_DAYS = 90;
/** An e-mail reuses a link with at least this long to go; otherwise it carries a fresh one. */
const REUSE_DAYS = 14;
const DAY_MS = 86_400_000;

export const portalUrl = (deps: Pick<Deps, 'publicUrl'>, token: string) =>
  `${deps.publicUrl.replace(/\/$/, '')}/portal/#/account/${token}`;

/**
 * The customer's portal link for the next e-mail: the one they already have while it has time to run, else a
 * new one. Only the token's hash is looked up; the sealed token lets later e-mails carry the same link.
 */
export const portalLinkFor = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'secrets' | 'publicUrl'>,
  organizationId: string,
  customerId: string,
) => {
  const now = deps.clock.now();
  const [current] = await tx.db
    .select()
    .from(portalLinks)
    .where(
      and(
        eq(portalLinks.organizationId, organizationId),
        eq(portalLinks.customerId, customerId),
        isNull(portalLinks.revokedAt),
        gt(portalLinks.expiresAt, new Date(now.getTime() + REUSE_DAYS * DAY_MS)),
      ),
    )
    .limit(1);
  if (current) return portalUrl(deps, deps.secrets.open(current.tokenSealed));
  const token = randomToken();
  await tx.db.insert(portalLinks).values({
    organizationId,
    id: deps.ids.uuid(),
    customerId,
    tokenHash: sha256Hex(token),
    tokenSealed: deps.secrets.seal(token),
    expiresAt: new Date(now.getTime() + LINK_DAYS * DAY_MS),
    createdAt: now,
  });
  return portalUrl(deps, token);
};

const expired = () =>
  new AppError('not_found', 'This link has expired or was withdrawn. Ask us for a new one.', {
    fields: [{ field: 'token', message: 'no such link' }],
  });

/** Whose portal a token opens: one customer of one organization, while the link is valid. */
export const openPortalLink = async (tx: Pick<Tx, 'db'>, token: string, now: Date) => {
  const [link] = await tx.db
    .select()
    .from(portalLinks)
    .where(eq(portalLinks.tokenHash, sha256Hex(token)));
  if (!link || link.revokedAt || link.expiresAt < now) throw expired();
  return { organizationId: link.organizationId, customerId: link.customerId };
};

/** The office withdraws every link a customer holds (a forwarded e-mail, a lost phone); the next e-mail makes a new one. */
export const revokePortalLinks = (deps: Deps, organizationId: string, customerId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const revoked = await tx.db
      .update(portalLinks)
      .set({ revokedAt: now })
      .where(
        and(
          eq(portalLinks.organizationId, organizationId),
          eq(portalLinks.customerId, customerId),
          isNull(portalLinks.revokedAt),
        ),
      )
      .returning({ id: portalLinks.id });
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: customerId,
      action: 'customer.portal_links_revoked',
      actor,
      changes: { revoked: revoked.length },
    });
    return revoked.length;
  });
