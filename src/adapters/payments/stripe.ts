import Stripe from 'stripe';
import { z } from 'zod';
import {
  type Chargeback,
  type PaymentAccount,
  type PaymentEvent,
  type PaymentGateway,
  type PaymentProvider,
  PaymentRefused,
  PaymentSignatureError,
  type PayoutLine,
  type RefundState,
} from '../../app/payments/port';
import type { Http } from '../../app/ports';

/** The parts of a Checkout Session the application acts on; anything else in Stripe's reply is ignored. */
const Session = z.object({
  id: z.string().min(1),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  amount_total: z.number().int().nonnegative().nullable(),
  currency: z.string().min(3).nullable(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  created: z.number().int(),
});

/** The parts of a Refund the application acts on. */
const Refund = z.object({
  id: z.string().min(1),
  amount: z.number().int().nonnegative(),
  currency: z.string().min(3),
  status: z.string().nullable(),
  failure_reason: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable(),
  payment_intent: z
    .union([z.string(), z.object({ id: z.string() })])
    .nullable()
    .optional(),
});

/** The parts of a Dispute (a chargeback) the application acts on. */
const Dispute = z.object({
  id: z.string().min(1),
  amount: z.number().int().nonnegative(),
  currency: z.string().min(3),
  status: z.string(),
  reason: z.string().nullable().optional(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullable(),
  evidence_details: z
    .object({ due_by: z.number().int().nullable().optional() })
    .loose()
    .nullable()
    .optional(),
});

/** The parts of a Payout the application acts on. */
const PayoutObject = z.object({
  id: z.string().min(1),
  amount: z.number().int(),
  currency: z.string().min(3),
  arrival_date: z.number().int(),
  status: z.string(),
});

/** The parts of a balance transaction (one movement of a payout), its source expanded to find the payment. */
const BalanceTransaction = z.object({
  type: z.string(),
  amount: z.number().int(),
  fee: z.number().int(),
  net: z.number().int(),
  source: z
    .union([
      z.string(),
      z
        .object({
          id: z.string(),
          payment_intent: z
            .union([z.string(), z.object({ id: z.string() })])
            .nullable()
            .optional(),
        })
        .loose(),
    ])
    .nullable(),
});

const LINE_TYPE: Record<string, PayoutLine['type']> = {
  charge: 'charge',
  payment: 'charge',
  refund: 'refund',
  payment_refund: 'refund',
  adjustment: 'adjustment',
};

/** A dispute's status as a stage: Stripe's inquiries are "warning_…" and move no money. */
const STAGE: Record<string, Chargeback['stage']> = {
  warning_needs_response: 'inquiry',
  warning_under_review: 'inquiry',
  // An inquiry closed without becoming a chargeback: nothing was ever taken back.
  warning_closed: 'won',
  needs_response: 'open',
  under_review: 'open',
  won: 'won',
  lost: 'lost',
  prevented: 'won',
};

/** Card networks' dispute reasons, in the words the office reads. */
const DISPUTE_WORDS: Record<string, string> = {
  fraudulent: 'says they did not make the payment',
  duplicate: 'says they were charged twice',
  product_not_received: 'says the work was not done',
  product_unacceptable: 'says the work was not acceptable',
  credit_not_processed: 'says a promised refund or credit never came',
  unrecognized: 'does not recognise the payment',
  subscription_canceled: 'says they had cancelled',
  general: 'gave no specific reason',
};

/** Stripe's failure reasons, in the words the office reads. */
const FAILURE_WORDS: Record<string, string> = {
  lost_or_stolen_card: 'the card was reported lost or stolen',
  expired_or_canceled_card: 'the card has expired or was cancelled',
  charge_for_pending_refund_disputed: 'the customer disputed the payment with their bank',
  insufficient_funds: 'the Stripe balance was too low to send it',
  declined: 'the customer’s bank declined it',
  merchant_request: 'it was cancelled at Stripe',
};

const refundState = (r: z.infer<typeof Refund>): RefundState => {
  if (r.status === 'succeeded') return { id: r.id, status: 'succeeded', failure: null };
  if (r.status === 'failed' || r.status === 'canceled')
    return {
      id: r.id,
      status: 'failed',
      failure:
        (r.failure_reason && FAILURE_WORDS[r.failure_reason]) ??
        (r.status === 'canceled' ? 'it was cancelled at Stripe' : 'Stripe could not send it'),
    };
  return { id: r.id, status: 'pending', failure: null };
};

/** Errors that say the request itself is wrong or not allowed: retrying cannot help. */
const refused = (err: unknown) =>
  err instanceof Stripe.errors.StripeInvalidRequestError ||
  err instanceof Stripe.errors.StripeCardError ||
  err instanceof Stripe.errors.StripePermissionError ||
  err instanceof Stripe.errors.StripeAuthenticationError ||
  err instanceof Stripe.errors.StripeIdempotencyError;

const idOf = (x: string | { id: string } | null) => (x === null ? null : typeof x === 'string' ? x : x.id);

/** Where the library sends its calls: Stripe's API, or a stand-in's scheme, host and port. */
const endpoint = (apiBaseUrl: string | null) => {
  if (!apiBaseUrl) return {};
  const u = new URL(apiBaseUrl);
  const protocol = u.protocol === 'http:' ? ('http' as const) : ('https' as const);
  return { host: u.hostname, port: u.port || (protocol === 'http' ? '80' : '443'), protocol };
};

const stripeGateway = (account: PaymentAccount, http: Http, timeoutMs: number): PaymentGateway => {
  const stripe = new Stripe(account.secretKey, {
    ...endpoint(account.apiBaseUrl),
    // Our outbound fetch: the same refusal of private targets as every call to a typed address.
    httpClient: Stripe.createFetchHttpClient(http),
    timeout: timeoutMs,
    // The library retries lost answers with the same idempotency key, so a retry never pays twice.
    maxNetworkRetries: 2,
    appInfo: { name: 'Closeout' },
  });
  return {
    async createCheckout(r) {
      const session = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: r.currency.toLowerCase(),
                unit_amount: r.amountMinor,
                product_data: { name: r.description },
              },
            },
          ],
          allowed_payment_method_types:
            r.methods as Stripe.Checkout.SessionCreateParams.AllowedPaymentMethodType[],
          ...(r.customerEmail ? { customer_email: r.customerEmail } : {}),
          success_url: r.successUrl,
          cancel_url: r.cancelUrl,
          metadata: r.metadata,
          payment_intent_data: { metadata: r.metadata, description: r.description },
        },
        { idempotencyKey: r.idempotencyKey },
      );
      if (!session.url) throw new Error('Stripe answered a checkout without a page to pay on');
      return {
        id: session.id,
        url: session.url,
        expiresAt: session.expires_at ? new Date(session.expires_at * 1000) : null,
      };
    },

    async createRefund(r) {
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: r.paymentRef, amount: r.amountMinor, metadata: r.metadata },
          { idempotencyKey: r.idempotencyKey },
        );
        return refundState(Refund.parse(refund));
      } catch (err) {
        if (refused(err)) throw new PaymentRefused(err instanceof Error ? err.message : 'refused');
        throw err;
      }
    },

    async payoutLines(payoutId) {
      const lines: PayoutLine[] = [];
      // Every page: a busy account's payout settles hundreds of payments.
      for await (const raw of stripe.balanceTransactions.list({
        payout: payoutId,
        limit: 100,
        expand: ['data.source'],
      })) {
        const t = BalanceTransaction.parse(raw);
        if (t.type === 'payout') continue;
        const source = t.source;
        const ref = source && typeof source === 'object' ? idOf(source.payment_intent ?? null) : null;
        lines.push({
          type: LINE_TYPE[t.type] ?? 'other',
          paymentRef: ref,
          grossMinor: t.amount,
          feeMinor: t.fee,
          netMinor: t.net,
        });
      }
      return lines;
    },

    readEvent(rawBody, signature): PaymentEvent {
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature ?? '', account.webhookSecret);
      } catch (err) {
        throw new PaymentSignatureError(err instanceof Error ? err.message : 'signature does not verify');
      }
      const type = event.type;
      if (
        type === 'checkout.session.completed' ||
        type === 'checkout.session.async_payment_succeeded' ||
        type === 'checkout.session.expired' ||
        type === 'checkout.session.async_payment_failed'
      ) {
        const s = Session.parse(event.data.object);
        const metadata = s.metadata ?? {};
        if (type === 'checkout.session.expired')
          return { kind: 'checkout_expired', eventId: event.id, checkoutId: s.id, metadata };
        if (type === 'checkout.session.async_payment_failed')
          return {
            kind: 'payment_failed',
            eventId: event.id,
            checkoutId: s.id,
            reason: 'the bank refused the debit',
            metadata,
          };
        // A bank debit completes the checkout unpaid; its money arrives with async_payment_succeeded.
        const ref = idOf(s.payment_intent);
        if (s.payment_status !== 'paid' || s.amount_total === null || !s.currency || !ref)
          return { kind: 'ignored', eventId: event.id, type: `${type} (${s.payment_status})` };
        return {
          kind: 'checkout_paid',
          eventId: event.id,
          checkoutId: s.id,
          paymentRef: ref,
          amountMinor: s.amount_total,
          currency: s.currency.toUpperCase(),
          metadata,
          paidAt: new Date(event.created * 1000),
        };
      }
      if (type === 'refund.created' || type === 'refund.updated' || type === 'refund.failed') {
        const r = Refund.parse(event.data.object);
        return {
          kind: 'refund_changed',
          eventId: event.id,
          refund: refundState(r),
          amountMinor: r.amount,
          currency: r.currency.toUpperCase(),
          metadata: r.metadata ?? {},
          paymentRef: idOf(r.payment_intent ?? null),
        };
      }
      if (
        type === 'charge.dispute.created' ||
        type === 'charge.dispute.updated' ||
        type === 'charge.dispute.closed'
      ) {
        const d = Dispute.parse(event.data.object);
        const stage = STAGE[d.status];
        const paymentRef = idOf(d.payment_intent);
        if (!stage || !paymentRef)
          return { kind: 'ignored', eventId: event.id, type: `${type} (${d.status})` };
        const dueBy = d.evidence_details?.due_by;
        return {
          kind: 'chargeback',
          eventId: event.id,
          chargeback: {
            id: d.id,
            paymentRef,
            amountMinor: d.amount,
            currency: d.currency.toUpperCase(),
            stage,
            reason: `the cardholder ${(d.reason && DISPUTE_WORDS[d.reason]) ?? DISPUTE_WORDS.general}`,
            respondBy: dueBy ? new Date(dueBy * 1000) : null,
          },
        };
      }
      if (type === 'payout.paid') {
        const p = PayoutObject.parse(event.data.object);
        return {
          kind: 'payout_paid',
          eventId: event.id,
          payout: {
            id: p.id,
            amountMinor: p.amount,
            currency: p.currency.toUpperCase(),
            arrivalDate: new Date(p.arrival_date * 1000),
          },
        };
      }
      return { kind: 'ignored', eventId: event.id, type };
    },
  };
};

export const STRIPE: PaymentProvider = {
  name: 'Stripe',
  signatureHeader: 'stripe-signature',
  gateway: stripeGateway,
};
