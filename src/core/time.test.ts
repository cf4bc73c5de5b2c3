import { describe, expect, it } from 'vitest';
import {
  addDays,
  businessDate,
  isValidTimeZone,
  lastWholeCycle,
  mondayOf,
  monthBefore,
  nextLocalHour,
  printDateTime,
  zonedToInstant,
} from './time';

describe('time zones', () => {
  it.each([
    // Europe/Dublin: GMT in winter, IST (+1) in summer; the clocks went forward 2026-03-29 and back 2026-10-25.
    ['2026-01-15', '09:00', 'Europe/Dublin', '2026-01-15T09:00:00.000Z'],
    ['2026-07-15', '09:00', 'Europe/Dublin', '2026-07-15T08:00:00.000Z'],
    ['2026-03-29', '09:00', 'Europe/Dublin', '2026-03-29T08:00:00.000Z'],
    ['2026-10-25', '09:00', 'Europe/Dublin', '2026-10-25T09:00:00.000Z'],
    ['2026-03-08', '09:00', 'America/New_York', '2026-03-08T13:00:00.000Z'],
    ['2026-03-07', '09:00', 'America/New_York', '2026-03-07T14:00:00.000Z'],
    ['2026-06-01', '00:00', 'Asia/Kolkata', '2026-05-31T18:30:00.000Z'],
  ])('%s %s in %s is %s', (date, time, tz, expected) => {
    expect(zonedToInstant(date, time, tz).toISOString()).toBe(expected);
  });

  it('gives the business date in the organization’s zone, not UTC', () => {
    expect(businessDate(new Date('2026-07-15T23:30:00Z'), 'Europe/Dublin')).toBe('2026-07-16');
    expect(businessDate(new Date('2026-07-15T23:30:00Z'), 'America/New_York')).toBe('2026-07-15');
  });

  it.each([
    ['2026-11-21', '2026-11-16'],
    ['2026-11-16', '2026-11-16'],
    ['2026-11-22', '2026-11-16'],
    ['2027-01-01', '2026-12-28'],
  ])('the Monday of %s is %s', (date, monday) => {
    expect(mondayOf(date)).toBe(monday);
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });

  it('knows a real zone from a made-up one', () => {
    expect(isValidTimeZone('Europe/Dublin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('the next local hour', () => {
  it('is later today in the zone when the hour is still to come, else tomorrow, across a DST change', () => {
    // 06:30 in Dublin (winter, UTC+0): 08:00 is today.
    expect(nextLocalHour(new Date('2026-12-03T06:30:00Z'), 8, 'Europe/Dublin').toISOString()).toBe(
      '2026-12-03T08:00:00.000Z',
    );
    // 14:00 in New York (UTC-5): 08:00 is tomorrow, 13:00 UTC.
    expect(nextLocalHour(new Date('2026-12-03T19:00:00Z'), 8, 'America/New_York').toISOString()).toBe(
      '2026-12-04T13:00:00.000Z',
    );
    // On the hour exactly: now.
    expect(nextLocalHour(new Date('2026-12-03T08:00:00Z'), 8, 'Europe/Dublin').toISOString()).toBe(
      '2026-12-03T08:00:00.000Z',
    );
    // The evening before Dublin's clocks go forward (29 March 2026): 08:00 the next day is 07:00 UTC.
    expect(nextLocalHour(new Date('2026-03-28T20:00:00Z'), 8, 'Europe/Dublin').toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
  });
});

describe('the last whole billing cycle', () => {
  it.each([
    ['monthly', '2026-11-21', '2026-10-01', '2026-10-31'],
    ['monthly', '2026-03-01', '2026-02-01', '2026-02-28'],
    ['monthly', '2028-03-15', '2028-02-01', '2028-02-29'],
    ['monthly', '2027-01-01', '2026-12-01', '2026-12-31'],
    ['quarterly', '2026-11-21', '2026-07-01', '2026-09-30'],
    ['quarterly', '2026-10-01', '2026-07-01', '2026-09-30'],
    ['quarterly', '2027-02-10', '2026-10-01', '2026-12-31'],
    ['weekly', '2026-11-21', '2026-11-09', '2026-11-15'],
    ['weekly', '2026-11-16', '2026-11-09', '2026-11-15'],
    ['weekly', '2027-01-03', '2026-12-21', '2026-12-27'],
  ] as const)('%s before %s is %s to %s', (cycle, date, start, end) => {
    expect(lastWholeCycle(cycle, date)).toEqual({ start, end });
  });
});

describe('printDateTime', () => {
  it.each([
    ['2026-12-03T14:30:00Z', 'Europe/Dublin', '3 December 2026, 14:30'],
    ['2026-07-15T08:05:00Z', 'Europe/Dublin', '15 July 2026, 09:05'],
    ['2026-12-03T23:30:00Z', 'Europe/Warsaw', '4 December 2026, 00:30'],
    ['2026-12-03T14:30:00Z', 'America/New_York', '3 December 2026, 09:30'],
    ['not a time', 'UTC', 'time not recorded'],
  ])('%s in %s reads %s', (at, zone, words) => {
    expect(printDateTime(at, zone)).toBe(words);
  });
});

describe('the month before', () => {
  it('is the whole calendar month, across a year and a leap February', () => {
    expect(monthBefore('2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(monthBefore('2028-03-01')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
  });
});
