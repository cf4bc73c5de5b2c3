import type { FastifyInstance } from 'fastify';
import { as, type Session } from './app';
import type { FakeStripe } from './fake-stripe';

/**
 * The owner connects the organization's Stripe account (the fake), and the fake's events go to the in-process
 * app, as Stripe's would reach the server.
 */
export const connectFakeStripe = async (app: FastifyInstance, owner: Session, stripe: FakeStripe) => {
  stripe.send = async (url, headers, body) => {
    const res = await app.inject({ method: 'POST', url: new URL(url).pathname, headers, payload: body });
    return { status: res.statusCode, body: res.body };
  };
  const made = await app.inject({
    method: 'POST',
    url: '/api/v1/payment-connections',
    headers: as(owner, true),
    payload: {
      provider: 'stripe',
      secretKey: stripe.secretKey,
      webhookSecret: stripe.webhookSecret,
      apiBaseUrl: stripe.url,
    },
  });
  if (made.statusCode !== 200) throw new Error(`connecting the fake Stripe failed: ${made.body}`);
  stripe.endpoint = made.json().eventsUrl;
};

/**
 * The customer pays an issued invoice from their portal link through the fake's checkout: the signed event
 * records the payment. Answers the PaymentIntent, the payment's reference.
 */
export const payThroughPortal = async (
  app: FastifyInstance,
  stripe: FakeStripe,
  billing: Session,
  customerId: string,
  invoiceId: string,
) => {
  const link = await app.inject({
    method: 'POST',
    url: `/api/v1/customers/${customerId}/portal-link`,
    headers: as(billing, true),
    payload: {},
  });
  const token = link.json().url.split('/').at(-1);
  const open = await app.inject({
    method: 'POST',
    url: `/api/v1/public/portal/${token}/documents/${invoiceId}/checkout`,
    payload: {},
  });
  if (open.statusCode !== 200) throw new Error(`checkout refused: ${open.body}`);
  const session = [...stripe.sessions.values()].find((s) => s.metadata.invoiceId === invoiceId);
  if (!session) throw new Error('no checkout session');
  await stripe.pay(session.id);
  return stripe.sessions.get(session.id)?.payment_intent ?? '';
};
