import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PUSH_ATTEMPTS, pushToAccounting } from '../../src/app/accounting/push';
import { closeOut, drain, invoicesOfJob, newJob, plainJobType, setSeller } from '../invoices/helpers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, sessionsOf } from '../support/factories';
import { connectFakeXero, type FakeAccounting, startFakeAccounting } from '../support/fake-accounting';

const MAPPINGS = {
  items: { 'LAB-STD': 'LABOUR' },
  defaultItem: 'SERVICE',
  accountCode: '200',
  taxTypes: { 'S:23': 'OUTPUT2', 'S:13.5': 'RROUTPUT', 'Z:0': 'ZERORATEDOUTPUT' },
};

describe.each(testDrivers())('accounting pushes on %s', (driver) => {
  let t: TestApp;
  let fake: FakeAccounting;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  let connectorId: string;

  beforeAll(async () => {
    fake = await startFakeAccounting();
    t = await createTestApp(driver, { accountingTimeoutMs: 400 });
    org = await makeOrganization(t.deps, 'acct');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner);
    jobTypeId = await plainJobType(t, owner);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { email: 'ap@customer.test' },
    });
    connectorId = await connectFakeXero(t.app, owner, fake, 'tenant-1', MAPPINGS);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });

  /** Issues an invoice; its first push runs in the drain (and may fail, as a test scripted). */
  const issued = async (overrides: Record<string, unknown> = {}) => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id, overrides);
    await drain(t, ['accounting.push']);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    if (!inv?.number) throw new Error('not issued');
    return { job: j, invoice: inv };
  };
  const pushes = async (invoiceId: string) =>
    (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/invoices/${invoiceId}/accounting`,
        headers: as(billing),
      })
    ).json().items as {
      status: string;
      attempts: number;
      externalId: string | null;
      idempotencyKey: string;
    }[];
  const openErrors = async () =>
    (
      await t.app.inject({
        method: 'GET',
        url: '/api/v1/integration-errors?status=open',
        headers: as(billing),
      })
    ).json().items as { id: string; message: string; providerCode: string; invoiceId: string }[];
  const docPush = (invoiceId: string) => ({
    organizationId: org.organizationId,
    connectorId,
    entity: 'document' as const,
    subjectId: invoiceId,
    invoiceId,
  });
  const job = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: as(dispatcher) })).json();

  it('tests the connection with one harmless read, and reports a provider failure as an answer', async () => {
    const test = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/connectors/${connectorId}/test`,
        headers: as(owner, true),
      });
    const ok = await test();
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      ok: true,
      account: 'Fake Xero Org',
      message: 'Connected to Fake Xero Org',
    });
    const read = fake.requests.find((r) => r.path === '/xero/Organisation');
    expect(read?.method).toBe('GET');
    expect(read?.headers['xero-tenant-id']).toBe('tenant-1');
    fake.script('GET /xero/Organisation', {
      status: 403,
      body: { Title: 'Forbidden', Detail: 'AuthorizationUnsuccessful' },
    });
    const refused = await test();
    expect(refused.statusCode).toBe(200);
    expect(refused.json()).toMatchObject({ ok: false, retryable: false });
    expect(refused.json().message).toMatch(/403|Forbidden|Authorization/);
    // Nothing was written: no invoices, no contacts.
    expect(fake.requests.filter((r) => r.method !== 'GET' && r.path !== '/token')).toHaveLength(0);
    // Another role may not test (it would use the credentials).
    const billingTries = await t.app.inject({
      method: 'POST',
      url: `/api/v1/connectors/${connectorId}/test`,
      headers: as(billing, true),
    });
    expect(billingTries.statusCode).toBe(403);
  });

  it('pushes an issued invoice once, with the contact matched by its stored ID, never by name', async () => {
    const { invoice } = await issued();
    const [push] = await pushes(invoice.id);
    expect(push).toMatchObject({ status: 'done', attempts: 1 });
    expect(push?.externalId).toMatch(/^inv-/);
    expect(fake.creates.get(invoice.number as string)).toBe(1);
    const put = fake.requests.find((r) => r.method === 'PUT' && r.path === '/xero/Invoices');
    expect(put?.headers['xero-tenant-id']).toBe('tenant-1');
    expect(put?.headers['idempotency-key']).toBe(push?.idempotencyKey);
    const sent = ((put as { body: unknown }).body as { Invoices: Record<string, unknown>[] }).Invoices[0];
    expect(sent).toMatchObject({
      Type: 'ACCREC',
      InvoiceNumber: invoice.number,
      Reference: invoice.jobNumbers[0],
      Status: 'AUTHORISED',
    });
    const items = sent?.LineItems as {
      TaxType: string;
      AccountCode: string;
      ItemCode: string;
      TaxAmount: number;
      LineAmount: number;
    }[];
    expect(items.every((l) => l.TaxType === 'OUTPUT2' && l.AccountCode === '200')).toBe(true);
    // Per-line tax adds up to our VAT total, so Xero's invoice total is ours to the cent.
    const tax = items.reduce((s, l) => s + Math.round(l.TaxAmount * 100), 0);
    expect(tax).toBe(Math.round(Number(invoice.totals.taxTotal) * 100));
    const contactsBefore = fake.contacts.size;
    const customer = (
      await t.app.inject({ method: 'GET', url: `/api/v1/customers/${org.customerId}`, headers: as(owner) })
    ).json();
    expect(customer.externalIds?.xero ?? customer.externalIds).toBeTruthy();

    // A second invoice for the same customer: no second contact, even if the name changed.
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { name: 'Renamed Customer Ltd' },
    });
    fake.requests.length = 0;
    await issued();
    expect(fake.contacts.size).toBe(contactsBefore);
    expect(fake.requests.filter((r) => r.path === '/xero/Contacts')).toHaveLength(0);
  });

  it('waits out a 429 with Retry-After and pushes', async () => {
    fake.script('PUT /xero/Invoices', { status: 429, retryAfter: 1 });
    const { invoice } = await issued();
    expect((await pushes(invoice.id))[0]).toMatchObject({ status: 'done', attempts: 1 });
    expect(fake.requests.filter((r) => r.path === '/xero/Invoices' && r.method === 'PUT')).toHaveLength(2);
    expect(fake.creates.get(invoice.number as string)).toBe(1);
  });

  it('retries a 5xx; when the outcome is unknown it looks the invoice up before creating it again', async () => {
    // The provider creates the invoice, then answers 502: the outcome is unknown to us.
    fake.script('PUT /xero/Invoices', { status: 502, afterCreate: true });
    const { invoice } = await issued();
    expect((await pushes(invoice.id))[0]).toMatchObject({ status: 'pending', attempts: 1 });
    const second = await pushToAccounting(t.deps, docPush(invoice.id));
    expect(second).toMatchObject({ status: 'done', foundExisting: true });
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/xero/Invoices')).toBe(true);
    expect(fake.creates.get(invoice.number as string)).toBe(1);
  });

  it('treats a timeout as an unknown outcome and never duplicates', async () => {
    fake.script('PUT /xero/Invoices', { status: 200, delayMs: 1500 });
    const { invoice } = await issued();
    expect((await pushes(invoice.id))[0]?.status).toBe('pending');
    await new Promise((r) => setTimeout(r, 1200));
    await pushToAccounting(t.deps, docPush(invoice.id));
    expect((await pushes(invoice.id))[0]?.status).toBe('done');
    expect(fake.creates.get(invoice.number as string)).toBe(1);
  });

  it('refreshes an expired access token and stores the rotated refresh token encrypted', async () => {
    fake.expireToken();
    const before = fake.refreshToken;
    const { invoice } = await issued();
    expect((await pushes(invoice.id))[0]?.status).toBe('done');
    expect(fake.refreshToken).not.toBe(before);
    const { rows } = await t.database.raw.query<{ credentials: string }>(
      'SELECT credentials FROM connectors WHERE id = $1',
      [connectorId],
    );
    expect(rows[0]?.credentials).not.toContain(fake.refreshToken);
    expect(JSON.parse(t.deps.secrets.open(rows[0]?.credentials ?? '')).refreshToken).toBe(fake.refreshToken);
  });

  it('pushes once however often the job is delivered', async () => {
    const { invoice } = await issued();
    for (let i = 0; i < 3; i++) await pushToAccounting(t.deps, docPush(invoice.id));
    await t.database.raw.query(`UPDATE accounting_pushes SET status = 'pending' WHERE invoice_id = $1`, [
      invoice.id,
    ]);
    await pushToAccounting(t.deps, docPush(invoice.id));
    expect(fake.creates.get(invoice.number as string)).toBe(1);
  });

  it('sends a preflight failure to needs_review with a precise message, and reprocesses it once fixed', async () => {
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/connectors/${connectorId}`,
      headers: as(owner, true),
      payload: { mappings: { ...MAPPINGS, taxTypes: {} } },
    });
    const { invoice, job: j } = await issued();
    expect(fake.requests.filter((r) => r.path === '/xero/Invoices')).toHaveLength(0);
    const [err] = (await openErrors()).filter((e) => e.invoiceId === invoice.id);
    expect(err?.message).toContain(
      "Standard 23 % has no Xero tax type: choose one in the connector's mappings",
    );
    expect(err?.message).not.toMatch(/mappings\./);
    expect(err?.providerCode).toBe('preflight');
    expect((await job(j.id)).billingStatus).toBe('needs_review');
    const note = await t.database.raw.query<{ body: string }>(
      `SELECT body FROM notifications WHERE kind = 'integration_error' AND job_id = $1`,
      [j.id],
    );
    expect(note.rows[0]?.body).toContain(j.number);

    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/connectors/${connectorId}`,
      headers: as(owner, true),
      payload: { mappings: MAPPINGS },
    });
    const re = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-errors/${err?.id}/reprocess`,
      headers: as(billing, true),
      payload: { note: 'tax mapping added' },
    });
    expect(re.statusCode, re.body).toBe(200);
    expect(re.json()).toMatchObject({ status: 'resolved', resolution: 'tax mapping added' });
    expect((await job(j.id)).billingStatus).toBe('invoiced');
    await drain(t);
    const [push] = await pushes(invoice.id);
    expect(push?.status).toBe('done');
    expect(fake.creates.get(invoice.number as string)).toBe(1);
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-errors/${err?.id}/reprocess`,
      headers: as(billing, true),
      payload: {},
    });
    expect(problemOf(again).code).toBe('invalid_transition');
  });

  it('pushes a GBP invoice with the rate on the document, once Xero has the currency set up', async () => {
    const rate = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/exchange-rates',
      headers: as(billing, true),
      payload: { currency: 'GBP', validFrom: '2026-11-01', rate: '1.1712' },
    });
    expect(rate.statusCode, rate.body).toBe(204);
    const address = { line1: '1 Castle Street', city: 'Belfast', postalCode: 'BT1 1GH', country: 'GB' };
    const c = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: as(billing, true),
      payload: {
        name: 'Belfast Boilers Ltd',
        billingAddress: address,
        sites: [{ name: 'Yard', address }],
        invoiceCurrency: 'GBP',
      },
    });
    expect(c.statusCode, c.body).toBe(201);
    const j = await newJob(t, org, dispatcher, jobTypeId, {
      customerId: c.json().id,
      siteId: c.json().sites[0].id,
    });
    await closeOut(t, org, tech, j.id);
    await drain(t, ['accounting.push']);
    const [invoice] = await invoicesOfJob(t, billing, j.id);
    expect(invoice?.number, JSON.stringify(invoice?.holdReasons)).toBeTruthy();
    // Xero has no GBP yet: a validation error that names it, in review, nothing created.
    const [err] = (await openErrors()).filter((e) => e.invoiceId === invoice?.id);
    expect(err?.message).toContain('The currency GBP has not been set up');
    expect(fake.creates.get(invoice?.number as string)).toBeUndefined();

    fake.currencies.add('GBP');
    const re = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-errors/${err?.id}/reprocess`,
      headers: as(billing, true),
      payload: {},
    });
    expect(re.statusCode, re.body).toBeLessThan(300);
    await drain(t);
    expect(fake.creates.get(invoice?.number as string)).toBe(1);
    const put = fake.requests.filter((r) => r.method === 'PUT' && r.path === '/xero/Invoices').at(-1);
    const sent = ((put as { body: unknown }).body as { Invoices: Record<string, unknown>[] }).Invoices[0];
    // Xero counts GBP per euro: 1 / 1.1712 to six decimals.
    expect(sent).toMatchObject({ CurrencyCode: 'GBP', CurrencyRate: 0.853825 });
    const items = sent?.LineItems as { LineAmount: number; TaxAmount: number }[];
    const cents = (n: number) => Math.round(n * 100);
    expect(items.reduce((s, l) => s + cents(l.LineAmount), 0)).toBe(
      cents(Number(invoice?.totals.taxExclusive)),
    );
    // Its payment goes at the document's rate too: Xero books no exchange difference Closeout does not.
    const mapped = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/connectors/${connectorId}`,
      headers: as(owner, true),
      payload: { mappings: { ...MAPPINGS, paymentAccounts: { default: '090' } } },
    });
    expect(mapped.statusCode, mapped.body).toBe(200);
    const paid = await t.app.inject({
      method: 'POST',
      url: '/api/v1/payments',
      headers: as(billing, true),
      payload: { invoiceId: invoice?.id, amount: '10.00', receivedOn: '2026-11-25', method: 'bank_transfer' },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    await drain(t);
    const payment = fake.requests.filter((r) => r.method === 'PUT' && r.path === '/xero/Payments').at(-1);
    expect(((payment as { body: unknown }).body as { Payments: unknown[] }).Payments[0]).toMatchObject({
      Amount: 10,
      CurrencyRate: 0.853825,
    });
  });

  it('records a provider validation error with its code, and gives up on retries after the limit', async () => {
    fake.script('PUT /xero/Invoices', {
      status: 400,
      body: {
        Type: 'ValidationException',
        Elements: [{ ValidationErrors: [{ Message: 'Account code 200 is archived' }] }],
      },
    });
    const { invoice } = await issued();
    const [err] = (await openErrors()).filter((e) => e.invoiceId === invoice.id);
    expect(err).toMatchObject({ providerCode: 'ValidationException' });
    expect(err?.message).toContain('Account code 200 is archived');

    fake.always('PUT /xero/Invoices', { status: 503 });
    try {
      const second = await issued();
      // The first attempt ran in the drain; the queue retries until the limit.
      for (let i = 2; i < MAX_PUSH_ATTEMPTS; i++) {
        await expect(pushToAccounting(t.deps, docPush(second.invoice.id))).rejects.toThrow(/503/);
      }
      const last = await pushToAccounting(t.deps, docPush(second.invoice.id));
      expect(last).toMatchObject({ status: 'failed' });
      const [gaveUp] = (await openErrors()).filter((e) => e.invoiceId === second.invoice.id);
      expect(gaveUp?.message).toMatch(new RegExp(`gave up after ${MAX_PUSH_ATTEMPTS} attempts`));
      expect(fake.creates.get(second.invoice.number as string)).toBeUndefined();
    } finally {
      fake.always('PUT /xero/Invoices', null);
    }
  });
});

