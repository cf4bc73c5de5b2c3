/**
 * Payment reminders (dunning): a schedule of steps relative to an invoice's due date, each with a tone and the
 * words the customer reads. Pure: which step is due on a business date, which comes next, and whether a
 * schedule an organization wrote is sound. Sending, stopping and "exactly once" live in app/collections.
 */
import Decimal from 'decimal.js';
import type { FieldProblem } from './errors';
import { type Language, MESSAGES, type Translator, translator } from './i18n';
import { en } from './i18n/en';
import { unknownPlaceholders } from './message-template';
import { printAmount } from './money';
import { addDays, printDate } from './time';

export const REMINDER_TONES = ['friendly', 'firm', 'final', 'collections'] as const;
export type ReminderTone = (typeof REMINDER_TONES)[number];

/**
 * One step: `days` from the due date (−3 is three days before it, 7 a week after). A `collections` step writes
 * to no customer: it tells billing the invoice is ready to hand over. subject/body null: the tone's wording.
 */
export type ReminderStep = {
  days: number;
  tone: ReminderTone;
  subject: string | null;
  body: string | null;
  /** A late fee charged when this step goes: its own invoice, within the schedule's cap. */
  lateFee?: LateFee | null | undefined;
};

/** A fixed amount (in the invoice's currency) or a percentage of what is still owed, charged at one step. */
export type LateFee = { kind: 'fixed'; amount: string } | { kind: 'percent'; rate: string };

/**
 * The late fee a step charges on an invoice: its amount (a percentage of what is owed, rounded to the
 * currency), never more than what the cap leaves after the fees already charged on that invoice; null when
 * nothing is left to charge.
 */
export const lateFeeAmount = (
  fee: LateFee,
  owed: Decimal.Value,
  charged: Decimal.Value,
  cap: Decimal.Value,
  decimals: number,
): Decimal | null => {
  const asked =
    fee.kind === 'fixed'
      ? new Decimal(fee.amount)
      : new Decimal(owed).times(fee.rate).div(100).toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP);
  const room = new Decimal(cap).minus(charged);
  const amount = Decimal.min(asked, room).toDecimalPlaces(decimals, Decimal.ROUND_DOWN);
  return amount.gt(0) ? amount : null;
};

/** "€5.00" or "2 % of what is owed", for the schedule editor and the timeline. */
export const lateFeeWords = (fee: LateFee, currency: string) =>
  fee.kind === 'fixed' ? printAmount(fee.amount, currency) : `${fee.rate} % of what is owed`;

export const REMINDER_FIELDS = {
  customer: 'The customer’s name, or the contact’s who receives invoices',
  organization: 'Your business name',
  number: 'The invoice number, e.g. INV-2026-00042',
  amount: 'What is still owed, with its currency',
  due: 'The due date in words, e.g. 17 December 2026',
  when: '“due in 3 days”, “due today” or “14 days overdue”',
  howToPay: 'How to pay by bank transfer, and the reference to quote',
  payLink: 'The link to their page: paying online (where you take it) and every invoice',
} as const;
export type ReminderValues = Record<keyof typeof REMINDER_FIELDS, string>;

/** The customer's reminders in Closeout's words (en.ts, the reference language); collections is the office's. */
export const DEFAULT_REMINDER_WORDING: Record<ReminderTone, { subject: string; body: string }> = {
  friendly: en.reminder.friendly,
  firm: en.reminder.firm,
  final: en.reminder.final,
  collections: {
    subject: '{{number}} is {{when}}: ready to hand over for collection',
    body: '{{number}} ({{customer}}, {{amount}} owed) is {{when}} and every reminder has gone. Call them, agree a date, or hand it over for collection.',
  },
};

export const DEFAULT_REMINDER_STEPS: ReminderStep[] = [
  { days: -3, tone: 'friendly', subject: null, body: null },
  { days: 7, tone: 'firm', subject: null, body: null },
  { days: 21, tone: 'final', subject: null, body: null },
  { days: 45, tone: 'collections', subject: null, body: null },
];

/**
 * The wording a customer reads: the organization's own when it wrote one in the customer's language (its
 * own), else Closeout's in the customer's language. The office's collections note stays in the office's.
 */
export const wordingFor = (step: ReminderStep, customer: Language, organization: string) => {
  const closeout =
    step.tone === 'collections'
      ? DEFAULT_REMINDER_WORDING.collections
      : MESSAGES[customer].reminder[step.tone];
  const own = step.tone === 'collections' || customer === organization;
  return {
    subject: (own ? step.subject : null) ?? closeout.subject,
    body: (own ? step.body : null) ?? closeout.body,
  };
};

/** The business date a step falls on for a due date. */
export const stepDate = (dueDate: string, step: Pick<ReminderStep, 'days'>) => addDays(dueDate, step.days);

type Standing = {
  dueDate: string;
  /** A step on the day of issue (or before it) never goes: the invoice itself just did. */
  issueDate: string;
  /** The business date today, in the organization's time zone. */
  today: string;
  /** The `days` of every step already sent (or stopped) for this invoice. */
  used: readonly number[];
};

const byDays = (steps: readonly ReminderStep[]) => [...steps].sort((a, b) => a.days - b.days);
const latestUsed = (used: readonly number[]) => (used.length ? Math.max(...used) : Number.NEGATIVE_INFINITY);

/**
 * The step to send today, or null. Only the latest step whose day has come: an invoice found 30 days overdue
 * gets the 21-day letter, not the friendly one and then the firm one. Never a step at or before one already
 * used, so a schedule never goes back to a softer tone and never repeats.
 */
