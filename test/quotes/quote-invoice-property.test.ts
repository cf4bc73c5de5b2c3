import Decimal from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeOut, drain, invoicesOfJob, setSeller } from '../invoices/helpers';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, requirements } from '../support/factories';
import { png } from '../support/files';

const RUNS = Number(process.env.QUOTE_PROPERTY_RUNS ?? 12);

const decimal = (maxWhole: number, places: number, min = 0) =>
  fc
    .tuple(fc.integer({ min, max: maxWhole }), fc.integer({ min: 0, max: 10 ** places - 1 }))
    .map(([w, f]) => (places ? `${w}.${String(f).padStart(places, '0')}` : String(w)));

type Line = { description: string; quantity: string; unitPrice: string; tax: 'S-STD' | 'S-RED' | 'Z' };
const line = fc.record({
  description: fc.constantFrom('Boiler', 'Radiator', 'Valve', 'Flue kit', 'Labour', 'Pump'),
  quantity: fc.oneof(
    decimal(9, 0, 1),
    decimal(12, 2, 0).filter((q) => Number(q) > 0),
  ),
  unitPrice: fc.oneof(decimal(2500, 2), decimal(40, 4)),
  tax: fc.constantFrom('S-STD' as const, 'S-RED' as const, 'Z' as const),
});
/** A change: lines to add, and which of the scope's lines (by index, wrapped) to take off. */
const change = fc.record({
  adds: fc.array(line, { maxLength: 2 }),
  removes: fc.array(fc.nat(), { maxLength: 2 }),
});

/**
 * The promise of #22, end to end through the API: for any accepted quote (lines at mixed VAT rates, a
 * discount, a deposit, retainage) and any approved change orders (work added, work taken off), billed in any
 * progress steps, the fixed-price job's documents come to exactly what the customer last signed for, to the
 * cent.
 */
