import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrdersT, WorkOrderT } from '../../src/contracts/work-orders';
import { totalsFor } from '../../web/tech/src/closeout';
import type { Draft } from '../../web/tech/src/db';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, requirements, sessionsOf } from '../support/factories';
import {
  closeOut,
  drain,
  type InvoiceJson,
  invoicesOfJob,
  newJob,
  plainJobType,
  setSeller,
  underPaymentRequests as underPaymentRequestsOf,
} from './helpers';

const hasPdftotext = spawnSync('pdftotext', ['-v'], { stdio: 'ignore' }).status === 0;
const pdfText = (pdf: Buffer) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
  fs.writeFileSync(path.join(dir, 'd.pdf'), pdf);
  return execFileSync('pdftotext', ['-layout', path.join(dir, 'd.pdf'), '-']).toString();
};

/**
 * Money on every path around the calculator (issue #19): each test is one defect reproduced through the
 * HTTP API, and fails on the code that had it.
 */
describe.each(testDrivers())('money on every path on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'money');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner);
    jobTypeId = await plainJobType(t, owner);
  });
  afterAll(async () => t?.close());

  const get = (url: string, who: Session = billing) => t.app.inject({ method: 'GET', url, headers: as(who) });
  const post = (url: string, payload: object = {}, who: Session = billing) =>
    t.app.inject({ method: 'POST', url, headers: as(who, true), payload });
  const invoice = async (id: string) => (await get(`/api/v1/invoices/${id}`)).json() as InvoiceJson;
  const underPaymentRequests = (fn: () => Promise<void>) => underPaymentRequestsOf(t, owner, fn);

  /** A customer with one site at its billing address, booked through the API. */
  const customerVia = async (
    name: string,
    siteName: string,
    address: { line1: string; city: string; postalCode: string; country: string },
    extra: Record<string, unknown> = {},
  ) => {
    const res = await post(
      '/api/v1/customers',
      {
        name,
        billingAddress: address,
        sites: [{ name: siteName, address }],
        confirmDuplicate: true,
        ...extra,
      },
      dispatcher,
    );
    expect(res.statusCode, res.body).toBe(201);
    return { customerId: res.json().id as string, siteId: res.json().sites[0].id as string };
  };
  /** A job billed for the given parts (no labour, no trip charge), invoiced and issued. */
  const invoiced = async (
    parts: { description: string; quantity: string; unitPrice: string }[],
    job: Record<string, unknown> = {},
  ) => {
    const j = await newJob(t, org, dispatcher, jobTypeId, job);
    // The hour on site is not billed: only the parts are.
    const labor = [{ technicianId: org.users.technician.id, hours: '1', billable: false }];
    await closeOut(t, org, tech, j.id, { labor, parts, adjustments: [] });
    await drain(t);
    const inv = (await invoicesOfJob(t, billing, j.id)).find((i) => i.kind === 'invoice');
    expect(inv?.status).toBe('issued');
    return { job: j, invoice: inv as InvoiceJson };
  };
  const twoLines = [
    { description: 'Valve', quantity: '1', unitPrice: '100.00' },
    { description: 'Pump', quantity: '1', unitPrice: '100.00' },
  ];

  describe('credit notes', () => {
    it('credits a line at what it was charged: its share of the job discount, per VAT group', async () => {
      const { invoice: inv } = await invoiced(twoLines, { discountPercent: '20' });
      expect(inv.totals.taxInclusive).toBe('196.80');
      const second = await post(`/api/v1/invoices/${inv.id}/credit-notes`, {
        reason: 'price_dispute',
        lines: [{ position: 2, quantity: '1' }],
      });
      expect(second.statusCode, second.body).toBe(201);
      // 100.00 less its 20.00 of the discount, + 23 % = 98.40 (it was 123.00: the discount was ignored).
      expect(second.json().totals).toMatchObject({
        taxExclusive: '80.00',
        taxTotal: '18.40',
        payable: '98.40',
      });
      expect((await invoice(inv.id)).status).not.toBe('credited');
      // Crediting the other line afterwards takes the rest, and the invoice is credited in full.
      const first = await post(`/api/v1/invoices/${inv.id}/credit-notes`, {
        reason: 'price_dispute',
        lines: [{ position: 1, quantity: '1' }],
      });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json().totals.payable).toBe('98.40');
      const after = await invoice(inv.id);
      expect(after).toMatchObject({ status: 'credited', amountCredited: '196.80', outstanding: '0.00' });
      // Nothing is left to credit.
      const again = await post(`/api/v1/invoices/${inv.id}/credit-notes`, { reason: 'duplicate' });
      expect(again.statusCode).toBe(409);
    });

    it('splits a discount that does not divide evenly so the notes add up to the invoice', async () => {
      const { invoice: inv } = await invoiced(
        [
          { description: 'A', quantity: '1', unitPrice: '33.33' },
          { description: 'B', quantity: '1', unitPrice: '33.33' },
          { description: 'C', quantity: '1', unitPrice: '33.34' },
        ],
        { discountPercent: '7.5' },
      );
      const notes: InvoiceJson[] = [];
      for (const position of [3, 1, 2]) {
        const res = await post(`/api/v1/invoices/${inv.id}/credit-notes`, {
          reason: 'goodwill',
          lines: [{ position, quantity: '1' }],
        });
        expect(res.statusCode, res.body).toBe(201);
        notes.push(res.json());
      }
      const net = notes.reduce((s, n) => s.plus(n.totals.taxExclusive as string), new Decimal(0));
      expect(net.toFixed(2)).toBe(inv.totals.taxExclusive);
      expect((await invoice(inv.id)).status).toBe('credited');
    });

    it.each([
      ['0.335', '1', 3],
      ['0.0125', '2', 4],
    ])(
      'credits a line of %s a unit in parts of %s: the last part takes exactly what is left, to the cent',
      async (price, part, parts) => {
        const quantity = String(Number(part) * parts);
        const { invoice: inv } = await invoiced([{ description: 'Washers', quantity, unitPrice: price }]);
        const notes: InvoiceJson[] = [];
        for (let i = 0; i < parts; i++) {
          const res = await post(`/api/v1/invoices/${inv.id}/credit-notes`, {
            reason: 'goodwill',
            lines: [{ position: 1, quantity: part }],
          });
          expect(res.statusCode, res.body).toBe(201);
          notes.push(res.json());
        }
        const net = notes.reduce((s, n) => s.plus(n.totals.taxExclusive as string), new Decimal(0));
        expect(net.toFixed(2)).toBe(inv.totals.taxExclusive);
        expect((await invoice(inv.id)).status).toBe('credited');
      },
    );

    it('refuses a negative or zero quantity, a repeated line, and more than is left, changing nothing', async () => {
      const { invoice: inv } = await invoiced([{ description: 'Filter', quantity: '3', unitPrice: '20.00' }]);
      for (const [lines, field] of [
        [[{ position: 1, quantity: '-1' }], 'body.lines.0.quantity'],
        [[{ position: 1, quantity: '0' }], 'body.lines.0.quantity'],
        [[{ position: 1, quantity: '4' }], 'body.lines.0.quantity'],
        [
          [
            { position: 1, quantity: '1' },
            { position: 1, quantity: '1' },
          ],
          'body.lines.1.position',
        ],
        [[{ position: 9, quantity: '1' }], 'body.lines.0.position'],
      ] as const) {
        const res = await post(`/api/v1/invoices/${inv.id}/credit-notes`, { reason: 'goodwill', lines });
        expect(res.statusCode, res.body).toBe(400);
        expect(problemOf(res).errors.map((e) => e.field)).toContain(field);
      }
      expect(await invoice(inv.id)).toMatchObject({ amountCredited: '0.00', outstanding: inv.outstanding });
      // Two of three filters back, then a third is all that is left.
      const two = await post(`/api/v1/invoices/${inv.id}/credit-notes`, {
        reason: 'goodwill',
        lines: [{ position: 1, quantity: '2' }],
      });
      expect(two.json().totals.payable).toBe('49.20');
      const over = await post(`/api/v1/invoices/${inv.id}/credit-notes`, {
        reason: 'goodwill',
        lines: [{ position: 1, quantity: '2' }],
      });
      expect(over.statusCode).toBe(400);
      expect(problemOf(over).errors[0]?.message).toMatch(/at most 1 remain/);
      // A full credit now takes back what is left: one filter.
      const rest = await post(`/api/v1/invoices/${inv.id}/credit-notes`, { reason: 'goodwill' });
      expect(rest.statusCode, rest.body).toBe(201);
      expect(rest.json().totals.payable).toBe('24.60');
      expect((await invoice(inv.id)).status).toBe('credited');
    });
  });
  describe('discounts', () => {
    it.each([
      ['150', 'body.discountPercent'],
      ['-10', 'body.discountPercent'],
      // Not a number at all: a 400 too (the range check once threw on it, a 500 the fuzzer found).
      ['<script>alert(1)</script>', 'body.discountPercent'],
    ])('refuses a %s %% discount at booking, naming the field, and books nothing', async (pct, field) => {
      const before = (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs'))
        .rows[0];
      const res = await post(
        '/api/v1/jobs',
        {
          customerId: org.customerId,
          siteId: org.siteId,
          jobTypeId,
          scope: 'x',
          windowStart: '2026-11-18T10:00:00.000Z',
          windowEnd: '2026-11-18T11:00:00.000Z',
          discountPercent: pct,
        },
        dispatcher,
      );
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors.map((e) => e.field)).toContain(field);
      const after = (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs'))
        .rows[0];
      expect(after).toEqual(before);
    });

    it('refuses a discount above 100 % on a series, a job edit, and an approval rule', async () => {
      const j = await newJob(t, org, dispatcher, jobTypeId);
      const edit = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/jobs/${j.id}`,
        headers: as(owner, true),
        payload: { discountPercent: '100.5' },
      });
      expect(edit.statusCode).toBe(400);
      expect(problemOf(edit).errors.map((e) => e.field)).toContain('body.discountPercent');
      const series = await post(
        '/api/v1/series',
        {
          customerId: org.customerId,
          siteId: org.siteId,
          jobTypeId,
          rrule: 'FREQ=WEEKLY;BYDAY=TU',
          startDate: '2026-11-03',
          startTime: '09:00',
          durationMinutes: 60,
          scope: 'x',
          billingRule: 'per_visit',
          discountPercent: '101',
        },
        dispatcher,
      );
      expect(series.statusCode).toBe(400);
      expect(problemOf(series).errors.map((e) => e.field)).toContain('body.discountPercent');
      const rule = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/organization/approval-rules',
        headers: as(owner, true),
        payload: {
          rules: [{ code: 'discount_above_percent', threshold: '120', approverRole: 'owner', slaHours: 24 }],
        },
      });
      expect(rule.statusCode, rule.body).toBe(400);
      expect(
        problemOf(rule)
          .errors.map((e) => e.field)
          .join(),
      ).toMatch(/threshold/);
    });

    it('bills a per-cycle series with its discount, to the same net as billing each visit', async () => {
      const cycle = await seriesOf('per_cycle', '5');
      const perVisit = await seriesOf('per_visit', '5');
      const work = { parts: [{ description: 'Filter', quantity: '1', unitPrice: '33.33' }] };
      for (const s of [cycle, perVisit])
        for (const v of s.visits.filter((x) => x.occurrenceDate <= '2026-11-17'))
          await closeOut(t, org, tech, v.id, work);
      await drain(t);
      const res = await post(`/api/v1/series/${cycle.id}/cycle-invoices`, {
        periodStart: '2026-11-01',
        periodEnd: '2026-11-30',
      });
      expect(res.statusCode, res.body).toBe(201);
      const cycleInvoice = res.json() as InvoiceJson & { allowances: { amount: string; reason: string }[] };
      // One discount per visit: the same allowances the per-visit invoices carry.
      expect(cycleInvoice.allowances.map((a) => a.reason)).toHaveLength(3);
      let visitsNet = new Decimal(0);
      let visitsCharges = new Decimal(0);
      for (const v of perVisit.visits.filter((x) => x.occurrenceDate <= '2026-11-17')) {
        const [inv] = await invoicesOfJob(t, billing, v.id);
        visitsNet = visitsNet.plus(inv?.totals.taxExclusive ?? 'NaN');
        visitsCharges = visitsCharges.plus(inv?.totals.chargeTotal ?? 'NaN');
      }
      expect(cycleInvoice.totals.taxExclusive).toBe(visitsNet.toFixed(2));
      expect(cycleInvoice.totals.chargeTotal).toBe(visitsCharges.toFixed(2));
      expect(new Decimal(cycleInvoice.totals.allowanceTotal as string).gt(0)).toBe(true);
    });
  });

  const seriesOf = async (billingRule: 'per_cycle' | 'per_visit', discountPercent: string) => {
    const res = await post(
      '/api/v1/series',
      {
        customerId: org.customerId,
        siteId: org.siteId,
        jobTypeId,
        rrule: 'FREQ=WEEKLY;BYDAY=TU',
        startDate: '2026-11-03',
        startTime: '09:00',
        durationMinutes: 60,
        crew: [org.users.technician.id],
        scope: 'Weekly plant room check',
        billingRule,
        ...(billingRule === 'per_cycle' ? { billingCycle: 'monthly' } : {}),
        horizonDays: 40,
        discountPercent,
      },
      dispatcher,
    );
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; visits: { id: string; occurrenceDate: string }[] };
  };

  describe('deposits', () => {
    it.each([
      ['-50.00', 'body.depositAmount'],
      ['0.00', 'body.depositAmount'],
      ['fifty', 'body.depositAmount'],
    ])('refuses a deposit of %s at booking', async (amount, field) => {
      const res = await post(
        '/api/v1/jobs',
        {
          customerId: org.customerId,
          siteId: org.siteId,
          jobTypeId,
          scope: 'x',
          windowStart: '2026-11-18T10:00:00.000Z',
          windowEnd: '2026-11-18T11:00:00.000Z',
          depositRequired: true,
          depositAmount: amount,
        },
        dispatcher,
      );
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors.map((e) => e.field)).toContain(field);
    });

    it.each(['100.03', '0.45', '100.00', '1234.57'])(
      'asks for exactly %s on the advance invoice',
      async (amount) => {
        const j = await newJob(t, org, dispatcher, jobTypeId, {
          depositRequired: true,
          depositAmount: amount,
        });
        await drain(t);
        const [dep] = await invoicesOfJob(t, billing, j.id);
        expect(dep).toMatchObject({ kind: 'deposit_invoice', status: 'issued' });
        expect(dep?.totals.payable).toBe(amount);
        // The VAT is the net's at the rate, to the cent (BR-CO-17); any cent left over is BT-114 rounding.
        const net = new Decimal(dep?.totals.taxExclusive ?? 'NaN');
        expect(dep?.totals.taxTotal).toBe(
          net.times('0.23').toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
        );
        expect(new Decimal(dep?.totals.rounding ?? 'NaN').abs().lte('0.01')).toBe(true);
      },
    );

    it('states the VAT of the supply once across the advance invoice and the final invoice', async () => {
      const { job: j, deposit, final } = await depositJob('500.00');
      // The advance invoice bore VAT: 406.50 + 93.50.
      expect(deposit.totals).toMatchObject({ taxExclusive: '406.50', taxTotal: '93.50', payable: '500.00' });
      // The final invoice deducts the advance as a negative line at its rate, not as a tax-inclusive prepayment.
      const advance = final.lines.find((l) => l.description.includes(deposit.number as string));
      expect(advance?.netAmount).toBe('-406.50');
      expect(final.totals.prepaid).toBe('0.00');
      // The supply: 2 × 1,000.00 + 2.5 h … at 23 %, computed without the advance.
      const supplyNet = new Decimal(final.totals.taxExclusive as string).plus('406.50');
      const supplyVat = supplyNet.times('0.23').toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
      const stated = new Decimal(deposit.totals.taxTotal as string).plus(final.totals.taxTotal as string);
      // Each document rounds its own VAT (BR-CO-17): the two may differ from the supply's by one cent at most.
      expect(stated.minus(supplyVat).abs().lte('0.01')).toBe(true);
      // ...and the final invoice's rounding amount (BT-114) takes that cent up: the two ask the supply's price.
      expect(final.totals.rounding).toBe(supplyVat.minus(stated).toFixed(2));
      expect(
        new Decimal(final.totals.payable as string).plus(deposit.totals.payable as string).toFixed(2),
      ).toBe(supplyNet.plus(supplyVat).toFixed(2));
      expect(j.id).toBeTruthy();
    });

    it('under the payment-request model asks without tax and deducts what was paid as prepaid', async () => {
      await underPaymentRequests(async () => {
        const { deposit, final } = await depositJob('500.00');
        expect(deposit.totals).toMatchObject({ taxTotal: '0.00', payable: '500.00' });
        expect((deposit as InvoiceJson & { profile: string }).profile).toBe('payment_request');
        expect(final.lines.some((l) => l.description.includes('Advance'))).toBe(false);
        expect(final.totals.prepaid).toBe('500.00');
        // The final invoice taxes the whole supply: the only VAT stated.
        const vat = new Decimal(final.totals.taxExclusive as string)
          .times('0.23')
          .toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
        expect(final.totals.taxTotal).toBe(vat.toFixed(2));
        const pdf = await get(`/api/v1/invoices/${deposit.id}/pdf`);
        expect(pdf.statusCode).toBe(200);
      });
    });
  });

  describe('a payment request not paid in full by the final invoice', () => {
    it.each([
      ['200.00', 'paid'],
      ['0', 'credited'],
    ])('withdraws what is unpaid on it (%s paid), so nothing is asked for twice', async (paid, settled) => {
      await underPaymentRequests(async () => {
        const metrics = async () =>
          (await get('/api/v1/metrics?from=2026-06-01&to=2027-05-31', owner)).json() as {
            dso: { creditSales: string };
            disputes: { creditNotes: number };
          };
        const before = await metrics();
        const j = await newJob(t, org, dispatcher, jobTypeId, {
          depositRequired: true,
          depositAmount: '500.00',
        });
        await drain(t);
        const [request] = await invoicesOfJob(t, billing, j.id);
        expect(request?.status).toBe('issued');
        if (paid !== '0') {
          const res = await post('/api/v1/payments', {
            invoiceId: request?.id,
            amount: paid,
            receivedOn: '2026-11-18',
            method: 'card',
          });
          expect(res.statusCode, res.body).toBe(201);
        }
        await closeOut(t, org, tech, j.id, {
          labor: [{ technicianId: org.users.technician.id, hours: '1', billable: false }],
          parts: [{ description: 'Heat pump', quantity: '1', unitPrice: '1000.00' }],
          adjustments: [],
        });
        await drain(t);
        const all = await invoicesOfJob(t, billing, j.id);
        const final = all.find((i) => i.kind === 'invoice') as InvoiceJson;
        expect(final.status).toBe('issued');
        // 1,000.00 + 23 % = 1,230.00, less what was paid on the request.
        expect(final.totals.prepaid).toBe(new Decimal(paid).toFixed(2));
        expect(final.totals.payable).toBe(new Decimal('1230.00').minus(paid).toFixed(2));
        const after = await invoice(request?.id as string);
        expect(after.status).toBe(settled);
        expect(after.outstanding).toBe('0.00');
        const withdrawal = all.find((i) => i.kind === 'credit_note') as InvoiceJson & {
          creditReason: string;
        };
        expect(withdrawal).toMatchObject({ creditReason: 'replaced_by_invoice' });
        expect(withdrawal.totals.payable).toBe(new Decimal('500.00').minus(paid).toFixed(2));
        expect(withdrawal.totals.taxTotal).toBe('0.00');
        // What the customer owes across the job's documents is the supply less what they paid, once.
        const owed = (await invoicesOfJob(t, billing, j.id))
          .filter((i) => i.kind !== 'credit_note')
          .reduce((sum, i) => sum.plus(i.outstanding), new Decimal(0));
        expect(owed.toFixed(2)).toBe(new Decimal('1230.00').minus(paid).toFixed(2));
        // The sale is the final invoice's: the request and its withdrawal are neither sales nor corrections.
        const after2 = await metrics();
        expect(new Decimal(after2.dso.creditSales).minus(before.dso.creditSales).toFixed(2)).toBe('1230.00');
        expect(after2.disputes.creditNotes).toBe(before.disputes.creditNotes);
      });
    });
  });

  /** A job with a deposit, paid, then closed out and invoiced. */
  const depositJob = async (amount: string) => {
    const j = await newJob(t, org, dispatcher, jobTypeId, { depositRequired: true, depositAmount: amount });
    await drain(t);
    const [deposit] = await invoicesOfJob(t, billing, j.id);
    expect(deposit?.status).toBe('issued');
    const paid = await post('/api/v1/payments', {
      invoiceId: deposit?.id,
      amount,
      receivedOn: '2026-11-18',
      method: 'card',
    });
    expect(paid.statusCode, paid.body).toBe(201);
    await closeOut(t, org, tech, j.id, {
      parts: [{ description: 'Heat pump', quantity: '2', unitPrice: '1000.00' }],
    });
    await drain(t);
    const all = await invoicesOfJob(t, billing, j.id);
    const final = all.find((i) => i.kind === 'invoice');
    expect(final?.status, JSON.stringify(final?.holdReasons)).toBe('issued');
    return {
      job: j,
      deposit: (await invoice(deposit?.id as string)) as InvoiceJson,
      final: final as InvoiceJson,
    };
  };

  describe('terms and exports', () => {
    it('issues an invoice due on receipt (0-day terms) instead of sending it to review', async () => {
      const c = await customerVia(
        'Walk-in homeowner',
        'Home',
        { line1: '3 Lane', city: 'Dublin', postalCode: 'D02 X1', country: 'IE' },
        { email: 'home@example.com', paymentTermsDays: 0 },
      );
      const j = await newJob(t, org, dispatcher, jobTypeId, { customerId: c.customerId, siteId: c.siteId });
      await closeOut(t, org, tech, j.id);
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      expect(inv?.status, JSON.stringify(inv?.holdReasons)).toBe('issued');
      const full = (await get(`/api/v1/invoices/${inv?.id}`)).json();
      expect(full.dueDate).toBe(full.issueDate);
      expect((await get(`/api/v1/invoices/${inv?.id}/ubl`)).body).toContain('Due on receipt');
    });

    it('spreads VAT over CSV rows by signed amount: a discount row carries negative VAT', async () => {
      const { invoice: inv } = await invoiced(
        [
          { description: 'Valve', quantity: '1', unitPrice: '54.00' },
          { description: 'Pump', quantity: '1', unitPrice: '45.99' },
        ],
        { discountPercent: '9.19' },
      );
      const res = await get('/api/v1/exports/invoices.csv?format=quickbooks&from=2026-01-01&to=2026-12-31');
      expect(res.statusCode).toBe(200);
      const rows = (parse(res.body, { columns: true }) as Record<string, string>[]).filter(
        (r) => r['Invoice no'] === inv.number,
      );
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const r of rows) {
        const amount = new Decimal(r['Item amount'] ?? 'NaN');
        const tax = new Decimal(r['Item tax amount'] ?? 'NaN');
        // Each row's tax has its amount's sign and is within a cent of 23 % of it.
        expect(tax.minus(amount.times('0.23')).abs().lte('0.01'), JSON.stringify(r)).toBe(true);
      }
      const total = rows.reduce((s, r) => s.plus(r['Item tax amount'] ?? 'NaN'), new Decimal(0));
      expect(total.toFixed(2)).toBe(inv.totals.taxTotal);
    });

    it('writes a typed formula as text in every export, while credit amounts stay negative numbers', async () => {
      const c = await customerVia('@SUM(A1:A9) Ltd', '+Yard', {
        line1: '=cmd|calc!A0',
        city: 'Cork',
        postalCode: 'T12',
        country: 'IE',
      });
      const { invoice: inv } = await invoiced(
        [{ description: '=HYPERLINK("http://evil.test","Click")', quantity: '1', unitPrice: '40.00' }],
        c,
      );
      const credit = await post(`/api/v1/invoices/${inv.id}/credit-notes`, { reason: 'goodwill' });
      expect(credit.statusCode, credit.body).toBe(201);
      for (const format of ['xero', 'quickbooks']) {
        const res = await get(`/api/v1/exports/invoices.csv?format=${format}&from=2026-01-01&to=2026-12-31`);
        const rows = parse(res.body, { columns: true }) as Record<string, string>[];
        const mine = rows.filter((r) =>
          [inv.number, credit.json().number].includes(r['*InvoiceNumber'] ?? r['Invoice no']),
        );
        expect(mine.length).toBe(2);
        for (const r of mine) {
          // No cell a spreadsheet would run: text starting with = + - @ is written with a leading apostrophe.
          for (const [column, value] of Object.entries(r)) {
            const numeric = /quantity|amount|rate/i.test(column);
            if (!numeric) expect(value, `${format} ${column}`).not.toMatch(/^[=+\-@]/);
          }
          expect(r['*Description'] ?? r['Item description']).toBe('\'=HYPERLINK("http://evil.test","Click")');
          // QuickBooks' importer reads a colon as "customer:sub-customer": the name goes without it.
          expect(r['*ContactName'] ?? r.Customer).toBe(
            format === 'xero' ? "'@SUM(A1:A9) Ltd" : "'@SUM(A1 A9) Ltd",
          );
        }
        const creditRow = mine.find((r) => (r['*InvoiceNumber'] ?? r['Invoice no']) === credit.json().number);
        expect(creditRow?.['*Quantity'] ?? creditRow?.['Item quantity']).toBe('-1');
      }
    });
  });
  describe('jobs that bill nothing, or cannot be billed', () => {
    it('closes a closeout with no billable line as not billable, with the report still made', async () => {
      const j = await newJob(t, org, dispatcher, jobTypeId);
      const res = await closeOut(t, org, tech, j.id, {
        labor: [{ technicianId: org.users.technician.id, hours: '1', billable: false }],
        parts: [{ description: 'Filter under contract', quantity: '1', unitPrice: '20.00', billable: false }],
        adjustments: [],
      });
      expect(res.job).toMatchObject({ status: 'completed', billingStatus: 'not_billable' });
      const out = await drain(t);
      expect(out.some((o) => o.name === 'report.render' && o.ok)).toBe(true);
      expect(await invoicesOfJob(t, billing, j.id)).toEqual([]);
      // Not an exception: nothing waits on the office.
      const exceptions = (await get('/api/v1/jobs?exceptions=true', owner)).json().items as { id: string }[];
      expect(exceptions.map((e) => e.id)).not.toContain(j.id);
    });

    it('lets billing close a job stuck in review as not billable; its draft goes void, on record', async () => {
      await setSeller(t, owner, { vatId: null });
      const j = await newJob(t, org, dispatcher, jobTypeId);
      await closeOut(t, org, tech, j.id);
      await drain(t);
      await setSeller(t, owner);
      const [draft] = await invoicesOfJob(t, billing, j.id);
      expect(draft?.status).toBe('needs_review');
      const url = `/api/v1/jobs/${j.id}/close-not-billable`;
      expect((await post(url, { reason: 'warranty' }, dispatcher)).statusCode).toBe(403);
      const empty = await post(url, { reason: ' ' });
      expect(empty.statusCode).toBe(400);
      expect(problemOf(empty).errors.map((e) => e.field)).toContain('body.reason');
      const res = await post(url, { reason: 'Covered by the manufacturer warranty' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ billingStatus: 'not_billable' });
      expect((await invoice(draft?.id as string)).status).toBe('void');
      const timeline = (await get(`/api/v1/jobs/${j.id}/timeline`, owner)).json().items as {
        action: string;
        reason: string | null;
      }[];
      expect(timeline.at(-1)).toMatchObject({
        action: 'job.closed_not_billable',
        reason: 'Covered by the manufacturer warranty',
      });
      // Closed is closed: a second attempt is refused.
      expect((await post(url, { reason: 'again' })).statusCode).toBe(409);
    });

    it('refuses at the closeout an amount the database cannot hold, instead of failing later', async () => {
      const j = await newJob(t, org, dispatcher, jobTypeId);
      const res = await post(
        `/api/v1/jobs/${j.id}/closeouts`,
        {
          submissionId: crypto.randomUUID(),
          workPerformed: { checklist: [], notes: 'done' },
          labor: [{ technicianId: org.users.technician.id, hours: '1' }],
          parts: [{ description: 'Gold', quantity: '1000000', unitPrice: '999999999.99' }],
          deviceTime: '2026-11-18T11:00:00.000Z',
        },
        tech,
      );
      expect(res.statusCode, res.body).toBe(400);
      expect(problemOf(res).errors.map((e) => e.field)).toContain('body.parts.0.quantity');
      expect((await get(`/api/v1/jobs/${j.id}`, dispatcher)).json().billingStatus).toBe('not_ready');
    });

    it('bills typed hours as typed: the invoice and the preview agree', async () => {
      const j = await newJob(t, org, dispatcher, jobTypeId);
      await closeOut(t, org, tech, j.id, {
        labor: [{ technicianId: org.users.technician.id, hours: '0.3333', rate: '90.00' }],
        parts: [],
        adjustments: [],
      });
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      const preview = await post(
        '/api/v1/invoice-previews',
        { lines: [{ quantity: '0.3333', unitPrice: '90.00', taxCode: 'S-STD' }] },
        tech,
      );
      expect(inv?.lines[0]?.quantity).toBe('0.3333');
      expect(inv?.totals.lineTotal).toBe(preview.json().totals.lineTotal);
      expect(inv?.totals.lineTotal).toBe('30.00');
    });
  });
  describe('identifiers the official validators check', () => {
    it.each([
      [{ vatId: '6388047V' }, 'body.vatId'],
      [{ peppolEndpoint: '0088:5391234567890' }, 'body.peppolEndpoint'],
      [{ peppolEndpoint: '0208:0417497107' }, 'body.peppolEndpoint'],
    ])('refuses %j for the seller, naming the field', async (payload, field) => {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/organization/billing',
        headers: as(owner, true),
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors.map((e) => e.field)).toContain(field);
    });

    it("holds an invoice whose buyer's VAT ID has no country prefix (BR-CO-09) in review", async () => {
      const c = await customerVia(
        'Prefixless Ltd',
        'Dock',
        { line1: '1 Dock', city: 'Cork', postalCode: 'T12', country: 'IE' },
        { email: 'ap@example.com', taxId: '8256796U' },
      );
      const j = await newJob(t, org, dispatcher, jobTypeId, { customerId: c.customerId, siteId: c.siteId });
      await closeOut(t, org, tech, j.id);
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      expect(inv?.status).toBe('needs_review');
      expect(inv?.holdReasons.map((h) => h.code)).toContain('BR-CO-09');
    });
  });
  describe('tax treatment', () => {
    it("puts a job's reverse charge over every price-book item's own rate", async () => {
      const codes = (await get('/api/v1/tax-codes', owner)).json().items as { id: string; code: string }[];
      const id = (code: string) => codes.find((c) => c.code === code)?.id as string;
      const item = await post(
        '/api/v1/catalog-items',
        {
          sku: 'RC-VALVE',
          name: 'Valve',
          kind: 'part',
          unitCode: 'C62',
          unitPrice: '50.00',
          taxCodeId: id('S-RED'),
        },
        owner,
      );
      expect(item.statusCode, item.body).toBe(201);
      const c = await customerVia(
        'Grachten BV',
        'HQ',
        { line1: 'Keizersgracht 1', city: 'Amsterdam', postalCode: '1015 CJ', country: 'NL' },
        { email: 'ap@example.nl', taxId: 'NL123456789B01' },
      );
      const j = await newJob(t, org, dispatcher, jobTypeId, {
        customerId: c.customerId,
        siteId: c.siteId,
        taxCodeId: id('AE'),
      });
      await closeOut(t, org, tech, j.id, { parts: [{ sku: 'RC-VALVE', quantity: '2' }] });
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      const full = (await get(`/api/v1/invoices/${inv?.id}`)).json() as {
        status: string;
        lines: { tax: { category: string } }[];
        taxSubtotals: { category: string }[];
      };
      expect(full.status).toBe('issued');
      expect(full.lines.map((l) => l.tax.category)).toEqual(full.lines.map(() => 'AE'));
      expect(full.taxSubtotals.map((s) => s.category)).toEqual(['AE']);
    });
  });
  describe('documents in every script', () => {
    const cjkFont = [
      '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
      '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
    ].some((f) => fs.existsSync(f));
    if (!cjkFont)
      console.info('CJK PDF test skipped: no CJK font (Debian fonts-wqy-microhei) on this machine');

    it.skipIf(!hasPdftotext || !cjkFont)('prints Chinese names on the PDF with a CJK font', async () => {
      const name = '北京上海暖通工程 Ltd';
      const c = await customerVia(
        name,
        '办公室',
        { line1: '1 Dock Road', city: 'Dublin', postalCode: 'D01', country: 'IE' },
        { email: 'info@example.cn' },
      );
      const j = await newJob(t, org, dispatcher, jobTypeId, { customerId: c.customerId, siteId: c.siteId });
      await closeOut(t, org, tech, j.id, {
        parts: [{ description: '循环泵 Ŝ', quantity: '1', unitPrice: '120.00' }],
      });
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      const text = pdfText((await get(`/api/v1/invoices/${inv?.id}/pdf`)).rawPayload);
      expect(text).toContain(name);
      expect(text).toContain('循环泵 Ŝ');
    });

    it.skipIf(!hasPdftotext)('prints non-Latin customer and item names as written on the PDF', async () => {
      const name = 'Ŝtefan Đorđević Ωμέγα Москва Сервис';
      const c = await customerVia(
        name,
        'Kancelarija',
        { line1: 'Knez Mihailova 1', city: 'Beograd', postalCode: '11000', country: 'RS' },
        { email: 'info@example.rs' },
      );
      const j = await newJob(t, org, dispatcher, jobTypeId, { customerId: c.customerId, siteId: c.siteId });
      await closeOut(t, org, tech, j.id, {
        parts: [{ description: 'Насос циркуляционный', quantity: '1', unitPrice: '120.00' }],
      });
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      const pdf = await get(`/api/v1/invoices/${inv?.id}/pdf`);
      expect(pdf.statusCode).toBe(200);
      const text = pdfText(pdf.rawPayload);
      expect(text).toContain(name);
      expect(text).toContain('Насос циркуляционный');
      // Units and VAT categories in words, not codes.
      expect(text).toMatch(/Standard/);
      expect(text).not.toMatch(/\bC62\b/);
    });
  });
  describe('fixed-price work', () => {
    it('invoices the agreed price, keeping the recorded time and parts as evidence only', async () => {
      const res = await post(
        '/api/v1/job-types',
        {
          code: 'FIXED-INSTALL',
          name: 'Boiler installation (fixed price)',
          trade: 'plumbing',
          defaultDurationMinutes: 480,
          billingMode: 'fixed',
          closeoutRequirements: requirements(),
          approvalRules: [],
        },
        owner,
      );
      expect(res.statusCode, res.body).toBe(201);
      const j = await newJob(t, org, dispatcher, res.json().id, {
        estimateLines: [
          { sku: null, description: 'Install a condensing boiler', quantity: '1', unitPrice: '4500.00' },
        ],
      });
      await closeOut(t, org, tech, j.id, {
        labor: [{ technicianId: org.users.technician.id, hours: '6.5' }],
        parts: [{ description: 'Flue kit', quantity: '1', unitPrice: '189.99' }],
        adjustments: [],
      });
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      expect(inv?.status).toBe('issued');
      expect(inv?.lines.map((l) => l.description)).toEqual(['Install a condensing boiler']);
      expect(inv?.totals.taxExclusive).toBe('4500.00');
      // The closeout's lines are still on the job's record.
      const record = (await get(`/api/v1/jobs/${j.id}/closeout`, owner)).json() as { lines: unknown[] };
      expect(record.lines.length).toBe(2);
    });

    it('shows on the phone what the documents ask for: the agreed price, less the deposit paid', async () => {
      const types = (await get('/api/v1/job-types', owner)).json().items as { id: string; code: string }[];
      const fixed = types.find((x) => x.code === 'FIXED-INSTALL')?.id as string;
      const j = await newJob(t, org, dispatcher, fixed, {
        discountPercent: '5',
        depositRequired: true,
        depositAmount: '1000.00',
        estimateLines: [
          { sku: null, description: 'Install a condensing boiler', quantity: '1', unitPrice: '4500.00' },
          { sku: null, description: 'Commissioning', quantity: '2', unitPrice: '120.50' },
        ],
      });
      await drain(t);
      const [deposit] = await invoicesOfJob(t, billing, j.id);
      const paid = await post('/api/v1/payments', {
        invoiceId: deposit?.id,
        amount: '1000.00',
        receivedOn: '2026-11-18',
        method: 'card',
      });
      expect(paid.statusCode, paid.body).toBe(201);
      // The phone's view of the job, worked with time and parts that a fixed price does not bill.
      const work = (await get('/api/v1/my/work-orders', tech)).json() as WorkOrdersT;
      const order = work.items.find((w) => w.job.id === j.id) as WorkOrderT;
      const draft: Draft = {
        jobId: j.id,
        checklistDone: [],
        notes: 'Boiler installed',
        laborHours: '6.5',
        parts: [{ key: 'k', description: 'Flue kit', quantity: '1', unitPrice: '189.99', serial: '' }],
        photoIds: [],
        signature: null,
        signatureException: null,
        timer: { startedAt: null, elapsedMs: 0 },
        updatedAt: new Date().toISOString(),
      };
      const phone = totalsFor(work, order, draft);
      await closeOut(t, org, tech, j.id, {
        labor: [{ technicianId: org.users.technician.id, hours: '6.5' }],
        parts: [{ description: 'Flue kit', quantity: '1', unitPrice: '189.99' }],
        adjustments: [],
      });
      await drain(t);
      const docs = await invoicesOfJob(t, billing, j.id);
      const final = docs.find((i) => i.kind === 'invoice') as InvoiceJson;
      expect(final.status).toBe('issued');
      // The supply: the agreed price less 5 %, at 23 % (the final invoice plus the advance it deducts).
      const advance = await invoice(deposit?.id as string);
      expect(phone?.totals.taxInclusive).toBe(
        new Decimal(final.totals.taxInclusive as string)
          .plus(advance.totals.taxInclusive as string)
          .toFixed(2),
      );
      // Still to pay on the phone = what the job's documents still ask for.
      const owed = docs
        .filter((i) => i.kind !== 'credit_note')
        .reduce((sum, i) => sum.plus(i.outstanding), new Decimal(0));
      expect(phone?.totals.payable).toBe(owed.toFixed(2));
    });

    it('holds a fixed-price job with no agreed price in review, saying so', async () => {
      const types = (await get('/api/v1/job-types', owner)).json().items as { id: string; code: string }[];
      const fixed = types.find((x) => x.code === 'FIXED-INSTALL')?.id as string;
      const j = await newJob(t, org, dispatcher, fixed);
      await closeOut(t, org, tech, j.id, { adjustments: [] });
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      expect(inv?.holdReasons.map((h) => h.code)).toContain('fixed_price');
      expect((await get(`/api/v1/jobs/${j.id}`, dispatcher)).json().billingStatus).toBe('needs_review');
    });
  });
  describe('add-on work', () => {
    it('routes a revision that repeats the original lines to billing as a possible double charge', async () => {
      const same = [{ description: 'Circulator pump', quantity: '1', unitPrice: '189.99' }];
      const { job: j } = await invoiced(same);
      const rev = await post(
        `/api/v1/jobs/${j.id}/revisions`,
        {
          scope: 'Came back for the pump',
          windowStart: '2026-11-19T10:00:00.000Z',
          windowEnd: '2026-11-19T11:00:00.000Z',
          reason: 'Customer called',
        },
        dispatcher,
      );
      expect(rev.statusCode, rev.body).toBe(201);
      const labor = [{ technicianId: org.users.technician.id, hours: '1', billable: false }];
      const res = await closeOut(t, org, tech, rev.json().id, { labor, parts: same, adjustments: [] });
      expect(res.job.billingStatus).toBe('needs_approval');
      expect(res.approval.rules.map((r: { code: string }) => r.code)).toEqual(['possible_duplicate_charge']);
      expect(res.approval.rules[0].message).toMatch(/Circulator pump × 1 already billed on J-\d+/);
      await drain(t);
      expect(await invoicesOfJob(t, billing, rev.json().id)).toEqual([]);
      // Billing confirms it is real new work: then it is invoiced.
      const decided = await post(`/api/v1/approvals/${res.approval.id}/decision`, {
        decision: 'approve',
        comment: 'A second pump: the first failed under load',
      });
      expect(decided.statusCode, decided.body).toBe(200);
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, rev.json().id);
      expect(inv?.status).toBe('issued');
    });
  });
  describe('an invoice that cannot be made', () => {
    it('sends the job to review with the reason at once, instead of retrying in silence', async () => {
      const c = await customerVia(
        'Broken Records Ltd',
        'Quay',
        { line1: '1 Quay', city: 'Cork', postalCode: 'T12', country: 'IE' },
        { email: 'ap@example.com' },
      );
      const j = await newJob(t, org, dispatcher, jobTypeId, { customerId: c.customerId, siteId: c.siteId });
      // Data no retry can fix (a customer's contacts that are not a list, as an old import could leave them).
      await t.database.raw.query(`UPDATE customers SET contacts = '{}'::jsonb WHERE id = $1`, [c.customerId]);
      await closeOut(t, org, tech, j.id);
      const out = await drain(t);
      const prepare = out.find((o) => o.name === 'invoice.prepare');
      expect(prepare?.ok).toBe(true);
      expect(JSON.stringify(prepare?.result)).toMatch(/could not be made/);
      const job = (await get(`/api/v1/jobs/${j.id}`, dispatcher)).json();
      expect(job).toMatchObject({ billingStatus: 'needs_review', exception: true });
      const timeline = (await get(`/api/v1/jobs/${j.id}/timeline`, owner)).json().items as {
        action: string;
        reason: string | null;
      }[];
      expect(timeline.at(-1)?.action).toBe('job.invoice_failed');
      expect(timeline.at(-1)?.reason).toMatch(/The invoice could not be made/);
    });
  });
  describe('a customer invoiced in another currency', () => {
    const putRate = (payload: Record<string, unknown>, who: Session = billing) =>
      t.app.inject({ method: 'PUT', url: '/api/v1/exchange-rates', headers: as(who, true), payload });
    const unbilledHour = () => [{ technicianId: org.users.technician.id, hours: '1', billable: false }];
    const gbpCustomer = async (name: string) => {
      const c = await customerVia(
        name,
        'Shop',
        { line1: '1 Castle Street', city: 'Belfast', postalCode: 'BT1 1GH', country: 'GB' },
        { invoiceCurrency: 'GBP', email: 'accounts@example.co.uk' },
      );
      return c;
    };

    it('refuses a rate or a currency that cannot be, naming the field, and keeps the own currency as none', async () => {
      for (const [payload, field] of [
        [{ currency: 'EUR', validFrom: '2026-11-01', rate: '1' }, 'body.currency'],
        [{ currency: 'XYZ', validFrom: '2026-11-01', rate: '1.2' }, 'body.currency'],
        [{ currency: 'GBP', validFrom: '2026-11-01', rate: '0' }, 'body.rate'],
        [{ currency: 'GBP', validFrom: '2026-11-01', rate: '-1.2' }, 'body.rate'],
        [{ currency: 'GBP', validFrom: '1 Nov', rate: '1.2' }, 'body.validFrom'],
      ] as const) {
        const res = await putRate(payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(problemOf(res).errors.map((e) => e.field)).toContain(field);
      }
      // A dispatcher records no rates: money facts are billing's.
      expect(
        (await putRate({ currency: 'GBP', validFrom: '2026-11-01', rate: '1.2' }, dispatcher)).statusCode,
      ).toBe(403);
      expect((await get('/api/v1/exchange-rates')).json().items).toEqual([]);
      const bad = await post(
        '/api/v1/customers',
        {
          name: 'Nowhere Ltd',
          billingAddress: { line1: '1 A', city: 'B', postalCode: 'C', country: 'GB' },
          invoiceCurrency: 'ABC',
        },
        dispatcher,
      );
      expect(bad.statusCode).toBe(400);
      expect(problemOf(bad).errors.map((e) => e.field)).toContain('body.invoiceCurrency');
      const own = await customerVia(
        'Home Currency Ltd',
        'Shop',
        { line1: '2 Main St', city: 'Cork', postalCode: 'T12', country: 'IE' },
        { invoiceCurrency: 'EUR' },
      );
      expect((await get(`/api/v1/customers/${own.customerId}`, owner)).json().invoiceCurrency).toBeNull();
    });

    it('previews a GBP document with its VAT in EUR, and refuses a rate for the own currency', async () => {
      const preview = (payload: object) => post('/api/v1/invoice-previews', payload);
      const lines = [{ quantity: '2', unitPrice: '85.38', taxCode: 'S-STD' }];
      const gbp = await preview({ currency: 'GBP', exchangeRate: '1.1712', lines });
      expect(gbp.statusCode, gbp.body).toBe(200);
      // 170.76 at 23 % = 39.27 VAT; in EUR 39.27 × 1.1712 = 45.99.
      expect(gbp.json().totals.taxTotal).toBe('39.27');
      expect(gbp.json().taxCurrency).toMatchObject({ code: 'EUR', rate: '1.1712', taxTotal: '45.99' });
      const own = await preview({ currency: 'EUR', exchangeRate: '1.1712', lines });
      expect(own.statusCode).toBe(400);
      expect(problemOf(own).errors.map((e) => e.field)).toContain('body.exchangeRate');
    });

    it('holds the invoice in review until the rate is recorded, then bills in GBP at it with the VAT in EUR too', async () => {
      const c = await gbpCustomer('Belfast Bakeries Ltd');
      const j = await newJob(t, org, dispatcher, jobTypeId, { ...c, discountPercent: '10' });
      await closeOut(t, org, tech, j.id, { labor: unbilledHour(), parts: twoLines, adjustments: [] });
      await drain(t);
      const [held] = await invoicesOfJob(t, billing, j.id);
      expect(held?.number).toBeNull();
      expect(held?.holdReasons.map((h) => h.code)).toContain('exchange_rate_missing');
      const job = (await get(`/api/v1/jobs/${j.id}`, dispatcher)).json();
      expect(job.billingStatus).toBe('needs_review');
      const timeline = (await get(`/api/v1/jobs/${j.id}/timeline`, owner)).json().items as {
        reason: string;
      }[];
      expect(timeline.at(-1)?.reason).toMatch(/invoiced in GBP: record the GBP rate valid on/);

      // A rate from after the service date does not apply; one from before it does, and its later
      // correction on the same day replaces it.
      expect((await putRate({ currency: 'GBP', validFrom: '2026-12-31', rate: '2' })).statusCode).toBe(204);
      expect((await putRate({ currency: 'GBP', validFrom: '2026-11-01', rate: '1.2' })).statusCode).toBe(204);
      expect(
        (await putRate({ currency: 'GBP', validFrom: '2026-11-01', rate: '1.1712', source: 'ECB' }))
          .statusCode,
      ).toBe(204);
      const rates = (await get('/api/v1/exchange-rates')).json().items as {
        validFrom: string;
        rate: string;
      }[];
      expect(rates.map((r) => [r.validFrom, r.rate])).toEqual([
        ['2026-12-31', '2'],
        ['2026-11-01', '1.1712'],
      ]);

      expect((await post(`/api/v1/jobs/${j.id}/rebuild-invoices`)).statusCode).toBe(200);
      await drain(t);
      const inv = await invoice(held?.id as string);
      expect(inv.status, JSON.stringify(inv.holdReasons)).toBe('issued');
      expect(inv.currency).toBe('GBP');
      expect(inv.exchangeRate).toBe('1.1712');
      // 100.00 EUR at 1.1712 EUR per GBP, to six decimals: 85.382514; two lines, 10 % off, 23 % VAT.
      const price = new Decimal('100').div('1.1712').toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
      expect((inv.lines[0] as unknown as { unitPrice: string }).unitPrice).toBe(price.toFixed());
      const net = price.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).times(2);
      const discounted = net.minus(net.times('0.10').toDecimalPlaces(2, Decimal.ROUND_HALF_UP));
      expect(inv.totals.taxExclusive).toBe(discounted.toFixed(2));
      const vat = discounted.times('0.23').toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
      expect(inv.totals.taxTotal).toBe(vat.toFixed(2));
      expect(inv.taxCurrency).toEqual({
        code: 'EUR',
        rate: '1.1712',
        rateDate: '2026-11-01',
        taxTotal: vat.times('1.1712').toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
      });
      if (hasPdftotext) {
        const pdf = pdfText((await get(`/api/v1/invoices/${inv.id}/pdf`)).rawPayload);
        expect(pdf).toMatch(new RegExp(`Tax total in EUR\\s+EUR ${inv.taxCurrency?.taxTotal}`));
        expect(pdf).toContain('1 GBP = 1.1712 EUR, valid from 1 November 2026 (ECB)');
        expect(pdf).toMatch(new RegExp(`Amount due\\s+GBP ${inv.totals.payable}`));
      }

      // A payment in GBP settles it; the credit note keeps the invoice's rate.
      const credit = await post(`/api/v1/invoices/${inv.id}/credit-notes`, {
        reason: 'price_dispute',
        lines: [{ position: 2, quantity: '1' }],
      });
      expect(credit.statusCode, credit.body).toBe(201);
      const cn = credit.json() as InvoiceJson;
      expect(cn.currency).toBe('GBP');
      expect(cn.taxCurrency?.rate).toBe('1.1712');
      expect(cn.taxCurrency?.taxTotal).toBe(
        new Decimal(cn.totals.taxTotal as string)
          .times('1.1712')
          .toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
          .toFixed(2),
      );
    });

    it('counts a GBP invoice in the receivables in EUR, at the rate on the document', async () => {
      const c = await gbpCustomer('Newry Nurseries Ltd');
      // Receivables at the end of a period that covers everything this test issues.
      const ar = async () =>
        new Decimal(
          (await get('/api/v1/metrics?from=2026-06-01&to=2027-05-31', owner)).json().arAging.total as string,
        );
      const before = await ar();
      const j = await newJob(t, org, dispatcher, jobTypeId, c);
      await closeOut(t, org, tech, j.id, { labor: unbilledHour(), parts: twoLines, adjustments: [] });
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      expect(inv?.status, JSON.stringify(inv?.holdReasons)).toBe('issued');
      expect(inv?.currency).toBe('GBP');
      // The GBP amount due counts at 1.1712 EUR per GBP, not as if it were euros.
      const eur = new Decimal(inv?.totals.payable as string).times('1.1712');
      expect((await ar()).minus(before).toFixed(2)).toBe(
        eur.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
      );
    });

    it('asks for the deposit in GBP and deducts the GBP advance from the GBP final invoice', async () => {
      const c = await gbpCustomer('Lisburn Laundry Ltd');
      const j = await newJob(t, org, dispatcher, jobTypeId, {
        ...c,
        depositRequired: true,
        depositAmount: '500.00',
      });
      await drain(t);
      const [deposit] = await invoicesOfJob(t, billing, j.id);
      expect(deposit?.status, JSON.stringify(deposit?.holdReasons)).toBe('issued');
      // 500.00 EUR asked at booking is 426.91 GBP at 1.1712, and that is what the document asks for.
      expect(deposit?.currency).toBe('GBP');
      expect(deposit?.totals.payable).toBe(
        new Decimal(500).div('1.1712').toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
      );
      await closeOut(t, org, tech, j.id, {
        labor: unbilledHour(),
        parts: [{ description: 'Heat pump', quantity: '1', unitPrice: '2000.00' }],
        adjustments: [],
      });
      await drain(t);
      const final = (await invoicesOfJob(t, billing, j.id)).find((i) => i.kind === 'invoice');
      expect(final?.status, JSON.stringify(final?.holdReasons)).toBe('issued');
      expect(final?.currency).toBe('GBP');
      const advance = final?.lines.find((l) => l.description.includes(deposit?.number as string));
      expect(advance?.netAmount).toBe(`-${deposit?.totals.taxExclusive}`);
    });
  });

  describe('labour', () => {
    it("prices and taxes labour from the job type's labour item, described by the work", async () => {
      const codes = (await get('/api/v1/tax-codes', owner)).json().items as { id: string; code: string }[];
      const reduced = codes.find((c) => c.code === 'S-RED')?.id;
      const item = await post(
        '/api/v1/catalog-items',
        {
          sku: 'LAB-PLUMB',
          name: 'Plumber labour',
          kind: 'labor',
          unitCode: 'HUR',
          unitPrice: '70.00',
          taxCodeId: reduced,
        },
        owner,
      );
      expect(item.statusCode, item.body).toBe(201);
      const body = {
        code: 'LEAK',
        name: 'Leak repair',
        trade: 'plumbing',
        defaultDurationMinutes: 60,
        billingMode: 'time_and_materials',
        closeoutRequirements: requirements(),
        approvalRules: [],
      };
      const wrong = await post('/api/v1/job-types', { ...body, laborSku: 'NOPE' }, owner);
      expect(wrong.statusCode).toBe(400);
      expect(problemOf(wrong).errors.map((e) => e.field)).toContain('body.laborSku');
      const type = await post('/api/v1/job-types', { ...body, laborSku: 'LAB-PLUMB' }, owner);
      expect(type.statusCode, type.body).toBe(201);
      expect(type.json().laborSku).toBe('LAB-PLUMB');
      const bill = async () => {
        const j = await newJob(t, org, dispatcher, type.json().id);
        await closeOut(t, org, tech, j.id, {
          labor: [{ technicianId: org.users.technician.id, hours: '2' }],
          parts: [],
          adjustments: [],
        });
        await drain(t);
        const [inv] = await invoicesOfJob(t, billing, j.id);
        return (await get(`/api/v1/invoices/${inv?.id}`)).json() as {
          lines: { description: string; unitPrice: string; tax: { rate: string } }[];
        };
      };
      // The technician's own rate is 80.00 and their title "HVAC technician": neither reaches the invoice.
      const [line] = (await bill()).lines;
      expect(line).toMatchObject({
        description: 'Plumber labour: Leak repair',
        unitPrice: '70',
        tax: { rate: '13.5' },
      });
      // Where the organization bills by technician, their own rate applies.
      await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/organization/billing',
        headers: as(owner, true),
        payload: { laborPricing: 'technician_rate' },
      });
      try {
        expect((await bill()).lines[0]?.unitPrice).toBe('80');
      } finally {
        await t.app.inject({
          method: 'PATCH',
          url: '/api/v1/organization/billing',
          headers: as(owner, true),
          payload: { laborPricing: 'price_book' },
        });
      }
    });
  });
});
