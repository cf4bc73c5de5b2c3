import { z } from 'zod';
import { CREDIT_REASONS } from '../core/invoice-document';
import { INVOICE_STATUSES } from '../core/invoice-lifecycle';
import { INVOICE_EMAIL_FIELDS, unknownPlaceholders } from '../core/message-template';
import {
  CurrencyCode,
  Day,
  Decimal,
  DiscountPercent,
  ExchangeRateValue,
  Instant,
  isZeroDecimal,
  NonNegativeUnitPrice,
  PeppolEndpoint,
  RoundingIncrement,
  VatId,
} from './common';

/** Signed decimal quantities (credit notes may carry negative lines). */
const Quantity = z.string().regex(/^-?\d{1,12}(\.\d{1,6})?$/, 'must be a decimal string like "1.5"');
const Percent = z.string().regex(/^\d{1,3}(\.\d{1,4})?$/, 'must be a percent like "10" or "8.875"');

const Adjustment = z
  .strictObject({
    amount: Decimal.optional(),
    percent: Percent.optional(),
    reason: z.string().trim().min(1).max(200),
    reasonCode: z.string().trim().max(10).optional(),
  })
  .refine((a) => (a.amount === undefined) !== (a.percent === undefined), {
    message: 'give either an amount or a percent',
    path: ['amount'],
  });

export const PreviewBody = z.strictObject({
  kind: z.enum(['invoice', 'credit_note']).default('invoice'),
  /** ISO 4217; the organization's currency when absent. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
  lines: z
    .array(
      z.strictObject({
        description: z.string().max(300).optional(),
        quantity: Quantity,
        unitPrice: NonNegativeUnitPrice,
        /** BT-148: the list price when unitPrice is below it (the difference is shown as BT-147). */
        grossPrice: NonNegativeUnitPrice.optional(),
        baseQuantity: Quantity.optional(),
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/)
          .optional(),
        /** A tax code of the organization, by code (S-STD, Z, E, …). */
        taxCode: z.string().min(1).max(40),
        allowances: z.array(Adjustment).max(10).optional(),
        charges: z.array(Adjustment).max(10).optional(),
      }),
    )
    .min(1)
    .max(500),
  allowances: z
    .array(Adjustment.and(z.object({ taxCode: z.string().min(1).max(40) })))
    .max(20)
    .optional(),
  charges: z
    .array(Adjustment.and(z.object({ taxCode: z.string().min(1).max(40) })))
    .max(20)
    .optional(),
  discountPercent: DiscountPercent.optional(),
  prepaid: Decimal.optional(),
  /** Cash rounding of the amount due (BT-114), e.g. "0.05"; the organization's setting when absent, "0" for none. */
  payableRoundingIncrement: RoundingIncrement.optional(),
  /**
   * With a `currency` other than the organization's (VAT organizations): units of the organization's
   * currency per unit of `currency`, to state the VAT in the organization's currency too (BT-6, BT-111).
   */
  exchangeRate: ExchangeRateValue.optional(),
});
export type PreviewBody = z.infer<typeof PreviewBody>;

const TaxView = z.object({
  category: z.string().nullable(),
  rate: z.string(),
  exemptionReasonCode: z.string().nullable().optional(),
  exemptionReason: z.string().nullable().optional(),
  jurisdiction: z.string().nullable().optional(),
});
const AdjustmentView = z.object({
  amount: z.string(),
  baseAmount: z.string().nullable(),
  percent: z.string().nullable(),
  reason: z.string(),
  reasonCode: z.string().nullable(),
});
const DocAdjustmentView = AdjustmentView.extend({ chargeIndicator: z.boolean(), tax: TaxView });
export const TotalsView = z
  .object({
    lineTotal: z.string(),
    allowanceTotal: z.string(),
    chargeTotal: z.string(),
    taxExclusive: z.string(),
    taxTotal: z.string(),
    taxInclusive: z.string(),
    prepaid: z.string(),
    rounding: z.string(),
    payable: z.string(),
  })
  .meta({ id: 'InvoiceTotals' });
/** BT-6 and BT-111: the VAT total in the organization's currency, and the rate it was converted at. */
export const TaxCurrencyView = z
  .object({ code: z.string(), rate: z.string(), rateDate: Day, taxTotal: z.string() })
  .meta({ id: 'TaxCurrency' });
const SubtotalView = z.object({
  category: z.string().nullable(),
  rate: z.string(),
  jurisdiction: z.string().nullable(),
  exemptionReasonCode: z.string().nullable(),
  exemptionReason: z.string().nullable(),
  taxableAmount: z.string(),
  taxAmount: z.string(),
});
const LineView = z.object({
  position: z.number().int(),
  description: z.string(),
  sku: z.string().nullable(),
  unitCode: z.string(),
  kind: z.string(),
  jobNumber: z.string().nullable(),
  serviceDate: z.string().nullable(),
  quantity: z.string(),
  unitPrice: z.string(),
  baseQuantity: z.string(),
  /** BT-148 and BT-147: the list price and the discount from it, when the line was priced below it. */
  grossPrice: z.string().nullable().optional(),
  priceDiscount: z.string().nullable().optional(),
  allowances: z.array(AdjustmentView),
  charges: z.array(AdjustmentView),
  netAmount: z.string(),
  tax: TaxView,
});

