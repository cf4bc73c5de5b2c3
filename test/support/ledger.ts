import Decimal from 'decimal.js';
import { expect } from 'vitest';
import type { InvoiceJson } from '../invoices/helpers';
import { plainJobType, setSeller } from '../invoices/helpers';
import { as, createTestApp, type Session, type TestApp } from './app';
import type { DriverName } from './databases';
import { makeOrganization, sessionsOf } from './factories';
import {
  connectFakeQuickBooks,
  connectFakeXero,
  type FakeAccounting,
  startFakeAccounting,
} from './fake-accounting';

/**
 * The books compared: what Closeout says a customer owes, sold and charged in tax, against what the
 * accounting fake holds for that customer's contact. Shared by the ledger scenarios and its property.
 */
export const MAPPINGS = {
  items: {},
  defaultItem: 'SERVICE',
  accountCode: '200',
  taxTypes: { 'S:23': 'OUTPUT2', 'S:13.5': 'RROUTPUT', 'Z:0': 'ZERORATEDOUTPUT' },
  paymentAccounts: { card: '090', bank_transfer: '091', default: '092' },
  depositAccount: '835',
};
/** A payment request bears no tax: its lines (and the final invoice's line taking it back) map here. */
export const NO_TAX = 'TAX:0';

export const money = (s: Decimal.Value) => new Decimal(s).toFixed(2);

/** Connects the organization to the fake as Xero or QuickBooks, with the ledger's mappings. */
export const connectLedger = (
  t: TestApp,
  owner: Session,
  fake: FakeAccounting,
  provider: 'xero' | 'quickbooks',
  tenant: string,
) =>
  provider === 'xero'
    ? connectFakeXero(t.app, owner, fake, tenant, {
        ...MAPPINGS,
        taxTypes: { ...MAPPINGS.taxTypes, [NO_TAX]: 'NONE' },
      })
    : connectFakeQuickBooks(t.app, owner, fake, tenant, {
        ...MAPPINGS,
        taxTypes: { 'S:23': '7', 'S:13.5': '8', 'Z:0': '9', [NO_TAX]: '10' },
        discountAccount: '60',
      });

export type LedgerDoc = InvoiceJson & { outstanding: string; amountCredited: string };

export const documentOf = async (t: TestApp, who: Session, id: string) =>
  (
    await t.app.inject({ method: 'GET', url: `/api/v1/invoices/${id}`, headers: as(who) })
  ).json() as LedgerDoc;

/** Closeout's side: what the customer owes (open documents less unused credit), revenue and VAT. */
export const oursFor = async (t: TestApp, who: Session, customerId: string) => {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/invoices?customerId=${customerId}&limit=200`,
    headers: as(who),
  });
  expect(res.statusCode, res.body).toBe(200);
  const docs = await Promise.all(
    (res.json().items as { id: string; number: string | null }[])
      .filter((d) => d.number)
      .map((d) => documentOf(t, who, d.id)),
  );
  let receivable = new Decimal(0);
  let revenue = new Decimal(0);
  let vat = new Decimal(0);
  for (const d of docs) {
    const sign = d.kind === 'credit_note' ? -1 : 1;
    receivable =
      d.kind === 'credit_note'
        ? receivable.minus(d.outstanding)
        : receivable.plus(Decimal.max(0, d.outstanding));
    // A payment request is no sale: what is paid on it is deducted from the final invoice.
    if (d.profile === 'payment_request') continue;
    // A rounding amount (BT-114) is booked beside the sales, untaxed.
    revenue = revenue.plus(
      new Decimal(d.totals.taxExclusive as string).plus(d.totals.rounding ?? '0').times(sign),
    );
    vat = vat.plus(new Decimal(d.totals.taxTotal as string).times(sign));
  }
  return { receivable: money(receivable), revenue: money(revenue), vat: money(vat), docs };
};

/** The provider's side, from what it holds for one contact (the first of ours when none is named). */
export const theirsFor = (fake: FakeAccounting, contact?: string) => {
  const mine = [...fake.docs.values()].filter((d) => !d.id.startsWith('foreign'));
  const contactId = contact ?? mine[0]?.contactId ?? '';
  let revenue = new Decimal(0);
  let vat = new Decimal(0);
  let deposits = new Decimal(0);
  for (const d of mine.filter((x) => x.contactId === contactId)) {
    const sign = d.type === 'ACCRECCREDIT' ? -1 : 1;
    for (const [account, net] of Object.entries(d.byAccount)) {
      if (account === MAPPINGS.depositAccount) deposits = deposits.plus(net.times(sign));
      else revenue = revenue.plus(net.times(sign));
    }
    vat = vat.plus(d.taxTotal.times(sign));
  }
  return {
    contactId,
    receivable: money(fake.receivable(contactId)),
    revenue: money(revenue),
    vat: money(vat),
    deposits: money(deposits),
  };
};

/**
 * An organization whose customer has an e-mail, a plain job type and a seller, connected to a fresh
 * accounting fake as the provider: what every ledger comparison starts from.
 */
export const ledgerApp = async (driver: DriverName, provider: 'xero' | 'quickbooks', slug: string) => {
  const fake = await startFakeAccounting();
  const t = await createTestApp(driver, { accountingTimeoutMs: 400 });
  const org = await makeOrganization(t.deps, slug);
  const sessions = await sessionsOf(t.app, org);
  await setSeller(t, sessions.owner);
  const jobTypeId = await plainJobType(t, sessions.owner);
  await t.app.inject({
    method: 'PATCH',
    url: `/api/v1/customers/${org.customerId}`,
    headers: as(sessions.owner, true),
    payload: { email: 'ap@customer.test' },
  });
  const connectorId = await connectLedger(t, sessions.owner, fake, provider, `${slug}-${provider}`);
  return { fake, t, org, ...sessions, jobTypeId, connectorId };
};
