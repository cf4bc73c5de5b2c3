import { z } from 'zod';
import { LANGUAGES } from '../core/i18n/languages';
import { QUOTE_STATUSES } from '../core/quote-lifecycle';
import { REPEAT_EVERY } from '../core/quote-repeat';
import { MAX_VISITS } from '../core/visits';
import {
  Day,
  Decimal,
  DiscountPercent,
  Instant,
  NonNegativeUnitPrice,
  PageQuery,
  PositiveAmount,
  RetainagePercent,
  SignatureImage,
  UnitPrice,
} from './common';
import { CustomFieldValues } from './jobs';
import { TaxTreatmentView } from './work-orders';

/** A group of alternatives and the option a line is in it ("tier" / "better"): short, for the customer too. */
const OptionName = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[^.]+$/, 'no full stops');

export const QuoteLineInput = z.strictObject({
  /** Kept across edits so a customer's choice names the same line; a new line gets one. */
  id: z.uuid().optional(),
  /** From the price book: description, price and tax come from the item unless given here. */
  sku: z.string().trim().min(1).max(64).nullable().optional(),
  description: z.string().trim().min(1).max(500).optional(),
  quantity: Decimal.refine((v) => !v.startsWith('-'), 'must not be negative'),
  unitPrice: NonNegativeUnitPrice.optional(),
  /** The tax code; the price book item's, else the organization's default. */
  taxCodeId: z.uuid().nullable().optional(),
  option: z.strictObject({ group: OptionName, key: OptionName }).nullable().optional(),
  optional: z.boolean().optional(),
});
export type QuoteLineInput = z.infer<typeof QuoteLineInput>;

export const QuoteDepositInput = z.union([
  z.strictObject({ amount: PositiveAmount }),
  z.strictObject({ percent: DiscountPercent.refine((v) => Number(v) > 0, 'must be above 0') }),
]);

export const QuoteRepeatInput = z.strictObject({
  every: z.enum(REPEAT_EVERY),
  /** How many visits in all, the first included; none: until either side ends the series. */
  visits: z.number().int().min(2).max(520).nullable().optional(),
});

export const VisitWindowInput = z.strictObject({ start: Instant, end: Instant }).meta({ id: 'VisitWindow' });

const draftFields = {
  title: z.string().trim().min(1).max(200),
  lines: z.array(QuoteLineInput).min(1).max(200),
  discountPercent: DiscountPercent.nullable().optional(),
  deposit: QuoteDepositInput.nullable().optional(),
  depositBeforeWork: z.boolean().optional(),
  /** Retainage on the job's progress invoices, released by the final invoice. */
  retainagePercent: RetainagePercent.nullable().optional(),
  /** A service that repeats from the visit offered: the price is per visit; accepting books the series. */
  repeat: QuoteRepeatInput.nullable().optional(),
  validUntil: Day,
  visitStart: Instant.nullable().optional(),
  visitEnd: Instant.nullable().optional(),
  /** A project done over several days: the visits after the first, in order; accepting books them all. */
  laterVisits: z
    .array(VisitWindowInput)
    .max(MAX_VISITS - 1)
    .optional(),
  message: z.string().trim().max(4000).nullable().optional(),
  terms: z.string().trim().max(8000).nullable().optional(),
  internalNotes: z.string().trim().max(4000).nullable().optional(),
  poNumber: z.string().trim().max(100).nullable().optional(),
  /** The job type's own fields (a permit number …), checked against it; the accepted job carries them. */
  customFields: CustomFieldValues.optional(),
};

export const CreateQuoteBody = z.strictObject({
  customerId: z.uuid(),
  siteId: z.uuid(),
  jobTypeId: z.uuid(),
  ...draftFields,
});
export type CreateQuoteBody = z.infer<typeof CreateQuoteBody>;

/** A draft's content, replaced whole; `expectedVersion` is the quote version being edited. */
export const UpdateQuoteBody = z.strictObject({ expectedVersion: z.number().int().min(1), ...draftFields });
export type UpdateQuoteBody = z.infer<typeof UpdateQuoteBody>;

export const SendQuoteBody = z.strictObject({
  /** Another address than the customer's quote contact. */
  to: z.email().max(254).optional(),
});

export const QuoteReasonBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

export const QuoteChoiceBody = z.strictObject({
  options: z.record(z.string().max(40), z.string().max(40)).default({}),
  addOns: z.array(z.uuid()).max(200).default([]),
});

