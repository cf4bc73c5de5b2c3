import { z } from 'zod';
import { CREDIT_REASONS } from '../core/invoice-document';
import { INVOICE_STATUSES } from '../core/invoice-lifecycle';
import {
  Day,
  Decimal,
  DiscountPercent,
  ExchangeRateValue,
  Instant,
  NonNegativeUnitPrice,
  RoundingIncrement,
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
    /** A progress bill of a fixed-price job: the percent complete it bills to, and its milestone. */
    progress: z.object({ percent: z.string(), milestone: z.string().nullable() }).nullable(),
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
    amountWrittenOff: z.string(),
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
  /** E-mail the customer a receipt for it (a refund's advice on a credit note) once it is recorded. */
  sendReceipt: z.boolean().optional(),
});

export const Payment = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid(),
    amount: z.string(),
    receivedOn: Day,
    method: z.string(),
    reference: z.string().nullable(),
    /** The day the customer's bank took it back (a chargeback): no longer counted. */
    reversedOn: Day.nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'Payment' });

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

/** The payments and refunds list: newest first, for a period of business days and one way of paying. */
export const PaymentListQuery = z.strictObject({
  from: Day.optional(),
  to: Day.optional(),
  method: z.enum(['card', 'bank_transfer', 'cash', 'check', 'other']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const PaymentEntry = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid(),
    number: z.string().nullable(),
    /** Money in on an invoice, or money back out on a credit note. */
    kind: z.enum(['payment', 'refund']),
    customerId: z.uuid().nullable(),
    customerName: z.string().nullable(),
    amount: z.string(),
    currency: z.string(),
    receivedOn: Day,
    method: z.enum(['card', 'bank_transfer', 'cash', 'check', 'other']),
    reference: z.string().nullable(),
    /** Taken through the online payment provider (a checkout, or a refund to the card). */
    online: z.boolean(),
    /** The day the customer's bank took it back, when it did. */
    reversedOn: Day.nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'PaymentEntry' });
