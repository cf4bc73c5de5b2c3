/** A date or time on the organization's clock, 24-hour. */
export const fmt = (iso: string, timeZone: string, opts: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat('en-IE', { timeZone, hourCycle: 'h23', ...opts }).format(new Date(iso));
