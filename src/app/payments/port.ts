/**
 * The payment port (#23): what the application asks of an online payment provider (Stripe first), owned here
 * and implemented in src/adapters/payments. Money crosses it in the currency's minor units, as providers
 * count it; the application converts with the currency's decimals.
 */

/** A hosted checkout for one document's amount: the customer pays on the provider's page, never on ours. */
export type CheckoutRequest = {
  amountMinor: number;
  currency: string;
  /** What the customer's statement and the provider's page say, e.g. "INV-2026-00042 · Brightwater". */
  description: string;
  customerEmail: string | null;
  successUrl: string;
  cancelUrl: string;
  /** Carried back on every event of this checkout: how an event finds its document. */
  metadata: Record<string, string>;
  /** The same key makes the same checkout: a retried request never opens a second one. */
  idempotencyKey: string;
  /** Payment methods the organization offers: "card", "sepa_debit", "us_bank_account". */
  methods: string[];
};

export type Checkout = { id: string; url: string; expiresAt: Date | null };

/** Money back to the customer against one payment the provider took (its PaymentIntent for Stripe). */
export type RefundRequest = {
  paymentRef: string;
  amountMinor: number;
  /** Carried back on the refund's events: how an event finds the refund we asked for. */
  metadata: Record<string, string>;
  /** The same key makes the same refund: a retried request never refunds twice. */
  idempotencyKey: string;
};

/** Where a refund stands at the provider: card refunds usually succeed at once, bank ones later. */
export type RefundState = {
  id: string;
  status: 'succeeded' | 'pending' | 'failed';
  /** Why it failed, in words, when it did. */
  failure: string | null;
};

/** The provider refused the request itself (more than is left to refund, a payment it does not know): permanent. */
export class PaymentRefused extends Error {}

/**
 * An event the provider sent, verified and reduced to what the application acts on. Events come more than
 * once and out of order: each carries its provider ID for deduplication, and every kind is safe to apply
 * again or after a later one.
 */
export type PaymentEvent =
  | {
      kind: 'checkout_paid';
      eventId: string;
      checkoutId: string;
      /** The provider's ID of the money movement (a PaymentIntent): the payment's reference. */
      paymentRef: string;
      amountMinor: number;
      currency: string;
      metadata: Record<string, string>;
      paidAt: Date;
    }
  | { kind: 'checkout_expired'; eventId: string; checkoutId: string; metadata: Record<string, string> }
  | {
      kind: 'payment_failed';
      eventId: string;
      checkoutId: string | null;
      reason: string;
      metadata: Record<string, string>;
    }
  | {
      kind: 'refund_changed';
      eventId: string;
      refund: RefundState;
      amountMinor: number;
      currency: string;
      metadata: Record<string, string>;
      /** The payment refunded (its PaymentIntent), to recognise a refund made outside Closeout. */
      paymentRef: string | null;
    }
  | { kind: 'chargeback'; eventId: string; chargeback: Chargeback }
  | { kind: 'payout_paid'; eventId: string; payout: Payout }
  | { kind: 'ignored'; eventId: string; type: string };

/**
 * A customer's bank disputing a payment, at one stage: an inquiry (no money moved yet), open (the money was
 * taken back while it is decided), won (it comes back) or lost (it stays gone).
 */
export type Chargeback = {
  id: string;
  /** The payment disputed: the provider's ID of it, as recorded for the payment (a PaymentIntent). */
  paymentRef: string;
  amountMinor: number;
  currency: string;
  stage: 'inquiry' | 'open' | 'won' | 'lost';
  /** The bank's reason, in words. */
  reason: string;
  /** When the answer (the proof) must reach the provider. */
  respondBy: Date | null;
};

/** Money the provider sent to the organization's bank: what arrived, in which currency, on which day. */
export type Payout = { id: string; amountMinor: number; currency: string; arrivalDate: Date };

/** One money movement a payout settles: a payment, a refund, an adjustment, with the provider's fee. */
export type PayoutLine = {
  type: 'charge' | 'refund' | 'adjustment' | 'other';
  /** The payment it belongs to (a PaymentIntent for Stripe), when there is one. */
  paymentRef: string | null;
  grossMinor: number;
  feeMinor: number;
  netMinor: number;
};

/** Thrown when an event's signature does not verify: the request is refused and nothing changes. */
export class PaymentSignatureError extends Error {}

/** One organization's account at a provider, ready to use. */
export type PaymentGateway = {
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** Throws PaymentRefused when the provider refuses it outright; anything else thrown may be retried. */
  createRefund(request: RefundRequest): Promise<RefundState>;
  /** Verifies the signature over the exact bytes received and reads the event; throws PaymentSignatureError. */
  readEvent(rawBody: Buffer, signature: string | undefined): PaymentEvent;
  /** What a payout settles, every page of it; the payout's own movement is left out. */
  payoutLines(payoutId: string): Promise<PayoutLine[]>;
};

export type PaymentAccount = {
  secretKey: string;
  webhookSecret: string;
  /** A stand-in for the provider's API (a gateway, or a test's loopback fake); the provider's own when null. */
  apiBaseUrl: string | null;
};

export type PaymentProvider = {
  /** The provider's name as people know it. */
  name: string;
  /** The header its events are signed in. */
  signatureHeader: string;
  gateway(account: PaymentAccount, http: typeof fetch, timeoutMs: number): PaymentGateway;
};

/**
 * The second shape of provider: one that only issues instructions. The customer pays from their own bank
 * (by hand, or by scanning the code with a banking app), nothing comes back from the provider, and the money
 * is found later on the organization's bank statement by its creditor reference (src/app/collections).
 */
export type TransferRequest = {
  /** Who the money goes to: the organization's legal name. */
  beneficiary: string;
  iban: string;
  /** The amount asked, a decimal string in the document's currency. */
  amount: string;
  currency: string;
  /** The document the money pays: its number, from which the creditor reference is made. */
  documentNumber: string;
};

export type TransferInstructions = {
  /** The IBAN printed in groups of four, as people copy it. */
  iban: string;
  /** What to write as the reference: the document's number. */
  reference: string;
  /** The same as a structured ISO 11649 creditor reference (RF…), printed in groups of four. */
  creditorReference: string;
  /** The text of a code a banking app scans to fill in the whole transfer, where the transfer allows one. */
  qrPayload: string | null;
};

export type TransferProvider = {
  name: string;
  instructions(request: TransferRequest): TransferInstructions;
};

export type PaymentProviders = { stripe: PaymentProvider; bankTransfer: TransferProvider };
