/**
 * The messages a customer gets about their visit, as every field-service tool sends them: the booking
 * confirmation, the reminder the day before, a new time, a cancellation, "on my way" with an arrival
 * window, and "work completed". Each has a default the organization can rewrite (placeholders only, as
 * the invoice e-mail) or turn off. Pure: the app fills the values and keeps the log.
 */
import type { Translator } from './i18n';
import { en } from './i18n/en';
import { type Language, MESSAGES } from './i18n/languages';

export const MESSAGE_KINDS = [
  'booking_confirmation',
  'visit_reminder',
  'rescheduled',
  'canceled',
  'on_my_way',
  'work_completed',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const MESSAGE_KIND_WORDS: Record<MessageKind, string> = {
  booking_confirmation: 'Booking confirmation',
  visit_reminder: 'Reminder the day before',
  rescheduled: 'New time',
  canceled: 'Cancellation',
  on_my_way: 'On my way',
  work_completed: 'Work completed',
};

export const MESSAGE_FIELDS = {
  customer: 'The customer’s name',
  organization: 'Your business name',
  job: 'The job number, e.g. J-1042',
  work: 'What the visit is for: the job type and the work',
  window: 'The visit’s day and time window, e.g. Tuesday 8 December, 09:00 to 11:00',
  site: 'The address of the visit',
  technician: 'The technician’s first name (or “our technician”)',
  arrival: 'On my way: when the technician expects to arrive, e.g. between 14:20 and 14:50',
  link: 'The link to the customer’s page: their visits, reports and invoices',
} as const;
export type MessageField = keyof typeof MESSAGE_FIELDS;
export type MessageValues = Record<MessageField, string>;

export type MessageTemplate = { subject: string; body: string };

export const DEFAULT_MESSAGES: Record<MessageKind, MessageTemplate> = {
  booking_confirmation: en.visitMessages.booking_confirmation,
  visit_reminder: en.visitMessages.visit_reminder,
  rescheduled: en.visitMessages.rescheduled,
  canceled: en.visitMessages.canceled,
  on_my_way: en.visitMessages.on_my_way,
  work_completed: en.visitMessages.work_completed,
};

export type MessageSetting = {
  enabled: boolean;
  subject?: string | undefined;
  body?: string | undefined;
  /** Also by text message, when the organization has texts connected (default: yes). */
  sms?: boolean | undefined;
  /** The text's own words (default: DEFAULT_TEXTS). */
  text?: string | undefined;
};
export type MessageSettings = Partial<Record<MessageKind, MessageSetting>>;

/**
 * The template in force for a kind, in the customer's language: the organization's own words when it wrote
 * them in that language (its own), else Closeout's in the customer's; null when turned off.
 */
export const templateFor = (
  settings: MessageSettings,
  kind: MessageKind,
  customer: Language = 'en',
  organization: string = customer,
): MessageTemplate | null => {
  const own = settings[kind];
  if (own && !own.enabled) return null;
  const mine = customer === organization ? own : undefined;
  const closeout = MESSAGES[customer].visitMessages[kind];
  return { subject: mine?.subject ?? closeout.subject, body: mine?.body ?? closeout.body };
};

const part = (parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes) =>
  parts.find((p) => p.type === type)?.value ?? '';

const clock = (at: Date, timeZone: string) => {
  const parts = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).formatToParts(at);
  return `${part(parts, 'hour')}:${part(parts, 'minute')}`;
};

/** A visit's window as the customer reads it: "Tuesday 8 December, 09:00 to 11:00" in the given zone. */
export const windowWords = (
  start: Date | null,
  end: Date | null,
  timeZone: string,
  w: Translator,
): string => {
  if (!start) return w.t('visitMessages.toBeConfirmed');
  const day = w.weekday(start, timeZone);
  return end
    ? w.t('visitMessages.window', { day, from: clock(start, timeZone), to: clock(end, timeZone) })
    : w.t('visitMessages.windowFrom', { day, time: clock(start, timeZone) });
};

/**
 * "On my way": the arrival window from the technician's estimate, rounded out to whole 5 minutes so the
 * customer is not promised a minute: an estimate of 25 minutes at 14:02 reads "between 14:25 and 14:40".
 */
export const arrivalWords = (now: Date, etaMinutes: number, timeZone: string, w: Translator): string => {
  const five = 5 * 60_000;
  const earliest = new Date(Math.floor((now.getTime() + etaMinutes * 60_000) / five) * five);
  const latest = new Date(earliest.getTime() + Math.max(15, Math.ceil(etaMinutes / 4 / 5) * 5) * 60_000);
  return w.t('visitMessages.arrival', { from: clock(earliest, timeZone), to: clock(latest, timeZone) });
};

/** The technician as the customer knows them: the first name. */
export const firstName = (name: string | null | undefined, w: Translator): string =>
  name?.trim().split(/\s+/)[0] || w.t('visitMessages.ourTechnician');

/** The words of a kind's text message in force, in the customer's language; null when turned off. */
export const textFor = (
  settings: MessageSettings,
  kind: MessageKind,
  customer: Language = 'en',
  organization: string = customer,
) => {
  const own = settings[kind];
  if (own && (!own.enabled || own.sms === false)) return null;
  return (customer === organization ? own?.text : undefined) ?? MESSAGES[customer].visitMessages.texts[kind];
};
