import { describe, expect, it } from 'vitest';
import { occurrencesBetween, parseRrule } from './recurrence';

describe('recurrence on the wall clock', () => {
  it('keeps a Friday 09:00 visit at 09:00 Dublin time across the October DST change', () => {
    const occ = occurrencesBetween({
      rrule: 'FREQ=WEEKLY;BYDAY=FR',
      startDate: '2026-10-16',
      startTime: '09:00',
      durationMinutes: 60,
      timeZone: 'Europe/Dublin',
      from: '2026-10-16',
      to: '2026-11-06',
    });
    expect(occ.map((o) => [o.date, o.start.toISOString()])).toEqual([
      ['2026-10-16', '2026-10-16T08:00:00.000Z'], // IST, UTC+1
      ['2026-10-23', '2026-10-23T08:00:00.000Z'],
      ['2026-10-30', '2026-10-30T09:00:00.000Z'], // GMT after 25 October
      ['2026-11-06', '2026-11-06T09:00:00.000Z'],
    ]);
    expect(occ[0]?.end.toISOString()).toBe('2026-10-16T09:00:00.000Z');
  });

  it('handles the US spring change and monthly rules', () => {
    const occ = occurrencesBetween({
      rrule: 'RRULE:FREQ=MONTHLY;BYMONTHDAY=8',
      startDate: '2026-02-08',
      startTime: '07:30',
      durationMinutes: 30,
      timeZone: 'America/New_York',
      from: '2026-02-01',
      to: '2026-04-30',
    });
    expect(occ.map((o) => o.start.toISOString())).toEqual([
      '2026-02-08T12:30:00.000Z',
      '2026-03-08T11:30:00.000Z', // DST began at 02:00 that morning
      '2026-04-08T11:30:00.000Z',
    ]);
  });

  it.each([
    ['FREQ=SOMETIMES', false],
    ['BYDAY=MO', false],
    ['not a rule', false],
    ['DTSTART:20260101T090000Z;FREQ=DAILY', false],
    ['FREQ=DAILY;INTERVAL=2;COUNT=5', true],
  ])('%s is valid: %s', (rule, ok) => {
    expect(parseRrule(rule).ok).toBe(ok);
  });
});
