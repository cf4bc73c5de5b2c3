import { describe, expect, it } from 'vitest';
import { isOpenForAnswer, QUOTE_STATUSES, quoteNumber, quoteTransition } from './quote-lifecycle';

describe("a quote version's lifecycle", () => {
  it('goes draft → sent → viewed → accepted, and an accepted version is frozen', () => {
    expect(quoteTransition('draft', 'send')).toEqual({ ok: true, to: 'sent' });
    expect(quoteTransition('sent', 'view')).toEqual({ ok: true, to: 'viewed' });
    expect(quoteTransition('viewed', 'accept')).toEqual({ ok: true, to: 'accepted' });
    for (const action of ['send', 'view', 'accept', 'decline', 'expire', 'supersede', 'withdraw'] as const)
      expect(quoteTransition('accepted', action).ok).toBe(false);
  });

  it('is never accepted before it is sent, nor after it was declined, expired, superseded or withdrawn', () => {
    expect(quoteTransition('draft', 'accept')).toEqual({
      ok: false,
      allowed: ['send', 'withdraw', 'supersede'],
    });
    for (const from of ['declined', 'expired', 'superseded', 'withdrawn'] as const)
      expect(quoteTransition(from, 'accept').ok).toBe(false);
  });

  it('answers a revision of a declined or expired offer by superseding it, never by editing it', () => {
    expect(quoteTransition('declined', 'supersede')).toEqual({ ok: true, to: 'superseded' });
    expect(quoteTransition('expired', 'supersede')).toEqual({ ok: true, to: 'superseded' });
    expect(quoteTransition('superseded', 'send').ok).toBe(false);
  });

  it('has a row for every status', () => {
    for (const s of QUOTE_STATUSES) expect(quoteTransition(s, 'view')).toHaveProperty('ok');
  });

  it('is open for an answer through its last valid day only', () => {
    expect(isOpenForAnswer('sent', '2026-12-31', '2026-12-31')).toBe(true);
    expect(isOpenForAnswer('viewed', '2026-12-31', '2027-01-01')).toBe(false);
    expect(isOpenForAnswer('draft', '2026-12-31', '2026-12-01')).toBe(false);
    expect(quoteNumber(2026, 42)).toBe('Q-2026-00042');
  });
});
