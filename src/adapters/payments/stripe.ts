import Stripe from 'stripe';
import { z } from 'zod';
import {
  type PaymentAccount,
  type PaymentEvent,
  type PaymentGateway,
  type PaymentProvider,
  PaymentSignatureError,
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
      return { kind: 'ignored', eventId: event.id, type };
    },
  };
};

export const STRIPE: PaymentProvider = {
  name: 'Stripe',
  signatureHeader: 'stripe-signature',
  gateway: stripeGateway,
};

/** The payment providers organizations connect, as the application's port sees them. */
export const PAYMENT_PROVIDERS = { stripe: STRIPE };