describe.each(testDrivers().slice(0, 1))('a quote plus its change orders is the invoice, on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let tech: Session;
  let billing: Session;
  let fixedType: string;
  let codes: Record<string, string>;
  /** What the quote-versus-invoice metric must say of the jobs the property made: job number → invoice less quote. */
  const made: { number: string; difference: Decimal }[] = [];

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'property');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    await setSeller(t, owner);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: 'FIXED-PROP',
        name: 'Fixed price',
        trade: 'plumbing',
        defaultDurationMinutes: 60,
        billingMode: 'fixed',
        closeoutRequirements: requirements(),
        approvalRules: [],
      },
    });
    fixedType = res.json().id;
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/tax-codes', headers: as(owner) });
    codes = Object.fromEntries(
      (list.json().items as { id: string; code: string }[]).map((c) => [c.code, c.id]),
    );
  });
  afterAll(() => t?.close());

  // Each customer answers from an address of their own: the link routes' limit per address (60 a minute)
  // is not what this test is about, and fast-check's shrinking replays many answers within a minute.
  let customers = 0;
  const post = async (url: string, who: Session | null, payload: object) => {
    customers += 1;
    const res = await t.app.inject({
      method: 'POST',
      url,
      ...(who
        ? { headers: as(who, true) }
        : { remoteAddress: `10.90.${Math.floor(customers / 250) % 250}.${customers % 250}` }),
      payload,
    });
    expect([200, 201], `${url}: ${res.body}`).toContain(res.statusCode);
    return res.json();
  };

  it('bills exactly the last price the customer signed for', async () => {
    const signature = `data:image/png;base64,${(await png(5)).toString('base64')}`;
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 4 }),
        fc.option(decimal(25, 2), { nil: null }),
        fc.array(change, { maxLength: 3 }),
        fc.option(fc.constantFrom('10', '30'), { nil: null }),
        fc.option(fc.constantFrom('5', '7.5', '10'), { nil: null }),
        fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 3 }),
        async (lines: Line[], discount, changes, deposit, retainage, steps) => {
          const start = new Date(t.clock.now().getTime() + 3_600_000);
          const quote = await post('/api/v1/quotes', billing, {
            customerId: org.customerId,
            siteId: org.siteId,
            jobTypeId: fixedType,
            title: 'Property',
            lines: lines.map((l) => ({
              description: l.description,
              quantity: l.quantity,
              unitPrice: l.unitPrice,
              taxCodeId: codes[l.tax],
            })),
            discountPercent: discount,
            deposit: deposit ? { percent: deposit } : null,
            retainagePercent: retainage,
            validUntil: '2027-06-30',
            visitStart: start.toISOString(),
            visitEnd: new Date(start.getTime() + 3_600_000).toISOString(),
          });
          const { link } = await post(`/api/v1/quotes/${quote.id}/send`, billing, {
            to: 'customer@example.com',
          });
          const accepted = await post(
            `/api/v1/public/quotes/${link.slice(link.lastIndexOf('/') + 1)}/accept`,
            null,
            {
              version: 1,
              choice: { options: {}, addOns: [] },
              signerName: 'Pat Murphy',
              signature,
            },
          );
          let signedFor: string = accepted.acceptedTotal;
          const jobId: string = (
            await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${quote.id}`, headers: as(owner) })
          ).json().jobId;
          await post(`/api/v1/jobs/${jobId}/assign`, owner, { add: [org.users.technician.id] });
          // The scope as the customer agreed it so far, to pick removals from.
          let scope = lines.map((l) => ({ ...l }));
          for (const c of changes) {
            const removes = [...new Set(c.removes.map((i) => i % scope.length))].map((i) => scope[i] as Line);
            const body = [
              ...c.adds.map((l) => ({
                change: 'add',
                description: `${l.description} (extra)`,
                quantity: l.quantity,
                unitPrice: l.unitPrice,
              })),
              ...removes.map((l) => ({
                change: 'remove',
                description: l.description,
                quantity: l.quantity,
                unitPrice: l.unitPrice,
              })),
            ];
            if (body.length === 0) continue;
            const res = await t.app.inject({
              method: 'POST',
              url: `/api/v1/jobs/${jobId}/change-orders`,
              headers: as(tech, true),
              payload: { reason: 'The work changed on site', lines: body },
            });
            // Taking off lines that together leave a negative total is refused; that change is skipped.
            if (res.statusCode !== 201) {
              expect(res.statusCode, res.body).toBe(409);
              continue;
            }
            const co = res.json();
            const approved = await post(`/api/v1/change-orders/${co.id}/approve`, tech, {
              signerName: 'Pat Murphy',
              signature,
              afterTotal: co.afterTotal,
            });
            expect(approved.status).toBe('approved');
            signedFor = approved.afterTotal;
            scope = [
              ...scope.filter((l) => !removes.includes(l)),
              ...c.adds.map((l) => ({ ...l, description: `${l.description} (extra)` })),
            ];
            if (scope.length === 0) break;
          }
          // The work billed in steps as it advances (a step over what remains after the deposit is refused).
          for (const percent of [...steps].sort((a, b) => a - b)) {
            const res = await t.app.inject({
              method: 'POST',
              url: `/api/v1/jobs/${jobId}/progress-invoices`,
              headers: as(billing, true),
              payload: { percent: String(percent) },
            });
            if (res.statusCode !== 201) expect(res.statusCode, res.body).toBe(400);
          }
          await closeOut(t, org, tech, jobId, { parts: [], adjustments: [] });
          await drain(t);
          const docs = await invoicesOfJob(t, billing, jobId);
          const [invoice] = docs.filter((i) => i.kind === 'invoice');
          // What the advances asked (the deposit, the steps), each net of its retainage, with the cent of
          // rounding (BT-114) that made a deposit's VAT come to the amount asked.
          const advanced = docs
            .filter((d) => d.kind === 'deposit_invoice' && d.number && d.status !== 'void')
            .reduce((sum, d) => sum.plus(d.totals.payable ?? 'NaN'), new Decimal(0));
          // Every issued invoice from a quote counts in the quote-versus-invoice metric, a zero one too.
          if (invoice?.number)
            made.push({
              number: (
                await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}`, headers: as(owner) })
              ).json().number,
              difference: new Decimal(signedFor).minus(accepted.acceptedTotal),
            });
          if (new Decimal(signedFor).isZero()) return;
          // Issued; settled at once when the advances paid for all of it.
          expect(invoice?.status, JSON.stringify(invoice?.holdReasons)).toBe(
            new Decimal(invoice?.totals.payable ?? 'NaN').isZero() ? 'paid' : 'issued',
          );
          // The advances and the final invoice together ask exactly the agreed price: the retainage held
          // back on the steps is released by the final invoice.
          expect(
            advanced
              .plus(invoice?.totals.payable ?? 'NaN')
              .plus(invoice?.totals.prepaid ?? 'NaN')
              .toFixed(2),
          ).toBe(new Decimal(signedFor).toFixed(2));
        },
      ),
      // QUOTE_PROPERTY_SEED and QUOTE_PROPERTY_PATH replay a failure CI printed.
      {
        numRuns: RUNS,
        ...(process.env.QUOTE_PROPERTY_SEED ? { seed: Number(process.env.QUOTE_PROPERTY_SEED) } : {}),
        ...(process.env.QUOTE_PROPERTY_PATH ? { path: process.env.QUOTE_PROPERTY_PATH } : {}),
      },
    );
  }, 240_000);

  it('tells which invoices differ from their quote and why: change orders, an approved variance, or neither', async () => {
    const { items: rates } = (
      await t.app.inject({ method: 'GET', url: '/api/v1/tax-codes', headers: as(owner) })
    ).json() as { items: { id: string; code: string }[] };
    expect(rates.length).toBeGreaterThan(0);
    // A time-and-materials job from a quote, whose parts ran over the estimate and were approved.
    const tm = await post('/api/v1/job-types', owner, {
      code: 'TM-PROP',
      name: 'Time and materials',
      trade: 'plumbing',
      defaultDurationMinutes: 60,
      billingMode: 'time_and_materials',
      closeoutRequirements: requirements(),
      approvalRules: [
        { code: 'parts_over_estimate_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
      ],
    });
    const start = new Date(t.clock.now().getTime() + 3_600_000);
    const quote = await post('/api/v1/quotes', billing, {
      customerId: org.customerId,
      siteId: org.siteId,
      jobTypeId: tm.id,
      title: 'Leak',
      lines: [{ description: 'Pump', quantity: '1', unitPrice: '200.00', taxCodeId: codes['S-STD'] }],
      validUntil: '2027-06-30',
      visitStart: start.toISOString(),
      visitEnd: new Date(start.getTime() + 3_600_000).toISOString(),
    });
    const { link } = await post(`/api/v1/quotes/${quote.id}/send`, billing, { to: 'customer@example.com' });
    const accepted = await post(
      `/api/v1/public/quotes/${link.slice(link.lastIndexOf('/') + 1)}/accept`,
      null,
      {
        version: 1,
        choice: { options: {}, addOns: [] },
        signerName: 'Pat Murphy',
        signature: `data:image/png;base64,${(await png(5)).toString('base64')}`,
      },
    );
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${quote.id}`, headers: as(owner) })
    ).json().jobId as string;
    await post(`/api/v1/jobs/${job}/assign`, owner, { add: [org.users.technician.id] });
    await closeOut(t, org, tech, job, {
      parts: [{ description: 'Expansion vessel', quantity: '1', unitPrice: '400.00' }],
      adjustments: [],
    });
    const pending = (
      await t.app.inject({ method: 'GET', url: '/api/v1/approvals?status=pending', headers: as(owner) })
    ).json().items as { id: string; jobId: string }[];
    const request = pending.find((a) => a.jobId === job);
    if (!request) throw new Error('the variance asked for no approval');
    await post(`/api/v1/approvals/${request.id}/decision`, owner, {
      decision: 'approve',
      comment: 'Vessel failed',
    });
    await drain(t);
    const [invoice] = (await invoicesOfJob(t, billing, job)).filter((i) => i.kind === 'invoice');
    expect(invoice?.status).toBe('issued');
    const variance = new Decimal(invoice?.totals.payable ?? 'NaN').minus(accepted.acceptedTotal);
    const tmNumber = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${job}`, headers: as(owner) })
    ).json().number as string;

    // Neither: parts a little over the quote, under the rule's threshold, so nobody approved the difference.
    const quiet = await post('/api/v1/quotes', billing, {
      customerId: org.customerId,
      siteId: org.siteId,
      jobTypeId: tm.id,
      title: 'Drip',
      lines: [{ description: 'Valve', quantity: '1', unitPrice: '100.00', taxCodeId: codes['S-STD'] }],
      validUntil: '2027-06-30',
      visitStart: start.toISOString(),
      visitEnd: new Date(start.getTime() + 3_600_000).toISOString(),
    });
    const quietLink = (await post(`/api/v1/quotes/${quiet.id}/send`, billing, { to: 'customer@example.com' }))
      .link as string;
    const quietAccepted = await post(
      `/api/v1/public/quotes/${quietLink.slice(quietLink.lastIndexOf('/') + 1)}/accept`,
      null,
      {
        version: 1,
        choice: { options: {}, addOns: [] },
        signerName: 'Pat Murphy',
        signature: `data:image/png;base64,${(await png(5)).toString('base64')}`,
      },
    );
    const quietJob = (
      await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${quiet.id}`, headers: as(owner) })
    ).json().jobId as string;
    await post(`/api/v1/jobs/${quietJob}/assign`, owner, { add: [org.users.technician.id] });
    await closeOut(t, org, tech, quietJob, {
      parts: [{ description: 'Valve', quantity: '1', unitPrice: '105.00' }],
      adjustments: [],
    });
    await drain(t);
    const [quietInvoice] = (await invoicesOfJob(t, billing, quietJob)).filter((i) => i.kind === 'invoice');
    expect(quietInvoice?.status).toBe('issued');
    const unexplained = new Decimal(quietInvoice?.totals.payable ?? 'NaN').minus(quietAccepted.acceptedTotal);
    expect(unexplained.gt(0)).toBe(true);
    const quietNumber = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${quietJob}`, headers: as(owner) })
    ).json().number as string;

    const day = t.clock.now().toISOString().slice(0, 10);
    const range = `from=${day}&to=${new Date(t.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10)}`;
    const metrics = (
      await t.app.inject({ method: 'GET', url: `/api/v1/metrics?${range}`, headers: as(owner) })
    ).json();
    const changed = made.filter((m) => !m.difference.isZero());
    const sum = (xs: { difference: Decimal }[]) => xs.reduce((a, m) => a.plus(m.difference), new Decimal(0));
    expect(metrics.quotes).toEqual({
      invoicedJobs: made.length + 2,
      matching: made.length - changed.length,
      differing: changed.length + 2,
      byCause: [
        ...(changed.length
          ? [{ cause: 'change_orders', jobs: changed.length, difference: sum(changed).toFixed(2) }]
          : []),
        { cause: 'unexplained', jobs: 1, difference: unexplained.toFixed(2) },
        { cause: 'variance_approved', jobs: 1, difference: variance.toFixed(2) },
      ],
    });
    // The list behind the figure: exactly the jobs whose invoice is not their quote.
    const drill = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/metrics/drilldown?metric=quote_differs&${range}`,
        headers: as(owner),
      })
    ).json() as { items: { number: string }[] };
    expect(drill.items.map((i) => i.number).sort()).toEqual(
      [...changed.map((m) => m.number), tmNumber, quietNumber].sort(),
    );
  });
});