describe.each(testDrivers())('QuickBooks Online pushes on %s', (driver) => {
  let t: TestApp;
  let fake: FakeAccounting;

  beforeAll(async () => {
    fake = await startFakeAccounting();
    t = await createTestApp(driver);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('creates the customer and the invoice in Intuit’s shapes, with requestid and minorversion', async () => {
    const org = await makeOrganization(t.deps, 'qbo');
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    const dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    const tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    await setSeller(t, owner);
    const jobTypeId = await plainJobType(t, owner);
    const connector = await t.app.inject({
      method: 'POST',
      url: '/api/v1/connectors',
      headers: as(owner, true),
      payload: {
        provider: 'quickbooks',
        tenantId: '9130350000000001',
        clientId: 'client',
        clientSecret: 'secret',
        refreshToken: fake.refreshToken,
        apiBaseUrl: `${fake.url}/qbo/`,
        tokenUrl: `${fake.url}/token`,
        mappings: { items: { 'LAB-STD': '7' }, defaultItem: '1', taxTypes: { 'S:23': 'TAX' } },
      },
    });
    expect(connector.statusCode, connector.body).toBe(201);
    const tested = await t.app.inject({
      method: 'POST',
      url: `/api/v1/connectors/${connector.json().id}/test`,
      headers: as(owner, true),
    });
    expect(tested.json()).toMatchObject({ ok: true, account: 'Fake QuickBooks Company' });
    expect(
      fake.requests.some((r) => r.path === '/qbo/v3/company/9130350000000001/companyinfo/9130350000000001'),
    ).toBe(true);

    // QuickBooks does not need an e-mail: an invoice for a customer without one goes, without BillEmail.
    const first = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, first.id);
    await drain(t);
    const errors = (
      await t.app.inject({ method: 'GET', url: '/api/v1/integration-errors', headers: as(billing) })
    ).json().items;
    expect(errors).toEqual([]);
    const bare = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/invoice'));
    expect(bare).toBeDefined();
    expect((bare?.body ?? {}) as Record<string, unknown>).not.toHaveProperty('BillEmail');
    fake.requests.length = 0;

    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { email: 'ap@customer.test' },
    });
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    const post = fake.requests.find(
      (r) => r.method === 'POST' && r.path === '/qbo/v3/company/9130350000000001/invoice',
    );
    expect(post?.query).toMatchObject({ minorversion: '75', requestid: expect.stringMatching(/^closeout-/) });
    const body = (post as { body: unknown }).body as {
      DocNumber: string;
      CustomerRef: { value: string };
      TxnDate: string;
      Line: {
        Amount: number;
        DetailType: string;
        SalesItemLineDetail: { ItemRef: { value: string }; TaxCodeRef: { value: string } };
      }[];
    };
    expect(body.DocNumber).toBe(inv?.number);
    // The e-mail added to the customer since is used; our tax is stated, not recomputed.
    expect(post?.body).toMatchObject({
      BillEmail: { Address: 'ap@customer.test' },
      GlobalTaxCalculation: 'TaxExcluded',
      TxnTaxDetail: { TotalTax: Number(inv?.totals.taxTotal) },
    });
    expect(body.CustomerRef.value).toBe([...fake.contacts.keys()][0]);
    expect(
      body.Line.every(
        (l) => l.DetailType === 'SalesItemLineDetail' && l.SalesItemLineDetail.TaxCodeRef.value === 'TAX',
      ),
    ).toBe(true);
    expect(body.Line[0]?.SalesItemLineDetail.ItemRef.value).toBe('1');
    const net = body.Line.reduce((s, l) => s + Math.round(l.Amount * 100), 0);
    expect(net).toBe(Math.round(Number(inv?.totals.taxExclusive) * 100));
    expect(fake.creates.get(inv?.number as string)).toBe(1);
  });
});
