import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

const address = { line1: '14 Mill Street', city: 'Cork', postalCode: 'T12 AB34', country: 'IE' };

describe.each(testDrivers())('customers and the price book on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let dispatcher: Session;
  let billing: Session;
  let owner: Session;

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'books');
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
  });
  afterAll(() => t?.close());

  const post = (url: string, payload: object, who: Session) =>
    t.app.inject({ method: 'POST', url, headers: as(who, true), payload });
  const customerCount = async () =>
    (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM customers')).rows[0]?.n;

  it('creates the canonical customer with contacts, preferences, overrides and sites', async () => {
    const res = await post(
      '/api/v1/customers',
      {
        name: 'Mill Street Bakery Ltd',
        email: 'accounts@millbakery.example',
        billingAddress: address,
        taxId: 'IE 1234567 T',
        paymentTermsDays: 30,
        contacts: [{ name: 'Siobhan', email: 'siobhan@millbakery.example', invoiceRecipient: true }],
        invoicePreferences: { channel: 'peppol', consolidation: 'per_cycle', poRequired: true },
        closeoutOverrides: { signature: true },
        sites: [{ name: 'Bakery', address, accessNotes: 'Rear door after 6am' }],
      },
      dispatcher,
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'Mill Street Bakery Ltd',
      invoicePreferences: { channel: 'peppol', consolidation: 'per_cycle', poRequired: true },
      closeoutOverrides: { signature: true },
      contacts: [{ name: 'Siobhan', invoiceRecipient: true, phone: null }],
      sites: [{ name: 'Bakery', accessNotes: 'Rear door after 6am' }],
    });
  });

  it.each([
    [
      'the same e-mail',
      {
        name: 'Totally Different',
        email: 'ACCOUNTS@millbakery.example',
        billingAddress: { ...address, line1: '1 Other Rd' },
      },
      'email',
    ],
    [
      'the same tax ID',
      { name: 'MSB Trading', taxId: 'ie1234567t', billingAddress: { ...address, line1: '9 Elm' } },
      'taxId',
    ],
    [
      'the same name and address',
      { name: 'Mill Street Bakery Limited', billingAddress: { ...address, postalCode: 't12ab34' } },
      'nameAndAddress',
    ],
  ])(
    'returns the candidates for a customer with %s, and creates it only when confirmed',
    async (_l, body, matchedOn) => {
      const before = await customerCount();
      const res = await post('/api/v1/customers', body, dispatcher);
      expect(res.statusCode).toBe(409);
      const problem = res.json();
      expect(problem.code).toBe('possible_duplicate');
      expect(problem.candidates).toHaveLength(1);
      expect(problem.candidates[0].name).toBe('Mill Street Bakery Ltd');
      expect(problem.candidates[0].matchedOn).toContain(matchedOn);
      expect(await customerCount()).toBe(before);
      const confirmed = await post('/api/v1/customers', { ...body, confirmDuplicate: true }, dispatcher);
      expect(confirmed.statusCode).toBe(201);
      expect(await customerCount()).toBe((before ?? 0) + 1);
    },
  );

  it('refuses a NUL character anywhere in the input with 400 naming the field, storing nothing', async () => {
    const count = async () =>
      (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM customers')).rows[0]?.n;
    const before = await count();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: as(dispatcher, true),
      payload: { name: 'Nul Ltd', phone: 'x\u0000y', contacts: [{ name: 'A', role: 'a\u0000' }] },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(problemOf(res).errors).toEqual([
      { field: 'body.phone', message: 'must not contain the NUL character (U+0000)' },
    ]);
    const query = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customers?q=a%00b',
      headers: as(dispatcher),
    });
    expect(query.statusCode, query.body).toBe(400);
    expect(problemOf(query).errors[0]?.field).toBe('query.q');
    expect(await count()).toBe(before);
  });

  it('answers a body nested thousands of levels deep with 400 naming the body, even before sign-in', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const [url, headers] of [
      ['/api/v1/auth/login', { 'content-type': 'application/json' }],
      ['/api/v1/customers', { ...as(dispatcher, true), 'content-type': 'application/json' }],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers,
        payload: `{"email":"a@b.c","password":"x","name":${deep}}`,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(problemOf(res).errors[0]?.field).toBe('body');
    }
  });

  it('sets an external ID once and refuses to change it', async () => {
    const id = org.customerId;
    const put = (externalId: string) =>
      t.app.inject({
        method: 'PUT',
        url: `/api/v1/customers/${id}/external-ids/xero`,
        headers: as(billing, true),
        payload: { externalId },
      });
    expect((await put('a1b2')).json().externalIds).toEqual({ xero: 'a1b2' });
    expect((await put('a1b2')).statusCode).toBe(200);
    const changed = await put('zzzz');
    expect(changed.statusCode).toBe(409);
    expect(problemOf(changed).code).toBe('immutable');
    const after = await t.app.inject({ method: 'GET', url: `/api/v1/customers/${id}`, headers: as(billing) });
    expect(after.json().externalIds).toEqual({ xero: 'a1b2' });
  });

  it('edits customers and sites with versions and keeps the changes in the customer’s history', async () => {
    const c = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/customers/${org.customerId}`,
        headers: as(dispatcher),
      })
    ).json();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(dispatcher, true),
      payload: { paymentTermsDays: 14, expectedVersion: c.version },
    });
    expect(patched.json().paymentTermsDays).toBe(14);
    const stale = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(dispatcher, true),
      payload: { paymentTermsDays: 7, expectedVersion: c.version },
    });
    expect(stale.statusCode).toBe(409);
    const site = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}/sites/${org.siteId}`,
      headers: as(dispatcher, true),
      payload: { accessNotes: 'Dog in the yard' },
    });
    expect(site.json().sites[0].accessNotes).toBe('Dog in the yard');
    // An empty PATCH is answered with the customer and writes no history (the fuzz found a 500 here).
    const empty = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}/sites/${org.siteId}`,
      headers: as(dispatcher, true),
      payload: {},
    });
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json().sites[0].accessNotes).toBe('Dog in the yard');
    const { rows } = await t.database.raw.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE aggregate_type = 'customer' AND aggregate_id = $1 ORDER BY seq`,
      [org.customerId],
    );
    expect(rows.map((r) => r.action)).toEqual([
      'customer.external_id_set',
      'customer.updated',
      'customer.site_updated',
    ]);
  });

  it('merges a duplicate: its site, jobs and contacts move over, it stays on record, and billing decides', async () => {
    const make = async (name: string, extra: object) =>
      (
        await post(
          '/api/v1/customers',
          {
            name,
            billingAddress: address,
            confirmDuplicate: true,
            sites: [{ name: 'Shop', address }],
            ...extra,
          },
          dispatcher,
        )
      ).json();
    const keep = await make('Tessellate Bakery', {
      contacts: [
        { name: 'Nuala', email: 'nuala@bakery.test', phone: null, role: null, invoiceRecipient: true },
      ],
    });
    const dup = await make('Tessellate Bakery (old)', {
      email: 'orders@bakery.test',
      contacts: [
        { name: 'Nuala', email: 'nuala@bakery.test', phone: null, role: null, invoiceRecipient: true },
        { name: 'Ciarán', email: null, phone: '+353 21 555 0101', role: 'Owner', invoiceRecipient: false },
      ],
    });
    const start = new Date(Date.now() + 86_400_000);
    const job = await post(
      '/api/v1/jobs',
      {
        customerId: dup.id,
        siteId: dup.sites[0].id,
        jobTypeId: org.jobTypeId,
        scope: 'Oven extraction check',
        windowStart: start.toISOString(),
        windowEnd: new Date(start.getTime() + 3_600_000).toISOString(),
      },
      dispatcher,
    );
    expect(job.statusCode, job.body).toBe(201);

    // A dispatcher books; merging moves invoices and billing links, so it is billing's (or the owner's) call.
    expect(
      (await post(`/api/v1/customers/${keep.id}/merge`, { duplicateId: dup.id }, dispatcher)).statusCode,
    ).toBe(403);
    const itself = await post(`/api/v1/customers/${keep.id}/merge`, { duplicateId: keep.id }, billing);
    expect(itself.statusCode).toBe(400);
    expect(problemOf(itself).errors[0]?.field).toBe('body.duplicateId');

    const merged = await post(`/api/v1/customers/${keep.id}/merge`, { duplicateId: dup.id }, billing);
    expect(merged.statusCode, merged.body).toBe(200);
    const kept = merged.json();
    expect(kept.sites.map((x: { id: string }) => x.id).sort()).toEqual(
      [keep.sites[0].id, dup.sites[0].id].sort(),
    );
    expect(kept.contacts.map((c: { name: string }) => c.name)).toEqual(['Nuala', 'Ciarán']);
    expect(kept.email).toBe('orders@bakery.test');
    const movedJob = await t.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${job.json().id}`,
      headers: as(billing),
    });
    expect(movedJob.json().customerId).toBe(keep.id);
    // The duplicate stays on record, pointing at the kept customer, and leaves the list and the duplicate check.
    const old = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customers/${dup.id}`,
      headers: as(billing),
    });
    expect(old.json().mergedIntoId).toBe(keep.id);
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/customers?q=Tessellate',
      headers: as(billing),
    });
    const listed = list.json().items.map((c: { id: string }) => c.id);
    expect(listed).toContain(keep.id);
    expect(listed).not.toContain(dup.id);
    const onMerged = await post(
      '/api/v1/jobs',
      {
        customerId: dup.id,
        siteId: dup.sites[0].id,
        jobTypeId: org.jobTypeId,
        scope: 'Booked on the old record',
        windowStart: start.toISOString(),
        windowEnd: new Date(start.getTime() + 3_600_000).toISOString(),
      },
      dispatcher,
    );
    expect(onMerged.statusCode).toBe(400);
    expect(problemOf(onMerged).errors[0]).toMatchObject({ field: 'body.customerId' });
    const again = await post(`/api/v1/customers/${keep.id}/merge`, { duplicateId: dup.id }, billing);
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).code).toBe('customer_merged');
    const { rows } = await t.database.raw.query<{ action: string; aggregate_id: string }>(
      `SELECT action, aggregate_id FROM audit_events WHERE aggregate_type = 'customer' AND action LIKE 'customer.merged%' AND aggregate_id IN ($1, $2) ORDER BY action`,
      [keep.id, dup.id],
    );
    expect(rows).toEqual([
      { action: 'customer.merged_in', aggregate_id: keep.id },
      { action: 'customer.merged_into', aggregate_id: dup.id },
    ]);

    // Two links to the same accounting system are two contacts there: refused, nothing moves.
    const third = await make('Tessellate Bakery Ltd', {});
    for (const [id, ext] of [
      [keep.id, 'xero-keep'],
      [third.id, 'xero-third'],
    ])
      await t.app.inject({
        method: 'PUT',
        url: `/api/v1/customers/${id}/external-ids/xero`,
        headers: as(billing, true),
        payload: { externalId: ext },
      });
    const clash = await post(`/api/v1/customers/${keep.id}/merge`, { duplicateId: third.id }, billing);
    expect(clash.statusCode).toBe(409);
    expect(problemOf(clash).code).toBe('merge_conflict');
    const untouched = await t.app.inject({
      method: 'GET',
      url: `/api/v1/customers/${third.id}`,
      headers: as(billing),
    });
    expect(untouched.json()).toMatchObject({ mergedIntoId: null });
    expect(untouched.json().sites).toHaveLength(1);
  });

  it('keeps tax codes inside the EN 16931 rules', async () => {
    const zero = await post(
      '/api/v1/tax-codes',
      { code: 'Z2', name: 'Zero', category: 'Z', rate: '5' },
      billing,
    );
    expect(zero.statusCode).toBe(400);
    expect(problemOf(zero).errors[0]?.field).toBe('body.rate');
    const exempt = await post(
      '/api/v1/tax-codes',
      { code: 'E2', name: 'Exempt', category: 'E', rate: '0' },
      billing,
    );
    expect(problemOf(exempt).errors[0]?.field).toBe('body.exemptionReason');
    const ok = await post(
      '/api/v1/tax-codes',
      {
        code: 'K',
        name: 'Intra-community supply',
        category: 'K',
        rate: '0',
        exemptionReasonCode: 'VATEX-EU-IC',
      },
      billing,
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({
      code: 'K',
      category: 'K',
      rate: '0',
      exemptionReasonCode: 'VATEX-EU-IC',
    });
    const dup = await post(
      '/api/v1/tax-codes',
      { code: 'K', name: 'Again', category: 'K', rate: '0', exemptionReason: 'x' },
      billing,
    );
    expect(dup.statusCode).toBe(409);
    expect(problemOf(dup).errors[0]?.field).toBe('body.code');
  });

  it('prices catalog items as decimals with UN/ECE units', async () => {
    const item = {
      sku: 'PRT-TRV-15',
      name: 'Thermostatic radiator valve',
      kind: 'part',
      unitCode: 'C62',
      unitPrice: '24.9500',
      taxCodeId: org.taxCodeId,
      glAccount: '4100',
    };
    const res = await post('/api/v1/catalog-items', item, billing);
    expect(res.statusCode).toBe(201);
    expect(res.json().unitPrice).toBe('24.95');
    expect(
      (await post('/api/v1/catalog-items', { ...item, sku: 'X', unitPrice: 24.95 }, billing)).statusCode,
    ).toBe(400);
    expect(
      problemOf(await post('/api/v1/catalog-items', { ...item, sku: 'Y', unitCode: 'hours' }, billing))
        .errors[0]?.field,
    ).toBe('body.unitCode');
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/catalog-items/${res.json().id}`,
      headers: as(billing, true),
      payload: { ...item, unitPrice: '26.50' },
    });
    expect(put.json().unitPrice).toBe('26.50');
    // Prices are billing facts: neither the dispatcher nor the approver keeps the price book.
    const approver = await signIn(t.app, org.users.approver.email, PASSWORD);
    expect((await post('/api/v1/catalog-items', { ...item, sku: 'PRT-TRV-22' }, dispatcher)).statusCode).toBe(
      403,
    );
    expect((await post('/api/v1/catalog-items', { ...item, sku: 'PRT-TRV-28' }, approver)).statusCode).toBe(
      403,
    );
  });

  it('stores job types with validated requirements, approval rules and custom fields', async () => {
    const body = {
      code: 'BOILER-SVC',
      name: 'Boiler service',
      trade: 'hvac',
      defaultDurationMinutes: 90,
      billingMode: 'fixed',
      closeoutRequirements: {
        checklist: ['Flue gas analysis'],
        photos: [{ category: 'serial_plate', min: 1 }],
        signature: true,
        serialNumbers: true,
        partNumbers: false,
        notes: true,
      },
      approvalRules: [
        { code: 'discount_above_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
      ],
      customFields: [
        {
          key: 'gas_safe_cert',
          label: 'Gas safety certificate no.',
          type: 'text',
          required: true,
          capture: 'closeout',
          printOnInvoice: true,
        },
        {
          key: 'appliance',
          label: 'Appliance',
          type: 'choice',
          options: ['combi', 'system', 'regular'],
          required: true,
          capture: 'booking',
          printOnInvoice: false,
        },
      ],
      noShowFee: '50.00',
    };
    const res = await post('/api/v1/job-types', body, owner);
    expect(res.statusCode).toBe(201);
    const bad = await post(
      '/api/v1/job-types',
      {
        ...body,
        code: 'BAD',
        approvalRules: [
          { code: 'discount_above_percent', threshold: 'ten', approverRole: 'approver', slaHours: 24 },
        ],
      },
      owner,
    );
    expect(problemOf(bad).errors[0]?.field).toBe('body.approvalRules.0.threshold');
    const badField = await post(
      '/api/v1/job-types',
      { ...body, code: 'BAD2', customFields: [{ ...body.customFields[1], options: undefined }] },
      owner,
    );
    expect(badField.statusCode).toBe(400);

    // Booking checks the booking-stage custom fields; closeout-stage ones may wait.
    const book = (customFields: object) =>
      post(
        '/api/v1/jobs',
        {
          customerId: org.customerId,
          siteId: org.siteId,
          jobTypeId: res.json().id,
          scope: 'Annual boiler service',
          windowStart: '2026-12-02T09:00:00.000Z',
          windowEnd: '2026-12-02T10:30:00.000Z',
          customFields,
        },
        dispatcher,
      );
    expect(problemOf(await book({})).errors).toEqual([
      { field: 'body.customFields.appliance', message: 'Appliance is required' },
    ]);
    expect(problemOf(await book({ appliance: 'steam' })).errors[0]?.field).toBe(
      'body.customFields.appliance',
    );
    expect(problemOf(await book({ appliance: 'combi', colour: 'red' })).errors[0]?.field).toBe(
      'body.customFields.colour',
    );
    const booked = await book({ appliance: 'combi' });
    expect(booked.statusCode).toBe(201);
    expect(booked.json().customFields).toEqual({ appliance: 'combi' });
  });
});
