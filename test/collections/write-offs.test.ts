import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDate } from '../../src/core/time';
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

type WriteOffJson = {
  id: string;
  status: string;
  amount: string;
  reason: string;
  requestedBy: string | null;
  decidedBy: string | null;
  decisionNote: string | null;
  invoiceNumber: string | null;
};
type Result = { writeOff: WriteOffJson; invoiceStatus: string; invoiceVersion: number };
type Invoice = InvoiceJson & {
  status: string;
  outstanding: string;
  amountPaid: string;
  amountWrittenOff: string;
  version: number;
};

/**
 * Write-offs (#24): billing gives up what is left on an invoice with a reason; up to the organization's limit
 * at once, above it only once the owner approves. Applied, the invoice is settled without cash everywhere it
 * is counted (status, jobs, receivables, statement, reminders, metrics) and booked once at the accounting
 * provider against the write-off account; a provider that cannot take it says so in the needs-review lane.
 */
describe.each(testDrivers())('write-offs on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  let books: FakeAccounting;

  beforeAll(async () => {
    books = await startFakeAccounting();
    // Xero takes payments only to bank accounts and those with payments enabled, as the real one does.
    books.payableAccounts = new Set(['090', '092', '684']);
    t = await createTestApp(driver, { accountingTimeoutMs: 400 });
    org = await makeOrganization(t.deps, 'write-offs');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14 });
    jobTypeId = await plainJobType(t, owner);
    await connectFakeXero(t.app, owner, books, 'tenant-wo', {
      items: {},
      defaultItem: 'SERVICE',
      accountCode: '200',
      taxTypes: { 'S:23': 'OUTPUT2', 'S:13.5': 'RROUTPUT', 'Z:0': 'ZERORATEDOUTPUT' },
      paymentAccounts: { default: '090', write_off: '684' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await books?.close();
  });

  const call = async (method: 'GET' | 'POST', url: string, who: Session, payload?: object) =>
    t.app.inject({ method, url, headers: as(who, method !== 'GET'), ...(payload ? { payload } : {}) });
  const get = async <T>(url: string, who: Session = billing) => (await call('GET', url, who)).json() as T;
  const invoice = (id: string) => get<Invoice>(`/api/v1/invoices/${id}`);
  const today = () => businessDate(t.deps.clock.now(), 'Europe/Dublin');
  /** An issued invoice, pushed to Xero, with part of it paid. */
  const partPaid = async (unpaid: string) => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    if (!inv) throw new Error('no invoice');
    const paid = new Decimal(inv.totals.payable ?? '0').minus(unpaid).toFixed(2);
    const res = await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv.id,
      amount: paid,
      receivedOn: today(),
      method: 'bank_transfer',
      reference: `TRF-${inv.number}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    await drain(t);
    return { inv: await invoice(inv.id), jobId: j.id };
  };
  const writeOff = (inv: Invoice, who: Session, body: Partial<Record<string, unknown>> = {}) =>
    call('POST', `/api/v1/invoices/${inv.id}/write-offs`, who, {
      amount: inv.outstanding,
      reason: 'small_balance',
      note: 'Customer rounded down the transfer',
      version: inv.version,
      ...body,
    });
  const openThere = async (invoiceId: string) => {
    const { rows } = await t.database.raw.query<{ external_id: string }>(
      "SELECT external_id FROM accounting_pushes WHERE invoice_id = $1 AND entity = 'document'",
      [invoiceId],
    );
    return books.docs.get(rows[0]?.external_id ?? '')?.open.toFixed(2);
  };

  it('writes off a small balance at once: settled without cash everywhere, booked once in Xero to the write-off account', async () => {
    const { inv, jobId } = await partPaid('0.40');
    expect(inv).toMatchObject({ status: 'partially_paid', outstanding: '0.40' });
    expect(await openThere(inv.id)).toBe('0.40');

    const res = await writeOff(inv, billing);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as Result;
    expect(r).toMatchObject({
      invoiceStatus: 'written_off',
      writeOff: { status: 'applied', amount: '0.40', reason: 'small_balance', invoiceNumber: inv.number },
    });
    expect(r.writeOff.requestedBy).toBe(r.writeOff.decidedBy);
    const after = await invoice(inv.id);
    expect(after).toMatchObject({ status: 'written_off', outstanding: '0.00', amountWrittenOff: '0.40' });
    // Not cash: the payments still sum to what was paid.
    expect(after.amountPaid).toBe(inv.amountPaid);
    expect((await get<{ billingStatus: string }>(`/api/v1/jobs/${jobId}`)).billingStatus).toBe('paid');

    // The reminders stop, the statement says the balance was adjusted and ends at zero on this invoice.
    const reminders = await get<{ heldBecause: string | null }>(`/api/v1/invoices/${inv.id}/reminders`);
    expect(reminders.heldBecause).toBe('The rest was written off');
    const statement = await get<{
      lines: { kind: string; number: string; amount: string }[];
      open: { number: string }[];
    }>(`/api/v1/customers/${org.customerId}/statement?to=${today()}`);
    expect(statement.lines.filter((l) => l.number === inv.number).map((l) => [l.kind, l.amount])).toEqual([
      ['invoice', inv.totals.payable],
      ['payment', new Decimal(inv.amountPaid).negated().toFixed(2)],
      ['written_off', '-0.40'],
    ]);
    expect(statement.open.map((o) => o.number)).not.toContain(inv.number);

    // Booked in Xero once, against the write-off account, whatever the queue runs again.
    await drain(t);
    await drain(t);
    const there = books.payments.filter((p) => p.account === '684');
    expect(there).toHaveLength(1);
    expect(there[0]?.amount.toFixed(2)).toBe('0.40');
    expect(await openThere(inv.id)).toBe('0.00');

    // A written-off invoice takes no more money and no credit note.
    const pay = await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv.id,
      amount: '0.40',
      receivedOn: today(),
      method: 'cash',
    });
    expect(pay.statusCode).toBe(400);
    expect(pay.json().errors[0].field).toBe('body.amount');
    const credit = await call('POST', `/api/v1/invoices/${inv.id}/credit-notes`, billing, {
      reason: 'goodwill',
    });
    expect(credit.statusCode).toBe(409);

    // The metrics count it, apart from what was paid.
    const m = await get<{ collections: { writeOffs: { count: number; amount: string } } }>(
      `/api/v1/metrics?from=${today()}&to=${today()}`,
      owner,
    );
    expect(m.collections.writeOffs).toMatchObject({ count: 1, amount: '0.40' });

    // Its history says who did it and why.
    const audit = await t.database.raw.query<{ action: string; reason: string | null }>(
      "SELECT action, reason FROM audit_events WHERE organization_id = $1 AND aggregate_type IN ('write_off', 'invoice') AND aggregate_id IN ($2, $3) ORDER BY seq",
      [org.organizationId, inv.id, r.writeOff.id],
    );
    expect(audit.rows.map((a) => a.action)).toEqual(
      expect.arrayContaining(['write_off.requested', 'write_off.applied', 'invoice.write_off']),
    );
    expect(audit.rows.find((a) => a.action === 'invoice.write_off')?.reason).toBe(
      'Customer rounded down the transfer',
    );
  });

  it('refuses what does not add up, naming the field, and changes nothing', async () => {
    const { inv } = await partPaid('12.00');
    const cases: [Partial<Record<string, unknown>>, number, string][] = [
      [{ amount: '11.99' }, 400, 'body.amount'],
      [{ amount: '-1' }, 400, 'body.amount'],
      [{ reason: 'tired' }, 400, 'body.reason'],
      [{ note: '' }, 400, 'body.note'],
      [{ version: inv.version - 1 }, 409, 'body.version'],
    ];
    for (const [body, status, field] of cases) {
      const res = await writeOff(inv, billing, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await writeOff(inv, dispatcher)).statusCode).toBe(403);
    expect(await invoice(inv.id)).toMatchObject({ status: 'partially_paid', outstanding: '12.00' });
    const none = await get<{ items: unknown[] }>(`/api/v1/write-offs?invoiceId=${inv.id}`);
    expect(none.items).toHaveLength(0);
  });

  it('waits for the owner above the limit: approved, it applies and billing is told; refused, it needs a reason', async () => {
    const { inv } = await partPaid('60.00');
    const asked = await writeOff(inv, billing, { reason: 'uncollectible', note: 'Company wound up' });
    expect(asked.statusCode, asked.body).toBe(200);
    const pending = (asked.json() as Result).writeOff;
    expect(pending.status).toBe('pending');
    expect(await invoice(inv.id)).toMatchObject({ status: 'partially_paid', outstanding: '60.00' });
    const waiting = await get<{ items: WriteOffJson[] }>('/api/v1/write-offs?status=pending', owner);
    expect(waiting.items.map((w) => w.id)).toContain(pending.id);
    const told = await get<{ items: { body: string }[] }>('/api/v1/notifications', owner);
    expect(told.items.map((n) => n.body)).toContain(
      `Write-off to approve: EUR 60.00 on ${inv.number} (uncollectible): Company wound up`,
    );

    // Billing cannot approve its own request; refusing needs a reason.
    expect(
      (await call('POST', `/api/v1/write-offs/${pending.id}/decision`, billing, { decision: 'approve' }))
        .statusCode,
    ).toBe(403);
    const bare = await call('POST', `/api/v1/write-offs/${pending.id}/decision`, owner, {
      decision: 'reject',
    });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().errors[0].field).toBe('body.note');

    const ok = await call('POST', `/api/v1/write-offs/${pending.id}/decision`, owner, {
      decision: 'approve',
      note: 'Liquidator confirmed nothing for unsecured creditors',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      invoiceStatus: 'written_off',
      writeOff: { status: 'applied', decisionNote: 'Liquidator confirmed nothing for unsecured creditors' },
    });
    const again = await call('POST', `/api/v1/write-offs/${pending.id}/decision`, owner, {
      decision: 'reject',
      note: 'changed my mind',
    });
    expect(again.statusCode).toBe(409);
    const news = await get<{ items: { body: string }[] }>('/api/v1/notifications', billing);
    expect(news.items.map((n) => n.body)).toContain(
      `Write-off of EUR 60.00 on ${inv.number}: approved and applied.`,
    );

    // A refused one leaves the invoice owed.
    const other = (await partPaid('40.00')).inv;
    const second = (
      await writeOff(other, billing, { reason: 'goodwill', note: 'Long-time client' })
    ).json() as Result;
    const no = await call('POST', `/api/v1/write-offs/${second.writeOff.id}/decision`, owner, {
      decision: 'reject',
      note: 'Send the final reminder first',
    });
    expect(no.statusCode, no.body).toBe(200);
    expect(no.json().writeOff).toMatchObject({
      status: 'rejected',
      decisionNote: 'Send the final reminder first',
    });
    expect(await invoice(other.id)).toMatchObject({ status: 'partially_paid', outstanding: '40.00' });
  });

  it('will not approve a balance that changed since the request, and the owner writes off at once', async () => {
    const { inv } = await partPaid('80.00');
    const asked = (
      await writeOff(inv, billing, { reason: 'uncollectible', note: 'No answer in 90 days' })
    ).json() as Result;
    // The customer pays part after all.
    const pay = await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv.id,
      amount: '30.00',
      receivedOn: today(),
      method: 'cash',
    });
    expect(pay.statusCode, pay.body).toBe(201);
    const stale = await call('POST', `/api/v1/write-offs/${asked.writeOff.id}/decision`, owner, {
      decision: 'approve',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().detail).toMatch(/now has EUR 50\.00 open, not the EUR 80\.00 asked for/);
    // The owner's own write-off applies at once and replaces the stale request.
    const fresh = await invoice(inv.id);
    const mine = await writeOff(fresh, owner, { reason: 'uncollectible', note: 'Not worth chasing' });
    expect(mine.statusCode, mine.body).toBe(200);
    expect((mine.json() as Result).writeOff.status).toBe('applied');
    const all = await get<{ items: WriteOffJson[] }>(`/api/v1/write-offs?invoiceId=${inv.id}`);
    expect(all.items.map((w) => w.status).sort()).toEqual(['applied', 'withdrawn']);
  });

  it('withdraws a request still waiting once the invoice is paid in full another way', async () => {
    const { inv } = await partPaid('70.00');
    const asked = (
      await writeOff(inv, billing, { reason: 'uncollectible', note: 'No answer' })
    ).json() as Result;
    expect(asked.writeOff.status).toBe('pending');
    const pay = await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv.id,
      amount: '70.00',
      receivedOn: today(),
      method: 'cash',
    });
    expect(pay.statusCode, pay.body).toBe(201);
    const [w] = (await get<{ items: WriteOffJson[] }>(`/api/v1/write-offs?invoiceId=${inv.id}`)).items;
    expect(w).toMatchObject({ status: 'withdrawn', decisionNote: 'Paid in full meanwhile' });
    const waiting = await get<{ items: WriteOffJson[] }>('/api/v1/write-offs?status=pending', owner);
    expect(waiting.items.map((x) => x.id)).not.toContain(asked.writeOff.id);
  });

  it('says in the needs-review lane when the provider cannot book it', async () => {
    // QuickBooks takes a write-off as a credit memo entered there: the lane says so instead of a silent gap.
    const qbo = await startFakeAccounting();
    try {
      await connectFakeQuickBooks(t.app, owner, qbo, 'realm-wo', {
        items: {},
        defaultItem: '1',
        taxTypes: { 'S:23': '7', 'S:13.5': '8', 'Z:0': '9' },
        paymentAccounts: {},
      });
      const { inv } = await partPaid('1.00');
      expect((await writeOff(inv, billing)).statusCode).toBe(200);
      await drain(t);
      const lane = await get<{ items: { invoiceId: string; message: string }[] }>(
        '/api/v1/integration-errors?status=open',
      );
      expect(lane.items.filter((e) => e.invoiceId === inv.id).map((e) => e.message)).toEqual([
        expect.stringMatching(/QuickBooks books a write-off as a credit memo/),
      ]);
      expect(books.payments.filter((p) => p.account === '684').length).toBeGreaterThanOrEqual(2);
    } finally {
      await qbo.close();
    }
  });
});
