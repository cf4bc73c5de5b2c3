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
import {
  connectFakeQuickBooks,
  connectFakeXero,
  type FakeAccounting,
  startFakeAccounting,
} from '../support/fake-accounting';
import { type FakeStripe, startFakeStripe } from '../support/fake-stripe';
import { connectFakeStripe, payThroughPortal } from '../support/online-payments';

const MAPPINGS = {
  items: {},
  defaultItem: 'SERVICE',
  accountCode: '200',
  taxTypes: { 'S:23': 'OUTPUT2', 'S:13.5': 'RROUTPUT', 'Z:0': 'ZERORATEDOUTPUT' },
  paymentAccounts: { card: '090', default: '092' },
};

type Payment = { amount: string; reference: string | null; reversedOn: string | null };

/**
 * A customer's bank takes back a card payment (a chargeback): at once the invoice is owed again in Closeout
 * and at the accounting provider (the payment is removed there, once, whatever the retries), billing is told
 * what the bank said and by when to answer; a dispute won brings the money back as a new payment; a partial
 * chargeback leaves what the bank kept as a payment of its own; events in any order and any number of times
 * move the money once.
 */
describe.each(testDrivers())('chargebacks on %s', (driver) => {
  for (const provider of ['xero', 'quickbooks'] as const) {
    describe(provider, () => {
      let t: TestApp;
      let org: OrgFixture;
      let owner: Session;
      let billing: Session;
      let dispatcher: Session;
      let tech: Session;
      let jobTypeId: string;
      let stripe: FakeStripe;
      let books: FakeAccounting;

      beforeAll(async () => {
        books = await startFakeAccounting();
        t = await createTestApp(driver, { accountingTimeoutMs: 400 });
        stripe = await startFakeStripe();
        org = await makeOrganization(t.deps, `chargebacks-${provider}`);
        ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
        await setSeller(t, owner, { paymentTermsDays: 14 });
        jobTypeId = await plainJobType(t, owner);
        await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/customers/${org.customerId}`,
          headers: as(owner, true),
          payload: { email: 'ap@customer.test' },
        });
        if (provider === 'xero') await connectFakeXero(t.app, owner, books, 'tenant-cb', MAPPINGS);
        else
          await connectFakeQuickBooks(t.app, owner, books, 'realm-cb', {
            ...MAPPINGS,
            taxTypes: { 'S:23': '7', 'S:13.5': '8', 'Z:0': '9' },
          });
        await connectFakeStripe(t.app, owner, stripe);
      });
      afterAll(async () => {
        await stripe?.close();
        await t?.close();
        await books?.close();
      });

      const get = async <T>(url: string) =>
        (await t.app.inject({ method: 'GET', url, headers: as(billing) })).json() as T;
      /** Runs the queues; jobs that failed are made due again and run once more. */
      const drainAll = async () => {
        await drain(t, ['accounting.push']);
        await t.database.raw.query(
          "UPDATE pgboss.job SET start_after = now() WHERE name = 'accounting.push' AND state = 'retry'",
        );
        await drain(t);
      };
      /** An issued invoice the customer paid online, pushed with its payment to the provider. */
      const paidOnline = async () => {
        const j = await newJob(t, org, dispatcher, jobTypeId);
        await closeOut(t, org, tech, j.id);
        await drain(t);
        const [inv] = await invoicesOfJob(t, billing, j.id);
        if (!inv) throw new Error('no invoice');
        const paymentIntent = await payThroughPortal(t.app, stripe, billing, org.customerId, inv.id);
        await drainAll();
        const paid = await get<InvoiceJson>(`/api/v1/invoices/${inv.id}`);
        expect(paid.status).toBe('paid');
        return {
          inv: paid,
          jobId: j.id,
          paymentIntent,
        };
      };
      const paymentsOf = async (id: string) =>
        (await get<{ items: Payment[] }>(`/api/v1/invoices/${id}/payments`)).items;
      const externalIdOf = async (invoiceId: string) =>
        (
          await t.database.raw.query<{ external_id: string }>(
            "SELECT external_id FROM accounting_pushes WHERE invoice_id = $1 AND entity = 'document'",
            [invoiceId],
          )
        ).rows[0]?.external_id ?? '';
      /** What the provider says the customer still owes on the document. */
      const openThere = async (invoiceId: string) =>
        books.docs.get(await externalIdOf(invoiceId))?.open.toFixed(2);
      const lane = async () =>
        (
          await get<{ items: { invoiceId: string; message: string; kind: string }[] }>(
            '/api/v1/integration-errors?status=open',
          )
        ).items;

      it('takes the money off the books at once, removes the payment at the provider once, and a dispute won brings it back', async () => {
        const { inv, jobId, paymentIntent } = await paidOnline();
        const total = inv.totals.payable ?? '';
        expect(await openThere(inv.id)).toBe('0.00');
        const { id: disputeId, event } = await stripe.dispute(paymentIntent, {
          reason: 'product_not_received',
        });
        // The same event again, and another event at the same stage: the money moves once.
        for (let i = 0; i < 3; i++) await stripe.deliver(event);
        const updated = stripe.event('charge.dispute.updated', JSON.parse(event.body).data.object);
        expect(JSON.parse((await stripe.deliver(updated)).body).outcome).toBe('already open');

        const owed = await get<InvoiceJson & { status: string }>(`/api/v1/invoices/${inv.id}`);
        expect(owed).toMatchObject({ status: 'sent', outstanding: total });
        expect((await get<{ billingStatus: string }>(`/api/v1/jobs/${jobId}`)).billingStatus).toBe(
          'invoiced',
        );
        const [reversed] = await paymentsOf(inv.id);
        expect(reversed).toMatchObject({ reference: paymentIntent });
        expect(reversed?.reversedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        const told = (await lane()).find((e) => e.invoiceId === inv.id);
        expect(told?.message).toMatch(
          new RegExp(
            `^The customer’s bank took back EUR [\\d,.]+ paid by card on ${inv.number}: the cardholder says the work was not done\\. ${inv.number} is owed again\\. Send Stripe the proof of the work .* by \\d{1,2} \\w+ \\d{4}, or settle it with the customer\\.$`,
          ),
        );

        // The provider is down for the first removal: retried, and the payment is removed there once.
        const paymentThere =
          (
            await t.database.raw.query<{ external_id: string }>(
              "SELECT external_id FROM accounting_pushes WHERE invoice_id = $1 AND entity = 'payment'",
              [inv.id],
            )
          ).rows[0]?.external_id ?? '';
        books.script(provider === 'xero' ? `POST /xero/Payments/${paymentThere}` : 'POST /qbo/payment', {
          status: 503,
        });
        await drainAll();
        const removed = books.payments.filter((p) => p.deleted);
        expect(removed).toHaveLength(1);
        const removals = books.requests.filter((r) =>
          provider === 'xero'
            ? r.method === 'POST' && r.path.endsWith(`/Payments/${paymentThere}`)
            : r.method === 'POST' && r.query.operation === 'delete',
        );
        // The refused first try, then the one that removed it; the retry looked before removing again.
        expect(removals).toHaveLength(2);
        expect(await openThere(inv.id)).toBe(new Decimal(total).toFixed(2));

        // Decided for the organization: the money comes back as a new payment, pushed as one.
        const won = await stripe.closeDispute(disputeId, 'won');
        expect(JSON.parse(stripe.deliveries.find((d) => d.eventId === won.id)?.body ?? '{}').outcome).toMatch(
          /^won: /,
        );
        const back = await get<InvoiceJson & { status: string }>(`/api/v1/invoices/${inv.id}`);
        expect(back).toMatchObject({ status: 'paid', outstanding: '0.00' });
        expect((await paymentsOf(inv.id)).map((p) => [p.reference, p.reversedOn === null])).toEqual([
          [paymentIntent, false],
          [`${disputeId} (won)`, true],
        ]);
        expect((await lane()).find((e) => e.invoiceId === inv.id)).toBeUndefined();
        await drainAll();
        expect(await openThere(inv.id)).toBe('0.00');
        const docThere = await externalIdOf(inv.id);
        const there = books.payments.filter((p) => p.documentId === docThere);
        expect(there.map((p) => [p.amount.toFixed(2), !!p.deleted])).toEqual([
          [new Decimal(total).toFixed(2), true],
          [new Decimal(total).toFixed(2), false],
        ]);
      });

      it('keeps what the bank left of a partial chargeback as a payment, and moves money once whatever the order', async () => {
        const { inv, paymentIntent } = await paidOnline();
        const total = new Decimal(inv.totals.payable ?? '0');
        await stripe.dispute(paymentIntent, { amount: 1000 });
        const part = await get<InvoiceJson & { status: string }>(`/api/v1/invoices/${inv.id}`);
        expect(part).toMatchObject({ status: 'partially_paid', outstanding: '10.00' });
        expect((await paymentsOf(inv.id)).map((p) => [p.amount, p.reversedOn === null])).toEqual([
          [total.toFixed(2), false],
          [total.minus(10).toFixed(2), true],
        ]);
        await drainAll();
        expect(await openThere(inv.id)).toBe('10.00');

        // Out of order: the dispute's end (lost) arrives before its start; the money is taken back once.
        const second = await paidOnline();
        const opened = await stripe.dispute(second.paymentIntent, { send: false });
        const lost = await stripe.closeDispute(opened.id, 'lost', false);
        expect(JSON.parse((await stripe.deliver(lost)).body).outcome).toMatch(/^reversed /);
        expect(JSON.parse((await stripe.deliver(opened.event)).body).outcome).toBe('already lost');
        expect((await get<InvoiceJson>(`/api/v1/invoices/${second.inv.id}`)).outstanding).toBe(
          second.inv.totals.payable,
        );
        await drainAll();
        expect(await openThere(second.inv.id)).toBe(new Decimal(second.inv.totals.payable ?? '0').toFixed(2));

        // An inquiry moves no money: billing is asked to answer it.
        const third = await paidOnline();
        await stripe.dispute(third.paymentIntent, { inquiry: true, reason: 'unrecognized' });
        expect((await get<InvoiceJson & { status: string }>(`/api/v1/invoices/${third.inv.id}`)).status).toBe(
          'paid',
        );
        expect((await lane()).find((e) => e.invoiceId === third.inv.id)?.message).toMatch(
          /^The customer’s bank asks about EUR [\d,.]+ paid by card on INV-[\d-]+: the cardholder does not recognise the payment\. No money has moved yet\./,
        );
        await drainAll();
        expect(await openThere(third.inv.id)).toBe('0.00');
      });

      it('charges a convenience fee shown before payment on its own invoice, in the books once; a chargeback takes back both and a dispute won brings both back', async () => {
        const connection = (await get<{ items: { id: string }[] }>('/api/v1/payment-connections')).items[0];
        const codes = await get<{ items: { id: string; category: string | null; rate: string }[] }>(
          '/api/v1/tax-codes',
        );
        const standard = codes.items.find((c) => c.category === 'S' && new Decimal(c.rate).eq(23));
        const setFee = (fee: unknown) =>
          t.app.inject({
            method: 'PUT',
            url: `/api/v1/payment-connections/${connection?.id}/fee`,
            headers: as(owner, true),
            payload: { fee },
          });
        // More than card schemes allow, or a tax code not the organization's: refused, naming the field.
        const tooMuch = await setFee({ percent: '4.5', taxCodeId: standard?.id });
        expect(tooMuch.statusCode).toBe(400);
        expect(tooMuch.json().errors[0].field).toBe('body.fee.percent');
        const foreign = await setFee({ percent: '2.5', taxCodeId: '00000000-0000-4000-8000-000000000001' });
        expect(foreign.json().errors[0].field).toBe('body.fee.taxCodeId');
        expect((await setFee({ percent: '2.5', taxCodeId: standard?.id })).json().fee).toEqual({
          percent: '2.50',
          taxCodeId: standard?.id,
        });

        const j = await newJob(t, org, dispatcher, jobTypeId);
        await closeOut(t, org, tech, j.id);
        await drain(t);
        const [inv] = await invoicesOfJob(t, billing, j.id);
        const total = new Decimal(inv?.totals.payable ?? 'NaN');
        // 2.5 % of the amount, to the cent, and 23 % VAT on that: what the customer sees before paying.
        const net = total.times('0.025').toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
        const fee = net.plus(net.times('0.23').toDecimalPlaces(2, Decimal.ROUND_HALF_UP));
        const link = await t.app.inject({
          method: 'POST',
          url: `/api/v1/customers/${org.customerId}/portal-link`,
          headers: as(billing, true),
          payload: {},
        });
        const token = link.json().url.split('/').at(-1);
        const page = (await t.app.inject({ method: 'GET', url: `/api/v1/public/portal/${token}` })).json();
        expect(page.open.find((d: { id: string }) => d.id === inv?.id)?.onlineFee).toBe(fee.toFixed(2));

        const paymentIntent = await payThroughPortal(t.app, stripe, billing, org.customerId, inv?.id ?? '');
        const session = [...stripe.sessions.values()].find((x) => x.payment_intent === paymentIntent);
        expect(session?.amount_total).toBe(total.plus(fee).times(100).toNumber());
        await drainAll();
        // The invoice is paid its own amount; the fee is its own invoice, issued and paid by the same payment.
        const paid = await get<InvoiceJson & { status: string }>(`/api/v1/invoices/${inv?.id}`);
        expect(paid).toMatchObject({
          status: 'paid',
          outstanding: '0.00',
          totals: { payable: total.toFixed(2) },
        });
        const { rows } = await t.database.raw.query<{ fee_invoice_id: string }>(
          'SELECT fee_invoice_id FROM payment_checkouts WHERE payment_id IS NOT NULL AND fee IS NOT NULL AND invoice_id = $1',
          [inv?.id],
        );
        const feeId = rows[0]?.fee_invoice_id ?? '';
        const feeInvoice = await get<InvoiceJson & { status: string }>(`/api/v1/invoices/${feeId}`);
        expect(feeInvoice).toMatchObject({
          status: 'paid',
          totals: { taxExclusive: net.toFixed(2), payable: fee.toFixed(2) },
        });
        expect(feeInvoice.lines[0]?.description).toBe(
          `Convenience fee for paying invoice ${inv?.number} online`,
        );
        expect((await paymentsOf(feeId)).map((p) => [p.amount, p.reference])).toEqual([
          [fee.toFixed(2), paymentIntent],
        ]);
        // The books hold both documents, each paid, once.
        expect(await openThere(inv?.id ?? '')).toBe('0.00');
        expect(await openThere(feeId)).toBe('0.00');
        expect(books.docs.get(await externalIdOf(feeId))?.total.toFixed(2)).toBe(fee.toFixed(2));

        // The bank takes back the whole card payment: both documents are owed again, here and there.
        const { id: disputeId } = await stripe.dispute(paymentIntent);
        await drainAll();
        expect((await get<InvoiceJson>(`/api/v1/invoices/${inv?.id}`)).outstanding).toBe(total.toFixed(2));
        expect((await get<InvoiceJson>(`/api/v1/invoices/${feeId}`)).outstanding).toBe(fee.toFixed(2));
        expect(await openThere(inv?.id ?? '')).toBe(total.toFixed(2));
        expect(await openThere(feeId)).toBe(fee.toFixed(2));

        // Switched off: no fee is shown or asked any more.
        expect((await setFee(null)).json().fee).toBeNull();
        const after = (await t.app.inject({ method: 'GET', url: `/api/v1/public/portal/${token}` })).json();
        expect(after.open.find((d: { id: string }) => d.id === inv?.id)?.onlineFee).toBeNull();
        // Decided for the organization: both come back, the document's and its fee's, here and there.
        await stripe.closeDispute(disputeId, 'won');
        await drainAll();
        expect((await get<InvoiceJson>(`/api/v1/invoices/${inv?.id}`)).outstanding).toBe('0.00');
        expect((await get<InvoiceJson>(`/api/v1/invoices/${feeId}`)).outstanding).toBe('0.00');
        expect((await paymentsOf(feeId)).map((p) => [p.amount, p.reference])).toEqual([
          [fee.toFixed(2), paymentIntent],
          [fee.toFixed(2), `${disputeId} (won)`],
        ]);
        expect(await openThere(inv?.id ?? '')).toBe('0.00');
        expect(await openThere(feeId)).toBe('0.00');
      });
    });
  }
});
