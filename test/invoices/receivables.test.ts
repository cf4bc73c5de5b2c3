import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';
import { closeOut, drain, type InvoiceJson, invoicesOfJob, newJob, plainJobType, setSeller } from './helpers';

const DAY = 86_400_000;

describe.each(testDrivers())('receivables on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  let other: OrgFixture;

  beforeAll(async () => {
    t = await createTestApp(driver, { sessionTtlHours: 24 * 90 });
    org = await makeOrganization(t.deps, 'owed');
    other = await makeOrganization(t.deps, 'elsewhere');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14 });
    jobTypeId = await plainJobType(t, owner);
  });
  afterAll(async () => t?.close());

  const get = (url: string, who: Session = billing) => t.app.inject({ method: 'GET', url, headers: as(who) });
  const issued = async (): Promise<InvoiceJson> => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv?.status).toBe('issued');
    return inv as InvoiceJson;
  };

  it('ages what customers owe past the due date, per currency, net of payments, and names the debtors', async () => {
    const a = await issued();
    const b = await issued();
    const c = await issued();
    const payable = new Decimal(a.totals?.payable ?? '0');
    expect(payable.gt(0)).toBe(true);
    // Part of b is paid; all of c is paid.
    const pay = (invoiceId: string, amount: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/payments',
        headers: as(billing, true),
        payload: { invoiceId, amount, receivedOn: a.issueDate, method: 'bank_transfer' },
      });
    expect((await pay(b.id, '100.00')).statusCode).toBe(201);
    expect((await pay(c.id, payable.toFixed(2))).statusCode).toBe(201);

    const nowRes = await get('/api/v1/receivables');
    expect(nowRes.statusCode, nowRes.body).toBe(200);
    const now = nowRes.json();
    expect(now.currencies).toHaveLength(1);
    const [eur] = now.currencies;
    expect(eur.currency).toBe('EUR');
    expect(eur.count).toBe(2);
    expect(eur.outstanding).toBe(payable.times(2).minus(100).toFixed(2));
    expect(eur.overdue).toBe('0.00');
    expect(eur.buckets.find((x: { bucket: string }) => x.bucket === 'current').amount).toBe(eur.outstanding);
    expect(now.debtors).toEqual([
      expect.objectContaining({ customerId: org.customerId, outstanding: eur.outstanding, count: 2 }),
    ]);

    // Forty days on, both are 26 days past their 14-day terms.
    t.clock.advance(40 * DAY);
    const later = (await get('/api/v1/receivables')).json();
    const [l] = later.currencies;
    expect(l.overdue).toBe(l.outstanding);
    expect(l.buckets.find((x: { bucket: string }) => x.bucket === 'days_1_30').count).toBe(2);
    expect(later.debtors[0].overdue).toBe(l.outstanding);
    expect(later.debtors[0].oldestDue).toBe(a.dueDate);

    // The receivables list: open and overdue filters, search by number or customer name.
    const open = (await get('/api/v1/invoices?open=true')).json().items as InvoiceJson[];
    expect(open.map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
    const overdue = (await get('/api/v1/invoices?overdue=true')).json().items as InvoiceJson[];
    expect(overdue).toHaveLength(2);
    const byNumber = (await get(`/api/v1/invoices?q=${encodeURIComponent(String(b.number))}`)).json().items;
    expect(byNumber.map((i: InvoiceJson) => i.id)).toEqual([b.id]);
    const customer = (await get(`/api/v1/customers/${org.customerId}`)).json();
    const byName = (await get(`/api/v1/invoices?q=${encodeURIComponent(customer.name.slice(1, 6))}`)).json()
      .items;
    expect(byName).toHaveLength(3);
    const wildcard = (await get('/api/v1/invoices?q=%25')).json().items;
    expect(wildcard).toHaveLength(0);

    // One customer's receivables; every invoice says whose it is.
    const mine = (await get(`/api/v1/receivables?customerId=${org.customerId}`)).json();
    expect(mine.currencies[0].outstanding).toBe(l.outstanding);
    expect(mine.debtors).toEqual([]);
    expect(open.every((i) => i.customerId === org.customerId)).toBe(true);
    t.clock.advance(-40 * DAY);
  });

  it('shows another organization nothing, and refuses people without invoice access', async () => {
    const others = await sessionsOf(t.app, other);
    const theirs = (await get('/api/v1/receivables', others.billing)).json();
    expect(theirs.currencies).toEqual([]);
    expect(theirs.debtors).toEqual([]);
    expect((await get('/api/v1/receivables', dispatcher)).statusCode).toBe(403);
    const bad = await get('/api/v1/receivables?customerId=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toContain('customerId');
  });
});
