import type { MessageKind } from './customer-messages';
import { en } from './i18n/en';

/**
 * Text messages to customers (#25): the short words of each kind, the quiet hours, opt-out words and the
 * order of delivery reports. Pure: the app sends through the SMS port and keeps the log.
 */

/** Texts are short: one or two segments, the business named first, how to stop last. */
/** Texts are short: one or two segments, the business named first, how to stop last (en.ts). */
export const DEFAULT_TEXTS: Record<MessageKind, string> = en.visitMessages.texts;

/**
 * Kinds that wait for the morning when their moment falls in the quiet hours. "On my way" does not: by the
 * morning it is false, so a late one is not sent.
 */
export const WAITS_FOR_MORNING: Record<MessageKind, boolean> = {
  booking_confirmation: true,
  visit_reminder: true,
  rescheduled: true,
  canceled: true,
  on_my_way: false,
  work_completed: true,
};

/** The hour (0–23) it is at an instant in a zone. */
export const localHour = (at: Date, timeZone: string) =>
  Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone }).format(at));

/** Whether an hour falls in quiet hours that may wrap midnight (21 to 8: 21:00–07:59). */
export const isQuiet = (hour: number, start: number, end: number) =>
  start === end ? false : start < end ? hour >= start && hour < end : hour >= start || hour < end;

/** Seconds from `at` until the quiet hours end (the next `end` o'clock in the zone), at least a minute. */
export const secondsUntilQuietEnds = (at: Date, timeZone: string, end: number) => {
  const parts = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const now = get('hour') * 3600 + get('minute') * 60 + get('second');
  const target = end * 3600;
  const wait = target > now ? target - now : 86_400 - now + target;
  return Math.max(60, wait);
};

/** Replies that stop texts, and that start them again (the carriers' and Twilio's standard words). */
export const STOP_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE'];
export const START_WORDS = ['START', 'UNSTOP', 'YES', 'OPTIN'];
export const replyIntent = (body: string): 'stop' | 'start' | null => {
  const word = body
    .trim()
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
  return STOP_WORDS.includes(word) ? 'stop' : START_WORDS.includes(word) ? 'start' : null;
};

/** Delivery reports arrive out of order: a later stage never goes back to an earlier one. */
export const DELIVERY_RANK: Record<string, number> = {
  accepted: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  read: 5,
};
