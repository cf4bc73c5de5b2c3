import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A local stand-in for the parts of Stripe Closeout uses, written for the tests: Checkout Sessions created
 * with idempotency keys (the same key answers the same session; a different body under a used key is
 * refused as Stripe refuses it), a hosted payment page where test cards succeed or are declined (declines
 * stay on the page, as in Checkout, and send nothing), and events signed with Stripe's scheme by the
 * official library's own helper, so the real verification runs. Scripted: redelivery (also concurrent),
 * out-of-order events, expiry, events for sessions it never opened, bank debits that fail.
 */
export type FakeSession = {
  id: string;
  object: 'checkout.session';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid';
  amount_total: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string | null;
  url: string;
  success_url: string;
  cancel_url: string;
  customer_email: string | null;
  allowed_payment_method_types: string[];
  expires_at: number;
  created: number;
};

export type FakeEvent = { id: string; type: string; body: string };

export type FakeRefund = {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  failure_reason: string | null;
  metadata: Record<string, string>;
  created: number;
};

export type FakeStripe = {
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** Where events go: the organization's events URL, set by the test once the account is connected. */
  endpoint: string | null;
  /** How an event reaches the endpoint: over HTTP by default; an in-process test app may take it directly. */
  send: (
    url: string,
    headers: Record<string, string>,
    body: string,
  ) => Promise<{ status: number; body: string }>;
  sessions: Map<string, FakeSession>;
  events: FakeEvent[];
  /** Every answer the endpoint gave to a delivery, in order. */
  deliveries: { eventId: string; status: number; body: string }[];
  requests: { method: string; path: string; idempotencyKey: string | undefined }[];
  refunds: Map<string, FakeRefund>;
  /** How new refunds come out: at once (as card refunds usually do) or pending until settled. */
  refundMode: 'succeeded' | 'pending';
  /** Answers the next refund requests with a 500 before (or, when lost, after) making the refund. */
  refundOutage: { count: number; lost: boolean };
  /**
   * The cardholder's bank disputes a payment: a chargeback (the money is taken back at once) or an inquiry
   * (status warning_needs_response); the event is built and, unless `send` is false, delivered.
   */
  dispute(
    paymentIntent: string,
    o?: { amount?: number; reason?: string; inquiry?: boolean; send?: boolean },
  ): Promise<{ id: string; event: FakeEvent }>;
  /** Decides a dispute: charge.dispute.closed with won or lost. */
  closeDispute(id: string, status: 'won' | 'lost', send?: boolean): Promise<FakeEvent>;
  /**
   * Pays out the balance to the bank as Stripe does: every payment not paid out yet, less its fee (1.4 % +
   * 25 cents) and less the refunds that succeeded; its balance transactions are listed by payout (paged, the
   * source expandable to find the PaymentIntent), and payout.paid is sent unless `send` is false.
   */
  payout(o?: { send?: boolean; arrival?: Date }): Promise<{ id: string; amount: number; event: FakeEvent }>;
  /** Balance transactions per page (Stripe's limit is the caller's; this caps it to exercise paging). */
  pageSize: number;
  /** Resolves when every event the fake sent on its own has had its answer. */
  idle(): Promise<void>;
  /** Settles a pending refund as the bank does, and sends refund.updated or refund.failed. */
  settleRefund(id: string, outcome: 'succeeded' | 'failed'): Promise<FakeEvent>;
  /** Pays a session as the hosted page does (without the browser): the event is sent. */
  pay(sessionId: string): Promise<FakeEvent>;
  /** Lets a session lapse: checkout.session.expired is sent. */
  expire(sessionId: string): Promise<FakeEvent>;
  /** Builds an event without sending it (to send later, again, or out of order). */
  event(type: string, object: object): FakeEvent;
  deliver(event: FakeEvent): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
};

const token = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Stripe's form encoding (a[b][0][c]=v) back into an object. */
const parseForm = (body: string): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let at: Record<string, unknown> = out;
    path.forEach((p, i) => {
      if (i === path.length - 1) {
        at[p] = value;
        return;
      }
      // Arrays arrive as a[0], a[1]: kept as objects keyed by index, which is all the fake reads.
      if (at[p] === undefined) at[p] = {};
      at = at[p] as Record<string, unknown>;
    });
  }
  return out;
};

const readBody = (req: http.IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => resolve(data));
  });

