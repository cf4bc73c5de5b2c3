import Decimal from 'decimal.js';

/** Why a balance is written off: a few cents left over, a debt that will not be paid, a gesture, or else. */
export const WRITE_OFF_REASONS = ['small_balance', 'uncollectible', 'goodwill', 'other'] as const;
export type WriteOffReason = (typeof WRITE_OFF_REASONS)[number];

export const WRITE_OFF_REASON_WORDS: Record<WriteOffReason, string> = {
  small_balance: 'Small balance',
  uncollectible: 'Uncollectible',
  goodwill: 'Goodwill',
  other: 'Other',
};

/**
 * Whether a write-off is applied at once or waits for the owner: anyone allowed to approve applies their own;
 * billing applies up to the organization's limit (in its currency) and no further; no limit means every
 * write-off waits.
 */
export const writeOffNeedsApproval = (w: {
  /** The amount in the organization's currency. */
  amount: Decimal.Value;
  limit: Decimal.Value | null;
  canApprove: boolean;
}): boolean => {
  if (w.canApprove) return false;
  if (w.limit === null) return true;
  return new Decimal(w.amount).gt(w.limit);
};
