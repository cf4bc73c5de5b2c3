import Decimal from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeOut, drain, type InvoiceJson, invoicesOfJob, newJob } from '../invoices/helpers';
import { as, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import type { OrgFixture } from '../support/factories';
import type { FakeAccounting } from '../support/fake-accounting';
import { documentOf, ledgerApp, money, oursFor, theirsFor } from '../support/ledger';

const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 5);

/** One step on one of a customer's invoices: a part or full payment, a full credit, the credit's refund. */
type Step =
  | { kind: 'pay'; share: number; method: 'card' | 'bank_transfer' | 'cash' }
  | { kind: 'credit' }
  | { kind: 'refund'; method: 'card' | 'bank_transfer' };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('pay' as const),
    share: fc.integer({ min: 1, max: 100 }),
    method: fc.constantFrom('card' as const, 'bank_transfer' as const, 'cash' as const),
  }),
  fc.constant({ kind: 'credit' as const }),
  fc.record({
    kind: fc.constant('refund' as const),
    method: fc.constantFrom('card' as const, 'bank_transfer' as const),
  }),
);

/**
 * The books match on every path, not only on the month the scenario test walks: for any sequence of part
 * payments, full credits and refunds of those credits on a customer's invoices, once everything is pushed the
 * provider's receivable, revenue and VAT for the customer equal Closeout's to the cent, every payment is there
 * once, and nothing waits in the review lane.
 */
describe.each(testDrivers().slice(0, 1))('the books match after any sequence of money, on %s', (driver) => {
  for (const provider of ['xero', 'quickbooks'] as const) {
    describe(provider, () => {
      let t: TestApp;
      let fake: FakeAccounting;
      let org: OrgFixture;
      let billing: Session;
      let dispatcher: Session;
      let tech: Session;
      let jobTypeId: string;

      beforeAll(async () => {
        ({
          fake,
          t,
          org,
          billing,
          dispatcher,
          technician: tech,
          jobTypeId,
        } = await ledgerApp(driver, provider, `ledger-property-${provider}`));
      });
      afterAll(async () => {
        await t?.close();
        await fake?.close();
      });

      const post = (url: string, payload: Record<string, unknown>) =>
        t.app.inject({ method: 'POST', url, headers: as(billing, true), payload });
      let references = 0;
      const pay = async (documentId: string, amount: Decimal, method: string) => {
        const res = await post('/api/v1/payments', {
          invoiceId: documentId,
          amount: amount.toFixed(2),
          receivedOn: '2026-11-20',
          method,
          reference: `P-${++references}`,
        });
        expect(res.statusCode, res.body).toBe(201);
      };

      it('agrees with Closeout on receivable, revenue and VAT, and holds each payment once', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.array(step, { maxLength: 4 }), { minLength: 1, maxLength: 3 }),
            async (plans) => {
              for (const plan of plans) {
                const j = await newJob(t, org, dispatcher, jobTypeId);
                await closeOut(t, org, tech, j.id);
                await drain(t);
                const inv = (await invoicesOfJob(t, billing, j.id)).find(
                  (d) => d.kind === 'invoice',
                ) as InvoiceJson;
                let creditNote: string | null = null;
                for (const s of plan) {
                  const now = await documentOf(t, billing, inv.id);
                  const owed = new Decimal(now.outstanding);
                  if (s.kind === 'pay' && owed.gt(0)) {
                    // A share of what is owed, at least a cent.
                    const amount = Decimal.max(
                      '0.01',
                      owed.times(s.share).div(100).toDecimalPlaces(2, Decimal.ROUND_DOWN),
                    );
                    await pay(inv.id, amount, s.method);
                  } else if (s.kind === 'credit' && !creditNote && new Decimal(now.amountCredited).isZero()) {
                    const res = await post(`/api/v1/invoices/${inv.id}/credit-notes`, {
                      reason: 'price_dispute',
                    });
                    expect(res.statusCode, res.body).toBe(201);
                    creditNote = (res.json() as InvoiceJson).id;
                  } else if (s.kind === 'refund' && creditNote) {
                    // What the credit left to the customer (the part already paid) goes back to them.
                    const due = new Decimal((await documentOf(t, billing, creditNote)).outstanding);
                    if (due.gt(0)) await pay(creditNote, due, s.method);
                  }
                }
                await drain(t);
              }
              const errors = (
                await t.app.inject({
                  method: 'GET',
                  url: '/api/v1/integration-errors?status=open',
                  headers: as(billing),
                })
              ).json().items as { message: string }[];
              expect(errors.map((e) => e.message)).toEqual([]);
              const o = await oursFor(t, billing, org.customerId);
              const p = theirsFor(fake);
              expect({ receivable: p.receivable, revenue: p.revenue, vat: p.vat }).toEqual({
                receivable: o.receivable,
                revenue: o.revenue,
                vat: o.vat,
              });
              // Every payment on an invoice recorded in Closeout is at the provider once, for its amount (a
              // refund is a payment on the credit note at Xero, a journal entry at QuickBooks: the receivable
              // above settles those).
              const { rows } = await t.database.raw.query<{ reference: string; amount: string }>(
                `SELECT p.reference, round(p.amount, 2)::text AS amount FROM payments p
                 JOIN invoices i ON i.organization_id = p.organization_id AND i.id = p.invoice_id
                WHERE p.organization_id = $1 AND p.reversed_at IS NULL AND i.kind = 'invoice'`,
                [org.organizationId],
              );
              const ours = new Set(rows.map((r) => r.reference));
              const there = fake.payments
                .filter((x) => ours.has(x.reference ?? ''))
                .map((x) => [x.reference, money(x.amount.toString())])
                .sort();
              expect(there).toEqual(rows.map((r) => [r.reference, r.amount]).sort());
            },
          ),
          { numRuns: RUNS },
        );
      }, 300_000);
    });
  }
});
