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
import { connectFakeStripe, payThroughPortal } from '../support/online-payments';

type Entry = {
  id: string;
  status: string;
  amount: string;
  applications: unknown[];
  payout: {
    arrivalDate: string;
    gross: string;
    fees: string;
    items: { kind: string; number: string | null; gross: string; fee: string }[];
  } | null;
  version: number;
};

/** One bank credit, booked on `day`, as the bank shows a Stripe payout (or anything else). */
const camt = (
  id: string,
  day: string,
  credits: { amount: string; name: string; text: string }[],
) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>${id}</MsgId><CreDtTm>${day}T22:00:00</CreDtTm></GrpHdr>
<Stmt><Id>${id}</Id><Acct><Id><IBAN>IE29AIBK93115212345678</IBAN></Id><Ccy>EUR</Ccy></Acct>
${credits
  .map(
    (c, i) => `<Ntry><Amt Ccy="EUR">${c.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>${day}</Dt></BookgDt><AcctSvcrRef>${id}-${i}</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>${c.name}</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>${c.text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`,
  )
  .join('\n')}
</Stmt></BkToCstmrStmt></Document>`;

/**
 * Online payments reconciled against their payouts (#24): Stripe's payout event brings the payments it settles
 * (every page of them) and the fees it kept; the bank credit that brought it is reconciled with it, whichever
 * comes first, and pays no invoice again; redelivery changes nothing; undo returns the credit to review.
 */
describe.each(testDrivers())('payouts on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  let stripe: FakeStripe;

  beforeAll(async () => {
    t = await createTestApp(driver);
    stripe = await startFakeStripe();
    org = await makeOrganization(t.deps, 'payouts');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14 });
    jobTypeId = await plainJobType(t, owner);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { email: 'ap@customer.test' },
    });
    await connectFakeStripe(t.app, owner, stripe);
    // One balance transaction per page: the payout's lines come from several pages.
    stripe.pageSize = 1;
  });
  afterAll(async () => {
    await stripe?.close();
    await t?.close();
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: as(billing, method !== 'GET'), ...(payload ? { payload } : {}) });
  const paidOnline = async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    if (!inv) throw new Error('no invoice');
    await payThroughPortal(t.app, stripe, billing, org.customerId, inv.id);
    await drain(t);
    return inv as InvoiceJson;
  };
  const paymentsOf = async (id: string) =>
    (await call('GET', `/api/v1/invoices/${id}/payments`)).json().items as unknown[];
  const entries = async (status: string) =>
    (await call('GET', `/api/v1/bank/entries?status=${status}`)).json().items as Entry[];
  const today = () => new Date().toISOString().slice(0, 10);
  const euros = (minor: number) => new Decimal(minor).div(100).toFixed(2);

  it('stores the payout from its event, then reconciles the bank credit with it, paying no invoice again', async () => {
    const a = await paidOnline();
    const b = await paidOnline();
    const { id, amount, event } = await stripe.payout();
    const told = stripe.deliveries.find((d) => d.eventId === event.id);
    expect(JSON.parse(told?.body ?? '{}').outcome).toMatch(
      /^payout of [\d.]+ EUR recorded: its bank credit is not imported yet$/,
    );
    // Again: nothing more.
    expect(JSON.parse((await stripe.deliver(event)).body).outcome).toBe('duplicate');

    const imported = await call('POST', '/api/v1/bank/imports', {
      fileName: 'payout.xml',
      content: camt('PO-1', today(), [
        { amount: euros(amount), name: 'STRIPE PAYMENTS EUROPE LTD', text: `STRIPE ${id}` },
      ]),
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const [entry] = await entries('payout');
    expect(entry?.amount).toBe(euros(amount));
    expect(entry?.applications).toEqual([]);
    const p = entry?.payout;
    expect(p?.items.map((i) => [i.kind, i.number]).sort()).toEqual(
      [
        ['charge', a.number],
        ['charge', b.number],
      ].sort(),
    );
    expect(new Decimal(p?.gross ?? 0).minus(p?.fees ?? 0).toFixed(2)).toBe(euros(amount));
    expect(Number(p?.fees)).toBeGreaterThan(0);
    // Each invoice keeps its one online payment: the payout is not a second one.
    expect(await paymentsOf(a.id)).toHaveLength(1);
    expect(await paymentsOf(b.id)).toHaveLength(1);
    expect(await entries('review')).toEqual([]);
  });

  it('reconciles when the bank file comes first, leaves an unrelated credit alone, and undoes on request', async () => {
    const c = await paidOnline();
    const { id, amount, event } = await stripe.payout({ send: false });
    await call('POST', '/api/v1/bank/imports', {
      fileName: 'early.xml',
      content: camt('PO-2', today(), [
        { amount: euros(amount), name: 'STRIPE', text: `STRIPE PAYOUT ${id.slice(0, 10)}` },
        // The same amount from someone else, saying nothing of Stripe: not the payout.
        { amount: euros(amount), name: 'J. Murphy', text: 'thanks' },
      ]),
    });
    expect((await entries('review')).map((e) => e.amount)).toEqual([euros(amount), euros(amount)]);
    const answer = await stripe.deliver(event);
    expect(JSON.parse(answer.body).outcome).toMatch(/reconciled with the bank$/);
    const linked = (await entries('payout')).find((e) => e.payout?.items.some((i) => i.number === c.number));
    expect(linked).toBeDefined();
    expect(await entries('review')).toHaveLength(1);

    // Undo: back to review, and "match again" finds the payout again.
    const undo = await call('POST', `/api/v1/bank/entries/${linked?.id}/undo`, {
      reason: 'checking the fees',
      version: linked?.version,
    });
    expect(undo.statusCode, undo.body).toBe(200);
    expect(undo.json()).toMatchObject({ status: 'review', payout: null });
    expect(await paymentsOf(c.id)).toHaveLength(1);
    expect((await call('POST', '/api/v1/bank/match', {})).statusCode).toBe(200);
    expect((await entries('payout')).some((e) => e.id === linked?.id)).toBe(true);
  });
});