export const AcceptQuoteBody = z.strictObject({
  /** The version the customer saw: accepting a version that was replaced since is refused. */
  version: z.number().int().min(1),
  choice: QuoteChoiceBody,
  signerName: z.string().trim().min(2).max(200),
  /** The drawn signature. */
  signature: SignatureImage,
});

export const DeclineQuoteBody = z.strictObject({
  version: z.number().int().min(1),
  reason: z.string().trim().min(1).max(1000),
});

export const QuoteLine = z.object({
  id: z.uuid(),
  sku: z.string().nullable(),
  description: z.string(),
  quantity: z.string(),
  unitPrice: UnitPrice,
  taxCodeId: z.uuid().nullable(),
  tax: TaxTreatmentView,
  option: z.object({ group: z.string(), key: z.string() }).nullable(),
  optional: z.boolean(),
});

const Answer = z.object({
  choice: z.object({ options: z.record(z.string(), z.string()), addOns: z.array(z.string()) }).nullable(),
  acceptedTotal: Decimal.nullable(),
  depositDue: Decimal.nullable(),
  signerName: z.string().nullable(),
  declineReason: z.string().nullable(),
  answeredAt: Instant.nullable(),
});

const versionFields = {
  version: z.number().int(),
  status: z.enum(QUOTE_STATUSES),
  currency: z.string(),
  lines: z.array(QuoteLine),
  discountPercent: Decimal.nullable(),
  deposit: z.union([z.object({ amount: z.string() }), z.object({ percent: z.string() })]).nullable(),
  depositBeforeWork: z.boolean(),
  retainagePercent: Decimal.nullable(),
  repeat: z.object({ every: z.enum(REPEAT_EVERY), visits: z.number().int().nullable() }).nullable(),
  validUntil: Day,
  visitStart: Instant.nullable(),
  visitEnd: Instant.nullable(),
  laterVisits: z.array(VisitWindowInput),
  message: z.string().nullable(),
  terms: z.string().nullable(),
  poNumber: z.string().nullable(),
  /** Payable for the first option of each group and no add-ons. */
  total: Decimal,
  ...Answer.shape,
};

/** Photos from the site visit one quote carries. */
export const MAX_QUOTE_PHOTOS = 8;

export const Quote = z
  .object({
    id: z.uuid(),
    /** Photos from the site visit the customer sees with the offer (`/quotes/{id}/photos/{photoId}`). */
    photoIds: z.array(z.uuid()),
    number: z.string(),
    title: z.string(),
    customerId: z.uuid(),
    customerName: z.string(),
    siteId: z.uuid(),
    siteLabel: z.string(),
    jobTypeId: z.uuid(),
    ...versionFields,
    internalNotes: z.string().nullable(),
    /** The office's view only: a field not printed on the invoice is not the customer's to read. */
    customFields: z.record(z.string(), z.union([z.string(), z.number()])),
    sentTo: z.string().nullable(),
    sentAt: Instant.nullable(),
    viewedAt: Instant.nullable(),
    jobId: z.uuid().nullable(),
    /** A repeating service: the series its acceptance booked (jobId is its first visit). */
    seriesId: z.uuid().nullable(),
    jobNumber: z.string().nullable(),
    versions: z.array(
      z.object({ version: z.number().int(), status: z.enum(QUOTE_STATUSES), total: Decimal }),
    ),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'Quote' });
export type Quote = z.infer<typeof Quote>;

export const QuoteSummary = z
  .object({
    id: z.uuid(),
    number: z.string(),
    title: z.string(),
    customerId: z.uuid(),
    customerName: z.string(),
    version: z.number().int(),
    status: z.enum(QUOTE_STATUSES),
    currency: z.string(),
    total: Decimal,
    acceptedTotal: Decimal.nullable(),
    validUntil: Day,
    sentAt: Instant.nullable(),
    answeredAt: Instant.nullable(),
    jobId: z.uuid().nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'QuoteSummary' });

export const QuoteListQuery = PageQuery.extend({
  status: z.enum(QUOTE_STATUSES).optional(),
  customerId: z.uuid().optional(),
});

