import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';
import { closeOut, drain, type InvoiceJson, invoicesOfJob, newJob, plainJobType, setSeller } from './helpers';

const hasPdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.each(testDrivers())('invoices on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'inv');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner);
    jobTypeId = await plainJobType(t, owner);
  });
  afterAll(async () => t?.close());

  const get = async (url: string, who: Session = billing) =>
    t.app.inject({ method: 'GET', url, headers: as(who) });
  const post = async (url: string, payload: object = {}, who: Session = billing) =>
    t.app.inject({ method: 'POST', url, headers: as(who, true), payload });
  const job = async (id: string) => (await get(`/api/v1/jobs/${id}`, dispatcher)).json();

  it('turns a valid closeout into an issued invoice with PDF, UBL and manifest, with no human step', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId, { discountPercent: '10', poNumber: 'PO-7781' });
    const decision = await closeOut(t, org, tech, j.id);
    expect(decision.job.billingStatus).toBe('invoice_ready');
    await drain(t);

    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv).toMatchObject({ kind: 'invoice', status: 'issued', jobNumbers: [j.number] });
    expect(inv?.number).toMatch(/^INV-2026-\d{5}$/);
    // Lines 2.5 h × 80.00 + 189.99 = 389.99; 10 % discount 39.00; trip charge 35.00 (a document charge);
    // 385.99 at 23 % = 88.7777 → 88.78.
    expect(inv?.totals).toMatchObject({
      lineTotal: '389.99',
      allowanceTotal: '39.00',
      chargeTotal: '35.00',
      taxExclusive: '385.99',
      taxTotal: '88.78',
      taxInclusive: '474.77',
      payable: '474.77',
    });
    expect((await job(j.id)).billingStatus).toBe('invoiced');

    const pdf = await get(`/api/v1/invoices/${inv?.id}/pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const ubl = await get(`/api/v1/invoices/${inv?.id}/ubl`);
    expect(ubl.statusCode).toBe(200);
    expect(ubl.body).toContain(`<cbc:ID>${inv?.number}</cbc:ID>`);
    expect(ubl.body).toContain('<cbc:PayableAmount currencyID="EUR">474.77</cbc:PayableAmount>');
    expect(ubl.body).toContain('<cbc:BuyerReference>PO-7781</cbc:BuyerReference>');

    const manifest = (await get(`/api/v1/invoices/${inv?.id}/manifest`)).json();
    const { createHash } = await import('node:crypto');
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(manifest.parts.find((p: { kind: string }) => p.kind === 'pdf').sha256).toBe(sha(pdf.rawPayload));
    expect(manifest.parts.find((p: { kind: string }) => p.kind === 'ubl').sha256).toBe(sha(ubl.rawPayload));

    const zip = unzipSync(new Uint8Array((await get(`/api/v1/invoices/${inv?.id}/packet`)).rawPayload));
    expect(Object.keys(zip).sort()).toEqual(
      ['approval-log.json', 'manifest.json', `${inv?.number}.pdf`, `${inv?.number}.xml`].sort(),
    );
    expect(sha(Buffer.from(zip[`${inv?.number}.pdf`] as Uint8Array))).toBe(sha(pdf.rawPayload));

    // The service report is there too, whether or not anything is billed.
    const report = await get(`/api/v1/jobs/${j.id}/service-report`, dispatcher);
    expect(report.statusCode).toBe(200);
    expect(report.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it.skipIf(!hasPdftotext)('prints the same totals in the PDF as the API and the UBL', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id, {
      parts: [{ description: 'Valve', quantity: '3', unitPrice: '1234.5' }],
    });
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    const pdf = (await get(`/api/v1/invoices/${inv?.id}/pdf`)).rawPayload;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
    fs.writeFileSync(path.join(dir, 'i.pdf'), pdf);
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'i.pdf'), '-']).toString();
    const amountAfter = (label: string) => {
      const m = text.match(new RegExp(`${label}\\s+EUR ([\\d,]+\\.\\d{2})`));
      return m?.[1]?.replaceAll(',', '');
    };
    expect(amountAfter('Total excl. tax')).toBe(inv?.totals.taxExclusive);
    expect(amountAfter('Tax total')).toBe(inv?.totals.taxTotal);
    expect(amountAfter('Amount due')).toBe(inv?.totals.payable);
    expect(text).toContain(inv?.number);
    expect(text).toMatch(/Page 1 of \d/);
  });

  it('previews totals for any lines and saves nothing', async () => {
    const before = (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM invoices'))
      .rows[0]?.n;
    const res = await post(
      '/api/v1/invoice-previews',
      {
        lines: [
          { quantity: '1', unitPrice: '0.33', taxCode: 'S-STD' },
          { quantity: '1', unitPrice: '0.33', taxCode: 'S-STD' },
          { quantity: '1', unitPrice: '0.33', taxCode: 'S-STD' },
          { quantity: '2', unitPrice: '10', taxCode: 'E' },
        ],
      },
      tech,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().totals).toMatchObject({ lineTotal: '20.99', taxTotal: '0.23', payable: '21.22' });
    expect(res.json().taxSubtotals.map((s: { category: string }) => s.category)).toEqual(['S', 'E']);
    const after = (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM invoices'))
      .rows[0]?.n;
    expect(after).toBe(before);
  });

  it.each([
    [
      'an invoice whose total is negative (a credit note is the document for that)',
      { lines: [{ quantity: '-1', unitPrice: '10', taxCode: 'S-STD' }] },
      'body.lines',
    ],
    [
      'a discount above 100 percent',
      { discountPercent: '150', lines: [{ quantity: '1', unitPrice: '10', taxCode: 'S-STD' }] },
      'body.discountPercent',
    ],
    [
      'a line the database cannot hold',
      { lines: [{ quantity: '999999999999', unitPrice: '99999999999999', taxCode: 'S-STD' }] },
      'body.lines.0.quantity',
    ],
    [
      'an unknown tax code',
      { lines: [{ quantity: '1', unitPrice: '10', taxCode: 'NOPE' }] },
      'body.lines.0.taxCode',
    ],
    [
      'a mix of currencies',
      { currency: 'EUR', lines: [{ quantity: '1', unitPrice: '10', taxCode: 'S-STD', currency: 'USD' }] },
      'body.lines.0.currency',
    ],
  ])('refuses %s with problem+json naming the field', async (_what, payload, field) => {
    const res = await post('/api/v1/invoice-previews', payload);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors.map((e) => e.field)).toContain(field);
  });

  it('previews cash rounding of the amount due (BT-114) and negative lines', async () => {
    const res = await post('/api/v1/invoice-previews', {
      lines: [
        { quantity: '1', unitPrice: '10.03', grossPrice: '12.00', taxCode: 'S-STD' },
        { quantity: '-1', unitPrice: '1.00', taxCode: 'S-STD' },
        { quantity: '3', unitPrice: '1.01', baseQuantity: '6', taxCode: 'S-STD' },
        { quantity: '1000', unitPrice: '0.001015', taxCode: 'S-STD' },
      ],
      payableRoundingIncrement: '0.05',
    });
    expect(res.statusCode, res.body).toBe(200);
    // 10.03 − 1.00 + 0.51 + 1.02 = 10.56 net, 2.43 VAT, 12.99 → 13.00 due.
    expect(res.json().lines.map((l: { netAmount: string }) => l.netAmount)).toEqual([
      '10.03',
      '-1.00',
      '0.51',
      '1.02',
    ]);
    expect(res.json().totals).toMatchObject({ taxInclusive: '12.99', rounding: '0.01', payable: '13.00' });
    // The list price and the discount from it (BT-148/BT-147) are shown; the net price is billed.
    expect(res.json().lines[0]).toMatchObject({
      grossPrice: '12',
      priceDiscount: '1.97',
      netAmount: '10.03',
    });
    const below = await post('/api/v1/invoice-previews', {
      lines: [{ quantity: '1', unitPrice: '10.03', grossPrice: '9.00', taxCode: 'S-STD' }],
    });
    expect(below.statusCode).toBe(400);
    expect(problemOf(below).errors.map((e) => e.field)).toContain('body.lines.0.grossPrice');
  });

  it('refuses a category E tax code without an exemption reason', async () => {
    const res = await post(
      '/api/v1/tax-codes',
      { code: 'E-BAD', name: 'Exempt', category: 'E', rate: '0' },
      owner,
    );
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors.map((e) => e.field)).toContain('body.exemptionReason');
  });

  it('refuses to edit an issued invoice (409) and lets a draft’s memo change', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/invoices/${inv?.id}`,
      headers: as(billing, true),
      payload: { memo: 'changed' },
    });
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).code).toBe('immutable');
  });

  it('waits in the billing queue when auto-issue is off, and issues on one click', async () => {
    await setSeller(t, owner, { invoiceAutoIssue: false });
    try {
      const j = await newJob(t, org, dispatcher, jobTypeId);
      await closeOut(t, org, tech, j.id);
      await drain(t);
      const [draft] = await invoicesOfJob(t, billing, j.id);
      expect(draft).toMatchObject({
        status: 'draft',
        number: null,
        holdReasons: [expect.objectContaining({ code: 'auto_issue_off' })],
      });
      const queue = (await get('/api/v1/invoices?status=draft')).json().items as InvoiceJson[];
      expect(queue.map((q) => q.id)).toContain(draft?.id);
      const memo = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/invoices/${draft?.id}`,
        headers: as(billing, true),
        payload: { memo: 'Thanks for your business' },
      });
      expect(memo.statusCode).toBe(200);
      const issued = await post(`/api/v1/invoices/${draft?.id}/issue`);
      expect(issued.statusCode, issued.body).toBe(200);
      expect(issued.json()).toMatchObject({ status: 'issued', memo: 'Thanks for your business' });
      const again = await post(`/api/v1/invoices/${draft?.id}/issue`);
      expect(again.statusCode).toBe(409);
      await drain(t);
      const ubl = await get(`/api/v1/invoices/${draft?.id}/ubl`);
      expect(ubl.body).toContain('Thanks for your business');
    } finally {
      await setSeller(t, owner, { invoiceAutoIssue: true });
    }
  });

  it('records partial and full payments; the invoice and the job follow', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    const pay = (amount: string, reference: string) =>
      post('/api/v1/payments', {
        invoiceId: inv?.id,
        amount,
        receivedOn: '2026-11-20',
        method: 'bank_transfer',
        reference,
      });
    const first = await pay('100.00', 'BANK-1');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().invoice).toMatchObject({ status: 'partially_paid' });
    expect((await pay('100.00', 'BANK-1')).statusCode).toBe(409);
    const tooMuch = await pay('100000.00', 'BANK-2');
    expect(tooMuch.statusCode).toBe(400);
    expect(problemOf(tooMuch).errors[0]?.field).toBe('body.amount');
    const rest = first.json().invoice.outstanding as string;
    const second = await pay(rest, 'BANK-3');
    expect(second.json().invoice).toMatchObject({ status: 'paid', outstanding: '0.00' });
    expect((await job(j.id)).billingStatus).toBe('paid');
    const list = (await get(`/api/v1/invoices/${inv?.id}/payments`)).json().items;
    expect(list.map((p: { amount: string }) => p.amount)).toEqual(['100.00', rest]);
    // The owner hears of money coming in (on the bell, linked to the invoice); who recorded it does not.
    const news = (await get('/api/v1/notifications', owner)).json().items as {
      kind: string;
      invoiceId: string | null;
      body: string;
    }[];
    const paid = news.filter((n) => n.kind === 'payment' && n.invoiceId === inv?.id).map((n) => n.body);
    expect(paid).toHaveLength(2);
    expect(paid[0]).toMatch(
      new RegExp(`^Payment received: EUR [\\d,.]+ from .+ on ${inv?.number}, now paid in full\\.$`),
    );
    expect(paid[1]).toMatch(/^Payment received: EUR 100\.00 from .+, EUR [\d,.]+ still to pay\.$/);
    const mine = (await get('/api/v1/notifications')).json().items as { kind: string }[];
    expect(mine.filter((n) => n.kind === 'payment')).toEqual([]);
  });

  it('keeps invoice numbers gapless across invoices; credit notes have their own sequence', async () => {
    const { rows } = await t.database.raw.query<{ number: string }>(
      `SELECT number FROM invoices WHERE organization_id = $1 AND number LIKE 'INV-%' ORDER BY number`,
      [org.organizationId],
    );
    const seq = rows.map((r) => Number(r.number.slice(-5)));
    expect(seq).toEqual(seq.map((_, i) => i + 1));
  });
});
