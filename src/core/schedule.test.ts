import { describe, expect, it } from 'vitest';
import { parseRrule } from './recurrence';
import { describeRrule, nthOf, type Schedule, scheduleOf, toRrule, weekdayOf } from './schedule';

describe('schedules people book on', () => {
  it.each<[Schedule, string, string]>([
    [{ kind: 'weekly', interval: 1, days: ['TU'] }, 'FREQ=WEEKLY;BYDAY=TU', 'Every week on Tuesday'],
    [
      { kind: 'weekly', interval: 2, days: ['TH', 'MO'] },
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH',
      'Every 2 weeks on Monday and Thursday',
    ],
    [
      { kind: 'weekly', interval: 1, days: ['MO', 'TU', 'WE', 'TH', 'FR'] },
      'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
      'Every week on weekdays',
    ],
    [{ kind: 'monthly_date', interval: 1, day: 15 }, 'FREQ=MONTHLY;BYMONTHDAY=15', 'Every month on the 15th'],
    [
      { kind: 'monthly_date', interval: 3, day: -1 },
      'FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1',
      'Every 3 months on the last day',
    ],
    [
      { kind: 'monthly_weekday', interval: 1, nth: 2, weekday: 'TU' },
      'FREQ=MONTHLY;BYDAY=2TU',
      'Every month on the second Tuesday',
    ],
    [
      { kind: 'monthly_weekday', interval: 1, nth: -1, weekday: 'FR' },
      'FREQ=MONTHLY;BYDAY=-1FR',
      'Every month on the last Friday',
    ],
    [{ kind: 'daily', interval: 3 }, 'FREQ=DAILY;INTERVAL=3', 'Every 3 days'],
  ])('%j is %s, "%s", and reads back', (schedule, rrule, words) => {
    expect(toRrule(schedule)).toBe(rrule);
    expect(parseRrule(rrule).ok).toBe(true);
    expect(describeRrule(rrule)).toBe(words);
    expect(toRrule(scheduleOf(rrule) as Schedule)).toBe(rrule);
  });

  it('words for ordinals past the teens, and no RRULE syntax for a rule no preset makes', () => {
    expect(describeRrule('FREQ=MONTHLY;BYMONTHDAY=22')).toBe('Every month on the 22nd');
    expect(describeRrule('FREQ=MONTHLY;BYMONTHDAY=11')).toBe('Every month on the 11th');
    expect(describeRrule('RRULE:FREQ=WEEKLY;BYDAY=FR')).toBe('Every week on Friday');
    expect(describeRrule('FREQ=YEARLY;BYMONTH=3')).toBe('A custom schedule');
    expect(describeRrule('FREQ=WEEKLY;BYDAY=FR;COUNT=4')).toBe('A custom schedule');
    expect(scheduleOf('FREQ=MONTHLY;BYDAY=5MO')).toBeNull();
  });

  it('knows the weekday and which one in the month a date is', () => {
    expect(weekdayOf('2026-12-03')).toBe('TH');
    expect(weekdayOf('2026-12-06')).toBe('SU');
    expect(nthOf('2026-12-03')).toBe(1);
    expect(nthOf('2026-12-15')).toBe(3);
    expect(nthOf('2026-12-29')).toBe(-1);
  });
});
