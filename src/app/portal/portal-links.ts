import { and, eq, gt, isNull } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import { customerTranslator } from '../../core/i18n';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { customers, organizations, portalLinks } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { randomToken, sha256Hex } from '../auth/secrets';
import type { Deps } from '../ports';
import { recipientOf } from '../quotes/send-quote';

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

/** At most one new-link e-mail per customer in this long, whoever asks. */
const RENEW_GAP_MS = 10 * 60_000;

/**
 * "E-mail me a new link", from an expired link: a fresh link goes to the address we hold for the customer,
 * never to one typed on the page, so the answer is the same whoever asks and reveals nothing. A withdrawn link
 * gets nothing (the office withdrew it on purpose); a link still valid needs nothing.
 */
export const renewPortalLink = (deps: Deps, token: string) =>
  deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const [link] = await tx.db
      .select()
      .from(portalLinks)
      .where(eq(portalLinks.tokenHash, sha256Hex(token)));
    if (!link || link.revokedAt || link.expiresAt >= now) return;
    const [recent] = await tx.db
      .select({ id: portalLinks.id })
      .from(portalLinks)
      .where(
        and(
          eq(portalLinks.organizationId, link.organizationId),
          eq(portalLinks.customerId, link.customerId),
          gt(portalLinks.createdAt, new Date(now.getTime() - RENEW_GAP_MS)),
        ),
      )
      .limit(1);
    if (recent) return;
    const [who] = await tx.db
      .select({ customer: customers, org: organizations.name, orgLanguage: organizations.language })
      .from(customers)
      .innerJoin(organizations, eq(organizations.id, customers.organizationId))
      .where(and(eq(customers.organizationId, link.organizationId), eq(customers.id, link.customerId)));
    const to = who ? recipientOf(who.customer) : null;
    if (!who || !to) return;
    const url = await portalLinkFor(tx, deps, link.organizationId, link.customerId);
    const w = customerTranslator(who.customer.language, who.orgLanguage);
    await deps.queue.enqueue(tx, {
      name: 'email.send',
      data: {
        to: [to],
        subject: w.t('customerEmails.portalLink.subject', { organization: who.org }),
        text: [
          w.t('customerEmails.dear', { name: who.customer.name }),
          '',
          w.t('customerEmails.portalLink.body', { organization: who.org }),
          '',
          url,
          '',
          w.t('customerEmails.portalLink.ignore'),
          '',
          who.org,
          '',
        ].join('\n'),
      },
    });
    await appendAudit(tx, deps, {
      organizationId: link.organizationId,
      aggregateType: 'customer',
      aggregateId: link.customerId,
      action: 'customer.portal_link_renewed',
      actor: SYSTEM_ACTOR,
      changes: { to },
    });
  });
