import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator } from '../../core/i18n';
import { amountDecimals, formatAmount } from '../../core/money';
import type { Actor } from '../../core/principal';
import { addDays } from '../../core/time';
import { versionsWithParties } from '../../db/queries/quotes';
import { customers, quotes, quoteVersions } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { randomToken, sha256Hex } from '../auth/secrets';
import type { Deps } from '../ports';
import { changeQuoteVersion, lockQuote, publishQuote, statusOf } from './quote-store';

/** A customer's link keeps answering (with "expired" once the offer lapsed) this long after the validity day. */
const LINK_GRACE_DAYS = 60;

export const quoteLink = (deps: Pick<Deps, 'publicUrl'>, token: string) =>
  `${deps.publicUrl.replace(/\/$/, '')}/portal/#/quote/${token}`;

/** Where a quote or a change order goes: the customer's invoice contact's address, else the customer's. */
export const recipientOf = (customer: typeof customers.$inferSelect): string | null =>
  // Contacts that are not a list (an old import) fall back to the customer's own address.
  (Array.isArray(customer.contacts) ? customer.contacts : []).find((c) => c.invoiceRecipient && c.email)
    ?.email ??
  customer.email ??
  null;

/**
 * Sends the current version to the customer: a draft is frozen as `sent`; a sent or viewed one is sent again
 * (another address, a lost e-mail) with the same link. The link is a random token bound to this version: the
 * database keeps its hash for lookup and the token sealed, so the office can copy the link again; the e-mail
 * goes from the queue (`quote.send`), after the commit.
 */
export const sendQuote = (
  deps: Deps,
  organizationId: string,
  quoteId: string,
  body: { to?: string | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { quote, version } = await lockQuote(tx, organizationId, quoteId);
    const [customer] = await tx.db
      .select()
      .from(customers)
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, quote.customerId)));
    if (!customer) throw notFound('customer');
    const to = body.to ?? recipientOf(customer);
    if (!to)
      throw new AppError('validation_failed', `${customer.name} has no e-mail address: give one to send to`, {
        fields: [{ field: 'body.to', message: `${customer.name} has no e-mail address` }],
      });
    const existing = version.linkSealed ? deps.secrets.open(version.linkSealed) : null;
    const token = existing ?? randomToken();
    const now = deps.clock.now();
    const updated = await changeQuoteVersion(tx, deps, {
      quote,
      version,
      action: 'send',
      actor,
      patch: {
        sentTo: to,
        sentAt: now,
        // Sent again: the reminder counts from this sending.
        followUpAt: null,
        linkHash: sha256Hex(token),
        linkSealed: existing ? version.linkSealed : deps.secrets.seal(token),
        linkExpiresAt: new Date(`${addDays(version.validUntil, LINK_GRACE_DAYS)}T23:59:59Z`),
      },
      changes: { to },
    });
    await deps.queue.enqueue(
      tx,
      { name: 'quote.send', data: { organizationId, quoteId, version: version.version, to } },
      { key: `${quoteId}:${version.version}:${now.getTime()}` },
    );
    return { quote, version: updated, link: quoteLink(deps, token) };
  });

/** The customer's link of the current version, for the office to copy into a text message. */
export const quoteLinkOf = async (deps: Deps, organizationId: string, quoteId: string) => {
  const [row] = await deps.database.db
    .select({ sealed: quoteVersions.linkSealed })
    .from(quotes)
    .innerJoin(
      quoteVersions,
      and(
        eq(quoteVersions.organizationId, quotes.organizationId),
        eq(quoteVersions.quoteId, quotes.id),
        eq(quoteVersions.version, quotes.currentVersion),
      ),
    )
    .where(and(eq(quotes.organizationId, organizationId), eq(quotes.id, quoteId)));
  if (!row) throw notFound('quote');
  return row.sealed ? quoteLink(deps, deps.secrets.open(row.sealed)) : null;
};

