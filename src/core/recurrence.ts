import * as rrulePkg from 'rrule';
import { zonedToInstant } from './time';

// Node loads rrule's CommonJS build (everything under `default`); a bundler its ES module (named exports).
// The office app previews visits with this same code in the browser.
const { RRule } = (rrulePkg as { default?: typeof rrulePkg }).default ?? rrulePkg;

/**
 * Occurrences of a recurring service. The rule is evaluated on the wall clock (floating time), and each
 * occurrence's date and time are then placed in the series' time zone, so a 09:00 visit stays at 09:00
 * local across DST changes.
 */
export type Occurrence = { date: string; start: Date; end: Date };

const toFloating = (date: string, time: string): Date => {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0));
};

/** Parses an RRULE (with or without the "RRULE:" prefix); returns an error message when it is not valid. */
export const parseRrule = (
  rule: string,
): { ok: true; options: Partial<rrulePkg.Options> } | { ok: false; error: string } => {
  const text = rule.trim().replace(/^RRULE:/i, '');
  if (!/^[A-Z]+=[^;]+(;[A-Z]+=[^;]+)*$/i.test(text)) return { ok: false, error: 'not an RFC 5545 RRULE' };
  if (/DTSTART|TZID/i.test(text))
    return { ok: false, error: 'give the start and time zone as fields, not in the rule' };
  try {
    const options = RRule.parseString(text);
    if (options.freq === undefined) return { ok: false, error: 'FREQ is required' };
    // Field service recurs by the day at most: an hourly, minutely or secondly rule would expand to
    // thousands of visits (SECONDLY took over a minute to refuse nothing).
    if (![RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY].includes(options.freq))
      return { ok: false, error: 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY' };
    return { ok: true, options };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
};

export const occurrencesBetween = (args: {
  rrule: string;
  startDate: string;
  startTime: string;
  durationMinutes: number;
  timeZone: string;
  from: string;
  to: string;
}): Occurrence[] => {
  const parsed = parseRrule(args.rrule);
  if (!parsed.ok) throw new Error(parsed.error);
  const rule = new RRule({ ...parsed.options, dtstart: toFloating(args.startDate, args.startTime) });
  const dates = rule.between(toFloating(args.from, '00:00'), toFloating(args.to, '23:59'), true);
  return dates.map((d) => {
    const iso = d.toISOString();
    const date = iso.slice(0, 10);
    const start = zonedToInstant(date, iso.slice(11, 16), args.timeZone);
    return { date, start, end: new Date(start.getTime() + args.durationMinutes * 60_000) };
  });
};
