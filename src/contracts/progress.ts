import { z } from 'zod';
import { INVOICE_STATUSES } from '../core/invoice-lifecycle';
import { decimalOf } from './common';
import { TaxTreatmentView } from './work-orders';

/** The next step of a fixed-price job's contract: billed to this cumulative percent complete. */
export const BillProgressBody = z.strictObject({
  percent: z
    .string()
    .regex(/^\d{1,2}(\.\d{1,2})?$/, 'a percent complete like "30" or "62.5"')
    .refine((v) => {
      const d = decimalOf(v);
      return d ? d.gt(0) && d.lt(100) : true;
    }, 'must be above 0 and below 100: the final invoice bills the rest'),
  /** What the step is called on the invoice ("Rough-in done"); "Progress" when absent. */
  milestone: z.string().trim().max(80).nullable().optional(),
});

export const ProgressStep = z.object({
  invoiceId: z.uuid(),
  number: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES),
  percent: z.string(),
  milestone: z.string().nullable(),
  amount: z.string(),
  /** Held back from this step as retainage, tax included. */
  retained: z.string(),
});

export const JobProgress = z
  .object({
    /** Whether the job is billed in steps at all: a fixed-price job with its agreed price. */
    applies: z.boolean(),
    currency: z.string(),
    /** The contract's value, tax included: the estimate and the approved change orders, less the discount. */
    contract: z.string(),
    /** Billed against it so far: the deposit and the steps, less credits. */
    billed: z.string(),
    remaining: z.string(),
    /** The highest percent complete billed so far. */
    percentBilled: z.string(),
    /** What a step is priced from (the contract's VAT groups): the browser shows its amount live. */
    groups: z.array(z.object({ tax: TaxTreatmentView, net: z.string() })),
    decimals: z.number().int(),
    /** How a step is taxed: VAT groups, or none (US sales tax, payment requests). */
    scheme: z.enum(['vat', 'us_sales_tax']),
    /** The percent of each step held back until the work is complete; null: no retainage. */
    retainagePercent: z.string().nullable(),
    /** Held back by the issued steps so far, tax included: the final invoice releases it. */
    retained: z.string(),
    open: z.boolean(),
    closedReason: z.string().nullable(),
    steps: z.array(ProgressStep),
  })
  .meta({ id: 'JobProgress' });

export const BilledStep = z.object({
  invoiceId: z.uuid(),
  number: z.string().nullable(),
  status: z.string(),
});