/** The `quote.send` queue job: the e-mail with the link, in the organization's name. */
export const mailQuote = async (
  deps: Deps,
  data: { organizationId: string; quoteId: string; version: number; to: string },
) => {
  const db = deps.database.db;
  const [row] = await versionsWithParties(
    db,
    and(
      eq(quoteVersions.organizationId, data.organizationId),
      eq(quoteVersions.quoteId, data.quoteId),
      eq(quoteVersions.version, data.version),
    ),
  );
  if (!row) throw notFound('quote');
  const status = statusOf(row.version);
  // A version replaced or withdrawn before the e-mail went is not sent: its link would only say so.
  if (!['sent', 'viewed'].includes(status) || !row.version.linkSealed) return { sent: 0 };
  const link = quoteLink(deps, deps.secrets.open(row.version.linkSealed));
  const contact = row.customer.contacts.find((c) => c.email === data.to)?.name || row.customer.name;
  const w = customerTranslator(row.customer.language, row.org.language);
  const organization = row.org.name;
  const currency = row.version.currency;
  const amount = w.amount(formatAmount(row.version.total, amountDecimals(currency, true)), currency);
  const text = [
    w.t('customerEmails.hello', { name: contact }),
    '',
    w.t('customerEmails.quote.prepared', { organization, number: row.quote.number, title: row.quote.title }),
    row.version.lines.some((l) => l.option || l.optional)
      ? w.t('customerEmails.quote.totalFirstOption', { amount })
      : w.t('customerEmails.quote.total', { amount }),
    w.t('customerEmails.quote.validUntil', { date: w.date(row.version.validUntil) }),
    '',
    w.t('customerEmails.quote.online'),
    link,
    '',
    organization,
  ].join('\n');
  await deps.mailer.send({
    to: [data.to],
    subject: w.t('customerEmails.quote.subject', { number: row.quote.number, organization }),
    text,
    fromName: row.org.name,
    replyTo: row.org.replyToEmail ?? undefined,
  });
  await deps.database.transaction((tx) =>
    appendAudit(tx, deps, {
      organizationId: data.organizationId,
      aggregateType: 'quote',
      aggregateId: data.quoteId,
      action: 'quote.emailed',
      actor: { type: 'system', id: null },
      changes: { version: data.version, to: data.to },
    }),
  );
  return { sent: 1 };
};

/**
 * A change to an offer the customer has (or had): the next version starts as a draft copy of the current
 * one, which is superseded at once, so its link can no longer be accepted. Concurrent accept and revise
 * queue on the quote's lock: whichever is first wins, the other is refused.
 */
export const reviseQuote = (deps: Deps, organizationId: string, quoteId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const { quote, version } = await lockQuote(tx, organizationId, quoteId);
    if (statusOf(version) === 'draft')
      throw new AppError('invalid_transition', `${quote.number} is still a draft: edit it instead`, {
        fields: [{ field: 'status', message: 'is draft' }],
      });
    await changeQuoteVersion(tx, deps, { quote, version, action: 'supersede', actor });
    const now = deps.clock.now();
    const next = version.version + 1;
    const {
      organizationId: _o,
      quoteId: _q,
      version: _v,
      status: _s,
      createdAt: _c,
      updatedAt: _u,
      ...content
    } = version;
    const [draft] = await tx.db
      .insert(quoteVersions)
      .values({
        ...content,
        organizationId,
        quoteId,
        version: next,
        status: 'draft',
        choice: null,
        acceptedTotal: null,
        depositDue: null,
        signature: null,
        declineReason: null,
        linkHash: null,
        linkSealed: null,
        linkExpiresAt: null,
        sentTo: null,
        sentAt: null,
        viewedAt: null,
        answeredAt: null,
        followUpAt: null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const [q] = await tx.db
      .update(quotes)
      .set({ currentVersion: next, updatedAt: now })
      .where(and(eq(quotes.organizationId, organizationId), eq(quotes.id, quoteId)))
      .returning();
    if (!draft || !q) throw new Error('quote revision returned nothing');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'quote',
      aggregateId: quoteId,
      action: 'quote.revised',
      actor,
      changes: { from: version.version, to: next },
    });
    await publishQuote(tx, q, draft);
    return { quote: q, version: draft };
  });

/** Takes an offer back (with the reason, for the history): its link then says so. */
export const withdrawQuote = (
  deps: Deps,
  organizationId: string,
  quoteId: string,
  reason: string,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { quote, version } = await lockQuote(tx, organizationId, quoteId);
    const updated = await changeQuoteVersion(tx, deps, { quote, version, action: 'withdraw', actor, reason });
    return { quote, version: updated };
  });
