import Decimal from 'decimal.js';
import type { QuoteStatus } from './quote-lifecycle';

/** One quote as the pipeline counts it: its current version's status (expiry applied) and money. */
export type PipelineQuote = {
  id: string;
  status: QuoteStatus;
  currency: string;
  /** The accepted total once accepted, else the offer's total for its first options. */
  value: string;
  sentAt: Date | null;
  viewedAt: Date | null;
  answeredAt: Date | null;
};

export const PIPELINE_STAGES = ['draft', 'sent', 'viewed', 'accepted', 'declined', 'expired'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export type Pipeline = {
  stages: { status: PipelineStage; count: number; values: { currency: string; amount: string }[] }[];
  /** Accepted among those the customer decided or let lapse; null before any was decided. */
  conversionRate: string | null;
  /** From sending to the customer's signature, the median over accepted quotes; null before any. */
  medianDaysToAccept: string | null;
  /** Sent or opened, no answer, sent more than `followUpDays` ago: the ones to chase, oldest first. */
  followUp: string[];
};

const median = (xs: Decimal[]): Decimal | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a.comparedTo(b));
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as Decimal) : (s[mid - 1] as Decimal).plus(s[mid] as Decimal).div(2);
};

/**
 * The quote pipeline (#22): how many quotes and how much money stand at each stage, how many of the decided
 * ones were won, how long winning took, and which offers wait too long for an answer. Pure: the route gives
 * it the quotes of the period and the clock.
 */
export const quotePipeline = (
  quotes: readonly PipelineQuote[],
  now: Date,
  followUpDays: number,
): Pipeline => {
  const stages = PIPELINE_STAGES.map((status) => {
    const mine = quotes.filter((q) => q.status === status);
    const byCurrency = new Map<string, Decimal>();
    for (const q of mine)
      byCurrency.set(q.currency, (byCurrency.get(q.currency) ?? new Decimal(0)).plus(q.value));
    return {
      status,
      count: mine.length,
      values: [...byCurrency].map(([currency, amount]) => ({ currency, amount: amount.toFixed(2) })),
    };
  });
  const count = (s: PipelineStage) => stages.find((x) => x.status === s)?.count ?? 0;
  const decided = count('accepted') + count('declined') + count('expired');
  const days = quotes
    .filter((q) => q.status === 'accepted' && q.sentAt && q.answeredAt)
    .map((q) => new Decimal((q.answeredAt as Date).getTime() - (q.sentAt as Date).getTime()).div(86_400_000));
  const m = median(days);
  const cutoff = now.getTime() - followUpDays * 86_400_000;
  const followUp = quotes
    .filter((q) => (q.status === 'sent' || q.status === 'viewed') && q.sentAt && q.sentAt.getTime() < cutoff)
    .sort((a, b) => (a.sentAt as Date).getTime() - (b.sentAt as Date).getTime())
    .map((q) => q.id);
  return {
    stages,
    conversionRate: decided === 0 ? null : new Decimal(count('accepted')).div(decided).toFixed(4),
    medianDaysToAccept: m === null ? null : m.toDecimalPlaces(1).toFixed(1),
    followUp,
  };
};
