/**
 * The messages a customer gets about their visit, as every field-service tool sends them: the booking
 * confirmation, the reminder the day before, a new time, a cancellation, "on my way" with an arrival
 * window, and "work completed". Each has a default the organization can rewrite (placeholders only, as
 * the invoice e-mail) or turn off. Pure: the app fills the values and keeps the log.
 */

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

const lines = (...l: string[]) => l.join('\n');

export const DEFAULT_MESSAGES: Record<MessageKind, MessageTemplate> = {
  booking_confirmation: {
    subject: '{{organization}}: your visit on {{window}}',
    body: lines(
      'Hello {{customer}},',
      '',
      'Your visit is booked: {{work}}.',
      '',
      'When: {{window}}',
      'Where: {{site}}',
      '',
      'The technician will text or call if anything changes on the day. The calendar file attached puts the visit in your diary.',
      'To change the time, reply to this e-mail.',
      '',
      '{{organization}}',
    ),
  },
  visit_reminder: {
    subject: 'Reminder: {{organization}} visits you {{window}}',
    body: lines(
      'Hello {{customer}},',
      '',
      'A reminder that {{technician}} from {{organization}} visits you {{window}} at {{site}} for {{work}}.',
      '',
      'If that no longer suits, reply to this e-mail as soon as you can.',
      '',
      '{{organization}}',
    ),
  },
  rescheduled: {
    subject: '{{organization}}: your visit moves to {{window}}',
    body: lines(
      'Hello {{customer}},',
      '',
      'Your visit for {{work}} has a new time: {{window}}, at {{site}}.',
      '',
      'The calendar file attached replaces the one we sent before.',
      '',
      '{{organization}}',
    ),
  },
  canceled: {
    subject: '{{organization}}: your visit is canceled',
    body: lines(
      'Hello {{customer}},',
      '',
      'Your visit for {{work}} ({{window}}) is canceled.',
      '',
      'To book another time, reply to this e-mail.',
      '',
      '{{organization}}',
    ),
  },
  on_my_way: {
    subject: '{{technician}} from {{organization}} is on the way',
    body: lines(
      'Hello {{customer}},',
      '',
      '{{technician}} is on the way to {{site}} and expects to arrive {{arrival}}.',
      '',
      '{{organization}}',
    ),
  },
  work_completed: {
    subject: '{{organization}}: the work at {{site}} is done',
    body: lines(
      'Hello {{customer}},',
      '',
      '{{technician}} has finished {{work}} at {{site}}.',
      '',
      'The work report, with photos and what was used, and your invoice when it is ready: {{link}}',
      '',
      'Thank you,',
      '{{organization}}',
    ),
  },
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

/** The template in force for a kind: the organization's own words, else the default; null when turned off. */
export const templateFor = (settings: MessageSettings, kind: MessageKind): MessageTemplate | null => {
  const own = settings[kind];
  if (own && !own.enabled) return null;
  return {
    subject: own?.subject ?? DEFAULT_MESSAGES[kind].subject,
    body: own?.body ?? DEFAULT_MESSAGES[kind].body,
  };
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

/** A visit's window as the customer reads it: "Tuesday 8 December, 09:00 to 11:00" in the business's zone. */
export const windowWords = (start: Date | null, end: Date | null, timeZone: string): string => {
  if (!start) return 'at a time we will confirm';
  const parts = new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    timeZone,
  }).formatToParts(start);
  const day = `${part(parts, 'weekday')} ${part(parts, 'day')} ${part(parts, 'month')}`;
  return end
    ? `${day}, ${clock(start, timeZone)} to ${clock(end, timeZone)}`
    : `${day}, from ${clock(start, timeZone)}`;
};

/**
 * "On my way": the arrival window from the technician's estimate, rounded out to whole 5 minutes so the
 * customer is not promised a minute: an estimate of 25 minutes at 14:02 reads "between 14:25 and 14:40".
 */
export const arrivalWords = (now: Date, etaMinutes: number, timeZone: string): string => {
  const five = 5 * 60_000;
  const earliest = new Date(Math.floor((now.getTime() + etaMinutes * 60_000) / five) * five);
  const latest = new Date(earliest.getTime() + Math.max(15, Math.ceil(etaMinutes / 4 / 5) * 5) * 60_000);
  return `between ${clock(earliest, timeZone)} and ${clock(latest, timeZone)}`;
};

/** The technician as the customer knows them: the first name. */
export const firstName = (name: string | null | undefined): string =>
  name?.trim().split(/\s+/)[0] || 'our technician';

/** The words of a kind's text message in force; null when the kind or its texts are turned off. */
export const textFor = (
  settings: MessageSettings,
  kind: MessageKind,
  defaults: Record<MessageKind, string>,
) => {
  const own = settings[kind];
  if (own && (!own.enabled || own.sms === false)) return null;
  return own?.text ?? defaults[kind];
};
