import { z } from 'zod';
import { MAX_REMINDER_STEPS, REMINDER_FIELDS, REMINDER_TONES, scheduleProblems } from '../core/reminders';
import { EmailTemplateText } from './billing';
import { Day, Instant, PositiveAmount } from './common';

/** Collections (#24): payment reminder schedules, a customer's reminder standing, an invoice's reminders. */

export const ReminderTone = z.enum(REMINDER_TONES);

export const ReminderStep = z.strictObject({
  /** Days from the due date: −3 is three days before it, 7 a week after. */
  days: z.number().int().min(-60).max(365),
  tone: ReminderTone,
  /** The e-mail's subject and text with placeholders such as {{amount}} and {{payLink}}; null: the tone's. */
  subject: EmailTemplateText(200, REMINDER_FIELDS).nullable(),
  body: EmailTemplateText(5000, REMINDER_FIELDS).nullable(),
  /** A late fee charged when this step goes (after the due date), as its own invoice within the schedule's cap. */
  lateFee: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('fixed'), amount: PositiveAmount }),
      z.strictObject({
        kind: z.literal('percent'),
        rate: PositiveAmount.refine((v) => Number(v) <= 25, 'at most 25 %'),
      }),
    ])
    .nullable()
    .optional(),
});

export const ReminderScheduleBody = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    steps: z.array(ReminderStep).min(1).max(MAX_REMINDER_STEPS),
    /** The most late fees the schedule charges on one invoice, all steps together (the invoice's currency). */
    lateFeeCap: PositiveAmount.nullable().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.steps.some((s) => s.lateFee) && !body.lateFeeCap)
      ctx.addIssue({
        code: 'custom',
        path: ['lateFeeCap'],
        message: 'set the most late fees may add up to on one invoice',
      });
    for (const p of scheduleProblems(body.steps).filter((x) => x.field.endsWith('.lateFee')))
      ctx.addIssue({
        code: 'custom',
        path: p.field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
        message: p.message,
      });
    // Two steps on one day: the shape is fine, the schedule is not.
    for (const p of scheduleProblems(body.steps).filter((x) => x.field.endsWith('.days')))
      ctx.addIssue({
        code: 'custom',
        path: p.field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
        message: p.message,
      });
  });

export const ReminderSchedule = z
  .object({
    id: z.uuid(),
    name: z.string(),
    isDefault: z.boolean(),
    steps: z.array(ReminderStep),
    lateFeeCap: z.string().nullable(),
    /** Customers put on this schedule by name (the default's count excludes those on none). */
    customers: z.number().int(),
    version: z.number().int(),
  })
  .meta({ id: 'ReminderSchedule' });

/** A customer's standing for reminders: which schedule, none at all, or a pause until a date (a promise to pay). */
export const CustomerReminders = z
  .object({
    scheduleId: z.uuid().nullable(),
    excluded: z.boolean(),
    pausedUntil: Day.nullable(),
    pauseReason: z.string().nullable(),
  })
  .meta({ id: 'CustomerReminders' });

export const CustomerRemindersBody = z
  .strictObject({
    /** null: the organization's default schedule. */
    scheduleId: z.uuid().nullable(),
    excluded: z.boolean(),
    pausedUntil: Day.nullable(),
    /** Why (e.g. "promised to pay on the 20th"); required with a pause. */
    pauseReason: z.string().trim().max(300).nullable(),
  })
  .superRefine((b, ctx) => {
    if (b.pausedUntil && !b.pauseReason)
      ctx.addIssue({ code: 'custom', path: ['pauseReason'], message: 'say why reminders are paused' });
  });

export const InvoiceReminder = z
  .object({
    id: z.uuid(),
    /** The step's days from the due date; null when sent by hand. */
    stepDays: z.number().int().nullable(),
    tone: ReminderTone,
    dueOn: Day,
    status: z.enum(['queued', 'sent', 'stopped']),
    stoppedBecause: z.string().nullable(),
    recipients: z.array(z.string()),
    subject: z.string().nullable(),
    byHand: z.boolean(),
    createdAt: Instant,
    sentAt: Instant.nullable(),
  })
  .meta({ id: 'InvoiceReminder' });

export const InvoiceReminders = z.object({
  items: z.array(InvoiceReminder),
  /** The next step of the customer's schedule and its date; null when none is ahead. */
  next: z.object({ on: Day, tone: ReminderTone, stepDays: z.number().int() }).nullable(),
  /** Why this invoice gets no reminders now, in words; null when it does. */
  heldBecause: z.string().nullable(),
  scheduleName: z.string().nullable(),
  /** The late fees its steps charged, each an invoice of its own. */
  lateFees: z.array(
    z.object({ id: z.uuid(), number: z.string().nullable(), amount: z.string(), status: z.string() }),
  ),
});

export const SendReminderBody = z.strictObject({});

export const StatementQuery = z.strictObject({
  /** The period's first day; default: the first of the month three months before its end. */
  from: Day.optional(),
  /** The period's last day; default: today in the organization's time zone. */
  to: Day.optional(),
  /** Default: the customer's invoicing currency. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')
    .optional(),
});

export const StatementSendBody = StatementQuery;

const Amount = z.string();
export const StatementView = z
  .object({
    customerName: z.string(),
    currency: z.string(),
    from: Day,
    to: Day,
    opening: Amount,
    closing: Amount,
    overdue: Amount,
    /** Credits the customer holds (zero or negative). */
    credits: Amount,
    lines: z.array(
      z.object({
        date: Day,
        kind: z.enum(['invoice', 'credit_note', 'payment', 'payment_reversed', 'refund', 'written_off']),
        number: z.string(),
        reference: z.string().nullable(),
        amount: Amount,
        balance: Amount,
      }),
    ),
    open: z.array(
      z.object({
        number: z.string(),
        issueDate: z.string(),
        dueDate: Day.nullable(),
        amount: Amount,
        daysOverdue: z.number().int(),
        band: z.enum(['current', 'days_1_30', 'days_31_60', 'days_61_90', 'days_over_90']),
      }),
    ),
    aging: z.array(
      z.object({
        band: z.enum(['current', 'days_1_30', 'days_31_60', 'days_61_90', 'days_over_90']),
        amount: Amount,
      }),
    ),
    monthly: z.boolean(),
  })
  .meta({ id: 'Statement' });

export const StatementPreferencesBody = z.strictObject({
  /** Last month's statement by e-mail on the first of each month. */
  monthly: z.boolean(),
});

const ForecastItemView = z.object({
  kind: z.enum(['invoice', 'work', 'quote']),
  id: z.uuid(),
  label: z.string(),
  amount: z.string(),
  expectedOn: Day,
  probability: z.number(),
});

/** The next 13 weeks of cash: expected with an 80 % band, the items behind each week, and how good past weeks were. */
export const CashForecast = z
  .object({
    currency: z.string(),
    today: Day,
    weeks: z.array(
      z.object({
        weekStart: Day,
        expected: z.string(),
        low: z.string(),
        high: z.string(),
        items: z.array(ForecastItemView),
      }),
    ),
    assumptions: z.object({
      averageDaysLate: z.number(),
      completionRate: z.number(),
      quoteProbability: z.number(),
    }),
    accuracy: z.array(
      z.object({ weekStart: Day, forecast: z.string(), actual: z.string(), accuracy: z.number().nullable() }),
    ),
  })
  .meta({ id: 'CashForecast' });
