import Decimal from 'decimal.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DISPUTE_PHOTOS, REFUND_ATTEMPTS } from '../../src/contracts/portal';
import { rfReference } from '../../src/core/bank-matching';
import {
  closeOut,
  drain,
  type InvoiceJson,
  invoicesOfJob,
  newJob,
  plainJobType,
  setSeller,
} from '../invoices/helpers';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, sessionsOf } from '../support/factories';
import { type FakeStripe, startFakeStripe } from '../support/fake-stripe';
import {
  hasPoppler,
  imageQrCode,
  inkPng,
  jpegWithExif,
  multipart,
  pdf,
  pdfQrCodes,
  pdfText,
  png,
} from '../support/files';

type Portal = {
  customerName: string;
  open: {
    id: string;
    number: string;
    outstanding: string;
    payOnline: boolean;
    paymentPending: boolean;
    proof: boolean;
    ubl: boolean;
  }[];
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

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, who?: Session, payload?: object) =>
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
        'SELECT round(amount, 2)::text AS amount, reference, method FROM payments WHERE invoice_id = $1 ORDER BY created_at',
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
    // The customer's receipt, once, with their page.
    await drain(t);
    const receipts = inbox.filter(
      (m) => m.subject.startsWith('Receipt:') && m.subject.endsWith(inv.number ?? '-'),
    );
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.to).toEqual(['payer@example.com']);
    expect(receipts[0]?.text).toMatch(
      new RegExp(
        `^Dear .+,\\n\\nThank you: we received EUR [\\d,.]+ by card for ${inv.number} on \\d{1,2} \\w+ \\d{4}\\. Nothing is left to pay on it\\.\\n\\nYour invoices, payments and receipts: http://closeout\\.test/portal/#/account/`,
      ),
    );
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

  it.runIf(hasPoppler)(
    'prints a pay link and its QR code on the PDF that open this invoice only, and pays it there',
    async () => {
      const inv = await issued();
      const pdf = (await call('GET', `/api/v1/invoices/${inv.id}/pdf`, billing)).rawPayload;
      const printed = /Pay online: (http:\/\/closeout\.test\/portal\/#\/pay\/[\w-]{86})/.exec(
        pdfText(pdf).replace(/\s*\n\s*/g, ''),
      );
      expect(printed, 'the PDF prints its pay link').not.toBeNull();
      const url = printed?.[1] ?? '';
      // The camera reads the same link from the printed page; beside it, the code a banking app scans
      // fills in the transfer: the organization's IBAN, the amount due and the creditor reference.
      const codes = await pdfQrCodes(pdf);
      expect(codes).toHaveLength(2);
      expect(codes).toContain(url);
      const transfer = codes.find((c) => c !== url);
      expect(transfer?.split('\n')).toEqual([
        'BCD',
        '002',
        '1',
        'SCT',
        '',
        expect.any(String),
        'IE29AIBK93115212345678',
        `EUR${inv.totals.payable}`,
        '',
        rfReference(inv.number ?? ''),
      ]);
      // The office's copy is the same link; the e-mail carries it before the customer's page.
      const office = await call('GET', `/api/v1/invoices/${inv.id}/pay-link`, billing);
      expect(office.statusCode, office.body).toBe(200);
      expect(office.json().url).toBe(url);
      expect((await call('GET', `/api/v1/invoices/${inv.id}/pay-link`, tech)).statusCode).toBe(403);
      await call('POST', `/api/v1/invoices/${inv.id}/send`, billing, {});
      await drain(t);
      const mail = inbox.filter((m) => m.subject.includes(inv.number ?? '-')).at(-1);
      expect(mail?.text).toContain(`Pay ${inv.number} online: ${url}\nPay online, or see all your invoices`);

      const token = tokenOf(url);
      const view = await call('GET', `/api/v1/public/pay/${token}`);
      expect(view.statusCode, view.body).toBe(200);
      expect(view.json()).toMatchObject({
        organization: { name: expect.any(String) },
        document: { id: inv.id, number: inv.number, outstanding: inv.outstanding, payOnline: true },
        transfer: { iban: 'IE29 AIBK 9311 5212 3456 78', reference: inv.number },
      });
      // The page's code for a banking app is the PDF's: the same transfer, for what is outstanding.
      const qr = view.json().transfer.qrCode as string;
      expect(qr).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(await imageQrCode(Buffer.from(qr.split(',')[1] ?? '', 'base64'))).toBe(transfer);
      // Nothing else of the customer's: no name, no other documents (only the language the invoice speaks).
      expect(Object.keys(view.json()).sort()).toEqual(['document', 'language', 'organization', 'transfer']);
      // A link with one character changed, another organization's signature, or no link at all opens nothing.
      const flipped = `${token.slice(0, 80)}${token[80] === 'A' ? 'B' : 'A'}${token.slice(81)}`;
      expect((await call('GET', `/api/v1/public/pay/${flipped}`)).statusCode).toBe(404);
      const theirs = Buffer.from(token, 'base64url');
      Buffer.from(other.organizationId.replaceAll('-', ''), 'hex').copy(theirs, 0);
      expect((await call('GET', `/api/v1/public/pay/${theirs.toString('base64url')}`)).statusCode).toBe(404);
      const short = await call('GET', `/api/v1/public/pay/${token.slice(1)}`);
      expect(short.statusCode).toBe(400);
      expect(short.json().errors[0].field).toBe('params.token');

      // The customer pays from it: the same hosted checkout, back to the pay page, recorded from the event.
      const checkout = await call('POST', `/api/v1/public/pay/${token}/checkout`, undefined, {});
      expect(checkout.statusCode, checkout.body).toBe(200);
      const session = [...stripe.sessions.values()].find((x) => x.metadata.invoiceId === inv.id);
      expect(session?.success_url).toBe(`${url}?paid=${inv.id}`);
      await stripe.pay(session?.id ?? '');
      expect((await payments(inv.id)).map((p) => p.method)).toEqual(['card']);
      const after = (await call('GET', `/api/v1/public/pay/${token}`)).json();
      expect(after).toMatchObject({ document: { outstanding: '0.00', payOnline: false }, transfer: null });
      expect((await call('POST', `/api/v1/public/pay/${token}/checkout`, undefined, {})).statusCode).toBe(
        409,
      );
      // Its PDF, as the customer received it.
      const again = await call('GET', `/api/v1/public/pay/${token}/pdf`);
      expect(again.statusCode).toBe(200);
      expect(again.rawPayload.equals(pdf)).toBe(true);
    },
  );

  /** An issued invoice the customer paid online, through the portal and Stripe's signed event. */
  const paidOnline = async () => {
    const inv = await issued();
    const token = await portalOf();
    const open = await call(
      'POST',
      `/api/v1/public/portal/${token}/documents/${inv.id}/checkout`,
      undefined,
      {},
    );
    expect(open.statusCode, open.body).toBe(200);
    const session = [...stripe.sessions.values()].find((s) => s.metadata.invoiceId === inv.id);
    await stripe.pay(session?.id ?? '');
    expect((await call('GET', `/api/v1/invoices/${inv.id}`, billing)).json().status).toBe('paid');
    return { inv, paymentIntent: stripe.sessions.get(session?.id ?? '')?.payment_intent ?? '' };
  };
  const creditInFull = async (invoiceId: string) => {
    const res = await call('POST', `/api/v1/invoices/${invoiceId}/credit-notes`, billing, {
      reason: 'price_dispute',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as InvoiceJson;
  };
  type Refunds = {
    refundable: string;
    items: { id: string; amount: string; status: string; failure: string | null }[];
  };
  const refundsOf = async (creditNoteId: string) =>
    (await call('GET', `/api/v1/invoices/${creditNoteId}/online-refunds`, billing)).json() as Refunds;
  const refund = (creditNoteId: string, amount: string, who: Session = billing) =>
    call('POST', `/api/v1/invoices/${creditNoteId}/online-refunds`, who, { amount });
  /** Runs the refund queue; jobs that failed are made due again and run once more. */
  const drainRefunds = async () => {
    const first = await drain(t, ['payments.refund']);
    await t.database.raw.query(
      "UPDATE pgboss.job SET start_after = now() WHERE name = 'payments.refund' AND state = 'retry'",
    );
    await drain(t);
    await stripe.idle();
    return first.filter((o) => o.name === 'payments.refund');
  };

  it('sends a credit note’s refund back to the card once, recorded only when Stripe confirms it', async () => {
    const { inv, paymentIntent } = await paidOnline();
    const total = inv.totals.payable ?? '';
    const cn = await creditInFull(inv.id);
    expect(cn.outstanding).toBe(total);
    expect((await refundsOf(cn.id)).refundable).toBe(total);
    // A dispatcher does not move money; more than the credit note owes is refused, naming the field.
    expect((await refund(cn.id, '1.00', dispatcher)).statusCode).toBe(403);
    const tooMuch = await refund(cn.id, new Decimal(total).plus('0.01').toFixed(2));
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json().errors[0]).toMatchObject({ field: 'body.amount', message: `at most ${total}` });
    // The invoice itself is not refunded to a card: only what a credit note owes.
    expect((await refund(inv.id, '1.00')).statusCode).toBe(409);

    const part = await refund(cn.id, '10.00');
    expect(part.statusCode, part.body).toBe(202);
    expect(part.json().items).toMatchObject([{ amount: '10.00', status: 'requested' }]);
    // Asked for and not settled counts: a second click for the whole credit is refused.
    const rest = new Decimal(total).minus(10).toFixed(2);
    expect(part.json().refundable).toBe(rest);
    expect((await refund(cn.id, total)).statusCode).toBe(400);
    // Stripe is down for the first attempt (the library's own retries included): the queue tries again later
    // with the same key, and Stripe makes one refund.
    stripe.refundOutage = { count: 3, lost: false };
    const attempts = await drainRefunds();
    expect(attempts.map((a) => a.ok)).toEqual([false]);
    const made = [...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntent);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ amount: 1000, status: 'succeeded' });
    expect(made[0]?.metadata.closeoutRefundId).toBe(part.json().items[0].id);
    const keys = stripe.requests.filter((r) => r.path === '/v1/refunds').map((r) => r.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set([`closeout-refund-${part.json().items[0].id}`]));
    // Recorded once on the credit note, by the answer or by refund.created, whichever came first.
    const recorded = await payments(cn.id);
    expect(recorded).toEqual([{ amount: '10.00', reference: made[0]?.id, method: 'card' }]);
    await drain(t);
    expect(inbox.filter((m) => m.subject === `Refund of EUR 10.00 for ${cn.number}`)).toHaveLength(1);
    for (const e of stripe.events.filter((x) => x.type.startsWith('refund.'))) await stripe.deliver(e);
    expect(await payments(cn.id)).toHaveLength(1);
    expect((await call('GET', `/api/v1/invoices/${cn.id}`, billing)).json().outstanding).toBe(rest);

    // A bank that takes its time: nothing is recorded until Stripe says it went through.
    stripe.refundMode = 'pending';
    // And an answer lost on the way back: the library asks again with the same key, and finds the same refund.
    stripe.refundOutage = { count: 1, lost: true };
    expect((await refund(cn.id, rest)).statusCode).toBe(202);
    await drainRefunds();
    const second = [...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntent);
    expect(second).toHaveLength(2);
    const pending = await refundsOf(cn.id);
    expect(pending.items.map((i) => i.status)).toEqual(['succeeded', 'pending']);
    expect(pending.refundable).toBe('0.00');
    expect(await payments(cn.id)).toHaveLength(1);
    const settled = await stripe.settleRefund(second[1]?.id ?? '', 'succeeded');
    await stripe.deliver(settled);
    expect((await payments(cn.id)).map((p) => p.amount).sort()).toEqual(['10.00', rest].sort());
    const done = (await call('GET', `/api/v1/invoices/${cn.id}`, billing)).json();
    expect(done).toMatchObject({ outstanding: '0.00', status: 'paid' });
    expect((await refundsOf(cn.id)).refundable).toBe('0.00');
    stripe.refundMode = 'succeeded';
  });

  it('leaves the credit owing and tells billing when a refund fails or Stripe refuses it', async () => {
    const { inv, paymentIntent } = await paidOnline();
    const total = inv.totals.payable ?? '';
    const cn = await creditInFull(inv.id);
    stripe.refundMode = 'pending';
    expect((await refund(cn.id, '5.00')).statusCode).toBe(202);
    await drainRefunds();
    const pending = [...stripe.refunds.values()].find((r) => r.payment_intent === paymentIntent);
    await stripe.settleRefund(pending?.id ?? '', 'failed');
    stripe.refundMode = 'succeeded';
    const after = await refundsOf(cn.id);
    expect(after.items[0]).toMatchObject({
      status: 'failed',
      failure: 'the card has expired or was cancelled',
    });
    expect(after.refundable).toBe(total);
    expect(await payments(cn.id)).toEqual([]);
    const lane = (await call('GET', '/api/v1/integration-errors?status=open', billing)).json().items as {
      kind: string;
      invoiceId: string;
      message: string;
    }[];
    expect(lane.find((e) => e.invoiceId === cn.id)?.message).toBe(
      `The refund of EUR 5.00 to the customer’s card for ${cn.number} failed: the card has expired or was cancelled. ${cn.number} still owes it: refund another way and record it, or try again.`,
    );
    // Someone refunded it in Stripe's dashboard meanwhile: Stripe refuses ours, and billing is told why.
    stripe.refunds.set('re_dashboard', {
      id: 're_dashboard',
      object: 'refund',
      amount: new Decimal(total).times(100).toNumber(),
      currency: 'eur',
      payment_intent: paymentIntent,
      status: 'succeeded',
      failure_reason: null,
      metadata: {},
      created: 1,
    });
    // Stripe tells us of that refund: the books do not know it, so it goes to review with what to do.
    const outside = await stripe.deliver(
      stripe.event('refund.created', stripe.refunds.get('re_dashboard') ?? {}),
    );
    expect(JSON.parse(outside.body).outcome).toBe(`needs review: refunded outside Closeout on ${inv.number}`);
    const told = (await call('GET', '/api/v1/integration-errors?status=open', billing)).json().items as {
      message: string;
    }[];
    expect(told.some((e) => e.message.includes(`was refunded in Stripe’s dashboard for ${inv.number}`))).toBe(
      true,
    );
    expect((await refund(cn.id, total)).statusCode).toBe(202);
    await drainRefunds();
    const refused = await refundsOf(cn.id);
    expect(refused.items[1]?.status).toBe('failed');
    expect(refused.items[1]?.failure).toMatch(
      /^Stripe refused it \(Refund amount .* is greater than unrefunded amount/,
    );
    expect(await payments(cn.id)).toEqual([]);
    // Refused again: each refusal is its own record, in the lane, and nothing is recorded.
    expect((await refund(cn.id, total)).statusCode).toBe(202);
    const second = await drainRefunds();
    expect(second.every((r) => r.ok)).toBe(true);
    expect((await refundsOf(cn.id)).items.map((x) => x.status)).toEqual(['failed', 'failed', 'failed']);
  });

  it('puts a refund Stripe never answers in the lane after its tries, and reprocessing makes it once', async () => {
    const { paymentIntent, inv } = await paidOnline();
    const cn = await creditInFull(inv.id);
    const asked = await refund(cn.id, '7.00');
    expect(asked.statusCode, asked.body).toBe(202);
    const refundId = asked.json().items[0].id as string;
    const lane = async () =>
      (
        (await call('GET', '/api/v1/integration-errors?status=open', billing)).json().items as {
          id: string;
          invoiceId: string;
          message: string;
        }[]
      ).find((e) => e.invoiceId === cn.id);
    // Stripe is down for good: each run asks (the library retrying too) and meets no answer.
    stripe.refundOutage = { count: 100_000, lost: false };
    for (let i = 0; i < REFUND_ATTEMPTS + 2 && !(await lane()); i++) {
      await drain(t, ['payments.refund']);
      await t.database.raw.query(
        "UPDATE pgboss.job SET start_after = now() WHERE name = 'payments.refund' AND state = 'retry'",
      );
    }
    const entry = await lane();
    expect(entry?.message).toMatch(
      new RegExp(
        `^Stripe did not answer the refund of EUR 7\\.00 for ${cn.number} after ${REFUND_ATTEMPTS} tries \\(the last: .+\\)\\. It may have gone through: look at the payment in Stripe first\\.`,
      ),
    );
    const row = await t.database.raw.query<{ status: string; attempts: number }>(
      'SELECT status, attempts FROM payment_refunds WHERE id = $1',
      [refundId],
    );
    expect(row.rows[0]).toEqual({ status: 'requested', attempts: REFUND_ATTEMPTS });
    // The queue stopped trying: nothing waits, and nothing was made or recorded.
    const waiting = await t.database.raw.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'payments.refund' AND state IN ('created', 'retry', 'active')",
    );
    expect(waiting.rows[0]?.n).toBe(0);
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntent)).toEqual([]);
    expect(await payments(cn.id)).toEqual([]);
    const notes = await t.database.raw.query<{ body: string }>(
      "SELECT body FROM notifications WHERE organization_id = $1 AND kind = 'refund_failed'",
      [org.organizationId],
    );
    expect(notes.rows.some((n) => n.body === entry?.message)).toBe(true);

    // Stripe is back; billing reprocesses the entry: asked again with the same key, made and recorded once.
    stripe.refundOutage = { count: 0, lost: false };
    const again = await call('POST', `/api/v1/integration-errors/${entry?.id}/reprocess`, billing, {});
    expect(again.statusCode, again.body).toBe(200);
    await drainRefunds();
    const made = [...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntent);
    expect(made).toHaveLength(1);
    expect(made[0]?.metadata.closeoutRefundId).toBe(refundId);
    expect(await payments(cn.id)).toEqual([{ amount: '7.00', reference: made[0]?.id, method: 'card' }]);
    expect((await refundsOf(cn.id)).items[0]).toMatchObject({ id: refundId, status: 'succeeded' });
    expect(await lane()).toBeUndefined();
  });

  it('e-mails a new link from an expired one to the address on file, saying the same whoever asks', async () => {
    const token = await portalOf();
    const now = t.deps.clock.now().getTime();
    await t.database.raw.query(
      'UPDATE portal_links SET expires_at = $2, created_at = $3 WHERE organization_id = $1',
      [org.organizationId, new Date(now - 86_400_000), new Date(now - 91 * 86_400_000)],
    );
    const gone = await call('GET', `/api/v1/public/portal/${token}`);
    expect(gone.statusCode).toBe(404);
    const renew = (tok: string) => call('POST', `/api/v1/public/portal/${tok}/renew`, undefined, {});
    const before = inbox.length;
    const asked = await renew(token);
    expect(asked.statusCode, asked.body).toBe(202);
    const said = asked.json().message;
    expect(said).toBe('If we have an e-mail address for you, a new link is on its way.');
    await drain(t);
    const mails = inbox.slice(before).filter((m) => m.subject.startsWith('Your new link'));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toEqual(['payer@example.com']);
    const fresh = /#\/account\/([\w-]{43})/.exec(mails[0]?.text ?? '')?.[1] ?? '';
    expect(fresh).not.toBe(token);
    expect((await call('GET', `/api/v1/public/portal/${fresh}`)).statusCode).toBe(200);
    // Asked again at once, with a made-up token, or with a withdrawn link: the same answer, and no e-mail.
    expect((await renew(token)).json().message).toBe(said);
    expect((await renew('x'.repeat(43))).json().message).toBe(said);
    await call('POST', `/api/v1/customers/${org.customerId}/portal-link/revoke`, billing, {});
    expect((await renew(fresh)).json().message).toBe(said);
    await drain(t);
    expect(inbox.slice(before).filter((m) => m.subject.startsWith('Your new link'))).toHaveLength(1);
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
      /^EUR [\d.,]+ paid online for INV-[\d-]+ could not be applied: .*Refund it to the card, or apply what still fits/,
    );
  });

  type Unplaced = {
    id: string;
    status: string;
    paid: string;
    applied: string;
    goingBack: string;
    sentBack: string;
    left: string;
    applicable: string;
  };
  type Entry = {
    id: string;
    kind: string;
    invoiceId: string;
    status: string;
    unplacedPaymentId: string | null;
  };
  const laneEntry = async (invoiceId: string) =>
    ((await call('GET', '/api/v1/integration-errors', owner)).json().items as Entry[]).find(
      (e) =>
        e.kind === 'online_payment' &&
        e.invoiceId === invoiceId &&
        e.unplacedPaymentId &&
        e.status === 'open',
    );
  const unplaced = async (id: string) =>
    (await call('GET', `/api/v1/unplaced-payments/${id}`, billing)).json() as Unplaced;
  const place = (id: string, action: 'refund' | 'apply', who: Session = billing) =>
    call('POST', `/api/v1/unplaced-payments/${id}/place`, who, { action });
  /** An issued invoice paid online after part (or all) of it was paid by transfer: money that does not fit. */
  const paidTwice = async (byTransfer: (outstanding: string) => string) => {
    const inv = await issued();
    const token = await portalOf();
    await call('POST', `/api/v1/public/portal/${token}/documents/${inv.id}/checkout`, undefined, {});
    const session = [...stripe.sessions.values()].find((s) => s.metadata.invoiceId === inv.id);
    const paid = await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv.id,
      amount: byTransfer(inv.outstanding),
      receivedOn: '2026-12-04',
      method: 'bank_transfer',
    });
    expect(paid.statusCode, paid.body).toBe(201);
    await stripe.pay(session?.id ?? '');
    const entry = await laneEntry(inv.id);
    if (!entry?.unplacedPaymentId) throw new Error('no lane entry for the unplaced money');
    return { inv, entry, id: entry.unplacedPaymentId, intent: session?.payment_intent ?? '' };
  };

  it('sends money that did not fit back to the card from its lane entry, once, and the books never hold it', async () => {
    const { inv, entry, id, intent } = await paidTwice((o) => o);
    const before = await unplaced(id);
    expect(before).toMatchObject({ status: 'unplaced', paid: inv.outstanding, left: inv.outstanding });
    expect(before.applicable).toBe('0.00');
    // Nothing is owed, so nothing applies; a dispatcher or a technician cannot move money.
    const apply = await place(id, 'apply');
    expect(apply.statusCode).toBe(409);
    expect(apply.json().errors[0].field).toBe('body.action');
    expect((await place(id, 'refund', dispatcher)).statusCode).toBe(403);
    expect((await place(id, 'refund', tech)).statusCode).toBe(403);
    expect(
      (await call('POST', `/api/v1/unplaced-payments/${id}/place`, billing, { action: 'keep' })).statusCode,
    ).toBe(400);
    // Two clicks at once: one refund.
    const [a, b] = await Promise.all([place(id, 'refund'), place(id, 'refund')]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    expect((a.statusCode === 200 ? a : b).json()).toMatchObject({ goingBack: inv.outstanding, left: '0.00' });
    expect((await call('GET', `/api/v1/integration-errors/${entry.id}`, owner)).json().status).toBe(
      'resolved',
    );
    inbox.length = 0;
    await drainRefunds();
    const made = [...stripe.refunds.values()].filter((r) => r.payment_intent === intent);
    expect(made.map((r) => r.amount)).toEqual([Math.round(Number(inv.outstanding) * 100)]);
    for (const e of stripe.events.filter((x) => x.type.startsWith('refund.'))) await stripe.deliver(e);
    expect(await unplaced(id)).toMatchObject({ status: 'refunded', sentBack: inv.outstanding, left: '0.00' });
    // Stripe tells of the same payment again, in another event: nothing is received twice.
    const session = [...stripe.sessions.values()].find((s) => s.payment_intent === intent);
    const again = await stripe.deliver(stripe.event('checkout.session.completed', session ?? {}));
    expect(JSON.parse(again.body).outcome).toBe('already recorded');
    expect(await unplaced(id)).toMatchObject({ status: 'refunded', left: '0.00' });
    expect((await laneEntry(inv.id))?.status).toBeUndefined();
    // The books: the transfer only, and the invoice paid by it.
    expect((await payments(inv.id)).map((p) => p.method)).toEqual(['bank_transfer']);
    expect(inbox.filter((m) => m.subject.startsWith('Refund of'))).toHaveLength(1);
    expect((await place(id, 'refund')).statusCode).toBe(409);
    // Another organization's people cannot see it.
    const theirs = await signIn(t.app, other.users.billing.email, PASSWORD);
    expect((await call('GET', `/api/v1/unplaced-payments/${id}`, theirs)).statusCode).toBe(404);
  });

  it('applies what still fits of money paid online and sends the rest back to the card', async () => {
    const { inv, id, intent } = await paidTwice((o) => new Decimal(o).times('0.4').toFixed(2));
    const owed = new Decimal(inv.outstanding).minus(new Decimal(inv.outstanding).times('0.4').toFixed(2));
    const rest = new Decimal(inv.outstanding).minus(owed);
    expect(await unplaced(id)).toMatchObject({ left: inv.outstanding, applicable: owed.toFixed(2) });
    const placed = await place(id, 'apply');
    expect(placed.statusCode, placed.body).toBe(200);
    expect(placed.json()).toMatchObject({
      applied: owed.toFixed(2),
      goingBack: rest.toFixed(2),
      left: '0.00',
    });
    await drainRefunds();
    for (const e of stripe.events.filter((x) => x.type.startsWith('refund.'))) await stripe.deliver(e);
    expect(await unplaced(id)).toMatchObject({ status: 'paid', sentBack: rest.toFixed(2) });
    const made = [...stripe.refunds.values()].filter((r) => r.payment_intent === intent);
    expect(made.map((r) => r.amount)).toEqual([rest.times(100).toNumber()]);
    expect((await payments(inv.id)).map((p) => [p.method, p.amount])).toEqual([
      ['bank_transfer', new Decimal(inv.outstanding).times('0.4').toFixed(2)],
      ['card', owed.toFixed(2)],
    ]);
    const after = (await call('GET', `/api/v1/invoices/${inv.id}`, billing)).json() as InvoiceJson;
    expect(after.status).toBe('paid');
    expect(after.outstanding).toBe('0.00');
  });

  it('leaves unplaced money to place again when its refund fails at the bank', async () => {
    const { inv, id, intent } = await paidTwice((o) => o);
    stripe.refundMode = 'pending';
    try {
      expect((await place(id, 'refund')).statusCode).toBe(200);
      await drainRefunds();
    } finally {
      stripe.refundMode = 'succeeded';
    }
    const pending = [...stripe.refunds.values()].find((r) => r.payment_intent === intent);
    if (!pending) throw new Error('no refund at Stripe');
    await stripe.settleRefund(pending.id, 'failed');
    await stripe.idle();
    expect(await unplaced(id)).toMatchObject({
      status: 'unplaced',
      goingBack: '0.00',
      left: inv.outstanding,
    });
    // The failure is in the lane with the same two choices.
    const again = await laneEntry(inv.id);
    expect(again?.status).toBe('open');
    expect(again?.unplacedPaymentId).toBe(id);
    expect((await place(id, 'refund')).statusCode).toBe(200);
    await drainRefunds();
    for (const e of stripe.events.filter((x) => x.type.startsWith('refund.'))) await stripe.deliver(e);
    expect(await unplaced(id)).toMatchObject({ status: 'refunded', sentBack: inv.outstanding, left: '0.00' });
  });

  it('settles unplaced money refunded in Stripe’s dashboard, as its lane entry allowed', async () => {
    const { inv, entry, id, intent } = await paidTwice((o) => o);
    const half = Math.round(Number(inv.outstanding) * 50);
    const total = Math.round(Number(inv.outstanding) * 100);
    const refundAtStripe = (amount: number) =>
      fetch(`${stripe.url}/v1/refunds`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stripe.secretKey}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `payment_intent=${intent}&amount=${amount}`,
      });
    expect((await refundAtStripe(half)).status).toBe(200);
    await stripe.idle();
    expect(await unplaced(id)).toMatchObject({
      status: 'unplaced',
      left: new Decimal(total - half).div(100).toFixed(2),
    });
    expect((await call('GET', `/api/v1/integration-errors/${entry.id}`, owner)).json().status).toBe('open');
    expect((await refundAtStripe(total - half)).status).toBe(200);
    await stripe.idle();
    expect(await unplaced(id)).toMatchObject({ status: 'refunded', left: '0.00', sentBack: inv.outstanding });
    expect((await call('GET', `/api/v1/integration-errors/${entry.id}`, owner)).json().status).toBe(
      'resolved',
    );
    expect((await payments(inv.id)).map((p) => p.method)).toEqual(['bank_transfer']);
  });

  it('lists every payment and refund for the office, online ones marked, filtered and in pages', async () => {
    type Entry = {
      kind: string;
      online: boolean;
      method: string;
      amount: string;
      number: string;
      customerName: string;
    };
    const all = (await call('GET', '/api/v1/payments?limit=200', billing)).json() as { items: Entry[] };
    expect(all.items.some((p) => p.kind === 'payment' && p.online && p.method === 'card')).toBe(true);
    expect(all.items.some((p) => p.kind === 'refund' && p.online && p.number.startsWith('CN-'))).toBe(true);
    expect(all.items.some((p) => p.kind === 'payment' && !p.online && p.method === 'bank_transfer')).toBe(
      true,
    );
    expect(all.items.every((p) => p.customerName)).toBe(true);
    const byTransfer = (await call('GET', '/api/v1/payments?method=bank_transfer', billing)).json() as {
      items: Entry[];
    };
    expect(byTransfer.items.length).toBeGreaterThan(0);
    expect(byTransfer.items.every((p) => p.method === 'bank_transfer')).toBe(true);
    // In pages of one, the same rows in the same order.
    const seen: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await call('GET', `/api/v1/payments?limit=1${cursor ? `&cursor=${cursor}` : ''}`, billing)
      ).json() as { items: Entry[]; nextCursor: string | null };
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items);
    expect((await call('GET', '/api/v1/payments', tech)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/payments?from=2026-13-01', billing)).statusCode).toBe(400);
    // Another organization's money is not listed.
    const theirs = (await call('GET', '/api/v1/payments', (await sessionsOf(t.app, other)).billing)).json();
    expect(theirs.items).toEqual([]);
  });

  it('shows the customer the proof of the work an invoice bills, and the e-invoice to a business', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    const upload = async (category: string, bytes: Buffer, name: string, type: string) => {
      const body = multipart({ category }, { name, type, bytes });
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${j.id}/attachments`,
        headers: { ...as(tech, true), ...body.headers },
        payload: body.payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const before = await upload('before', await jpegWithExif(3), 'before.jpg', 'image/jpeg');
    const after = await upload('after', await jpegWithExif(4), 'after.jpg', 'image/jpeg');
    const left = await upload('other', await jpegWithExif(5), 'left-out.jpg', 'image/jpeg');
    const sig = await upload('signature', await inkPng(), 'signature.png', 'image/png');
    await closeOut(t, org, tech, j.id, {
      workPerformed: {
        checklist: [
          { item: 'Pump replaced', done: true },
          { item: 'Descaled', done: false },
        ],
        notes: 'System bled and pressure set to 1.5 bar.',
      },
      attachmentIds: [after, before],
      signature: { attachmentId: sig, signerName: 'Pat Murphy', signedAt: '2026-11-18T11:45:00.000Z' },
    });
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    const token = await portalOf();
    const doc = ((await call('GET', `/api/v1/public/portal/${token}`)).json() as Portal).open.find(
      (d) => d.id === inv?.id,
    );
    expect(doc).toMatchObject({ proof: true, ubl: false });
    const base = `/api/v1/public/portal/${token}/documents/${inv?.id}`;
    const proof = await call('GET', `${base}/proof`);
    expect(proof.statusCode, proof.body).toBe(200);
    expect(proof.json()).toMatchObject({
      jobNumber: expect.stringMatching(/^J-\d+$/),
      work: ['Pump replaced'],
      notes: 'System bled and pressure set to 1.5 bar.',
      // Before the work first, whatever order the technician gave; a photo left out is not shown.
      photos: [
        { id: before, category: 'Before the work' },
        { id: after, category: 'After the work' },
      ],
      signature: { signerName: 'Pat Murphy', photoId: sig },
      workReport: true,
      // When the work was done, in the business's time zone while the customer has none of their own...
      timeZone: 'Europe/Dublin',
    });
    // ...and in theirs once they live elsewhere.
    await t.database.raw.query('UPDATE customers SET time_zone = $1 WHERE id = $2', [
      'America/New_York',
      org.customerId,
    ]);
    expect((await call('GET', `${base}/proof`)).json().timeZone).toBe('America/New_York');
    await t.database.raw.query('UPDATE customers SET time_zone = NULL WHERE id = $1', [org.customerId]);
    const small = await call('GET', `${base}/proof/${before}`);
    expect(small.statusCode).toBe(200);
    expect(small.headers['content-type']).toBe('image/jpeg');
    const large = await call('GET', `${base}/proof/${before}?size=large`);
    expect(large.rawPayload.length).toBeGreaterThan(small.rawPayload.length);
    // The signature's transparent background is white on the small copy, not black.
    const ink = await call('GET', `${base}/proof/${sig}`);
    expect(ink.statusCode).toBe(200);
    const { data } = await sharp(ink.rawPayload).raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]].every((v) => (v ?? 0) > 240)).toBe(true);
    // Only what the closeout names, only through the document's own customer.
    expect((await call('GET', `${base}/proof/${left}`)).statusCode).toBe(404);
    expect((await call('GET', `${base}/proof/${before}?size=huge`)).statusCode).toBe(400);
    const otherBilling = (await sessionsOf(t.app, other)).billing;
    const link = await call('POST', `/api/v1/customers/${other.customerId}/portal-link`, otherBilling, {});
    const theirs = tokenOf(link.json().url);
    expect(
      (await call('GET', `/api/v1/public/portal/${theirs}/documents/${inv?.id}/proof/${before}`)).statusCode,
    ).toBe(404);
    const report = await call('GET', `${base}/work-report`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toBe('application/pdf');
    // A business takes the e-invoice for its accounts software: the same UBL the packet holds.
    await t.database.raw.query('UPDATE customers SET tax_id = $1 WHERE id = $2', [
      'IE1234567T',
      org.customerId,
    ]);
    const again = ((await call('GET', `/api/v1/public/portal/${token}`)).json() as Portal).open.find(
      (d) => d.id === inv?.id,
    );
    expect(again?.ubl).toBe(true);
    const ubl = await call('GET', `${base}/ubl`);
    expect(ubl.statusCode).toBe(200);
    expect(ubl.headers['content-type']).toBe('application/xml');
    expect(ubl.body).toContain(`<cbc:ID>${inv?.number}</cbc:ID>`);
    await t.database.raw.query('UPDATE customers SET tax_id = NULL WHERE id = $1', [org.customerId]);

    // Branded with the business's logo, at an address that names the image (so cached for good).
    const logo = multipart({}, { name: 'logo.png', type: 'image/png', bytes: await png(9) });
    const set = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/organization/logo',
      headers: { ...as(owner, true), ...logo.headers },
      payload: logo.payload,
    });
    expect(set.statusCode, set.body).toBe(200);
    const logoUrl = (await call('GET', `/api/v1/public/portal/${token}`)).json().organization
      .logoUrl as string;
    expect(logoUrl).toMatch(new RegExp(`^/api/v1/public/logos/${org.organizationId}/[0-9a-f]{64}$`));
    const image = await call('GET', logoUrl);
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(
      (
        await call(
          'GET',
          `/api/v1/public/pay/${tokenOf((await call('GET', `/api/v1/invoices/${inv?.id}/pay-link`, billing)).json().url)}`,
        )
      ).json().organization.logoUrl,
    ).toBe(logoUrl);
    expect((await call('GET', `${logoUrl.slice(0, -64)}${'0'.repeat(64)}`)).statusCode).toBe(404);
    expect((await call('GET', `${logoUrl.slice(0, -64)}not-a-hash`)).statusCode).toBe(400);
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
    const photo = async (image: Buffer | Promise<Buffer>, type = 'image/jpeg') => {
      const body = multipart({}, { name: 'meter.jpg', type, bytes: await image });
      return t.app.inject({ method: 'POST', url: `${url}/photos`, ...body });
    };
    // Photos come with the words, never before them.
    const early = await photo(jpegWithExif(1));
    expect(early.statusCode, early.body).toBe(409);
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
      photos: 0,
    });
    // Up to five photos: images only (sniffed, whatever the declared type), stored without their metadata.
    const notImage = await photo(pdf(), 'image/jpeg');
    expect(notImage.statusCode).toBe(415);
    expect(notImage.json().errors[0].field).toBe('file');
    for (let i = 1; i <= MAX_DISPUTE_PHOTOS; i++) {
      const sent = await photo(i % 2 ? jpegWithExif(i) : png(i), i % 2 ? 'image/jpeg' : 'image/png');
      expect(sent.statusCode, sent.body).toBe(200);
      expect(sent.json().photos).toBe(i);
    }
    const sixth = await photo(jpegWithExif(9));
    expect(sixth.statusCode).toBe(400);
    expect(sixth.json().errors[0].field).toBe('file');
    expect(
      (
        (await call('GET', `/api/v1/public/portal/${token}`)).json() as {
          open: { id: string; dispute: { photos: number } | null }[];
        }
      ).open.find((d) => d.id === inv.id)?.dispute?.photos,
    ).toBe(MAX_DISPUTE_PHOTOS);
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
      photoIds: string[];
    }[];
    const dispute = lane.find((d) => d.invoiceId === inv.id);
    expect(dispute?.photoIds).toHaveLength(MAX_DISPUTE_PHOTOS);
    // The office sees each photo; the first was a JPEG with GPS in its EXIF, kept as pixels only.
    const first = await call(
      'GET',
      `/api/v1/disputes/${dispute?.id}/photos/${dispute?.photoIds[0]}`,
      billing,
    );
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(first.rawPayload).metadata()).exif).toBeUndefined();
    const elsewhere = await call(
      'GET',
      `/api/v1/disputes/${dispute?.id}/photos/${dispute?.photoIds[0]}`,
      await signIn(t.app, other.users.billing.email, PASSWORD),
    );
    expect(elsewhere.statusCode).toBe(404);
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

  it('speaks a German customer’s language on their pages and in the e-mails that bring them there', async () => {
    const setLanguage = (language: string | null) =>
      call('PATCH', `/api/v1/customers/${org.customerId}`, billing, { language });
    expect((await setLanguage('de')).statusCode).toBe(200);
    try {
      const inv = await issued();
      const token = await portalOf();
      const pay = tokenOf((await call('GET', `/api/v1/invoices/${inv.id}/pay-link`, billing)).json().url);
      expect((await call('GET', `/api/v1/public/pay/${pay}`)).json().language).toBe('de');
      const said = await call(
        'POST',
        `/api/v1/public/portal/${token}/documents/${inv.id}/dispute`,
        undefined,
        {
          reason: 'work_not_done',
          comment: 'Der Heizkörper im Bad ist noch kalt.',
        },
      );
      expect(said.statusCode, said.body).toBe(200);
      const view = said.json() as {
        language: string;
        open: { id: string; dispute: { reason: string } | null }[];
      };
      expect(view.language).toBe('de');
      expect(view.open.find((d) => d.id === inv.id)?.dispute?.reason).toBe(
        'Die Arbeit wurde nicht oder nicht vollständig ausgeführt',
      );
      const lane = (await call('GET', '/api/v1/disputes?status=open', billing)).json().items as {
        id: string;
        invoiceId: string;
      }[];
      const dispute = lane.find((d) => d.invoiceId === inv.id);
      const before = inbox.length;
      const settled = await call('POST', `/api/v1/disputes/${dispute?.id}/resolve`, billing, {
        resolution: 'reply',
        reply: 'Wir kommen am Montag und entlüften ihn.',
      });
      expect(settled.statusCode, settled.body).toBe(200);
      const answer = inbox.slice(before).find((m) => m.text.includes('Wir kommen am Montag'));
      expect(answer?.subject).toBe(`Zu ${inv.number}: beantwortet`);
      expect(answer?.text).toContain(`Vielen Dank für Ihren Hinweis zu ${inv.number}.`);
      expect(answer?.text).not.toMatch(/Dear|Thank you/);
      // An expired link: the new one comes in German too.
      const now = t.deps.clock.now().getTime();
      await t.database.raw.query(
        'UPDATE portal_links SET expires_at = $2, created_at = $3 WHERE organization_id = $1',
        [org.organizationId, new Date(now - 86_400_000), new Date(now - 91 * 86_400_000)],
      );
      expect((await call('POST', `/api/v1/public/portal/${token}/renew`, undefined, {})).statusCode).toBe(
        202,
      );
      await drain(t);
      const renewed = inbox.slice(before).find((m) => m.subject.startsWith('Ihr neuer Link'));
      expect(renewed?.subject).toBe('Ihr neuer Link zu Ihren Rechnungen bei paid-online Services');
      expect(renewed?.text).toContain('Hier ist ein neuer Link zu Ihren Rechnungen, Zahlungen und Belegen');
    } finally {
      await setLanguage(null);
    }
  });
});
