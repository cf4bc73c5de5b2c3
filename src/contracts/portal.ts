import { z } from 'zod';
import { DISPUTE_REASONS, DISPUTE_RESOLUTIONS } from '../core/disputes';
import { LANGUAGES } from '../core/i18n/languages';
import { MAX_FEE_PERCENT } from '../core/online-fee';
import { Decimal, Instant } from './common';

/** A portal link's token: what the e-mail's link carries after #/account/. */
export const PortalTokenParams = z.strictObject({ token: z.string().min(20).max(200) });
export const PortalDocumentParams = PortalTokenParams.extend({ id: z.uuid() });
/** A business's logo on the customer's pages: its organization and the image's SHA-256. */
export const PublicLogoParams = z.strictObject({
  organizationId: z.uuid(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export const PortalPhotoParams = PortalDocumentParams.extend({ photoId: z.uuid() });
export const PortalPhotoQuery = z.strictObject({ size: z.enum(['small', 'large']).default('small') });

/** The proof of the work a document bills, as the customer sees it. */
export const PortalProof = z
  .object({
    jobNumber: z.string().nullable(),
    completedAt: Instant.nullable(),
    timeZone: z.string(),
    /** The checklist items done, in the technician's words. */
    work: z.array(z.string()),
    notes: z.string(),
    photos: z.array(z.object({ id: z.uuid(), category: z.string(), capturedAt: Instant.nullable() })),
    signature: z.object({ signerName: z.string(), signedAt: z.string(), photoId: z.uuid() }).nullable(),
    workReport: z.boolean(),
  })
  .meta({ id: 'PortalProof' });
export type PortalProof = z.infer<typeof PortalProof>;

export const PortalDocument = z
  .object({
    id: z.uuid(),
    number: z.string(),
    kind: z.enum(['invoice', 'deposit_invoice', 'credit_note']),
    issueDate: z.string().nullable(),
    dueDate: z.string().nullable(),
    currency: z.string(),
    total: Decimal,
    outstanding: Decimal,
    overdue: z.boolean(),
    paidAt: Instant.nullable(),
    jobNumber: z.string().nullable(),
    /** The organization takes payments online and something is left to pay. */
    payOnline: z.boolean(),
    /**
     * The convenience fee for paying what is outstanding online, where the organization charges one: shown
     * before paying, added at the provider, and invoiced on its own document once paid.
     */
    onlineFee: Decimal.nullable(),
    /** A payment was started and its result has not arrived from the provider yet. */
    paymentPending: z.boolean(),
    /** The work it bills has proof to show: photos, the signature, the work report. */
    proof: z.boolean(),
    /** Offered as an e-invoice (UBL) too: the customer is a business. */
    ubl: z.boolean(),
    /** The customer's latest "Something's wrong" about it, in words, and the answer once settled. */
    dispute: z
      .object({
        reason: z.string(),
        comment: z.string(),
        open: z.boolean(),
        reply: z.string().nullable(),
        /** How many photos the customer sent with it (at most MAX_DISPUTE_PHOTOS). */
        photos: z.number().int(),
      })
      .nullable(),
  })
  .meta({ id: 'PortalDocument' });
export type PortalDocument = z.infer<typeof PortalDocument>;

/** The customer's page: what is open to pay, oldest first, and what was paid or credited. */
export const PortalView = z
  .object({
    organization: z.object({ name: z.string(), brandColor: z.string(), logoUrl: z.string().nullable() }),
    /** The language the customer reads (theirs, else the business's): the page speaks it. */
    language: z.enum(LANGUAGES),
    customerName: z.string(),
    open: z.array(PortalDocument),
    settled: z.array(PortalDocument),
  })
  .meta({ id: 'PortalView' });
export type PortalView = z.infer<typeof PortalView>;

/** A pay link's token: what the invoice PDF's link and QR code carry after #/pay/ (64 bytes, base64url). */
export const PayTokenParams = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a pay link'),
});

/** What a pay link opens: one document, paying it, and the bank transfer details. */
export const PayView = z
  .object({
    organization: z.object({ name: z.string(), brandColor: z.string(), logoUrl: z.string().nullable() }),
    /** The language the customer reads (theirs, else the business's): the page speaks it. */
    language: z.enum(LANGUAGES),
    document: PortalDocument,
    /** Where to send a bank transfer and what to quote; null when nothing is owed or no account is given. */
    transfer: z
      .object({
        iban: z.string(),
        reference: z.string(),
        creditorReference: z.string(),
        /** The EPC QR code (an SVG data URI) a banking app scans to fill in the transfer: euro to a SEPA account. */
        qrCode: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'PayView' });
export type PayView = z.infer<typeof PayView>;

export const CheckoutView = z.object({ url: z.url() }).meta({ id: 'Checkout' });

export const PAYMENT_METHODS = ['card', 'sepa_debit', 'us_bank_account'] as const;

export const ConnectPaymentsBody = z.strictObject({
  provider: z.literal('stripe'),
  secretKey: z
    .string()
    .trim()
    .regex(
      /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/,
      'a Stripe secret or restricted key (sk_live_…, rk_live_…)',
    ),
  webhookSecret: z
    .string()
    .trim()
    .regex(/^whsec_[A-Za-z0-9+/=]{8,}$/, 'the signing secret of the Stripe webhook (whsec_…)'),
  apiBaseUrl: z.url().max(500).optional(),
  methods: z.array(z.enum(PAYMENT_METHODS)).min(1).max(3).default(['card']),
});

export const PaymentConnection = z
  .object({
    id: z.uuid(),
    provider: z.literal('stripe'),
    status: z.enum(['active', 'disabled']),
    keyHint: z.string(),
    methods: z.array(z.string()),
    apiBaseUrl: z.string().nullable(),
    /** The address to register in the provider's dashboard for its events. */
    eventsUrl: z.string(),
    /** The convenience fee charged for paying online: a percent, taxed with a tax code; null when none. */
    fee: z.object({ percent: z.string(), taxCodeId: z.uuid() }).nullable(),
    createdAt: Instant,
    version: z.number().int(),
  })
  .meta({ id: 'PaymentConnection' });

export const OnlineFeeBody = z.strictObject({
  /** null switches the fee off. */
  fee: z
    .strictObject({
      percent: z
        .string()
        .regex(/^\d{1,2}(\.\d{1,2})?$/, 'a percent like "2.9"')
        .refine(
          (v) => Number(v) > 0 && Number(v) <= Number(MAX_FEE_PERCENT),
          `more than 0 and at most ${MAX_FEE_PERCENT} %`,
        ),
      taxCodeId: z.uuid(),
    })
    .nullable(),
});

export const PortalLinkView = z.object({ url: z.string() }).meta({ id: 'PortalLink' });

export const DisputeBody = z.strictObject({
  reason: z.enum(DISPUTE_REASONS),
  comment: z.string().trim().min(3, 'say in a few words what is wrong').max(2000),
});

/** Photos a customer may send with one dispute. */
export const MAX_DISPUTE_PHOTOS = 5;
/** What a dispute photo may be: images the browser shows, re-encoded before they are stored. */
export const DISPUTE_PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

export const Dispute = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid(),
    number: z.string().nullable(),
    customerName: z.string(),
    jobId: z.uuid().nullable(),
    reason: z.enum(DISPUTE_REASONS),
    comment: z.string(),
    status: z.enum(['open', 'resolved']),
    resolution: z.enum(DISPUTE_RESOLUTIONS).nullable(),
    reply: z.string().nullable(),
    /** The customer's photos, each at GET /disputes/{id}/photos/{photoId}. */
    photoIds: z.array(z.uuid()),
    createdAt: Instant,
    resolvedAt: Instant.nullable(),
  })
  .meta({ id: 'Dispute' });

export const DisputeQuery = z.strictObject({ status: z.enum(['open', 'resolved']).optional() });

export const ResolveDisputeBody = z.strictObject({
  resolution: z.enum(DISPUTE_RESOLUTIONS),
  reply: z.string().trim().min(3, 'tell the customer what was done').max(4000),
});

/** Send part or all of what a credit note owes back to the card the customer paid with. */
export const OnlineRefundBody = z.strictObject({
  amount: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be an amount like "42.50"')
    .refine((v) => Number(v) > 0, 'must be above 0'),
});

/**
 * Asks of the provider that met no answer (an outage, a timeout, an answer lost) before a refund goes to the
 * needs-review lane instead of the queue trying on: below the queue's own limit of retries.
 */
export const REFUND_ATTEMPTS = 6;

export const OnlineRefund = z
  .object({
    id: z.uuid(),
    amount: Decimal,
    currency: z.string(),
    /** requested: waiting for the provider; pending: the provider is sending it; then succeeded or failed. */
    status: z.enum(['requested', 'pending', 'succeeded', 'failed']),
    failure: z.string().nullable(),
    /** Times the provider was asked and did not answer; at REFUND_ATTEMPTS it waits in the review lane. */
    unanswered: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'OnlineRefund' });

export const OnlineRefunds = z
  .object({
    /** What can still go back to a card for this credit note now (0 when it was not paid online). */
    refundable: Decimal,
    items: z.array(OnlineRefund),
  })
  .meta({ id: 'OnlineRefunds' });

/**
 * Money paid online that did not fit its document (paid another way meanwhile, or credited): at the provider,
 * not in the books, until billing sends it back to the card or applies what still fits and sends back the rest.
 */
export const UnplacedPayment = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid(),
    /** The document it was paid for. */
    number: z.string(),
    currency: z.string(),
    status: z.enum(['open', 'paid', 'expired', 'failed', 'unplaced', 'refunded']),
    /** What the customer paid online. */
    paid: Decimal,
    /** What of it was applied to the document. */
    applied: Decimal,
    /** Refunds asked of the provider and not settled yet. */
    goingBack: Decimal,
    /** Refunds the provider made. */
    sentBack: Decimal,
    /** What is still to refund or apply. */
    left: Decimal,
    /** What of that the document still owes, which "apply" records on it. */
    applicable: Decimal,
    /** What "apply" sends back to the card: what is left less what applies. */
    backIfApplied: Decimal,
  })
  .meta({ id: 'UnplacedPayment' });

export const PlaceUnplacedBody = z.strictObject({
  /** refund: all that is left back to the card; apply: what fits on the document, the rest back to the card. */
  action: z.enum(['refund', 'apply']),
});