export const reminderDue = (steps: readonly ReminderStep[], s: Standing): ReminderStep | null => {
  const come = byDays(steps).filter(
    (st) => stepDate(s.dueDate, st) <= s.today && stepDate(s.dueDate, st) > s.issueDate,
  );
  const last = come[come.length - 1];
  if (!last || last.days <= latestUsed(s.used)) return null;
  return last;
};

/** The next step and its date: today's if one is due and not yet sent, else the first one still ahead. */
export const nextReminder = (
  steps: readonly ReminderStep[],
  s: Standing,
): { step: ReminderStep; on: string } | null => {
  const now = reminderDue(steps, s);
  if (now) return { step: now, on: s.today };
  const after = latestUsed(s.used);
  const ahead = byDays(steps).find(
    (st) => st.days > after && stepDate(s.dueDate, st) > s.today && stepDate(s.dueDate, st) > s.issueDate,
  );
  return ahead ? { step: ahead, on: stepDate(s.dueDate, ahead) } : null;
};

/** "due in 3 days", "due today", "1 day overdue", "14 days overdue". */
export const whenWords = (dueDate: string, today: string, w: Translator = translator()): string => {
  const days = Math.round(
    (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${dueDate}T00:00:00Z`)) / 86_400_000,
  );
  if (days === 0) return w.t('reminder.when.today');
  if (days < 0)
    return days === -1 ? w.t('reminder.when.tomorrow') : w.t('reminder.when.inDays', { days: -days });
  return days === 1 ? w.t('reminder.when.oneDayOverdue') : w.t('reminder.when.daysOverdue', { days });
};

/** A step in the office's words: "3 days before the due date: friendly". */
export const TONE_WORDS: Record<ReminderTone, string> = {
  friendly: 'Friendly reminder',
  firm: 'Firm reminder',
  final: 'Final reminder',
  collections: 'Hand over for collection (tells billing only)',
};
export const stepWords = (days: number): string =>
  days === 0
    ? 'On the due date'
    : days < 0
      ? `${-days} ${days === -1 ? 'day' : 'days'} before the due date`
      : `${days} ${days === 1 ? 'day' : 'days'} after the due date`;

export const MAX_REMINDER_STEPS = 8;

/** What is wrong with a schedule, field by field (`steps.2.days`), so a form can show it all at once. */
export const scheduleProblems = (steps: readonly ReminderStep[], at = 'steps'): FieldProblem[] => {
  const problems: FieldProblem[] = [];
  if (steps.length === 0) problems.push({ field: at, message: 'a schedule needs at least one step' });
  if (steps.length > MAX_REMINDER_STEPS)
    problems.push({ field: at, message: `at most ${MAX_REMINDER_STEPS} steps` });
  const seen = new Set<number>();
  steps.forEach((st, i) => {
    if (seen.has(st.days))
      problems.push({
        field: `${at}.${i}.days`,
        message: `two steps on the same day (${stepWords(st.days)})`,
      });
    seen.add(st.days);
    if (st.lateFee && st.days <= 0)
      problems.push({
        field: `${at}.${i}.lateFee`,
        message: 'a late fee is charged only after the due date',
      });
    if (st.lateFee && st.tone === 'collections')
      problems.push({
        field: `${at}.${i}.lateFee`,
        message: 'a hand-over step writes to no customer: it charges no fee',
      });
    for (const part of ['subject', 'body'] as const) {
      const text = st[part];
      if (text === null) continue;
      if (text.trim() === '') problems.push({ field: `${at}.${i}.${part}`, message: 'must not be empty' });
      const unknown = unknownPlaceholders(text, REMINDER_FIELDS);
      if (unknown.length)
        problems.push({
          field: `${at}.${i}.${part}`,
          message: `unknown ${unknown.length > 1 ? 'placeholders' : 'placeholder'} ${unknown.map((u) => `{{${u}}}`).join(', ')}`,
        });
    }
  });
  return problems;
};

/** Where an invoice stands for reminders, at the moment one would go. */
export type ReminderStanding = {
  /** Sent by hand from the office: the organization's switch, the customer's exclusion and pause do not apply. */
  byHand: boolean;
  enabled: boolean;
  status: string;
  /** Open and owing: issued, sent or part paid, with something still to pay. */
  owed: boolean;
  disputed: boolean;
  excluded: boolean;
  pausedUntil: string | null;
  pauseReason: string | null;
  hasDueDate: boolean;
  today: string;
};

/** Why no reminder goes now, in the office's words; null when one may. Paid and disputed stop even a reminder by hand. */
export const reminderHold = (s: ReminderStanding): string | null => {
  if (!s.owed)
    return s.status === 'paid'
      ? 'It is paid'
      : s.status === 'credited'
        ? 'It was credited in full'
        : s.status === 'written_off'
          ? 'The rest was written off'
          : 'Nothing is owed on it';
  if (s.disputed) return 'The customer disputes it: settle the dispute first';
  if (s.byHand) return null;
  if (!s.enabled) return 'Payment reminders are turned off for your business';
  if (s.excluded) return 'This customer is never sent reminders';
  if (s.pausedUntil && s.pausedUntil >= s.today)
    return `Paused until ${printDate(s.pausedUntil)}${s.pauseReason ? `: ${s.pauseReason}` : ''}`;
  if (!s.hasDueDate) return 'It has no due date';
  return null;
};
