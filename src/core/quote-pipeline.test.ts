import { describe, expect, it } from 'vitest';
import { type PipelineQuote, quotePipeline } from './quote-pipeline';

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 12));
const q = (id: string, over: Partial<PipelineQuote>): PipelineQuote => ({
  id,
  status: 'sent',
  currency: 'EUR',
  value: '100.00',
  sentAt: null,
  viewedAt: null,
  answeredAt: null,
  ...over,
});

describe('the quote pipeline', () => {
  const quotes = [
    q('draft', { status: 'draft', value: '50.00' }),
    q('old-sent', { status: 'sent', sentAt: day(1), value: '1000.00' }),
    q('fresh-sent', { status: 'sent', sentAt: day(19) }),
    q('old-viewed', { status: 'viewed', sentAt: day(5), viewedAt: day(6), value: '250.50' }),
    q('won-fast', { status: 'accepted', sentAt: day(1), answeredAt: day(2), value: '2000.00' }),
    q('won-slow', {
      status: 'accepted',
      sentAt: day(1),
      answeredAt: day(5),
      value: '300.00',
      currency: 'GBP',
    }),
    q('lost', { status: 'declined', sentAt: day(3), answeredAt: day(4) }),
    q('lapsed', { status: 'expired', sentAt: day(2) }),
  ];
  const p = quotePipeline(quotes, day(20), 3);

  it('counts and values each stage, per currency', () => {
    expect(p.stages.find((s) => s.status === 'accepted')).toEqual({
      status: 'accepted',
      count: 2,
      values: [
        { currency: 'EUR', amount: '2000.00' },
        { currency: 'GBP', amount: '300.00' },
      ],
    });
    expect(p.stages.find((s) => s.status === 'sent')?.values).toEqual([
      { currency: 'EUR', amount: '1100.00' },
    ]);
  });

  it('converts among the decided: accepted over accepted, declined and expired', () => {
    // Two won of four decided.
    expect(p.conversionRate).toBe('0.5000');
    expect(quotePipeline([q('a', { status: 'sent' })], day(20), 3).conversionRate).toBeNull();
  });

  it('takes the median time from sending to signing', () => {
    // One day and four days: the median is 2.5.
    expect(p.medianDaysToAccept).toBe('2.5');
  });

  it('lists the offers waiting too long for an answer, oldest first', () => {
    expect(p.followUp).toEqual(['old-sent', 'old-viewed']);
    expect(quotePipeline(quotes, day(20), 30).followUp).toEqual([]);
  });
});
