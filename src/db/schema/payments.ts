import { sql } from 'drizzle-orm';
import {
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { DisputeReason, DisputeResolution } from '../../core/disputes';
import type { TaxTreatment } from '../../core/invoice-calc';
import { invoices, payments } from './billing';
import { instant, money } from './columns';
import { customers, orgId } from './operations';

/**
 * An organization's account at an online payment provider (#23): its API key and the secret its events are
 * signed with, sealed like the accounting tokens; the methods the organization offers its customers.
 */
export const paymentConnections = pgTable(
  'payment_connections',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    provider: text('provider', { enum: ['stripe'] }).notNull(),
    status: text('status', { enum: ['active', 'disabled'] }).notNull(),
    /** Sealed JSON: { secretKey, webhookSecret }. */
    credentials: text('credentials').notNull(),
    /** A stand-in for the provider's API (a gateway, a test's fake); the provider's own when null. */
    apiBaseUrl: text('api_base_url'),
    /** The key's last four characters, to tell accounts apart on screen without showing the key. */
    keyHint: text('key_hint').notNull(),
    methods: jsonb('methods').$type<string[]>().notNull(),
    /**
     * The convenience fee for paying online, where the organization charges one: a percent of what is paid,
     * taxed with this tax code, invoiced on its own document when the money arrives. Both or neither.
     */
    feePercent: numeric('fee_percent', { precision: 5, scale: 2 }),
    feeTaxCodeId: uuid('fee_tax_code_id'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('payment_connections_provider_key').on(t.organizationId, t.provider),
    check('payment_connections_fee_check', sql`(${t.feePercent} IS NULL) = (${t.feeTaxCodeId} IS NULL)`),
  ],
);

/**
 * One hosted checkout opened for one document's outstanding amount. The payment it brings is recorded from
 * the provider's signed event, never from the customer's return to our page.
 */
export const paymentCheckouts = pgTable(
  'payment_checkouts',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    connectionId: uuid('connection_id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    /** The provider's ID of the checkout (a Checkout Session). */
    providerCheckoutId: text('provider_checkout_id').notNull(),
    url: text('url').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    /**
     * open, then paid (recorded on its document), expired, or failed (the card was declined); money that
     * arrived but no longer fit its document is unplaced until the office refunds it (refunded) or applies
     * what fits and refunds the rest (paid).
     */
    status: text('status', { enum: ['open', 'paid', 'expired', 'failed', 'unplaced', 'refunded'] }).notNull(),
    paymentId: uuid('payment_id'),
    /** The provider's ID of the money that arrived (a PaymentIntent), once it did. */
    paymentRef: text('payment_ref'),
    /** What arrived, once it did. */
    paidAmount: money('paid_amount'),
    failure: text('failure'),
    /**
     * The convenience fee asked on top of `amount`, as the customer was shown it: its net, its tax and the
     * amount due of the fee invoice made from them when the money arrives (and that invoice and its payment).
     */
    feeNet: money('fee_net'),
    feeTax: jsonb('fee_tax').$type<TaxTreatment>(),
    fee: money('fee'),
    feeInvoiceId: uuid('fee_invoice_id'),
    feePaymentId: uuid('fee_payment_id'),
    expiresAt: instant('expires_at'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('payment_checkouts_provider_key').on(t.organizationId, t.connectionId, t.providerCheckoutId),
    index('payment_checkouts_invoice_idx').on(t.organizationId, t.invoiceId),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.paymentId],
      foreignColumns: [payments.organizationId, payments.id],
    }),
  ],
);

/** Every provider event received, once: a redelivery finds its row and changes nothing. */
export const paymentEvents = pgTable(
  'payment_events',
  {
    organizationId: orgId(),
    connectionId: uuid('connection_id').notNull(),
    eventId: text('event_id').notNull(),
    kind: text('kind').notNull(),
    /** What it did: "recorded payment …", "already recorded", "ignored: …", or the needs-review reason. */
    outcome: text('outcome').notNull(),
    receivedAt: instant('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.connectionId, t.eventId] })],
);

/**
 * A customer's portal link: no password, unguessable (only its hash is looked up), expiring, and revocable
 * by the office. The sealed token lets the next e-mail carry the same link while it is valid.
 */
export const portalLinks = pgTable(
  'portal_links',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    tokenSealed: text('token_sealed').notNull(),
    expiresAt: instant('expires_at').notNull(),
    revokedAt: instant('revoked_at'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('portal_links_token_key').on(t.tokenHash),
    index('portal_links_customer_idx').on(t.organizationId, t.customerId).where(sql`${t.revokedAt} IS NULL`),
    foreignKey({
      columns: [t.organizationId, t.customerId],
      foreignColumns: [customers.organizationId, customers.id],
    }),
  ],
);

/**
 * A customer's "Something's wrong" about one document, from the portal: what and why, until the office
 * settles it with a credit note, a corrected invoice or an answer. One open dispute per document.
 */
export const disputes = pgTable(
  'disputes',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    jobId: uuid('job_id'),
    reason: text('reason').$type<DisputeReason>().notNull(),
    comment: text('comment').notNull(),
    status: text('status', { enum: ['open', 'resolved'] }).notNull(),
    resolution: text('resolution').$type<DisputeResolution>(),
    reply: text('reply'),
    resolvedById: uuid('resolved_by_id'),
    createdAt: instant('created_at').notNull(),
    resolvedAt: instant('resolved_at'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('disputes_open_key').on(t.organizationId, t.invoiceId).where(sql`${t.status} = 'open'`),
    index('disputes_status_idx').on(t.organizationId, t.status, t.createdAt),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.customerId],
      foreignColumns: [customers.organizationId, customers.id],
    }),
  ],
);

