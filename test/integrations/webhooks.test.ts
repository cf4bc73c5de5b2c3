import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import Decimal from 'decimal.js';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook } from '../../src/app/integrations/webhook-delivery';
import { MAX_DELIVERY_ATTEMPTS } from '../../src/app/integrations/webhooks';
import { closeOut, drain, invoicesOfJob, newJob, plainJobType, setSeller } from '../invoices/helpers';
import { as, createTestApp, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';

type Received = { headers: http.IncomingHttpHeaders; body: string };

describe.each(testDrivers())('signed webhooks and CSV export on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];
  const answers: number[] = [];
  let alwaysFail = false;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(alwaysFail ? 500 : (answers.shift() ?? 204));
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    t = await createTestApp(driver);
    // Receivers check webhook-timestamp against their own clock.
    t.clock.set(new Date());
    org = await makeOrganization(t.deps, 'hooks');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner);
    jobTypeId = await plainJobType(t, owner);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const subscribe = async (events: string[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhook-subscriptions',
      headers: as(owner, true),
      payload: { url: receiverUrl, events },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; secret: string };
  };
  const deliveries = async (id: string) =>
    (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/webhook-subscriptions/${id}/deliveries`,
        headers: as(owner),
      })
    ).json().items as {
      id: string;
      eventId: string;
      eventType: string;
      status: string;
      attempts: number;
      lastStatusCode: number;
    }[];

  it('signs every delivery per Standard Webhooks, verified by the standard and by hand', async () => {
    const sub = await subscribe(['job.completed', 'job.invoice_ready', 'invoice.issued']);
    expect(sub.secret).toMatch(/^whsec_/);
    received.length = 0;
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const types = received.map((r) => JSON.parse(r.body).type).sort();
    expect(types).toEqual(['invoice.issued', 'job.completed', 'job.invoice_ready']);
    const verifier = new Webhook(sub.secret);
    for (const r of received) {
      const headers = {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      };
      expect(verifier.verify(r.body, headers)).toMatchObject({ data: expect.any(Object) });
      // The standard's text, written out: v1,base64(HMAC-SHA256(base64-decoded secret, "{id}.{timestamp}.{body}")).
      const key = Buffer.from(sub.secret.replace(/^whsec_/, ''), 'base64');
      const mac = createHmac('sha256', key)
        .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${r.body}`)
        .digest('base64');
      expect(headers['webhook-signature'].split(' ')).toContain(`v1,${mac}`);
      // The verifier can fail: a changed body or another secret is refused.
      expect(() => verifier.verify(r.body.replace('"type"', '"typ3"'), headers)).toThrow();
      expect(() =>
        new Webhook(`whsec_${Buffer.alloc(24, 7).toString('base64')}`).verify(r.body, headers),
      ).toThrow();
    }
    const issued = received.find((r) => JSON.parse(r.body).type === 'invoice.issued');
    expect(JSON.parse(issued?.body ?? '{}').data).toMatchObject({ kind: 'invoice', status: 'issued' });
    expect((await deliveries(sub.id)).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhook-subscriptions/${sub.id}`,
      headers: as(owner, true),
    });
  });

  it('sends a signed ping from the Test button, outside the delivery log, and reports a failing receiver', async () => {
    const sub = await subscribe(['job.completed']);
    received.length = 0;
    const ping = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/webhook-subscriptions/${sub.id}/test`,
        headers: as(owner, true),
      });
    const ok = await ping();
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, statusCode: 204, message: 'Delivered: HTTP 204' });
    expect(received).toHaveLength(1);
    const r = received[0];
    const verified = new Webhook(sub.secret).verify(r?.body ?? '', {
      'webhook-id': String(r?.headers['webhook-id']),
      'webhook-timestamp': String(r?.headers['webhook-timestamp']),
      'webhook-signature': String(r?.headers['webhook-signature']),
    }) as { type: string };
    expect(verified.type).toBe('ping');
    expect(await deliveries(sub.id)).toHaveLength(0);
    answers.push(500);
    const failed = await ping();
    expect(failed.json()).toMatchObject({ ok: false, statusCode: 500, message: 'HTTP 500' });
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhook-subscriptions/${sub.id}`,
      headers: as(owner, true),
    });
  });

  it('retries a failed delivery with backoff under the same webhook-id, and logs every attempt', async () => {
    const sub = await subscribe(['invoice.paid']);
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    received.length = 0;
    answers.push(500);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/payments',
      headers: as(billing, true),
      payload: { invoiceId: inv?.id, amount: inv?.totals.payable, receivedOn: '2026-11-20', method: 'card' },
    });
    await drain(t);
    const [first] = await deliveries(sub.id);
    expect(first).toMatchObject({
      eventType: 'invoice.paid',
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
    });
    const next = await t.database.raw.query<{ start_after: Date }>(
      `SELECT start_after FROM pgboss.job WHERE name = 'webhook.deliver' AND state = 'created' AND data->>'deliveryId' = $1`,
      [first?.id],
    );
    // The first retry comes 30 s later (then 60, 120 …), as the README says.
    const wait = (next.rows[0]?.start_after.getTime() ?? 0) - Date.now();
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    // The queue runs the next attempt when it is due.
    await deliverWebhook(t.deps, org.organizationId, first?.id as string);
    const [second] = await deliveries(sub.id);
    expect(second).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(received.map((r) => r.headers['webhook-id'])).toEqual([first?.eventId, first?.eventId]);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhook-subscriptions/${sub.id}`,
      headers: as(owner, true),
    });
  });

  it('tells of every payment and refund, and of partial credits as well as full ones', async () => {
    const sub = await subscribe(['payment.recorded', 'invoice.credited']);
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    received.length = 0;
    const post = (url: string, payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url, headers: as(billing, true), payload });
    const paid = await post('/api/v1/payments', {
      invoiceId: inv?.id,
      amount: '10.00',
      receivedOn: '2026-11-20',
      method: 'bank_transfer',
      reference: 'BANK-1',
    });
    expect(paid.statusCode, paid.body).toBe(201);
    const credited = await post(`/api/v1/invoices/${inv?.id}/credit-notes`, {
      reason: 'price_dispute',
      lines: [{ position: 1, quantity: '1' }],
    });
    expect(credited.statusCode, credited.body).toBe(201);
    await drain(t);
    const bodies = received.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    expect(bodies.find((b) => b.type === 'payment.recorded')?.data).toMatchObject({
      kind: 'payment',
      invoiceId: inv?.id,
      amount: '10',
      method: 'bank_transfer',
      reference: 'BANK-1',
    });
    expect(bodies.find((b) => b.type === 'invoice.credited')?.data).toMatchObject({
      invoiceId: inv?.id,
      creditNote: credited.json().number,
      full: false,
    });
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhook-subscriptions/${sub.id}`,
      headers: as(owner, true),
    });
  });

  it('gives up after the last attempt and puts the delivery in the needs-review lane', async () => {
    const sub = await subscribe(['job.completed']);
    alwaysFail = true;
    try {
      const j = await newJob(t, org, dispatcher, jobTypeId);
      await closeOut(t, org, tech, j.id);
      await drain(t);
      const [d] = await deliveries(sub.id);
      for (let i = 1; i < MAX_DELIVERY_ATTEMPTS; i++)
        await deliverWebhook(t.deps, org.organizationId, d?.id as string);
      expect((await deliveries(sub.id))[0]).toMatchObject({
        status: 'failed',
        attempts: MAX_DELIVERY_ATTEMPTS,
      });
      const errors = (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/integration-errors?status=open',
          headers: as(billing),
        })
      ).json().items as { kind: string; message: string }[];
      expect(errors.find((e) => e.kind === 'webhook')?.message).toContain(
        `failed ${MAX_DELIVERY_ATTEMPTS} times`,
      );
    } finally {
      alwaysFail = false;
      await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/webhook-subscriptions/${sub.id}`,
        headers: as(owner, true),
      });
    }
  });

  it('exports issued invoices as CSV for Xero and QuickBooks, adding up to the invoices', async () => {
    const list = (
      await t.app.inject({ method: 'GET', url: '/api/v1/invoices?status=issued', headers: as(billing) })
    ).json().items as { number: string; kind: string; totals: { taxExclusive: string; taxTotal: string } }[];
    const get = (format: string) =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/exports/invoices.csv?format=${format}&from=2026-01-01&to=2026-12-31`,
        headers: as(billing),
      });
    const xero = await get('xero');
    expect(xero.headers['content-type']).toContain('text/csv');
    const rows = parse(xero.body, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] ?? {})).toEqual(
      expect.arrayContaining(['*ContactName', '*InvoiceNumber', '*TaxType', '*AccountCode']),
    );
    for (const inv of list) {
      const mine = rows.filter((r) => r['*InvoiceNumber'] === inv.number);
      const net = mine.reduce(
        (s, r) => s.plus(new Decimal(r['*Quantity'] ?? '0').times(r['*UnitAmount'] ?? '0')),
        new Decimal(0),
      );
      const tax = mine.reduce((s, r) => s.plus(r.TaxAmount ?? '0'), new Decimal(0));
      // A credit note's rows carry negative quantities and tax: they take back what the invoice booked.
      const sign = inv.kind === 'credit_note' ? -1 : 1;
      expect(net.toDecimalPlaces(2).toFixed(2), inv.number).toBe(
        new Decimal(inv.totals.taxExclusive as string).times(sign).toFixed(2),
      );
      expect(tax.toFixed(2), inv.number).toBe(
        new Decimal(inv.totals.taxTotal as string).times(sign).toFixed(2),
      );
    }
    const qbo = parse((await get('quickbooks')).body, { columns: true }) as Record<string, string>[];
    expect(Object.keys(qbo[0] ?? {})).toEqual(
      expect.arrayContaining(['Invoice no', 'Customer', 'Item amount', 'Item tax code']),
    );
    expect(new Set(qbo.map((r) => r['Invoice no']))).toEqual(new Set(rows.map((r) => r['*InvoiceNumber'])));
    // QuickBooks' importer matches products and tax codes by name: never an API ID or one of our keys.
    const named = async (url: string) =>
      new Set(
        (
          (await t.app.inject({ method: 'GET', url, headers: as(billing) })).json().items as {
            name: string;
          }[]
        ).map((x) => x.name),
      );
    const taxNames = await named('/api/v1/tax-codes');
    const itemNames = await named('/api/v1/catalog-items?limit=200');
    for (const r of qbo) {
      expect(taxNames.has(r['Item tax code'] ?? ''), JSON.stringify(r)).toBe(true);
      const product = r['Item(Product/Service)'] ?? '';
      expect(itemNames.has(product) || ['Services', 'Discount', 'Deposit'].includes(product), product).toBe(
        true,
      );
    }
  });
});
