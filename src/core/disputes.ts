import { en } from './i18n/en';

/** What a customer can say is wrong with a document, from the portal's "Something's wrong?" (#23). */
export const DISPUTE_REASONS = ['wrong_amount', 'work_not_done', 'not_authorized', 'other'] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

export const DISPUTE_REASON_WORDS: Record<DisputeReason, string> = en.portal.dispute.reasons;

/** How the office settles it: a credit note, a corrected invoice (a revision), or an answer in words. */
export const DISPUTE_RESOLUTIONS = ['credit_note', 'revision', 'reply'] as const;
export type DisputeResolution = (typeof DISPUTE_RESOLUTIONS)[number];

export const DISPUTE_RESOLUTION_WORDS: Record<DisputeResolution, string> = {
  credit_note: 'Credited',
  revision: 'Invoice corrected',
  reply: 'Answered',
};
