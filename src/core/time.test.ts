import { describe, expect, it } from 'vitest';
import { addDays, businessDate, isValidTimeZone, mondayOf, zonedToInstant } from './time';

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
