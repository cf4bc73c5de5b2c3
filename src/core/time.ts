/** Time-zone arithmetic with Intl only (pure: no clock is read here). */

// Building an Intl.DateTimeFormat costs far more than using one: keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, fmt);
  }
  return fmt;
};

const partsIn = (instant: Date, timeZone: string) => {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return {
    y: get('year'),
    m: get('month'),
    d: get('day'),
    h: get('hour'),
    min: get('minute'),
    s: get('second'),
  };
};

/** Offset of the zone from UTC at an instant, in milliseconds. */
export const zoneOffsetMs = (instant: Date, timeZone: string): number => {
  const p = partsIn(instant, timeZone);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
};

/** The instant at which the wall clock in timeZone shows date (YYYY-MM-DD) and time (HH:MM). */
export const zonedToInstant = (date: string, time: string, timeZone: string): Date => {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const guess = Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0);
  const first = guess - zoneOffsetMs(new Date(guess), timeZone);
  // Re-check at the candidate: across a DST change the offset there may differ from the guess's.
  return new Date(guess - zoneOffsetMs(new Date(first), timeZone));
};

/** The business date (YYYY-MM-DD) of an instant in a time zone. */
export const businessDate = (instant: Date, timeZone: string): string => {
  const p = partsIn(instant, timeZone);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
};

/** The wall-clock time (HH:MM) of an instant in a time zone. */
export const localTime = (instant: Date, timeZone: string): string => {
  const p = partsIn(instant, timeZone);
  return `${String(p.h).padStart(2, '0')}:${String(p.min).padStart(2, '0')}`;
};

/** The next instant (after `now`, or `now` itself on the hour) at which the wall clock in timeZone shows hour:00. */
export const nextLocalHour = (now: Date, hour: number, timeZone: string): Date => {
  const hh = `${String(hour).padStart(2, '0')}:00`;
  const today = zonedToInstant(businessDate(now, timeZone), hh, timeZone);
  return today.getTime() >= now.getTime()
    ? today
    : zonedToInstant(addDays(businessDate(now, timeZone), 1), hh, timeZone);
};

export const addDays = (date: string, days: number): string => {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
};

/** Monday of the ISO week containing date. */
export const mondayOf = (date: string): string => {
  const [y, m, d] = date.split('-').map(Number);
  const weekday = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1)).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
};

export const isValidTimeZone = (timeZone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
};

/** The later of two YYYY-MM-DD dates (ISO dates order as strings). */
export const laterDate = (a: string, b: string): string => (a > b ? a : b);

/**
 * The last whole billing cycle before `date`: last week (Monday to Sunday), last month, or last calendar
 * quarter. What a cycle run started on `date` covers.
 */
export const lastWholeCycle = (
  cycle: 'weekly' | 'monthly' | 'quarterly',
  date: string,
): { start: string; end: string } => {
  if (cycle === 'weekly') {
    const monday = mondayOf(date);
    return { start: addDays(monday, -7), end: addDays(monday, -1) };
  }
  const month = Number(date.slice(5, 7));
  const firstMonth = cycle === 'quarterly' ? month - ((month - 1) % 3) : month;
  const end = addDays(`${date.slice(0, 4)}-${String(firstMonth).padStart(2, '0')}-01`, -1);
  const endMonth = Number(end.slice(5, 7));
  const startMonth = cycle === 'quarterly' ? endMonth - 2 : endMonth;
  return { start: `${end.slice(0, 4)}-${String(startMonth).padStart(2, '0')}-01`, end };
};

const DAY = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
/** A business date as a reader writes it: "18 November 2026", never "2026-11-18". */
export const printDate = (day: string): string => DAY.format(new Date(`${day}T00:00:00Z`));

/** An instant as a reader writes it in the organization's zone: "3 December 2026, 14:30". */
export const printDateTime = (instant: Date | string, timeZone: string): string => {
  const at = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(at.getTime())) return 'time not recorded';
  const parts = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')}`;
};

/** The calendar month before the one `day` (YYYY-MM-DD) is in: its first and last day. */
export const monthBefore = (day: string): { from: string; to: string } => {
  const last = addDays(`${day.slice(0, 8)}01`, -1);
  return { from: `${last.slice(0, 8)}01`, to: last };
};
