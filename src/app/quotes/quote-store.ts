import { and, eq, sql } from 'drizzle-orm';
import type { WebhookEvent } from '../../contracts/integrations';
import { decimalString } from '../../core/decimal';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import {
  isQuoteStatus,
  type QuoteAction,
  type QuoteStatus,
  quoteTransition,
} from '../../core/quote-lifecycle';
import type { Tx } from '../../db/client';
import { quotes, quoteVersions } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { emitEvent } from '../integrations/webhooks';
import { publish } from '../notify';
import type { Deps } from '../ports';

export type QuoteRow = typeof quotes.$inferSelect;
export type QuoteVersionRow = typeof quoteVersions.$inferSelect;

export const statusOf = (v: Pick<QuoteVersionRow, 'status'>): QuoteStatus =>
  isQuoteStatus(v.status) ? v.status : 'draft';

/** Locks a quote and its current version for a change: concurrent sends, revisions and answers queue here. */
export const lockQuote = async (
  tx: Tx,
  organizationId: string,
  quoteId: string,
): Promise<{ quote: QuoteRow; version: QuoteVersionRow }> => {
  const [quote] = await tx.db
    .select()
    .from(quotes)
    .where(and(eq(quotes.organizationId, organizationId), eq(quotes.id, quoteId)))
    .for('update');
  if (!quote) throw notFound('quote');
  const [version] = await tx.db
    .select()
    .from(quoteVersions)
    .where(
      and(
        eq(quoteVersions.organizationId, organizationId),
        eq(quoteVersions.quoteId, quoteId),
        eq(quoteVersions.version, quote.currentVersion),
      ),
    );
  if (!version) throw new Error(`quote ${quoteId} has no version ${quote.currentVersion}`);
  return { quote, version };
};

const PAST: Record<QuoteAction, string> = {
  send: 'sent',
  view: 'viewed',
  accept: 'accepted',
  decline: 'declined',
  expire: 'expired',
  supersede: 'superseded',
  withdraw: 'withdrawn',
};

type VersionPatch = Partial<
  Omit<QuoteVersionRow, 'organizationId' | 'quoteId' | 'version' | 'status' | 'createdAt' | 'updatedAt'>
>;

/**
 * The one place a quote version changes status: the state machine decides, the row, its audit event and
 * the live notice are written in the caller's transaction. A transition the machine refuses is a 409 that
 * says what the version is and what it allows.
 */
export const changeQuoteVersion = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'queue'>,
  input: {
    quote: QuoteRow;
    version: QuoteVersionRow;
    action: QuoteAction;
    patch?: VersionPatch;
    actor: Actor;
    reason?: string | null;
    changes?: Record<string, unknown>;
  },
): Promise<QuoteVersionRow> => {
  const { quote, version } = input;
  const from = statusOf(version);
  const t = quoteTransition(from, input.action);
  if (!t.ok)
    throw new AppError(
      'invalid_transition',
      `${quote.number} version ${version.version} is ${from}; it cannot be ${PAST[input.action]}`,
      { fields: [{ field: 'status', message: `is ${from}` }] },
    );
  const now = deps.clock.now();
  const [updated] = await tx.db
    .update(quoteVersions)
    .set({ ...input.patch, status: t.to, updatedAt: now })
    .where(
      and(
        eq(quoteVersions.organizationId, quote.organizationId),
        eq(quoteVersions.quoteId, quote.id),
        eq(quoteVersions.version, version.version),
      ),
    )
    .returning();
  if (!updated) throw new Error('quote version update returned nothing');
  await tx.db
    .update(quotes)
    .set({ updatedAt: now })
    .where(and(eq(quotes.organizationId, quote.organizationId), eq(quotes.id, quote.id)));
  await appendAudit(tx, deps, {
    organizationId: quote.organizationId,
    aggregateType: 'quote',
    aggregateId: quote.id,
    action: `quote.${PAST[input.action]}`,
    actor: input.actor,
    changes: { version: version.version, from, to: t.to, ...input.changes },
    reason: input.reason ?? null,
  });
  await publishQuote(tx, quote, updated);
  const hook = HOOKS[input.action];
  // Sending again (a reminder) is not news to a subscriber; the first sending is.
  if (hook && !(input.action === 'send' && from !== 'draft'))
    await emitEvent(tx, deps, quote.organizationId, hook, {
      quoteId: quote.id,
      number: quote.number,
      version: version.version,
      status: updated.status,
      currency: updated.currency,
      total: decimalString(updated.acceptedTotal ?? updated.total),
      jobId: quote.jobId,
    });
  return updated;
};

const HOOKS: Partial<Record<QuoteAction, WebhookEvent>> = {
  send: 'quote.sent',
  accept: 'quote.accepted',
  decline: 'quote.declined',
};

export const publishQuote = (tx: Tx, quote: QuoteRow, version: QuoteVersionRow) =>
  publish(tx, {
    organizationId: quote.organizationId,
    type: 'quote.changed',
    id: quote.id,
    number: quote.number,
    status: version.status,
    version: version.version,
    action: `quote.${version.status}`,
  });

/** The versions of a quote, oldest first. */
export const versionsOf = (tx: Pick<Tx, 'db'>, organizationId: string, quoteId: string) =>
  tx.db
    .select()
    .from(quoteVersions)
    .where(and(eq(quoteVersions.organizationId, organizationId), eq(quoteVersions.quoteId, quoteId)))
    .orderBy(sql`${quoteVersions.version}`);
