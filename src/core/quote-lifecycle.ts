import type { Translator } from './i18n';
/**
 * A quote version's state machine (#22). A quote is drafted, sent, seen by the customer, and then accepted
 * with the options they chose, declined with a reason, or left to expire on its validity date. Changing a
 * sent quote never edits it: the revision is a new version and the old one is `superseded`. An accepted
 * version is frozen: its price is what the job and the invoice will carry.
 */
export const QUOTE_STATUSES = [
  'draft',
  'sent',
  'viewed',
  'accepted',
  'declined',
  'expired',
  'superseded',
  'withdrawn',
] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

export type QuoteAction = 'send' | 'view' | 'accept' | 'decline' | 'expire' | 'supersede' | 'withdraw';

const TABLE: Record<QuoteStatus, Partial<Record<QuoteAction, QuoteStatus>>> = {
  // A draft is edited in place; sending freezes this version.
  draft: { send: 'sent', withdraw: 'withdrawn', supersede: 'superseded' },
  // Sending again (a reminder, another address) keeps it sent; opening the link makes it viewed.
  sent: {
    send: 'sent',
    view: 'viewed',
    accept: 'accepted',
    decline: 'declined',
    expire: 'expired',
    supersede: 'superseded',
    withdraw: 'withdrawn',
  },
  viewed: {
    send: 'viewed',
    view: 'viewed',
    accept: 'accepted',
    decline: 'declined',
    expire: 'expired',
    supersede: 'superseded',
    withdraw: 'withdrawn',
  },
  // The customer's answer is final for this version: a new offer is a new version.
  accepted: {},
  declined: { supersede: 'superseded' },
  expired: { supersede: 'superseded' },
  superseded: {},
  withdrawn: {},
};

export const isQuoteStatus = (s: string): s is QuoteStatus =>
  (QUOTE_STATUSES as readonly string[]).includes(s);

export const quoteTransition = (
  from: QuoteStatus,
  action: QuoteAction,
): { ok: true; to: QuoteStatus } | { ok: false; allowed: QuoteAction[] } => {
  const to = TABLE[from][action];
  return to ? { ok: true, to } : { ok: false, allowed: Object.keys(TABLE[from]) as QuoteAction[] };
};

/** A version the customer can still answer: sent or viewed, and not past its validity (inclusive) day. */
export const isOpenForAnswer = (status: QuoteStatus, validUntil: string, today: string): boolean =>
  (status === 'sent' || status === 'viewed') && today <= validUntil;

/** A quote number as printed: Q-2026-00042. */
export const quoteNumber = (year: number, n: number): string => `Q-${year}-${String(n).padStart(5, '0')}`;

/**
 * The status a reader sees: a version still waiting for an answer after its validity day is expired, even
 * before anything has written so (acceptance checks the same rule, so the two never disagree).
 */
export const effectiveQuoteStatus = (status: QuoteStatus, validUntil: string, today: string): QuoteStatus =>
  (status === 'sent' || status === 'viewed') && today > validUntil ? 'expired' : status;

/** Why a customer can no longer answer this version, in words; null while they can. */
export const closedBecause = (
  status: QuoteStatus,
  validUntil: string,
  today: string,
  w: Pick<Translator, 't' | 'date'>,
): string | null => {
  const effective = effectiveQuoteStatus(status, validUntil, today);
  if (effective === 'sent' || effective === 'viewed') return null;
  return w.t(`portal.quote.closed.${effective}`, { date: w.date(validUntil) });
};