/**
 * Money sent back to a customer's card through the provider (#23): what a credit note owes them, refunded
 * against the online payment it came from. Asked for in the office, made by the queue with the row's ID as
 * the provider's idempotency key, and recorded on the credit note (a refund paid out) only when the provider
 * says it succeeded, by its answer or its event, whichever comes first, once.
 */
export const paymentRefunds = pgTable(
  'payment_refunds',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    connectionId: uuid('connection_id').notNull(),
    /** The credit note whose refund this pays out (with paymentId), or null for unplaced money (checkoutId). */
    creditNoteId: uuid('credit_note_id'),
    /** The online payment (on the credited invoice) the money goes back against. */
    paymentId: uuid('payment_id'),
    /** Money paid online that never reached the books (it did not fit its document) going back: its checkout. */
    checkoutId: uuid('checkout_id'),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: ['requested', 'pending', 'succeeded', 'failed'] }).notNull(),
    providerRefundId: text('provider_refund_id'),
    failure: text('failure'),
    /** Times the provider was asked and did not answer (an outage, a lost answer); the lane takes it at the limit. */
    attempts: integer('attempts').notNull().default(0),
    /** What the last unanswered ask met, in words. */
    lastError: text('last_error'),
    /** The refund recorded on the credit note once it succeeded. */
    refundPaymentId: uuid('refund_payment_id'),
    requestedById: uuid('requested_by_id'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('payment_refunds_provider_key')
      .on(t.organizationId, t.connectionId, t.providerRefundId)
      .where(sql`${t.providerRefundId} IS NOT NULL`),
    index('payment_refunds_credit_note_idx').on(t.organizationId, t.creditNoteId),
    index('payment_refunds_payment_idx').on(t.organizationId, t.paymentId),
    index('payment_refunds_checkout_idx').on(t.organizationId, t.checkoutId),
    check(
      'payment_refunds_against',
      sql`(${t.creditNoteId} IS NOT NULL AND ${t.paymentId} IS NOT NULL) OR ${t.checkoutId} IS NOT NULL`,
    ),
    foreignKey({
      columns: [t.organizationId, t.checkoutId],
      foreignColumns: [paymentCheckouts.organizationId, paymentCheckouts.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.creditNoteId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.paymentId],
      foreignColumns: [payments.organizationId, payments.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.refundPaymentId],
      foreignColumns: [payments.organizationId, payments.id],
    }),
  ],
);

/**
 * A customer's bank disputing a payment taken online (a chargeback), as the provider reports it. While it is
 * open the money is gone: the payment is reversed and the document is owed again; won, it comes back as a
 * new payment; lost, it stays owed. An inquiry moves no money and only asks for an answer.
 */
export const paymentChargebacks = pgTable(
  'payment_chargebacks',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    connectionId: uuid('connection_id').notNull(),
    providerDisputeId: text('provider_dispute_id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    /** The payment the bank took back. */
    paymentId: uuid('payment_id').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    /** The bank's reason, in words. */
    reason: text('reason').notNull(),
    status: text('status', { enum: ['inquiry', 'open', 'won', 'lost'] }).notNull(),
    respondBy: instant('respond_by'),
    /** The money back once won, recorded as a new payment. */
    reinstatedPaymentId: uuid('reinstated_payment_id'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('payment_chargebacks_provider_key').on(t.organizationId, t.connectionId, t.providerDisputeId),
    index('payment_chargebacks_invoice_idx').on(t.organizationId, t.invoiceId),
    foreignKey({
      columns: [t.organizationId, t.invoiceId],
      foreignColumns: [invoices.organizationId, invoices.id],
    }),
    foreignKey({
      columns: [t.organizationId, t.paymentId],
      foreignColumns: [payments.organizationId, payments.id],
    }),
  ],
);

/** One line of a payout: a payment (or refund) the provider settled, what it charged for it, and what was left. */
export type PayoutItem = {
  type: 'charge' | 'refund' | 'adjustment' | 'other';
  /** The provider's ID of the money movement (the payment's reference), when it is one. */
  paymentRef: string | null;
  /** Our payment and its document, when the movement is one of ours. */
  paymentId: string | null;
  invoiceId: string | null;
  gross: string;
  fee: string;
  net: string;
};

/**
 * Money the provider sent to the organization's bank account (#24): the online payments (less refunds) it
 * settles and the fees it kept, as the provider reported them when it paid out. Reconciled with the bank
 * entry that brought it; the payments themselves were recorded when the customers paid.
 */
export const paymentPayouts = pgTable(
  'payment_payouts',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    connectionId: uuid('connection_id').notNull(),
    providerPayoutId: text('provider_payout_id').notNull(),
    /** What reached the bank: gross less refunds and fees. */
    amount: money('amount').notNull(),
    gross: money('gross').notNull(),
    fees: money('fees').notNull(),
    currency: text('currency').notNull(),
    arrivalDate: date('arrival_date', { mode: 'string' }).notNull(),
    items: jsonb('items').$type<PayoutItem[]>().notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('payment_payouts_provider_key').on(t.organizationId, t.connectionId, t.providerPayoutId),
    index('payment_payouts_arrival_idx').on(t.organizationId, t.currency, t.arrivalDate),
  ],
);

/** Photos the customer sent with a dispute (what is wrong, as they see it): re-encoded, pixels only. */
export const disputePhotos = pgTable(
  'dispute_photos',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    disputeId: uuid('dispute_id').notNull(),
    storageKey: text('storage_key').notNull(),
    sha256: text('sha256').notNull(),
    mimeType: text('mime_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    index('dispute_photos_dispute_idx').on(t.organizationId, t.disputeId),
    foreignKey({
      columns: [t.organizationId, t.disputeId],
      foreignColumns: [disputes.organizationId, disputes.id],
    }),
  ],
);
