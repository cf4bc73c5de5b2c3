import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContractGroup, progressStepAmount } from '../../src/core/progress-billing';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, requirements, sessionsOf } from '../support/factories';
import { png } from '../support/files';
import {
  closeOut,
  drain,
  type InvoiceJson,
  invoicesOfJob,
  newJob,
  plainJobType,
  setSeller,
  underPaymentRequests,
} from './helpers';

type Progress = {
  currency: string;
  contract: string;
  billed: string;
  remaining: string;
  percentBilled: string;
  groups: ContractGroup[];
  decimals: number;
  scheme: 'vat' | 'us_sales_tax';
  retainagePercent: string | null;
  retained: string;
  open: boolean;
  closedReason: string | null;
  steps: {
    invoiceId: string;
    number: string | null;
    percent: string;
    milestone: string | null;
    amount: string;
    retained: string;
  }[];
};
type Doc = InvoiceJson & {
  memo: string | null;
  allowances: { reason: string; amount: string; tax: { rate: string } }[];
  totals: Record<string, string>;
  taxSubtotals?: { category: string; rate: string; taxableAmount: string; taxAmount: string }[];
};

/**
 * Progress (milestone) billing of a fixed-price job (#22): the contract billed in steps to a cumulative
 * percent complete, each step an advance document per VAT group whose note states the contract, what was
 * billed before and what remains; the final invoice bills the whole contract and deducts every step, so the
 * documents add up to the contract to the cent, and the VAT over them is the contract's at each rate.
 */