/** What the customer's link shows: no internal notes, no IDs of the office's records. */
export const PublicQuote = z
  .object({
    number: z.string(),
    /** How many photos from the visit: each at `/public/quotes/{token}/photos/{n}` (n from 1). */
    photos: z.number().int(),
    title: z.string(),
    organization: z.object({
      name: z.string(),
      brandColor: z.string(),
      hasLogo: z.boolean(),
      /** Where the page loads the business's logo (cacheable for good: it names the image's hash). */
      logoUrl: z.string().nullable(),
    }),
    customerName: z.string(),
    siteAddress: z.string(),
    scheme: z.enum(['vat', 'us_sales_tax']),
    timeZone: z.string(),
    /** The language the customer reads (theirs, else the business's): the page speaks it. */
    language: z.enum(LANGUAGES),
    ...versionFields,
    /** Whether the customer can still accept or decline this version, and why not when not. */
    open: z.boolean(),
    closedBecause: z.string().nullable(),
    jobNumber: z.string().nullable(),
    /**
     * Accepted with a deposit: its invoice once issued (what it asks and what is left), with its pay link
     * where the business takes payments online. Null before it is issued, and without a deposit.
     */
    depositInvoice: z
      .object({ number: z.string(), amount: Decimal, outstanding: Decimal, payUrl: z.string().nullable() })
      .nullable(),
  })
  .meta({ id: 'PublicQuote' });
export type PublicQuote = z.infer<typeof PublicQuote>;

export const QuoteTokenParams = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a quote link'),
});

/** Booking the visit of an accepted quote that offered none. */
export const BookQuoteBody = z.strictObject({
  windowStart: Instant,
  windowEnd: Instant,
  crew: z.array(z.uuid()).max(20).default([]),
});

export const QuotePipelineQuery = z.strictObject({
  /** Quotes made in this many days up to today. */
  days: z.coerce.number().int().min(7).max(730).default(90),
  /** An offer sent this many days ago with no answer is listed to follow up. */
  followUpDays: z.coerce.number().int().min(1).max(60).default(3),
});

export const QuotePipeline = z
  .object({
    from: Day,
    stages: z.array(
      z.object({
        status: z.enum(['draft', 'sent', 'viewed', 'accepted', 'declined', 'expired']),
        count: z.number().int(),
        values: z.array(z.object({ currency: z.string(), amount: Decimal })),
      }),
    ),
    /** Accepted over accepted, declined and expired (0 to 1); null before any was decided. */
    conversionRate: Decimal.nullable(),
    medianDaysToAccept: Decimal.nullable(),
    followUp: z.array(
      z.object({
        id: z.uuid(),
        number: z.string(),
        title: z.string(),
        customerName: z.string(),
        status: z.enum(QUOTE_STATUSES),
        currency: z.string(),
        total: Decimal,
        sentAt: Instant,
        viewedAt: Instant.nullable(),
      }),
    ),
  })
  .meta({ id: 'QuotePipeline' });

export const QuotePhotoParams = z.strictObject({ id: z.uuid(), photoId: z.uuid() });
export const PublicQuotePhotoParams = z.strictObject({
  token: QuoteTokenParams.shape.token,
  n: z.coerce.number().int().min(1).max(MAX_QUOTE_PHOTOS),
});

/**
 * A quote drafted on a job's site by the technician (an assessment visit), sent from the phone's outbox:
 * `id` is the phone's, so a retry after a lost answer drafts nothing twice. The customer, site and kind of
 * work are the job's; the office reviews the draft and sends it.
 */
export const OnSiteQuoteBody = z.strictObject({
  id: z.uuid(),
  title: z.string().trim().min(1).max(200),
  lines: z
    .array(
      z.strictObject({
        sku: z.string().trim().max(64).nullable().optional(),
        description: z.string().trim().min(1).max(500).optional(),
        quantity: Decimal.refine((v) => !v.startsWith('-'), 'must not be negative'),
        unitPrice: NonNegativeUnitPrice.optional(),
      }),
    )
    .min(1)
    .max(100),
  /** For the office, never the customer: what the technician saw and what the customer asked. */
  note: z.string().trim().max(4000).nullable().optional(),
  /** Photos of the visit already uploaded to the job, copied onto the quote as pixels only. */
  photoIds: z.array(z.uuid()).max(MAX_QUOTE_PHOTOS).optional(),
});
export type OnSiteQuoteBody = z.infer<typeof OnSiteQuoteBody>;

export const OnSiteQuote = z
  .object({ id: z.uuid(), number: z.string(), total: Decimal, photos: z.number().int() })
  .meta({ id: 'OnSiteQuote' });
