/**
 * The schedules people book recurring work on, to and from RFC 5545 RRULEs, and any of our rules in words.
 * Forms build a rule from a preset ("every 2 weeks on Monday and Thursday", "monthly on the last Friday")
 * instead of asking a person to type RRULE syntax; screens and messages describe a stored rule in words.
 */
import { translator } from './i18n';

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** 1st to 4th, or -1 for the last one in the month. */
export type Nth = 1 | 2 | 3 | 4 | -1;

export type Schedule =
  | { kind: 'weekly'; interval: number; days: Weekday[] }
  | { kind: 'monthly_date'; interval: number; day: number }
  | { kind: 'monthly_weekday'; interval: number; nth: Nth; weekday: Weekday }
  | { kind: 'daily'; interval: number };

export const WEEKDAY_NAMES: Record<Weekday, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};

export const NTH_NAMES: Record<Nth, string> = {
  1: 'first',
  2: 'second',
  3: 'third',
  4: 'fourth',
  [-1]: 'last',
};

const isWeekday = (s: string): s is Weekday => (WEEKDAYS as readonly string[]).includes(s);

/** The weekday of a business date (YYYY-MM-DD). */
export const weekdayOf = (day: string): Weekday => {
  const d = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return WEEKDAYS[(d + 6) % 7] as Weekday;
};

/** Which of its weekday in the month a date is: the 3rd Tuesday is 3; past the 4th it counts as the last. */
export const nthOf = (day: string): Nth => {
  const date = Number(day.slice(8, 10));
  const n = Math.ceil(date / 7);
  return n >= 5 ? -1 : (n as Nth);
};

/** The schedule a form starts from: every week on the weekday of the first visit. */
export const defaultSchedule = (startDate: string): Schedule => ({
  kind: 'weekly',
  interval: 1,
  days: [weekdayOf(startDate)],
});

export const toRrule = (s: Schedule): string => {
  const every = s.interval > 1 ? `;INTERVAL=${s.interval}` : '';
  switch (s.kind) {
    case 'weekly': {
      const days = WEEKDAYS.filter((d) => s.days.includes(d));
      return `FREQ=WEEKLY${every};BYDAY=${days.join(',')}`;
    }
    case 'monthly_date':
      return `FREQ=MONTHLY${every};BYMONTHDAY=${s.day}`;
    case 'monthly_weekday':
      return `FREQ=MONTHLY${every};BYDAY=${s.nth}${s.weekday}`;
    case 'daily':
      return `FREQ=DAILY${every}`;
  }
};

const partsOf = (rrule: string): Map<string, string> =>
  new Map(
    rrule
      .replace(/^RRULE:/i, '')
      .split(';')
      .filter(Boolean)
      .map((p) => {
        const [k = '', v = ''] = p.split('=');
        return [k.toUpperCase(), v.toUpperCase()];
      }),
  );

/** A stored rule back as a preset, or null when it is one no preset makes (typed through the API). */
export const scheduleOf = (rrule: string): Schedule | null => {
  const p = partsOf(rrule);
  const interval = Number(p.get('INTERVAL') ?? '1');
  if (!Number.isInteger(interval) || interval < 1) return null;
  const known = new Set(['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY']);
  if ([...p.keys()].some((k) => !known.has(k))) return null;
  const freq = p.get('FREQ');
  const byday = p.get('BYDAY');
  if (freq === 'DAILY' && !byday && !p.has('BYMONTHDAY')) return { kind: 'daily', interval };
  if (freq === 'WEEKLY' && byday && !p.has('BYMONTHDAY')) {
    const days = byday.split(',');
    return days.every(isWeekday) ? { kind: 'weekly', interval, days } : null;
  }
  if (freq === 'MONTHLY' && p.has('BYMONTHDAY') && !byday) {
    const day = Number(p.get('BYMONTHDAY'));
    return Number.isInteger(day) && ((day >= 1 && day <= 31) || day === -1)
      ? { kind: 'monthly_date', interval, day }
      : null;
  }
  if (freq === 'MONTHLY' && byday && !p.has('BYMONTHDAY')) {
    const m = /^(-1|[1-4])([A-Z]{2})$/.exec(byday);
    const weekday = m?.[2];
    if (!m || !weekday || !isWeekday(weekday)) return null;
    return { kind: 'monthly_weekday', interval, nth: Number(m[1]) as Nth, weekday };
  }
  return null;
};

const ordinal = (n: number): string => {
  const rem100 = n % 100;
  if (rem100 >= 11 && rem100 <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
};

/** English: schedules are described in the office's words. */
const list = (words: string[]): string => translator().list(words);

const every = (interval: number, unit: string): string =>
  interval === 1 ? `Every ${unit}` : `Every ${interval} ${unit}s`;

/** A schedule in words: "Every 2 weeks on Monday and Thursday", "Every month on the last Friday". */
export const describeSchedule = (s: Schedule): string => {
  switch (s.kind) {
    case 'weekly': {
      const days = WEEKDAYS.filter((d) => s.days.includes(d));
      const weekdays = days.length === 5 && !days.includes('SA') && !days.includes('SU');
      return `${every(s.interval, 'week')} on ${weekdays ? 'weekdays' : list(days.map((d) => WEEKDAY_NAMES[d]))}`;
    }
    case 'monthly_date':
      return `${every(s.interval, 'month')} on the ${s.day === -1 ? 'last day' : ordinal(s.day)}`;
    case 'monthly_weekday':
      return `${every(s.interval, 'month')} on the ${NTH_NAMES[s.nth]} ${WEEKDAY_NAMES[s.weekday]}`;
    case 'daily':
      return every(s.interval, 'day');
  }
};

/** Any stored rule in words; one no preset makes is "A custom schedule", never RRULE syntax. */
export const describeRrule = (rrule: string): string => {
  const s = scheduleOf(rrule);
  return s ? describeSchedule(s) : 'A custom schedule';
};
