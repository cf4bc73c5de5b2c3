import { z } from 'zod';
import { CHANGE_ORDER_STATUSES } from '../core/change-orders';
import { LANGUAGES } from '../core/i18n/languages';
import { Decimal, Instant, NonNegativeUnitPrice, SignatureImage, UnitPrice } from './common';

const PositiveQuantity = Decimal.refine((v) => !v.startsWith('-') && Number(v) > 0, 'must be above 0');

export const ChangeOrderLineInput = z.strictObject({
  /** Work added to the agreed scope, or taken off it (a reprice is one of each). */
  change: z.enum(['add', 'remove']),
  /** From the price book: description and price come from the item unless given here. */
  sku: z.string().trim().min(1).max(64).nullable().optional(),
  description: z.string().trim().min(1).max(500).optional(),
  quantity: PositiveQuantity,
  unitPrice: NonNegativeUnitPrice.optional(),
});
export type ChangeOrderLineInput = z.infer<typeof ChangeOrderLineInput>;

/** Photos one change order shows the customer. */
export const MAX_CHANGE_ORDER_PHOTOS = 6;

export const CreateChangeOrderBody = z.strictObject({
  /** Why the scope changes, in words the customer reads on the approval page and the invoice. */
  reason: z.string().trim().min(3).max(1000),
  lines: z.array(ChangeOrderLineInput).min(1).max(100),
  /** Photos of the job (its attachments) that show why, at most MAX_CHANGE_ORDER_PHOTOS, each once. */
  photoIds: z
    .array(z.uuid())
    .max(MAX_CHANGE_ORDER_PHOTOS)
    .refine((ids) => new Set(ids).size === ids.length, 'names a photo twice')
    .optional(),
});
export type CreateChangeOrderBody = z.infer<typeof CreateChangeOrderBody>;

/** The customer signs on the technician's (or the office's) screen, in person. */
export const ApproveInPersonBody = z.strictObject({
  signerName: z.string().trim().min(2).max(200),
  signature: SignatureImage,
  /** The agreed price after the change as the signer was shown it: refused if it has moved since. */
  afterTotal: Decimal.optional(),
});

export const SendChangeOrderBody = z.strictObject({
  /** Another address than the customer's invoice contact. */
  to: z.email().max(254).optional(),
});

export const ChangeOrderReasonBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

export const ChangeOrderLineView = z.object({
  change: z.enum(['add', 'remove']),
  sku: z.string().nullable(),
  description: z.string(),
  quantity: Decimal,
  unitPrice: UnitPrice,
  /** The tax code of the line it takes off, when that line was taxed apart from its item. */
  taxCodeId: z.uuid().nullable(),
});

const common = {
  seq: z.number().int(),
  /** "J-1042 change order 2". */
  name: z.string(),
  status: z.enum(CHANGE_ORDER_STATUSES),
  reason: z.string(),
  lines: z.array(ChangeOrderLineView),
  currency: z.string(),
  /** The job's agreed price (payable, tax included) before and after this change. */
  beforeTotal: Decimal,
  afterTotal: Decimal,
  difference: Decimal,
  signerName: z.string().nullable(),
  signedInPerson: z.boolean().nullable(),
  declineReason: z.string().nullable(),
  answeredAt: Instant.nullable(),
};

export const ChangeOrder = z
  .object({
    id: z.uuid(),
    jobId: z.uuid(),
    ...common,
    /** The job's photos (attachments) that show why, in order. */
    photoIds: z.array(z.uuid()),
    sentTo: z.string().nullable(),
    sentAt: Instant.nullable(),
    viewedAt: Instant.nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'ChangeOrder' });
export type ChangeOrderView = z.infer<typeof ChangeOrder>;

/** What the customer's link shows: no IDs of the office's records, no internal notes. */
export const PublicChangeOrder = z
  .object({
    ...common,
    jobNumber: z.string(),
    organization: z.object({ name: z.string(), brandColor: z.string() }),
    customerName: z.string(),
    siteAddress: z.string(),
    scheme: z.enum(['vat', 'us_sales_tax']),
    timeZone: z.string(),
    /** The language the customer reads (theirs, else the business's): the page speaks it. */
    language: z.enum(LANGUAGES),
    open: z.boolean(),
    closedBecause: z.string().nullable(),
    /** How many photos show why: each at `/public/change-orders/{token}/photos/{n}` (n from 1). */
    photos: z.number().int(),
  })
  .meta({ id: 'PublicChangeOrder' });
export type PublicChangeOrder = z.infer<typeof PublicChangeOrder>;

export const ChangeOrderTokenParams = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a change order link'),
});

export const ApproveByLinkBody = ApproveInPersonBody;
export const DeclineChangeOrderBody = ChangeOrderReasonBody;

export const JobChangeOrderParams = z.strictObject({ id: z.uuid() });

export const ChangeOrderPhotoParams = z.strictObject({
  token: ChangeOrderTokenParams.shape.token,
  n: z.coerce.number().int().min(1).max(MAX_CHANGE_ORDER_PHOTOS),
});