const page = (
  s: FakeSession,
  message = '',
) => `<!doctype html><html><head><meta name="viewport" content="width=device-width">
<title>Pay · Fake Stripe Checkout</title></head><body style="font-family:sans-serif;max-width:420px;margin:24px auto;padding:0 12px">
<h1>Pay ${(s.amount_total / 100).toFixed(2)} ${s.currency.toUpperCase()}</h1>
<p>${s.metadata.invoiceId ? 'Invoice payment' : ''}</p>
${message ? `<p role="alert">${message}</p>` : ''}
<form method="post" action="/pay/${s.id}">
<label>Card number <input name="card" inputmode="numeric" autocomplete="cc-number"></label>
<button type="submit">Pay</button></form>
<p><a href="${s.cancel_url}">Back</a></p></body></html>`;

export const startFakeStripe = async (): Promise<FakeStripe> => {
  const stripe = new Stripe('sk_test_fake');
  const sessions = new Map<string, FakeSession>();
  const byKey = new Map<string, { body: string; id: string }>();
  const events: FakeEvent[] = [];
  const deliveries: FakeStripe['deliveries'] = [];
  const requests: FakeStripe['requests'] = [];
  const inFlight = new Set<Promise<unknown>>();
  const disputes = new Map<string, { status: string } & Record<string, unknown>>();
  type Txn = {
    id: string;
    object: 'balance_transaction';
    type: string;
    amount: number;
    fee: number;
    net: number;
    currency: string;
    payout: string;
    source: { id: string; object: string; payment_intent: string | null };
  };
  const txns: Txn[] = [];
  const paidOut = new Set<string>();
  const webhookSecret = `whsec_${randomBytes(16)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')}`;

  const event = (type: string, object: object): FakeEvent => {
    const e = {
      id: token('evt'),
      object: 'event',
      api_version: '2026-11-18.endive',
      created: Math.floor(Date.now() / 1000),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: structuredClone(object) },
    };
    const made = { id: e.id, type, body: JSON.stringify(e) };
    events.push(made);
    return made;
  };

  const fake: FakeStripe = {
    url: '',
    secretKey: 'sk_test_closeoutfake01',
    webhookSecret,
    endpoint: null,
    async send(url, headers, body) {
      const res = await fetch(url, { method: 'POST', headers, body });
      return { status: res.status, body: await res.text() };
    },
    sessions,
    events,
    deliveries,
    requests,
    refunds: new Map(),
    async dispute(paymentIntent, o = {}) {
      const paid = [...sessions.values()].find((x) => x.payment_intent === paymentIntent);
      if (!paid) throw new Error(`no payment ${paymentIntent}`);
      const d = {
        id: token('dp'),
        object: 'dispute',
        amount: o.amount ?? paid.amount_total,
        currency: paid.currency,
        charge: token('ch'),
        payment_intent: paymentIntent,
        reason: o.reason ?? 'fraudulent',
        status: o.inquiry ? 'warning_needs_response' : 'needs_response',
        evidence_details: { due_by: Math.floor(Date.now() / 1000) + 7 * 86_400 },
        created: Math.floor(Date.now() / 1000),
      };
      disputes.set(d.id, d);
      const e = event('charge.dispute.created', d);
      if (o.send !== false) await fake.deliver(e);
      return { id: d.id, event: e };
    },
    async closeDispute(id, status, send = true) {
      const d = disputes.get(id);
      if (!d) throw new Error(`no dispute ${id}`);
      d.status = status;
      const e = event('charge.dispute.closed', d);
      if (send) await fake.deliver(e);
      return e;
    },
    pageSize: 100,
    async payout(o = {}) {
      const id = token('po');
      const mine: Txn[] = [];
      for (const s of sessions.values()) {
        if (s.payment_status !== 'paid' || !s.payment_intent || paidOut.has(s.payment_intent)) continue;
        paidOut.add(s.payment_intent);
        const fee = Math.round(s.amount_total * 0.014) + 25;
        mine.push({
          id: token('txn'),
          object: 'balance_transaction',
          type: 'charge',
          amount: s.amount_total,
          fee,
          net: s.amount_total - fee,
          currency: s.currency,
          payout: id,
          source: { id: token('ch'), object: 'charge', payment_intent: s.payment_intent },
        });
      }
      for (const r of fake.refunds.values()) {
        if (r.status !== 'succeeded' || paidOut.has(r.id)) continue;
        paidOut.add(r.id);
        mine.push({
          id: token('txn'),
          object: 'balance_transaction',
          type: 'refund',
          amount: -r.amount,
          fee: 0,
          net: -r.amount,
          currency: r.currency,
          payout: id,
          source: { id: r.id, object: 'refund', payment_intent: r.payment_intent },
        });
      }
      const amount = mine.reduce((s, t) => s + t.net, 0);
      const currency = mine[0]?.currency ?? 'eur';
      mine.push({
        id: token('txn'),
        object: 'balance_transaction',
        type: 'payout',
        amount: -amount,
        fee: 0,
        net: -amount,
        currency,
        payout: id,
        source: { id, object: 'payout', payment_intent: null },
      });
      txns.push(...mine);
      const p = {
        id,
        object: 'payout',
        amount,
        currency,
        arrival_date: Math.floor((o.arrival ?? new Date()).getTime() / 1000),
        status: 'paid',
        automatic: true,
        statement_descriptor: null,
      };
      const e = event('payout.paid', p);
      if (o.send !== false) await fake.deliver(e);
      return { id, amount, event: e };
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    refundMode: 'succeeded',
    refundOutage: { count: 0, lost: false },
    async settleRefund(id, outcome) {
      const r = fake.refunds.get(id);
      if (!r) throw new Error(`no refund ${id}`);
      r.status = outcome;
      if (outcome === 'failed') r.failure_reason = 'expired_or_canceled_card';
      const e = event(outcome === 'failed' ? 'refund.failed' : 'refund.updated', r);
      await fake.deliver(e);
      return e;
    },
    event,
    async deliver(e) {
      if (!fake.endpoint) throw new Error('no events endpoint set on the fake');
      const signature = stripe.webhooks.generateTestHeaderString({ payload: e.body, secret: webhookSecret });
      const answer = await fake.send(
        fake.endpoint,
        { 'content-type': 'application/json', 'stripe-signature': signature },
        e.body,
      );
      deliveries.push({ eventId: e.id, ...answer });
      return answer;
    },
    async pay(id) {
      const s = sessions.get(id);
      if (!s) throw new Error(`no session ${id}`);
      s.status = 'complete';
      s.payment_status = 'paid';
      s.payment_intent ??= token('pi');
      const e = event('checkout.session.completed', s);
      await fake.deliver(e);
      return e;
    },
    async expire(id) {
      const s = sessions.get(id);
      if (!s) throw new Error(`no session ${id}`);
      s.status = 'expired';
      const e = event('checkout.session.expired', s);
      await fake.deliver(e);
      return e;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', fake.url);
    const body = await readBody(req);
    const key = req.headers['idempotency-key'];
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      idempotencyKey: typeof key === 'string' ? key : undefined,
    });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'GET' && url.pathname === '/v1/balance_transactions') {
      if (req.headers.authorization !== `Bearer ${fake.secretKey}`)
        return json(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      const payout = url.searchParams.get('payout');
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), fake.pageSize);
      const after = url.searchParams.get('starting_after');
      // The library sends expand[0]=…; expand[]=… is the same list.
      const expand = [...url.searchParams.entries()].some(
        ([k, v]) => /^expand\[\d*\]$/.test(k) && v === 'data.source',
      );
      const all = txns.filter((t) => !payout || t.payout === payout);
      const start = after ? all.findIndex((t) => t.id === after) + 1 : 0;
      const page = all.slice(start, start + limit);
      return json(200, {
        object: 'list',
        url: '/v1/balance_transactions',
        has_more: start + limit < all.length,
        data: page.map((t) => (expand ? t : { ...t, source: t.source.id })),
      });
    }
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      if (req.headers.authorization !== `Bearer ${fake.secretKey}`)
        return json(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      if (typeof key === 'string' && byKey.has(key)) {
        const seen = byKey.get(key);
        if (seen?.body !== body)
          return json(400, {
            error: {
              type: 'idempotency_error',
              message: 'Keys for idempotent requests can only be used with the same parameters',
            },
          });
        return json(200, sessions.get(seen.id));
      }
      const p = parseForm(body) as {
        line_items: Record<string, { price_data: { currency: string; unit_amount: string } }>;
        metadata?: Record<string, string>;
        success_url: string;
        cancel_url: string;
        customer_email?: string;
        allowed_payment_method_types?: Record<string, string>;
      };
      const line = p.line_items['0'];
      if (!line)
        return json(400, { error: { type: 'invalid_request_error', message: 'line_items required' } });
      const id = token('cs_test');
      const now = Math.floor(Date.now() / 1000);
      const s: FakeSession = {
        id,
        object: 'checkout.session',
        status: 'open',
        payment_status: 'unpaid',
        amount_total: Number(line.price_data.unit_amount),
        currency: line.price_data.currency,
        metadata: p.metadata ?? {},
        payment_intent: null,
        url: `${fake.url}/pay/${id}`,
        success_url: p.success_url,
        cancel_url: p.cancel_url,
        customer_email: p.customer_email ?? null,
        allowed_payment_method_types: Object.values(p.allowed_payment_method_types ?? {}),
        expires_at: now + 24 * 3600,
        created: now,
      };
      sessions.set(id, s);
      if (typeof key === 'string') byKey.set(key, { body, id });
      return json(200, s);
    }
    if (req.method === 'POST' && url.pathname === '/v1/refunds') {
      if (req.headers.authorization !== `Bearer ${fake.secretKey}`)
        return json(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      const outage = fake.refundOutage;
      if (outage.count > 0 && !outage.lost) {
        outage.count--;
        return json(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
      }
      if (typeof key === 'string' && byKey.has(key)) {
        const seen = byKey.get(key);
        if (seen?.body !== body)
          return json(400, {
            error: {
              type: 'idempotency_error',
              message: 'Keys for idempotent requests can only be used with the same parameters',
            },
          });
        return json(200, fake.refunds.get(seen.id));
      }
      const p = parseForm(body) as {
        payment_intent?: string;
        amount?: string;
        metadata?: Record<string, string>;
      };
      const paid = [...sessions.values()].find(
        (x) => x.payment_intent && x.payment_intent === p.payment_intent,
      );
      if (!paid)
        return json(400, {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: `No such payment_intent: '${p.payment_intent}'`,
          },
        });
      const taken = [...fake.refunds.values()]
        .filter(
          (r) => r.payment_intent === paid.payment_intent && r.status !== 'failed' && r.status !== 'canceled',
        )
        .reduce((a, r) => a + r.amount, 0);
      const amount = Number(p.amount ?? paid.amount_total - taken);
      if (amount + taken > paid.amount_total)
        return json(400, {
          error: {
            type: 'invalid_request_error',
            code: 'charge_exceeds_source_limit',
            message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${paid.amount_total - taken})`,
          },
        });
      const r: FakeRefund = {
        id: token('re'),
        object: 'refund',
        amount,
        currency: paid.currency,
        payment_intent: paid.payment_intent ?? '',
        status: fake.refundMode,
        failure_reason: null,
        metadata: p.metadata ?? {},
        created: Math.floor(Date.now() / 1000),
      };
      fake.refunds.set(r.id, r);
      if (typeof key === 'string') byKey.set(key, { body, id: r.id });
      // Stripe sends refund.created for every refund, whatever its answer reached.
      const sent = fake.deliver(event('refund.created', r)).catch(() => undefined);
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      if (outage.count > 0 && outage.lost) {
        outage.count--;
        return json(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
      }
      return json(200, r);
    }
    const pay = url.pathname.match(/^\/pay\/([\w]+)$/);
    const s = pay?.[1] ? sessions.get(pay[1]) : undefined;
    if (pay && !s) {
      res.writeHead(404, { 'content-type': 'text/html' });
      return res.end('<p>This payment page does not exist.</p>');
    }
    if (s && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(s.status === 'open' ? page(s) : '<p>This checkout is no longer open.</p>');
    }
    if (s && req.method === 'POST') {
      const card = (new URLSearchParams(body).get('card') ?? '').replace(/\s/g, '');
      if (card === '4000000000000002') {
        res.writeHead(402, { 'content-type': 'text/html' });
        return res.end(page(s, 'Your card was declined. Try another card.'));
      }
      await fake.pay(s.id);
      res.writeHead(303, { location: s.success_url });
      return res.end();
    }
    json(404, {
      error: { type: 'invalid_request_error', message: `Unrecognized request URL (${url.pathname})` },
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
};