export const PreviewView = z
  .object({
    currency: z.string(),
    decimals: z.number().int(),
    lines: z.array(
      LineView.omit({
        position: true,
        sku: true,
        unitCode: true,
        kind: true,
        jobNumber: true,
        serviceDate: true,
        description: true,
      }),
    ),
    allowances: z.array(DocAdjustmentView),
    charges: z.array(DocAdjustmentView),
    taxSubtotals: z.array(SubtotalView),
    totals: TotalsView,
    taxCurrency: TaxCurrencyView.nullable().optional(),
  })
  .meta({ id: 'InvoicePreview' });

export const Invoice = z
  .object({
    id: z.uuid(),
    kind: z.enum(['invoice', 'deposit_invoice', 'credit_note']),
    status: z.enum(INVOICE_STATUSES),
    number: z.string().nullable(),
    profile: z.enum(['peppol', 'en16931', 'us_sales_tax', 'payment_request']).nullable(),
    jobId: z.uuid().nullable(),
    jobNumbers: z.array(z.string()),
    seriesId: z.uuid().nullable(),
    /** Whose document it is (the job's, the series' or the corrected invoice's customer). */
    customerId: z.uuid().nullable(),
    correctsInvoiceId: z.uuid().nullable(),
    creditReason: z.string().nullable(),
    buyer: z.string().nullable(),
    currency: z.string(),
    issueDate: Day.nullable(),
    dueDate: Day.nullable(),
    periodStart: Day.nullable(),
    periodEnd: Day.nullable(),
    poNumber: z.string().nullable(),
    memo: z.string().nullable(),
    lines: z.array(LineView),
    allowances: z.array(DocAdjustmentView),
    charges: z.array(DocAdjustmentView),
    taxSubtotals: z.array(SubtotalView),
    totals: TotalsView.nullable(),
    /** A document in a currency other than the organization's: the VAT in the organization's currency and the rate. */
    taxCurrency: TaxCurrencyView.nullable(),
    /** Units of the organization's currency per unit of `currency` (1 when they are the same). */
    exchangeRate: z.string(),
    amountPaid: z.string(),
    amountCredited: z.string(),
    outstanding: z.string(),
    exceptions: z.array(z.string()),
    holdReasons: z.array(z.object({ code: z.string(), message: z.string() })),
    createdAt: Instant,
    issuedAt: Instant.nullable(),
    sentAt: Instant.nullable(),
    paidAt: Instant.nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'Invoice' });

export const InvoiceListQuery = z.strictObject({
  status: z.enum(INVOICE_STATUSES).optional(),
  kind: z.enum(['invoice', 'deposit_invoice', 'credit_note']).optional(),
  jobId: z.uuid().optional(),
  /** The billing queue's filters: the job's customer and type, and when the document was drafted. */
  customerId: z.uuid().optional(),
  /** The credit notes that correct this invoice. */
  correctsInvoiceId: z.uuid().optional(),
  jobTypeId: z.uuid().optional(),
  createdFrom: Instant.optional(),
  createdTo: Instant.optional(),
  /** Receivables: only what customers still owe; `overdue=true` only what is past its due date today. */
  open: z.enum(['true', 'false']).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  /** Part of an invoice number or of the customer's name. */
  q: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const UpdateDraftBody = z.strictObject({ memo: z.string().trim().max(2000).nullable().optional() });

export const CreditNoteBody = z.strictObject({
  reason: z.enum(CREDIT_REASONS),
  memo: z.string().trim().max(2000).nullable().optional(),
  /** Absent: credit the whole invoice. Present: credit these lines (by position) and quantities. */
  lines: z
    .array(z.strictObject({ position: z.number().int().min(1), quantity: Quantity }))
    .min(1)
    .max(500)
    .optional(),
});

export const PaymentBody = z.strictObject({
  invoiceId: z.uuid(),
  amount: Decimal.refine((v) => Number(v) > 0, 'must be above 0'),
  receivedOn: Day,
  method: z.enum(['card', 'bank_transfer', 'cash', 'check', 'other']),
  reference: z.string().trim().min(1).max(100).nullable().optional(),
});

export const Payment = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid(),
    amount: z.string(),
    receivedOn: Day,
    method: z.string(),
    reference: z.string().nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'Payment' });

const EmailTemplateText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((text, ctx) => {
      const unknown = unknownPlaceholders(text);
      if (unknown.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `has ${unknown.map((u) => `{{${u}}}`).join(', ')}, which Closeout cannot fill; use ${Object.keys(
            INVOICE_EMAIL_FIELDS,
          )
            .map((f) => `{{${f}}}`)
            .join(', ')}`,
        });
    });

export const BillingSettingsBody = z.strictObject({
  invoiceAutoIssue: z.boolean().optional(),
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

export const AGING_BUCKET_KEYS = [
  'current',
  'days_1_30',
  'days_31_60',
  'days_61_90',
  'days_over_90',
] as const;

/** What customers owe, per currency, aged past the due date; and who owes the most. */
export const Receivables = z
  .object({
    asOf: Day,
    currencies: z.array(
      z.object({
        currency: z.string(),
        outstanding: z.string(),
        overdue: z.string(),
        count: z.number().int(),
        buckets: z.array(
          z.object({ bucket: z.enum(AGING_BUCKET_KEYS), amount: z.string(), count: z.number().int() }),
        ),
      }),
    ),
    debtors: z.array(
      z.object({
        customerId: z.uuid(),
        name: z.string(),
        currency: z.string(),
        count: z.number().int(),
        outstanding: z.string(),
        overdue: z.string(),
        oldestDue: Day.nullable(),
      }),
    ),
  })
  .meta({ id: 'Receivables' });

export const ReceivablesQuery = z.strictObject({ customerId: z.uuid().optional() });
