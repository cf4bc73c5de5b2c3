import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeOut,
  drain,
  type InvoiceJson,
  invoicesOfJob,
  newJob,
  plainJobType,
  setSeller,
} from '../invoices/helpers';
import { as, createTestApp, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';
import { type FakeStripe, startFakeStripe } from '../support/fake-stripe';

type Portal = {
  customerName: string;
  open: { id: string; number: string; outstanding: string; payOnline: boolean; paymentPending: boolean }[];
  settled: { id: string; number: string; outstanding: string }[];
};

/**
 * A customer pays an invoice online: Stripe (a stateful loopback fake, reached through the official library)
 * hosts the checkout; the payment is recorded from its signed event, once, whatever the redeliveries and
 * their order, and never from the customer's return.
 */
describe.each(testDrivers())('online payments on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  let stripe: FakeStripe;
  const inbox: { to: string[]; subject: string; text: string }[] = [];

  beforeAll(async () => {
    t = await createTestApp(driver, {
      mailer: {
        send: async (m) => {
          inbox.push(m);
        },
      },
    });
    stripe = await startFakeStripe();
    // Events reach the in-process app as the provider's POST would.
    stripe.send = async (url, headers, body) => {
      const res = await t.app.inject({ method: 'POST', url: new URL(url).pathname, headers, payload: body });
      return { status: res.statusCode, body: res.body };
    };
    org = await makeOrganization(t.deps, 'paid-online');
    other = await makeOrganization(t.deps, 'not-theirs');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14 });
    jobTypeId = await plainJobType(t, owner);
  });
  afterAll(async () => {
    await stripe?.close();
    await t?.close();
  });

  const call = (method: 'GET' | 'POST', url: string, who?: Session, payload?: object) =>
    t.app.inject({
      method,
      url,
      ...(who ? { headers: as(who, method !== 'GET') } : {}),
      ...(payload ? { payload } : {}),
    });
  const issued = async (): Promise<InvoiceJson> => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv?.status).toBe('issued');
    return inv as InvoiceJson;
  };
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
  const portalOf = async (customerId = org.customerId) => {
    const link = await call('POST', `/api/v1/customers/${customerId}/portal-link`, billing, {});
    expect(link.statusCode, link.body).toBe(200);
    return tokenOf(link.json().url);
  };
  const payments = async (invoiceId: string) =>
    (
      await t.database.raw.query<{ amount: string; reference: string; method: string }>(
        'SELECT amount::text, reference, method FROM payments WHERE invoice_id = $1',
        [invoiceId],
      )
    ).rows;

  it('connects Stripe with its keys sealed, and refuses keys that are not Stripe’s, naming the field', async () => {
    const bad = await call('POST', '/api/v1/payment-connections', owner, {
      provider: 'stripe',
      secretKey: 'pk_live_publishable',
      webhookSecret: stripe.webhookSecret,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.secretKey');
    // Billing may take payments, not connect the account.
    const billingTries = await call('POST', '/api/v1/payment-connections', billing, {
      provider: 'stripe',
      secretKey: stripe.secretKey,
      webhookSecret: stripe.webhookSecret,
    });
    expect(billingTries.statusCode).toBe(403);
    const made = await call('POST', '/api/v1/payment-connections', owner, {
      provider: 'stripe',
      secretKey: stripe.secretKey,
      webhookSecret: stripe.webhookSecret,
      apiBaseUrl: stripe.url,
      methods: ['card', 'sepa_debit'],
    });
    expect(made.statusCode, made.body).toBe(200);
    const c = made.json();
    expect(c).toMatchObject({ status: 'active', keyHint: 'ke01', methods: ['card', 'sepa_debit'] });
    expect(c.eventsUrl).toBe(
      `http://closeout.test/api/v1/public/payment-events/${org.organizationId}/${c.id}`,
    );
    stripe.endpoint = c.eventsUrl;
    const stored = await t.database.raw.query<{ credentials: string }>(
      'SELECT credentials FROM payment_connections WHERE id = $1',
      [c.id],
    );
    expect(stored.rows[0]?.credentials).not.toContain(stripe.secretKey);
    expect(JSON.stringify((await call('GET', '/api/v1/payment-connections', owner)).json())).not.toContain(
      stripe.secretKey,
    );
  });

  it('takes a card payment from the portal once, recorded from the signed event, whatever the redeliveries', async () => {
    const inv = await issued();
    // The invoice e-mail carries the customer's page, where Pay now waits.
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE id = $2', [
      'payer@example.com',
      org.customerId,
    ]);
    const send = await call('POST', `/api/v1/invoices/${inv.id}/send`, billing, {});
    expect(send.statusCode, send.body).toBe(200);
    await drain(t);
    const mail = inbox.find((m) => m.subject.includes(inv.number ?? '-'));
    const line = mail?.text.split('\n').find((l) => l.startsWith('Pay online'));
    expect(line).toMatch(
      /^Pay online, or see all your invoices with us: http:\/\/closeout\.test\/portal\/#\/account\/[\w-]{43}$/,
    );
    const token = tokenOf(line ?? '');
    // The office's copy of the link is the same one while it has time to run.
    expect(await portalOf()).toBe(token);
    const portal = (await call('GET', `/api/v1/public/portal/${token}`)).json() as Portal;
    const doc = portal.open.find((d) => d.id === inv.id);
    expect(doc).toMatchObject({ number: inv.number, outstanding: inv.outstanding, payOnline: true });

    const first = await call(
      'POST',
      `/api/v1/public/portal/${token}/documents/${inv.id}/checkout`,
      undefined,
      {},
    );
    expect(first.statusCode, first.body).toBe(200);
    // A second tap opens no second checkout.
    const again = await call(
      'POST',
      `/api/v1/public/portal/${token}/documents/${inv.id}/checkout`,
      undefined,
      {},
    );
    expect(again.json().url).toBe(first.json().url);
    const session = [...stripe.sessions.values()].find((s) => s.metadata.invoiceId === inv.id);
    expect(session).toMatchObject({
      amount_total: new Decimal(inv.outstanding).times(100).toNumber(),
      currency: 'eur',
      allowed_payment_method_types: ['card', 'sepa_debit'],
    });
    const sessionId = session?.id ?? '';
    expect(stripe.requests.filter((r) => r.path === '/v1/checkout/sessions')).toHaveLength(1);
    expect(stripe.requests[0]?.idempotencyKey).toMatch(/^closeout-checkout-/);
    // Returning to the portal is not payment: nothing is recorded before the event.
    expect(await payments(inv.id)).toEqual([]);
    const pending = (await call('GET', `/api/v1/public/portal/${token}`)).json() as Portal;
    expect(pending.open.find((d) => d.id === inv.id)?.paymentPending).toBe(true);

    const paid = await stripe.pay(sessionId);
    expect(stripe.deliveries.at(-1)).toMatchObject({ eventId: paid.id, status: 200 });
    // Delivered 20 more times at once: one payment.
    const answers = await Promise.all(Array.from({ length: 20 }, () => stripe.deliver(paid)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const rows = await payments(inv.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      method: 'card',
      reference: stripe.sessions.get(sessionId)?.payment_intent,
    });
    expect(new Decimal(rows[0]?.amount ?? 0).eq(inv.outstanding)).toBe(true);
    const after = (await call('GET', `/api/v1/invoices/${inv.id}`, billing)).json();
    expect(after).toMatchObject({ status: 'paid', outstanding: '0.00' });
    // A late "expired" never undoes a payment.
    await stripe.expire(sessionId);
    expect((await call('GET', `/api/v1/invoices/${inv.id}`, billing)).json().status).toBe('paid');
    const settled = (await call('GET', `/api/v1/public/portal/${token}`)).json() as Portal;
    expect(settled.open.map((d) => d.id)).not.toContain(inv.id);
    expect(settled.settled.map((d) => d.id)).toContain(inv.id);
    // Nothing left to pay: no checkout.
    const none = await call(
      'POST',
      `/api/v1/public/portal/${token}/documents/${inv.id}/checkout`,
      undefined,
      {},
    );
    expect(none.statusCode).toBe(409);
  });

  it('refuses an event whose signature does not verify, and acknowledges one for a checkout it never opened', async () => {
    const before = (
      await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM payment_events')
    ).rows[0]?.n;
    const forged = stripe.event('checkout.session.completed', {
      id: 'cs_test_forged',
      payment_status: 'paid',
      amount_total: 100,
      currency: 'eur',
      payment_intent: 'pi_forged',
      metadata: {},
      created: 1,
    });
    const endpoint = new URL(stripe.endpoint ?? '').pathname;
    const bad = await t.app.inject({
      method: 'POST',
      url: endpoint,
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=deadbeef' },
      payload: forged.body,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('stripe-signature');
    const after = (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM payment_events'))
      .rows[0]?.n;
    expect(after).toBe(before);
    // Signed, but for no checkout of ours: acknowledged (so the provider stops), changing nothing.
    const unknown = await stripe.deliver(forged);
    expect(unknown.status).toBe(200);
    expect(JSON.parse(unknown.body).outcome).toBe('ignored: not a checkout of ours');
  });

  it('records a payment that arrives after its checkout expired, and sends money that no longer fits to review', async () => {
    const inv = await issued();
    const token = await portalOf();
    await call('POST', `/api/v1/public/portal/${token}/documents/${inv.id}/checkout`, undefined, {});
    const session = [...stripe.sessions.values()].find((s) => s.metadata.invoiceId === inv.id);
    if (!session) throw new Error('no session');
    // Out of order: "expired" first, then the payment that was made before it.
    const expired = stripe.event('checkout.session.expired', session);
    session.status = 'complete';
    session.payment_status = 'paid';
    session.payment_intent = 'pi_late_1';
    const completed = stripe.event('checkout.session.completed', session);
    await stripe.deliver(expired);
    await stripe.deliver(completed);
    expect(await payments(inv.id)).toHaveLength(1);

    // Paid by transfer in the office, then online too: the second money cannot apply.
    const inv2 = await issued();
    await call('POST', `/api/v1/public/portal/${token}/documents/${inv2.id}/checkout`, undefined, {});
    const s2 = [...stripe.sessions.values()].find((s) => s.metadata.invoiceId === inv2.id);
    const byTransfer = await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv2.id,
      amount: inv2.outstanding,
      receivedOn: '2026-12-04',
      method: 'bank_transfer',
      reference: 'BANK-77',
    });
    expect(byTransfer.statusCode, byTransfer.body).toBe(201);
    await stripe.pay(s2?.id ?? '');
    expect((await payments(inv2.id)).map((p) => p.method)).toEqual(['bank_transfer']);
    const lane = (await call('GET', '/api/v1/integration-errors?status=open', owner)).json().items as {
      kind: string;
      invoiceId: string;
      message: string;
    }[];
    const review = lane.find((e) => e.kind === 'online_payment' && e.invoiceId === inv2.id);
    expect(review?.message).toMatch(
      /^EUR [\d.,]+ paid online for INV-[\d-]+ could not be applied: .*Refund it at the provider/,
    );
  });

  it('never shows one customer another’s documents, and a withdrawn or foreign link opens nothing', async () => {
    const inv = await issued();
    const token = await portalOf();
    // The other organization's customer, by their own link, cannot reach this document.
    const otherBilling = (await sessionsOf(t.app, other)).billing;
    const theirs = await call('POST', `/api/v1/customers/${other.customerId}/portal-link`, otherBilling, {});
    const theirToken = tokenOf(theirs.json().url);
    expect((await call('GET', `/api/v1/public/portal/${theirToken}`)).json().open).toEqual([]);
    const foreign = await call(
      'POST',
      `/api/v1/public/portal/${theirToken}/documents/${inv.id}/checkout`,
      undefined,
      {},
    );
    expect(foreign.statusCode).toBe(404);
    expect(
      (await call('GET', `/api/v1/public/portal/${theirToken}/documents/${inv.id}/pdf`)).statusCode,
    ).toBe(404);
    // Not another organization's customer either, from the office.
    expect(
      (await call('POST', `/api/v1/customers/${other.customerId}/portal-link`, billing, {})).statusCode,
    ).toBe(404);
    const revoked = await call('POST', `/api/v1/customers/${org.customerId}/portal-link/revoke`, billing, {});
    expect(revoked.json().revoked).toBeGreaterThan(0);
    const gone = await call('GET', `/api/v1/public/portal/${token}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().detail).toBe('This link has expired or was withdrawn. Ask us for a new one.');
    // The next link is a new one, and works.
    const fresh = await portalOf();
    expect(fresh).not.toBe(token);
    expect((await call('GET', `/api/v1/public/portal/${fresh}`)).statusCode).toBe(200);
  });

  it('takes the customer’s “something’s wrong” to billing at once, and their answer back by e-mail', async () => {
    const inv = await issued();
    const token = await portalOf();
    const url = `/api/v1/public/portal/${token}/documents/${inv.id}/dispute`;
    const bad = await call('POST', url, undefined, { reason: 'too_expensive', comment: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.comment', 'body.reason']);
    const said = await call('POST', url, undefined, {
      reason: 'wrong_amount',
      comment: 'We were charged for three hours; the technician was here for two.',
    });
    expect(said.statusCode, said.body).toBe(200);
    const doc = (said.json() as { open: { id: string; dispute: unknown }[] }).open.find(
      (d) => d.id === inv.id,
    );
    expect(doc?.dispute).toEqual({
      reason: 'The amount is wrong',
      comment: 'We were charged for three hours; the technician was here for two.',
      open: true,
      reply: null,
    });
    expect((await call('POST', url, undefined, { reason: 'other', comment: 'And again' })).statusCode).toBe(
      409,
    );
    const notes = await t.database.raw.query<{ body: string }>(
      "SELECT body FROM notifications WHERE organization_id = $1 AND kind = 'dispute'",
      [org.organizationId],
    );
    expect(
      notes.rows.some((n) => n.body.startsWith(`The customer disputes ${inv.number}: the amount is wrong.`)),
    ).toBe(true);
    const lane = (await call('GET', '/api/v1/disputes?status=open', billing)).json().items as {
      id: string;
      invoiceId: string;
    }[];
    const dispute = lane.find((d) => d.invoiceId === inv.id);
    expect(dispute).toBeDefined();
    // A dispatcher does not settle billing matters.
    const denied = await call('POST', `/api/v1/disputes/${dispute?.id}/resolve`, dispatcher, {
      resolution: 'reply',
      reply: 'Checked.',
    });
    expect(denied.statusCode).toBe(403);
    const settled = await call('POST', `/api/v1/disputes/${dispute?.id}/resolve`, billing, {
      resolution: 'credit_note',
      reply: 'You are right: we credited one hour, the credit note is on your page.',
    });
    expect(settled.statusCode, settled.body).toBe(200);
    expect(settled.json()).toMatchObject({ status: 'resolved', resolution: 'credit_note' });
    const answer = inbox.find((m) => m.subject === `About ${inv.number}: credited`);
    expect(answer?.text).toContain('You are right: we credited one hour');
    const portal = (await call('GET', `/api/v1/public/portal/${token}`)).json() as {
      open: { id: string; dispute: { open: boolean; reply: string | null } | null }[];
    };
    expect(portal.open.find((d) => d.id === inv.id)?.dispute).toMatchObject({
      open: false,
      reply: 'You are right: we credited one hour, the credit note is on your page.',
    });
    expect(
      (
        await call('POST', `/api/v1/disputes/${dispute?.id}/resolve`, billing, {
          resolution: 'reply',
          reply: 'Again',
        })
      ).statusCode,
    ).toBe(409);
  });
});
