import { describe, expect, it } from 'vitest';
import { mobileOf } from './phone';
import { isQuiet, localHour, replyIntent, secondsUntilQuietEnds } from './sms';

describe('texts: quiet hours, replies and numbers', () => {
  it('keeps quiet hours that wrap midnight, in the business’s zone', () => {
    expect([20, 21, 23, 0, 7, 8].map((h) => isQuiet(h, 21, 8))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(isQuiet(13, 12, 14)).toBe(true);
    expect(isQuiet(3, 5, 5)).toBe(false);
    // 22:30 in Dublin (UTC in winter): 9 h 30 until 08:00.
    expect(secondsUntilQuietEnds(new Date('2026-12-06T22:30:00Z'), 'Europe/Dublin', 8)).toBe(34_200);
    // New York is five hours behind: 06:59 there, one minute to go.
    expect(secondsUntilQuietEnds(new Date('2026-12-06T11:59:00Z'), 'America/New_York', 7)).toBe(60);
    expect(localHour(new Date('2026-07-01T12:00:00Z'), 'Europe/Dublin')).toBe(13);
  });

  it('reads STOP and START as carriers do, whatever the case and punctuation', () => {
    expect(['Stop', ' STOP. ', 'unsubscribe', 'Quit'].map(replyIntent)).toEqual([
      'stop',
      'stop',
      'stop',
      'stop',
    ]);
    expect(['start', 'UNSTOP'].map(replyIntent)).toEqual(['start', 'start']);
    expect(replyIntent('Please stop by at 3')).toBeNull();
  });

  it('turns a mobile number as people write it into E.164, and refuses landlines', () => {
    expect(mobileOf('087 555 0101', 'IE')).toBe('+353875550101');
    expect(mobileOf('+353 87 555 0101', 'US')).toBe('+353875550101');
    expect(mobileOf('01 555 0102', 'IE')).toBeNull();
    expect(mobileOf('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(mobileOf('not a number', 'IE')).toBeNull();
    expect(mobileOf(null, 'IE')).toBeNull();
  });
});
