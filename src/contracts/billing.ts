import { z } from 'zod';
import { INVOICE_EMAIL_FIELDS, unknownPlaceholders } from '../core/message-template';
import {
  CurrencyCode,
  Day,
  ExchangeRateValue,
  Instant,
  isZeroDecimal,
  NonNegativeAmount,
  PeppolEndpoint,
  RoundingIncrement,
  VatId,
} from './common';

/** How an organization invoices: its billing settings, cycle runs and exchange rates. */

/** A message template: trimmed, bounded, and only placeholders Closeout can fill. */
export const EmailTemplateText = (
  max: number,
  fields: Readonly<Record<string, string>> = INVOICE_EMAIL_FIELDS,
) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((text, ctx) => {
      const unknown = unknownPlaceholders(text, fields);
      if (unknown.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `has ${unknown.map((u) => `{{${u}}}`).join(', ')}, which Closeout cannot fill; use ${Object.keys(
            fields,
          )
            .map((f) => `{{${f}}}`)
            .join(', ')}`,
        });
    });

export const INVOICE_AUTO_SEND = ['off', 'at_once', 'at_hour'] as const;

export const BillingSettingsBody = z.strictObject({
  invoiceAutoIssue: z.boolean().optional(),
  /** Issued invoices sent by themselves: at once, at the local hour below, or only when someone clicks Send. */
  invoiceAutoSend: z.enum(INVOICE_AUTO_SEND).optional(),
  invoiceAutoSendHour: z.number().int().min(0).max(23).optional(),
  depositModel: z.enum(['advance_invoice', 'payment_request']).optional(),
  laborPricing: z.enum(['price_book', 'technician_rate']).optional(),
  /** Cash rounding of the amount due (BT-114): 0.05 (CHF), 1 (SEK cash), or null for none. */
  payableRoundingIncrement: RoundingIncrement.refine((v) => !isZeroDecimal(v), 'must be above 0')
    .nullable()
    .optional(),
  brandColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a color like #1f6feb')
    .optional(),
  iban: z
    .string()
    .regex(/^[A-Z]{2}\d{2}[A-Z0-9 ]{10,34}$/, 'an IBAN')
    .nullable()
    .optional(),
  companyId: z.string().trim().max(60).nullable().optional(),
  vatId: VatId.nullable().optional(),
  peppolEndpoint: PeppolEndpoint.nullable().optional(),
  address: z
    .strictObject({
      line1: z.string().trim().min(1).max(200),
      line2: z.string().trim().max(200).optional(),
      city: z.string().trim().min(1).max(100),
      region: z.string().trim().max(100).optional(),
      postalCode: z.string().trim().min(1).max(20),
      country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2'),
    })
    .optional(),
  paymentTermsDays: z.number().int().min(0).max(365).optional(),
  /** Remind billing of a sent quote with no answer after this many days; null turns reminders off. */
  quoteFollowUpDays: z.number().int().min(1).max(60).nullable().optional(),
  /** Follow up overdue invoices by the reminder schedules. */
  remindersEnabled: z.boolean().optional(),
  /** The local hour from which the day's reminders go out (0–23, the organization's time zone). */
  reminderHour: z.number().int().min(0).max(23).optional(),
  /** Billing writes off balances up to this (the organization's currency) itself; null: the owner approves all. */
  writeOffApprovalAbove: NonNegativeAmount.nullable().optional(),
  /** The invoice e-mail, with placeholders such as {{customer}} and {{amountLine}}; null: the default. */
  invoiceEmail: z
    .strictObject({ subject: EmailTemplateText(200), body: EmailTemplateText(5000) })
    .nullable()
    .optional(),
});

export const CycleInvoiceBody = z.strictObject({ periodStart: Day, periodEnd: Day });

const BillingCycle = z.enum(['weekly', 'monthly', 'quarterly']);
export const CycleRunBody = z.strictObject({
  /** The series the run covers: those billed on this cycle. */
  billingCycle: BillingCycle.default('monthly'),
  periodStart: Day,
  periodEnd: Day,
});

/** A run that invoices every series billed on a cycle for a period; `done` of `total` is its progress. */
export const CycleRun = z.object({
  id: z.uuid(),
  periodStart: Day,
  periodEnd: Day,
  billingCycle: BillingCycle,
  status: z.enum(['queued', 'running', 'finished']),
  /** Per-cycle series with visits in the period; null until the run starts. */
  total: z.number().int().nullable(),
  done: z.number().int(),
  /** Cycle invoices issued. */
  issued: z.number().int(),
  /** Cycle invoices made as drafts that wait for a person (auto-issue off, PO missing). */
  held: z.number().int(),
  /** Series with no invoice-ready visit (all unfinished, or the cycle already invoiced). */
  nothingReady: z.number().int(),
  failed: z.number().int(),
  createdAt: Instant,
  startedAt: Instant.nullable(),
  finishedAt: Instant.nullable(),
});
export const CycleRunDetail = CycleRun.extend({
  /** The series the run did not issue an invoice for, and why (the first 200). */
  problems: z.array(
    z.object({
      seriesId: z.uuid(),
      customer: z.string(),
      scope: z.string().nullable(),
      outcome: z.enum(['held', 'nothing_ready', 'failed']),
      invoiceId: z.uuid().nullable(),
      message: z.string(),
    }),
  ),
});

export const ExchangeRateBody = z.strictObject({
  currency: CurrencyCode,
  /** The first day the rate applies to; it applies until the next recorded day. */
  validFrom: Day,
  /** Units of the organization's currency per unit of `currency` (1 GBP = 1.1712 EUR: "1.1712"). */
  rate: ExchangeRateValue,
  /** Where the figure comes from, printed beside it on documents (e.g. "ECB reference rate"). */
  source: z.string().trim().max(100).nullable().optional(),
});

export const ExchangeRate = z
  .object({
    currency: z.string(),
    validFrom: Day,
    rate: z.string(),
    source: z.string().nullable(),
    updatedAt: Instant,
  })
  .meta({ id: 'ExchangeRate' });