describe.each(testDrivers())('progress billing on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let fixedType: string;
  let reduced: string;

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'progress');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner);
    const type = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: 'FIXED-RENO',
        name: 'Bathroom refit (fixed price)',
        trade: 'plumbing',
        defaultDurationMinutes: 480,
        billingMode: 'fixed',
        closeoutRequirements: requirements(),
        approvalRules: [],
      },
    });
    expect(type.statusCode, type.body).toBe(201);
    fixedType = type.json().id;
    const codes = (await t.app.inject({ method: 'GET', url: '/api/v1/tax-codes', headers: as(owner) })).json()
      .items as { id: string; category: string; rate: string }[];
    reduced = codes.find((c) => c.category === 'S' && new Decimal(c.rate).eq('13.5'))?.id ?? '';
    expect(reduced).not.toBe('');
  });
  afterAll(async () => t?.close());

  const progress = async (jobId: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${jobId}/progress`,
      headers: as(billing),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Progress;
  };
  const bill = (jobId: string, payload: object, who: Session = billing) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${jobId}/progress-invoices`,
      headers: as(who, true),
      payload,
    });
  const invoice = async (id: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/api/v1/invoices/${id}`, headers: as(billing) })
    ).json() as Doc;

  it('bills a fixed-price contract in steps that, with the final invoice, come to the contract to the cent', async () => {
    const j = await newJob(t, org, dispatcher, fixedType, {
      discountPercent: '5',
      depositRequired: true,
      depositAmount: '1000.00',
      estimateLines: [
        { sku: null, description: 'Strip out and refit the bathroom', quantity: '1', unitPrice: '7333.33' },
        { sku: null, description: 'Tiling', quantity: '31.5', unitPrice: '41.17', taxCodeId: reduced },
      ],
    });
    await drain(t);
    const start = await progress(j.id);
    // 7333.33 + 31.5 × 41.17 = 8630.19 net; less 5 %; VAT at 23 % and 13.5 %.
    expect(start).toMatchObject({ currency: 'EUR', percentBilled: '0', open: true, steps: [] });
    expect(start.billed).toBe('1000.00');
    const contract = new Decimal(start.contract);
    expect(contract.gt(9000)).toBe(true);

    // Refused: a dispatcher, a percent not a percent, the whole contract.
    expect((await bill(j.id, { percent: '30' }, dispatcher)).statusCode).toBe(403);
    const bad = await bill(j.id, { percent: 'thirty' });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors.map((e) => e.field)).toEqual(['body.percent']);
    expect((await bill(j.id, { percent: '100' })).statusCode).toBe(400);

    const first = await bill(j.id, { percent: '30', milestone: 'Strip-out done' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().status).toBe('issued');
    const step1 = await invoice(first.json().invoiceId);
    expect(step1.kind).toBe('deposit_invoice');
    expect(step1.lines.map((l) => l.description)).toEqual([
      'Strip-out done: 30 % of the contract for ' + step1.lines[0]?.description.split(' for ')[1],
      expect.stringMatching(/^Strip-out done: 30 % of the contract for J-\d+ \(VAT 13.5 %\)$/),
    ]);
    expect(step1.memo).toMatch(
      /^Progress billing for J-\d+: 30 % complete, Strip-out done\.\nContract value EUR [\d,.]+; billed before EUR 1,000\.00; this invoice EUR [\d,.]+; remaining after it EUR [\d,.]+\.$/,
    );
    // Money on a step is not the deposit: the job's deposit received does not move.
    const paid = await t.app.inject({
      method: 'POST',
      url: '/api/v1/payments',
      headers: as(billing, true),
      payload: {
        invoiceId: step1.id,
        amount: step1.totals.payable,
        receivedOn: '2026-11-18',
        method: 'card',
      },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${j.id}`, headers: as(billing) })
    ).json();
    expect(job.depositReceived ?? '0').toMatch(/^0(\.0+)?$/);
    expect((await invoice(step1.id)).status).toBe('paid');
    // Backwards, or the same step again: refused with the field.
    const back = await bill(j.id, { percent: '20' });
    expect(back.statusCode).toBe(400);
    expect(problemOf(back).errors[0]?.message).toBe('must be above the 30 % already billed');
    const second = await bill(j.id, { percent: '75', milestone: 'Tiling done' });
    expect(second.statusCode, second.body).toBe(201);
    const mid = await progress(j.id);
    expect(mid.steps.map((s) => [s.percent, s.milestone])).toEqual([
      ['30', 'Strip-out done'],
      ['75', 'Tiling done'],
    ]);
    expect(mid.percentBilled).toBe('75');
    const step2 = await invoice(second.json().invoiceId);
    expect(new Decimal(mid.billed).toFixed(2)).toBe(
      new Decimal('1000')
        .plus(step1.totals.taxInclusive ?? 'NaN')
        .plus(step2.totals.taxInclusive ?? 'NaN')
        .toFixed(2),
    );
    expect(new Decimal(mid.remaining).plus(mid.billed).toFixed(2)).toBe(contract.toFixed(2));

    // Closed out: the final invoice bills the contract and deducts the deposit and both steps.
    await closeOut(t, org, tech, j.id, { adjustments: [] });
    await drain(t);
    const docs = await invoicesOfJob(t, billing, j.id);
    const final = docs.find((d) => d.kind === 'invoice') as Doc;
    expect(final.status).toBe('issued');
    const advances = docs.filter((d) => d.kind === 'deposit_invoice');
    expect(advances).toHaveLength(3);
    const advanced = advances.reduce((s, d) => s.plus(d.totals.taxInclusive ?? 'NaN'), new Decimal(0));
    // Everything billed adds up to the contract, to the cent.
    expect(advanced.plus(final.totals.payable ?? 'NaN').toFixed(2)).toBe(contract.toFixed(2));
    expect(final.lines.filter((l) => l.description.startsWith('Advance invoiced on'))).toHaveLength(5);
    // No further step once the final invoice is made.
    const after = await progress(j.id);
    expect(after).toMatchObject({
      open: false,
      closedReason: 'The job is closed out: its final invoice bills the rest',
    });
    expect((await bill(j.id, { percent: '90' })).statusCode).toBe(409);
  });

  it('refuses a step that would bill more than remains after a large deposit, and a job that is not fixed-price', async () => {
    const j = await newJob(t, org, dispatcher, fixedType, {
      depositRequired: true,
      depositAmount: '900.00',
      estimateLines: [
        { sku: null, description: 'Replace the cylinder', quantity: '1', unitPrice: '1000.00' },
      ],
    });
    await drain(t);
    const over = await bill(j.id, { percent: '50' });
    expect(over.statusCode).toBe(400);
    expect(problemOf(over).detail).toBe(
      'The step would bill more than the contract: EUR 330.00 remains after the deposit and the steps before',
    );
    const plain = await newJob(t, org, dispatcher, org.jobTypeId);
    const notFixed = await bill(plain.id, { percent: '50' });
    expect(notFixed.statusCode).toBe(400);
    expect(problemOf(notFixed).errors[0]?.field).toBe('jobId');
  });

  it('voids a step still waiting in the billing queue when the job is closed out, so nothing is billed twice', async () => {
    const autoIssue = (on: boolean) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/v1/organization/billing',
        headers: as(owner, true),
        payload: { invoiceAutoIssue: on },
      });
    expect((await autoIssue(false)).statusCode).toBe(200);
    try {
      const j = await newJob(t, org, dispatcher, fixedType, {
        estimateLines: [
          { sku: null, description: 'Rewire the kitchen', quantity: '1', unitPrice: '2000.00' },
        ],
      });
      const step = await bill(j.id, { percent: '50' });
      expect(step.statusCode, step.body).toBe(201);
      expect(step.json()).toMatchObject({ status: 'draft', number: null });
      await closeOut(t, org, tech, j.id, { adjustments: [] });
      await drain(t);
      const docs = await invoicesOfJob(t, billing, j.id);
      expect(docs.find((d) => d.id === step.json().invoiceId)?.status).toBe('void');
      const final = docs.find((d) => d.kind === 'invoice');
      // The final draft bills the whole contract: nothing was deducted for a step never issued.
      expect(final?.totals.payable).toBe('2460.00');
    } finally {
      await autoIssue(true);
    }
  });

  it('holds retainage back from each step and releases it with the final invoice, to the cent', async () => {
    const lines = [
      { sku: null, description: 'Replace the boiler', quantity: '1', unitPrice: '1000.00' },
      { sku: null, description: 'Insulation', quantity: '1', unitPrice: '400.00', taxCodeId: reduced },
    ];
    // Retainage is a billing fact, and only a contract billed in steps holds it.
    const byDispatcher = await t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: as(dispatcher, true),
      payload: {
        customerId: org.customerId,
        siteId: org.siteId,
        jobTypeId: fixedType,
        scope: 'Boiler',
        windowStart: '2026-12-09T09:00:00Z',
        windowEnd: '2026-12-09T12:00:00Z',
        retainagePercent: '10',
      },
    });
    expect(byDispatcher.statusCode).toBe(403);
    expect(problemOf(byDispatcher).errors.map((e) => e.field)).toEqual(['body.retainagePercent']);
    const plain = await newJob(t, org, dispatcher, await plainJobType(t, owner, 'TM-RET'));
    const onPlain = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${plain.id}`,
      headers: as(billing, true),
      payload: { retainagePercent: '10' },
    });
    expect(onPlain.statusCode).toBe(400);
    expect(problemOf(onPlain).errors.map((e) => e.field)).toEqual(['body.retainagePercent']);
    const tooMuch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${plain.id}`,
      headers: as(billing, true),
      payload: { retainagePercent: '60' },
    });
    expect(tooMuch.statusCode).toBe(400);

    const j = await newJob(t, org, billing, fixedType, { retainagePercent: '10', estimateLines: lines });
    const start = await progress(j.id);
    expect(start).toMatchObject({
      contract: '1684.00',
      retainagePercent: '10',
      retained: '0.00',
      scheme: 'vat',
    });
    // The office's screen prices the step with the same core function the server bills with.
    expect(progressStepAmount(start, '40')).toEqual({ gross: '606.24', retained: '67.36' });

    const first = await bill(j.id, { percent: '40', milestone: 'Boiler in' });
    expect(first.statusCode, first.body).toBe(201);
    const step = await invoice(first.json().invoiceId);
    // 40 % of each group (400.00 at 23 %, 160.00 at 13.5 %), less 10 % of each held back at its own rate.
    expect(step.lines.map((l) => [l.description.replace(/J-\d+/, 'J'), l.quantity, l.netAmount])).toEqual([
      ['Boiler in: 40 % of the contract for J (VAT 23 %)', '1', '400.00'],
      ['Boiler in: 40 % of the contract for J (VAT 13.5 %)', '1', '160.00'],
    ]);
    expect(step.allowances.map((a) => [a.reason, a.amount, a.tax.rate])).toEqual([
      ['Retainage 10 % held back until the work is complete', '40.00', '23'],
      ['Retainage 10 % held back until the work is complete', '16.00', '13.5'],
    ]);
    expect(step.totals.taxInclusive).toBe('606.24');
    expect(step.memo).toContain(
      'this invoice EUR 606.24 after EUR 67.36 retainage held back (10 %, released by the final invoice); remaining after it EUR 1,077.76.',
    );
    const mid = await progress(j.id);
    expect(mid).toMatchObject({ billed: '606.24', remaining: '1077.76', retained: '67.36' });
    expect(mid.steps.map((s) => [s.percent, s.amount, s.retained])).toEqual([['40', '606.24', '67.36']]);

    await closeOut(t, org, tech, j.id, { adjustments: [] });
    await drain(t);
    const final = (await invoicesOfJob(t, billing, j.id)).find((d) => d.kind === 'invoice') as Doc;
    expect(final.status).toBe('issued');
    // The step is deducted at what it billed per rate, so the final invoice bills the rest of the work and
    // the retainage, with its VAT: everything adds up to the contract.
    expect(
      final.lines.filter((l) => l.description.startsWith('Advance invoiced on')).map((l) => l.netAmount),
    ).toEqual(['-360.00', '-144.00']);
    expect(final.totals.payable).toBe('1077.76');
    expect(final.memo).toContain('Releases the retainage of EUR 67.36 held back on the progress invoices');
  });

  it('releases retainage held on payment requests too, and says so on the final invoice', async () => {
    await underPaymentRequests(t, owner, async () => {
      const j = await newJob(t, org, billing, fixedType, {
        retainagePercent: '10',
        estimateLines: [
          { sku: null, description: 'Replace the boiler', quantity: '1', unitPrice: '1000.00' },
          { sku: null, description: 'Insulation', quantity: '1', unitPrice: '400.00', taxCodeId: reduced },
        ],
      });
      const first = await bill(j.id, { percent: '40' });
      expect(first.statusCode, first.body).toBe(201);
      // 40 % of the 1,684.00 contract asked without tax, 10 % of it held back.
      const step = await invoice(first.json().invoiceId);
      expect(step.totals.payable).toBe('606.24');
      const paid = await t.app.inject({
        method: 'POST',
        url: '/api/v1/payments',
        headers: as(billing, true),
        payload: { invoiceId: step.id, amount: '606.24', receivedOn: '2026-11-18', method: 'card' },
      });
      expect(paid.statusCode, paid.body).toBe(201);
      await closeOut(t, org, tech, j.id, { adjustments: [] });
      await drain(t);
      const final = (await invoicesOfJob(t, billing, j.id)).find((d) => d.kind === 'invoice') as Doc;
      expect(final.totals.prepaid).toBe('606.24');
      expect(final.totals.payable).toBe('1077.76');
      expect(final.memo).toContain('Releases the retainage of EUR 67.36 held back on the progress invoices');
    });
  });

  it('counts the deposit the queue has yet to draft, and refuses a change of scope below what was asked in advance', async () => {
    const j = await newJob(t, org, dispatcher, fixedType, {
      depositRequired: true,
      depositAmount: '615.00',
      estimateLines: [{ sku: null, description: 'Refit', quantity: '1', unitPrice: '1000.00' }],
    });
    // Before the queue drafts the deposit request, a step already counts it as asked (1,230.00 at 23 %).
    expect(await invoicesOfJob(t, billing, j.id)).toEqual([]);
    const early = await progress(j.id);
    expect(early).toMatchObject({ contract: '1230.00', billed: '615.00', remaining: '615.00' });
    const over = await bill(j.id, { percent: '60' });
    expect(over.statusCode, over.body).toBe(400);
    expect(problemOf(over).detail).toContain('EUR 615.00 remains');
    const step = await bill(j.id, { percent: '40' });
    expect(step.statusCode, step.body).toBe(201);
    await drain(t);
    const asked = (await invoicesOfJob(t, billing, j.id)).filter((d) => d.number);
    expect(asked.map((d) => d.totals.taxInclusive).sort()).toEqual(['492.00', '615.00']);

    // Taking the refit down to 800.00 would price the job at 984.00, below the 1,107.00 already asked.
    const change = (lines: object[]) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${j.id}/change-orders`,
        headers: as(tech, true),
        payload: { reason: 'Smaller room than measured', lines },
      });
    const below = await change([
      { change: 'remove', description: 'Refit', quantity: '1', unitPrice: '1000.00' },
      { change: 'add', description: 'Smaller refit', quantity: '1', unitPrice: '800.00' },
    ]);
    expect(below.statusCode, below.body).toBe(409);
    expect(problemOf(below).errors.map((e) => e.field)).toEqual(['body.lines']);
    expect(problemOf(below).detail).toContain('below the EUR 1,107.00 already asked in advance');
    const more = await change([
      { change: 'add', description: 'Towel rail', quantity: '1', unitPrice: '100.00' },
    ]);
    expect(more.statusCode, more.body).toBe(201);
    const signed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/change-orders/${more.json().id}/approve`,
      headers: as(tech, true),
      payload: {
        signerName: 'Pat Murphy',
        signature: `data:image/png;base64,${(await png(3)).toString('base64')}`,
        afterTotal: more.json().afterTotal,
      },
    });
    expect(signed.statusCode, signed.body).toBe(200);

    await closeOut(t, org, tech, j.id, { parts: [], adjustments: [] });
    await drain(t);
    const final = (await invoicesOfJob(t, billing, j.id)).find((d) => d.kind === 'invoice');
    expect(final?.status).toBe('issued');
    // 1,353.00 signed for: 615.00 + 492.00 asked before, 246.00 now.
    expect(final?.totals.payable).toBe('246.00');
  });
});
