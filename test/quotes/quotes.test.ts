import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Mailer } from '../../src/app/ports';
import { remindUnansweredQuotes } from '../../src/app/quotes/follow-up';
import { startWorkers } from '../../src/worker/handlers';
import { setSeller } from '../invoices/helpers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';
import { startFakeStripe } from '../support/fake-stripe';
import { jpegWithExif, multipart, png } from '../support/files';
import { connectFakeStripe } from '../support/online-payments';

type Mail = Parameters<Mailer['send']>[0];

const hasPdftotext = spawnSync('pdftotext', ['-v']).status === 0;
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString();

const BOILER_GOOD = '0193a1b2-c3d4-7e5f-8a9b-000000000001';
const BOILER_BETTER = '0193a1b2-c3d4-7e5f-8a9b-000000000002';
const THERMOSTAT = '0193a1b2-c3d4-7e5f-8a9b-000000000003';

/** Labour 2 × 80, a standard (1,000) or high-efficiency (1,500) boiler, a thermostat (200) to tick; 10 % off; 23 % VAT. */
const draft = (org: OrgFixture, extra: object = {}) => ({
  customerId: org.customerId,
  siteId: org.siteId,
  jobTypeId: org.jobTypeId,
  title: 'Boiler replacement',
  lines: [
    { sku: 'LAB-STD', quantity: '2' },
    {
      id: BOILER_GOOD,
      description: 'Standard boiler',
      quantity: '1',
      unitPrice: '1000.00',
      option: { group: 'Boiler', key: 'Standard' },
    },
    {
      id: BOILER_BETTER,
      description: 'High-efficiency boiler',
      quantity: '1',
      unitPrice: '1500.00',
      option: { group: 'Boiler', key: 'High efficiency' },
    },
    { id: THERMOSTAT, description: 'Smart thermostat', quantity: '1', unitPrice: '200.00', optional: true },
  ],
  discountPercent: '10',
  deposit: { percent: '25' },
  validUntil: '2026-12-18',
  visitStart: '2026-12-08T09:00:00.000Z',
  visitEnd: '2026-12-08T13:00:00.000Z',
  message: 'Thank you for having us over.',
  terms: 'Payment within 14 days of completion.',
  internalNotes: 'Customer haggles: hold the discount at 10.',
  ...extra,
});

describe.each(testDrivers())('quotes from draft to the customer’s signature on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let dispatcher: Session;
  const inbox: Mail[] = [];

  beforeAll(async () => {
    t = await createTestApp(driver, {
      mailer: {
        send: async (m) => {
          inbox.push(m);
        },
      },
    });
    org = await makeOrganization(t.deps, 'quotes');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE id = $2', [
      'homeowner@example.com',
      org.customerId,
    ]);
    await startWorkers(t.boss, t.deps, t.app.log, t.onWorker);
  });
  afterAll(() => t?.close());

  const create = async (extra: object = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/quotes',
      headers: as(owner, true),
      payload: draft(org, extra),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const send = async (id: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/quotes/${id}/send`,
      headers: as(owner, true),
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    const link: string = res.json().link;
    return link.slice(link.lastIndexOf('/') + 1);
  };
  /** The e-mail whose subject names this quote, once the worker has sent it. */
  const mailAbout = (number: string) =>
    vi.waitFor(
      () => {
        const m = inbox.find((x) => x.subject.includes(number));
        if (!m) throw new Error('no e-mail yet');
        return m;
      },
      { timeout: 10_000 },
    );
  const signature = async () => `data:image/png;base64,${(await png(2)).toString('base64')}`;
  const accept = async (token: string, body: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/public/quotes/${token}/accept`, payload: body });

  it('drafts a quote priced for its first option, numbered from its own sequence', async () => {
    const q = await create();
    expect(q.number).toMatch(/^Q-2026-\d{5}$/);
    expect(q.status).toBe('draft');
    // 160 + 1,000 = 1,160, less 10 % = 1,044, plus 23 % VAT = 1,284.12.
    expect(q.total).toBe('1284.12');
    expect(q.lines[0]).toMatchObject({ sku: 'LAB-STD', description: 'Labour', unitPrice: '80.00' });
    expect(q.lines[0].tax).toMatchObject({ category: 'S', rate: '23' });
    const second = await create();
    expect(Number(second.number.slice(-5))).toBe(Number(q.number.slice(-5)) + 1);
  });

  it('refuses bad lines naming them, and a dispatcher setting prices', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/quotes',
      headers: as(owner, true),
      payload: draft(org, {
        lines: [
          { sku: 'NOPE', quantity: '1' },
          {
            description: 'Both',
            quantity: '1',
            unitPrice: '1',
            option: { group: 'A', key: 'x' },
            optional: true,
          },
        ],
      }),
    });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors.map((e) => e.field)).toEqual(['body.lines.0.sku', 'body.lines.1.optional']);
    const before = await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM quotes');
    const denied = await t.app.inject({
      method: 'POST',
      url: '/api/v1/quotes',
      headers: as(dispatcher, true),
      payload: draft(org),
    });
    expect(denied.statusCode).toBe(403);
    const after = await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM quotes');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('sends the link by e-mail; the customer sees it without internal notes, picks, signs, and the job is booked', async () => {
    const q = await create();
    const token = await send(q.id);
    const mail = await mailAbout(q.number);
    expect(mail.to).toEqual(['homeowner@example.com']);
    expect(mail.text).toContain(`/portal/#/quote/${token}`);
    expect(mail.text).toContain('Total: EUR 1,284.12 for the first option;');

    const page = await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` });
    expect(page.statusCode, page.body).toBe(200);
    const shown = page.json();
    expect(shown).toMatchObject({ number: q.number, status: 'viewed', open: true, total: '1284.12' });
    expect(page.body).not.toContain('haggles');
    expect(page.body).not.toContain(org.customerId);
    const office = await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${q.id}`, headers: as(owner) });
    expect(office.json()).toMatchObject({
      status: 'viewed',
      internalNotes: expect.stringContaining('haggles'),
    });

    // The page's choice is checked: a group's option must exist, an add-on must be one.
    const wrong = await accept(token, {
      version: 1,
      choice: { options: { Boiler: 'Gold' }, addOns: [] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(wrong.statusCode).toBe(400);
    expect(problemOf(wrong).errors[0]?.field).toBe('body.choice.options.Boiler');

    const ok = await accept(token, {
      version: 1,
      choice: { options: { Boiler: 'High efficiency' }, addOns: [THERMOSTAT] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    // 160 + 1,500 + 200 = 1,860, less 10 % = 1,674, plus 23 % = 2,059.02; a quarter of it due now: 514.76.
    expect(ok.json()).toMatchObject({
      status: 'accepted',
      open: false,
      acceptedTotal: '2059.02',
      depositDue: '514.76',
      signerName: 'Pat Murphy',
      jobNumber: expect.stringMatching(/^J-\d+$/),
    });

    const after = (
      await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${q.id}`, headers: as(owner) })
    ).json();
    expect(after.jobId).toBeTruthy();
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${after.jobId}`, headers: as(owner) })
    ).json();
    expect(job).toMatchObject({
      windowStart: '2026-12-08T09:00:00.000Z',
      discountPercent: '10',
      depositRequired: true,
      depositAmount: '514.76',
    });
    expect(job.estimateLines.map((l: { description: string }) => l.description)).toEqual([
      'Labour',
      'High-efficiency boiler',
      'Smart thermostat',
    ]);
    const audit = await t.database.raw.query<{
      action: string;
      changes: { signerName?: string; ip?: string };
    }>(`SELECT action, changes::jsonb AS changes FROM audit_events WHERE aggregate_id = $1 ORDER BY seq`, [
      q.id,
    ]);
    const accepted = audit.rows.find((r) => r.action === 'quote.accepted');
    expect(accepted?.changes).toMatchObject({ signerName: 'Pat Murphy', ip: expect.any(String) });

    // The signed copy: the accepted lines, the total and the signature block, for the office and the customer.
    const signed = await t.app.inject({
      method: 'GET',
      url: `/api/v1/quotes/${q.id}/signed.pdf`,
      headers: as(dispatcher),
    });
    expect(signed.statusCode).toBe(200);
    expect(signed.headers['content-type']).toBe('application/pdf');
    expect(signed.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const theirs = await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}/signed.pdf` });
    expect(theirs.statusCode).toBe(200);
    if (hasPdftotext) {
      const text = pdfText(signed.rawPayload);
      expect(text).toContain('Signed by Pat Murphy');
      expect(text).toContain('EUR 2,059.02');
      expect(text).toContain('High-efficiency boiler');
      expect(text).not.toContain('Standard boiler');
      expect(text).not.toContain('haggles');
    } else
      console.info('pdftotext (Debian poppler-utils) is missing: the signed PDF’s text is not read back');

    // Accepting again changes nothing and says why.
    const again = await accept(token, {
      version: 1,
      choice: { options: { Boiler: 'Standard' }, addOns: [] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).detail).toContain('You accepted this quote');
    const jobs = await t.database.raw.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM jobs WHERE scope LIKE $1',
      [`%${q.number}%`],
    );
    expect(jobs.rows[0]?.n).toBe(1);
  });

  it('asks the kind of work’s own booking fields on the quote, keeps them from the customer, and books the job with them', async () => {
    const type = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: 'PERMIT-Q',
        name: 'Consumer unit upgrade',
        trade: 'electrical',
        defaultDurationMinutes: 240,
        billingMode: 'time_and_materials',
        closeoutRequirements: {
          checklist: [],
          photos: [],
          signature: false,
          serialNumbers: false,
          partNumbers: false,
          notes: false,
        },
        approvalRules: [],
        customFields: [
          {
            key: 'permit_no',
            label: 'Permit number',
            type: 'text',
            required: true,
            capture: 'booking',
            printOnInvoice: false,
          },
          {
            key: 'circuits',
            label: 'Circuits',
            type: 'number',
            required: false,
            capture: 'booking',
            printOnInvoice: false,
          },
        ],
      },
    });
    expect(type.statusCode, type.body).toBe(201);
    const jobTypeId = type.json().id as string;
    // Without the permit number the accepted quote could not book its job: refused at the draft, by field.
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/quotes',
      headers: as(owner, true),
      payload: draft(org, { jobTypeId, customFields: { circuits: 'twelve', colour: 'red' } }),
    });
    expect(missing.statusCode).toBe(400);
    expect(
      problemOf(missing)
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['body.customFields.circuits', 'body.customFields.colour', 'body.customFields.permit_no']);
    const q = await create({ jobTypeId, customFields: { permit_no: 'ESB-2026-0193', circuits: 12 } });
    expect(q.customFields).toEqual({ permit_no: 'ESB-2026-0193', circuits: 12 });
    const token = await send(q.id);
    const page = await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` });
    expect(page.body).not.toContain('ESB-2026-0193');
    const ok = await accept(token, {
      version: 1,
      choice: { options: { Boiler: 'Standard' }, addOns: [] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const after = (
      await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${q.id}`, headers: as(owner) })
    ).json();
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${after.jobId}`, headers: as(owner) })
    ).json();
    expect(job.customFields).toEqual({ permit_no: 'ESB-2026-0193', circuits: 12 });
  });

  it('holds retainage as a term of a fixed-price quote: shown to the customer, signed, and carried to the job', async () => {
    const tm = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: 'TM-RET-Q',
        name: 'Repairs by the hour',
        trade: 'plumbing',
        defaultDurationMinutes: 60,
        billingMode: 'time_and_materials',
        closeoutRequirements: {
          checklist: [],
          photos: [],
          signature: false,
          serialNumbers: false,
          partNumbers: false,
          notes: false,
        },
        approvalRules: [],
      },
    });
    expect(tm.statusCode, tm.body).toBe(201);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/quotes',
      headers: as(owner, true),
      payload: draft(org, { jobTypeId: tm.json().id, retainagePercent: '5' }),
    });
    expect(refused.statusCode).toBe(400);
    expect(problemOf(refused).errors.map((e) => e.field)).toEqual(['body.retainagePercent']);

    // The organization's installation work is fixed-price: it may hold retainage.
    const q = await create({ retainagePercent: '7.5' });
    expect(q.retainagePercent).toBe('7.5');
    const token = await send(q.id);
    const page = (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` })).json();
    expect(page.retainagePercent).toBe('7.5');
    const ok = await accept(token, {
      version: 1,
      choice: { options: { Boiler: 'Standard' }, addOns: [] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const after = (
      await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${q.id}`, headers: as(owner) })
    ).json();
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${after.jobId}`, headers: as(owner) })
    ).json();
    expect(job.retainagePercent).toBe('7.5');
    if (hasPdftotext) {
      const signed = await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}/signed.pdf` });
      expect(signed.statusCode).toBe(200);
      expect(pdfText(signed.rawPayload).replace(/\s+/g, ' ')).toContain(
        'Retainage: 7.5% of each progress invoice is held back until the work is complete.',
      );
    }
  });

  it('takes a quote drafted on a job’s site from the technician’s phone, once whatever retries, for the office to send', async () => {
    const tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    const other = await signIn(t.app, org.otherTechnician.email, PASSWORD);
    const upload = async (category: string, bytes: Buffer) => {
      const body = multipart({ category }, { name: `${category}.jpg`, type: 'image/jpeg', bytes });
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${org.jobId}/attachments`,
        headers: { ...as(tech, true), ...body.headers },
        payload: body.payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const photo = await upload('before', await jpegWithExif(7));
    const id = '0f9e6c1a-2b3d-4c5e-8f70-91a2b3c4d5e6';
    const body = {
      id,
      title: 'Replace the second radiator',
      lines: [
        { sku: 'LAB-STD', quantity: '3' },
        { description: 'Double panel radiator 600 × 1200', quantity: '1', unitPrice: '240.00' },
      ],
      note: 'Customer asked about the back bedroom too',
      photoIds: [photo],
    };
    const post = (who: Session, payload: object, jobId = org.jobId) =>
      t.app.inject({ method: 'POST', url: `/api/v1/jobs/${jobId}/quotes`, headers: as(who, true), payload });
    // A dispatcher sets no prices; a technician drafts only at their own jobs; an unknown photo is named.
    expect((await post(dispatcher, body)).statusCode).toBe(403);
    expect((await post(other, body)).statusCode).toBe(404);
    const badPhoto = await post(tech, { ...body, photoIds: ['5b1d7c39-8a2e-4f6b-9c0d-1e2f3a4b5c6d'] });
    expect(badPhoto.statusCode).toBe(400);
    expect(problemOf(badPhoto).errors.map((e) => e.field)).toEqual(['body.photoIds.0']);

    const first = await post(tech, body);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ id, number: expect.stringMatching(/^Q-2026-\d{5}$/), photos: 1 });
    // The answer was lost: the phone sends the same draft again and gets the same quote, nothing twice.
    const again = await post(tech, body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const { rows } = await t.database.raw.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM quotes WHERE organization_id = $1 AND id = $2',
      [org.organizationId, id],
    );
    expect(rows[0]?.n).toBe(1);

    // The office finds a draft for the job's customer and site, the note for itself only, the photo on it.
    const q = (await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${id}`, headers: as(owner) })).json();
    expect(q).toMatchObject({
      status: 'draft',
      customerId: org.customerId,
      siteId: org.siteId,
      jobTypeId: org.jobTypeId,
      title: 'Replace the second radiator',
      internalNotes: expect.stringMatching(
        /^Drafted on site at J-\d+\. Customer asked about the back bedroom too$/,
      ),
    });
    expect(q.photoIds).toHaveLength(1);
    expect(
      q.lines.map((l: { description: string; unitPrice: string }) => [l.description, l.unitPrice]),
    ).toEqual([
      ['Labour', '80.00'],
      ['Double panel radiator 600 × 1200', '240.00'],
    ]);
    const audit = await t.database.raw.query<{ actor_id: string }>(
      `SELECT actor_id FROM audit_events WHERE organization_id = $1 AND aggregate_id = $2 AND action = 'quote.created'`,
      [org.organizationId, id],
    );
    expect(audit.rows.map((r) => r.actor_id)).toEqual([org.users.technician.id]);
    // The office sends it as any quote: the customer never sees the technician's note.
    const token = await send(id);
    const page = await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('back bedroom');
  });

  it('books a service that repeats as a series of visits, each at the accepted price per visit', async () => {
    // A repeating service is billed per visit from its first visit: no deposit, and a visit offered.
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/quotes',
      headers: as(owner, true),
      payload: draft(org, { repeat: { every: 'three_months', visits: 4 }, visitStart: null, visitEnd: null }),
    });
    expect(refused.statusCode).toBe(400);
    expect(
      problemOf(refused)
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['body.deposit', 'body.visitStart']);
    const q = await create({
      title: 'Boiler service plan',
      lines: [{ sku: 'LAB-STD', quantity: '1.5' }],
      deposit: null,
      discountPercent: null,
      repeat: { every: 'three_months', visits: 4 },
    });
    expect(q.repeat).toEqual({ every: 'three_months', visits: 4 });
    const token = await send(q.id);
    const page = (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` })).json();
    expect(page.repeat).toEqual({ every: 'three_months', visits: 4 });
    const ok = await accept(token, {
      version: 1,
      choice: { options: {}, addOns: [] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const after = (
      await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${q.id}`, headers: as(owner) })
    ).json();
    expect(after.seriesId).toEqual(expect.any(String));
    const plan = (
      await t.app.inject({ method: 'GET', url: `/api/v1/series/${after.seriesId}`, headers: as(owner) })
    ).json();
    // Four visits three months apart from the one offered: the series ends on the fourth one's day.
    expect(plan).toMatchObject({
      startDate: '2026-12-08',
      endDate: '2027-09-08',
      billingRule: 'per_visit',
      scope: `Boiler service plan (quote ${q.number})`,
    });
    expect(plan.visits[0]).toMatchObject({ id: after.jobId, occurrenceDate: '2026-12-08' });
    // Every visit carries the accepted lines as its agreed price.
    for (const v of plan.visits) {
      const job = (
        await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${v.id}`, headers: as(owner) })
      ).json();
      expect(job.estimateLines).toEqual([
        {
          sku: 'LAB-STD',
          description: 'Labour',
          quantity: '1.5',
          unitPrice: '80.00',
          taxCodeId: expect.any(String),
        },
      ]);
      expect(job.depositRequired).toBe(false);
    }
  });

  it('carries photos from the site visit to the customer’s page, pixels only, frozen once accepted', async () => {
    const q = await create();
    const upload = (bytes: Buffer, type: string, who: Session = owner) => {
      const body = multipart({}, { name: 'visit.jpg', type, bytes });
      return t.app.inject({
        method: 'POST',
        url: `/api/v1/quotes/${q.id}/photos`,
        headers: { ...as(who, true), ...body.headers },
        payload: body.payload,
      });
    };
    const boiler = await jpegWithExif(6);
    const first = await upload(boiler, 'image/jpeg');
    expect(first.statusCode, first.body).toBe(201);
    const id = first.json().id as string;
    // The same photo twice is one photo; a PDF is not a photo; a dispatcher does not set up offers.
    const again = await upload(boiler, 'image/jpeg');
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(id);
    const notPhoto = await upload(Buffer.from('%PDF-1.4\n%%EOF\n'), 'application/pdf');
    expect(notPhoto.statusCode).toBe(415);
    expect(problemOf(notPhoto).errors?.[0]?.field).toBe('file');
    expect((await upload(boiler, 'image/jpeg', dispatcher)).statusCode).toBe(403);
    const second = await upload(await png(9), 'image/png');
    expect(second.statusCode).toBe(201);
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: as(owner) });
    expect((await get(`/api/v1/quotes/${q.id}`)).json().photoIds).toEqual([id, second.json().id]);
    // Taken off again before sending.
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/quotes/${q.id}/photos/${second.json().id}`,
      headers: as(owner, true),
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().photoIds).toEqual([id]);
    const large = await get(`/api/v1/quotes/${q.id}/photos/${id}`);
    expect(large.headers['content-type']).toBe('image/jpeg');
    // Where and with what it was taken stays with the business: the stored photo has no EXIF.
    expect(large.rawPayload.includes(Buffer.from('Exif'))).toBe(false);
    expect(boiler.includes(Buffer.from('Exif'))).toBe(true);
    const small = await get(`/api/v1/quotes/${q.id}/photos/${id}?size=small`);
    expect(small.rawPayload.length).toBeLessThan(large.rawPayload.length);

    // The customer's page shows it, by its place, never by the office's ID.
    const token = await send(q.id);
    const page = await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` });
    expect(page.json().photos).toBe(1);
    expect(page.body).not.toContain(id);
    const shown = await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}/photos/1` });
    expect(shown.statusCode).toBe(200);
    expect(shown.rawPayload.equals(large.rawPayload)).toBe(true);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}/photos/2` })).statusCode,
    ).toBe(404);
    // Accepted, the photos are part of what was agreed.
    const ok = await accept(token, {
      version: 1,
      choice: { options: { Boiler: 'Standard' }, addOns: [] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().photos).toBe(1);
    const late = await upload(await png(10), 'image/png');
    expect(late.statusCode).toBe(409);
    const keep = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/quotes/${q.id}/photos/${id}`,
      headers: as(owner, true),
    });
    expect(keep.statusCode).toBe(409);
  });

  it('revises a sent quote into a new version; the old link can no longer be accepted', async () => {
    const q = await create();
    const oldToken = await send(q.id);
    const revised = await t.app.inject({
      method: 'POST',
      url: `/api/v1/quotes/${q.id}/revise`,
      headers: as(owner, true),
    });
    expect(revised.statusCode, revised.body).toBe(200);
    expect(revised.json()).toMatchObject({ version: 2, status: 'draft' });
    expect(revised.json().versions.map((v: { status: string }) => v.status)).toEqual(['superseded', 'draft']);
    const edit = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/quotes/${q.id}`,
      headers: as(owner, true),
      payload: (({ customerId: _c, siteId: _s, jobTypeId: _j, ...d }) => ({ ...d, expectedVersion: 2 }))(
        draft(org, { discountPercent: '15' }),
      ),
    });
    expect(edit.statusCode, edit.body).toBe(200);
    // 1,160 less 15 % = 986, plus 23 % = 1,212.78.
    expect(edit.json().total).toBe('1212.78');
    const stale = await accept(oldToken, {
      version: 1,
      choice: { options: { Boiler: 'Standard' }, addOns: [] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(stale.statusCode).toBe(409);
    expect(problemOf(stale).detail).toContain('replaced by a newer version');
    const newToken = await send(q.id);
    expect(newToken).not.toBe(oldToken);
    const page = (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${newToken}` })).json();
    expect(page).toMatchObject({ version: 2, total: '1212.78', discountPercent: '15' });
  });

  it('lets the customer decline with a reason, and tells the office', async () => {
    const q = await create();
    const token = await send(q.id);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/quotes/${token}/decline`,
      payload: { version: 1, reason: 'Too expensive for us this year' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'declined',
      open: false,
      declineReason: 'Too expensive for us this year',
    });
    const notes = await t.database.raw.query<{ body: string }>(
      'SELECT body FROM notifications WHERE organization_id = $1 AND kind = $2',
      [org.organizationId, 'quote_declined'],
    );
    expect(notes.rows.some((n) => n.body.includes(q.number) && n.body.includes('Too expensive'))).toBe(true);
  });

  it('lets one of a concurrent acceptance and revision win, never both', async () => {
    const q = await create();
    const token = await send(q.id);
    const [accepted, revised] = await Promise.all([
      accept(token, {
        version: 1,
        choice: { options: { Boiler: 'Standard' }, addOns: [] },
        signerName: 'Pat Murphy',
        signature: await signature(),
      }),
      t.app.inject({ method: 'POST', url: `/api/v1/quotes/${q.id}/revise`, headers: as(owner, true) }),
    ]);
    expect([accepted.statusCode, revised.statusCode].sort()).toEqual([200, 409]);
    const versions = await t.database.raw.query<{ status: string }>(
      'SELECT status FROM quote_versions WHERE quote_id = $1 ORDER BY version',
      [q.id],
    );
    expect(versions.rows.map((v) => v.status)).toEqual(
      accepted.statusCode === 200 ? ['accepted'] : ['superseded', 'draft'],
    );
  });

  it('shows an expired quote as expired and refuses to accept it', async () => {
    const q = await create({ validUntil: '2026-11-20' });
    const token = await send(q.id);
    t.clock.set('2026-11-21T10:00:00Z');
    try {
      const page = (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` })).json();
      expect(page).toMatchObject({ status: 'expired', open: false });
      expect(page.closedBecause).toContain('valid until 20 November 2026');
      const late = await accept(token, {
        version: 1,
        choice: { options: { Boiler: 'Standard' }, addOns: [] },
        signerName: 'Pat Murphy',
        signature: await signature(),
      });
      expect(late.statusCode).toBe(409);
    } finally {
      t.clock.set('2026-11-18T09:00:00Z');
    }
  });

  it('speaks the customer’s language: the quote’s e-mail, its page and why it can no longer be answered', async () => {
    const setLanguage = (language: string | null) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/customers/${org.customerId}`,
        headers: as(owner, true),
        payload: { language },
      });
    expect((await setLanguage('de')).statusCode).toBe(200);
    try {
      const q = await create({ validUntil: '2026-11-20' });
      const token = await send(q.id);
      const mail = await mailAbout(q.number);
      expect(mail.subject).toBe(`Angebot ${q.number} von quotes Services`);
      for (const words of [
        `quotes Services hat das Angebot ${q.number} für Sie erstellt`,
        'Gesamt: 1.284,12 EUR für die erste Variante;',
        'Es ist gültig bis zum 20. November 2026.',
        'nehmen Sie es online an (ohne Konto)',
      ])
        expect(mail.text).toContain(words);
      expect(mail.text).not.toMatch(/Hello|Total|valid until/);
      const page = (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` })).json();
      expect(page).toMatchObject({ language: 'de', open: true, closedBecause: null });
      t.clock.set('2026-11-21T10:00:00Z');
      const expired = (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` })).json();
      expect(expired.closedBecause).toBe(
        'Dieses Angebot war bis zum 20. November 2026 gültig. Fragen Sie uns nach einem neuen.',
      );
      const late = await accept(token, {
        version: 1,
        choice: { options: { Boiler: 'Standard' }, addOns: [] },
        signerName: 'Pat Murphy',
        signature: await signature(),
      });
      expect(late.statusCode).toBe(409);
      expect(problemOf(late).detail).toContain('Fragen Sie uns nach einem neuen');
    } finally {
      t.clock.set('2026-11-18T09:00:00Z');
      await setLanguage(null);
    }
    // A customer without a language of their own reads the organization's: English here.
    const q = await create();
    const page = (
      await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${await send(q.id)}` })
    ).json();
    expect(page.language).toBe('en');
  });

  it('answers a link that is not one with a clear refusal', async () => {
    const malformed = await t.app.inject({ method: 'GET', url: '/api/v1/public/quotes/not-a-token' });
    expect(malformed.statusCode).toBe(400);
    const unknown = await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${'A'.repeat(43)}` });
    expect(unknown.statusCode).toBe(404);
    expect(problemOf(unknown).detail).toContain('expired or is not a quote link');
  });

  it('books the job of a quote accepted without a visit, with the accepted lines, once', async () => {
    const q = await create({ visitStart: null, visitEnd: null, depositBeforeWork: true });
    const token = await send(q.id);
    const book = (who: Session) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/quotes/${q.id}/book`,
        headers: as(who, true),
        payload: {
          windowStart: '2026-12-09T09:00:00.000Z',
          windowEnd: '2026-12-09T13:00:00.000Z',
          crew: [org.users.technician.id],
        },
      });
    // Nothing to book before the customer accepts.
    const early = await book(dispatcher);
    expect(early.statusCode).toBe(409);
    const unsigned = await t.app.inject({
      method: 'GET',
      url: `/api/v1/quotes/${q.id}/signed.pdf`,
      headers: as(owner),
    });
    expect(unsigned.statusCode).toBe(409);
    const ok = await accept(token, {
      version: 1,
      choice: { options: { Boiler: 'Standard' }, addOns: [THERMOSTAT] },
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(ok.json().jobNumber).toBeNull();
    const booked = await book(dispatcher);
    expect(booked.statusCode, booked.body).toBe(200);
    const jobId = booked.json().jobId as string;
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}`, headers: as(owner) })
    ).json();
    expect(job).toMatchObject({
      windowStart: '2026-12-09T09:00:00.000Z',
      discountPercent: '10',
      crew: [expect.objectContaining({ userId: org.users.technician.id })],
      // The quote asked for the deposit before work: the job holds its crew back until it is paid.
      depositRequired: true,
      depositBeforeWork: true,
    });
    expect(job.estimateLines.map((l: { description: string }) => l.description)).toEqual([
      'Labour',
      'Standard boiler',
      'Smart thermostat',
    ]);
    const twice = await book(dispatcher);
    expect(twice.statusCode).toBe(409);
    expect(problemOf(twice).detail).toContain(`already booked as ${job.number}`);
    // The accepted price is the customer's: the office cannot rewrite it on the job.
    const rewrite = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${jobId}`,
      headers: as(owner, true),
      payload: { estimateLines: [{ sku: null, description: 'Labour', quantity: '1', unitPrice: '1.00' }] },
    });
    expect(rewrite.statusCode).toBe(409);
    expect(problemOf(rewrite).detail).toMatch(
      /the customer accepted it in Q-[\d-]+\. Change it with a change order/,
    );
  });

  it('lets the customer pay an accepted quote’s deposit from its page, and the crew goes once it is paid', async () => {
    const stripe = await startFakeStripe();
    try {
      await connectFakeStripe(t.app, owner, stripe);
      // The seller's tax and bank details, without which no invoice is issued.
      await setSeller(t, owner);
      const q = await create({ depositBeforeWork: true });
      const token = await send(q.id);
      const ok = await accept(token, {
        version: 1,
        choice: { options: { Boiler: 'Standard' }, addOns: [] },
        signerName: 'Pat Murphy',
        signature: await signature(),
      });
      expect(ok.statusCode, ok.body).toBe(200);
      // The deposit invoice is issued by the workers a moment after the signature.
      expect(ok.json().depositInvoice).toBeNull();
      const page = async () =>
        (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` })).json();
      await vi.waitFor(async () => expect((await page()).depositInvoice).not.toBeNull(), {
        timeout: 20_000,
        interval: 200,
      });
      const due = ok.json().depositDue as string;
      const deposit = (await page()).depositInvoice;
      expect(deposit).toMatchObject({
        number: expect.stringMatching(/^INV-/),
        amount: due,
        outstanding: due,
        payUrl: expect.stringMatching(/^http:\/\/closeout\.test\/portal\/#\/pay\/[\w-]{86}$/),
      });
      const jobId = (
        await t.app.inject({ method: 'GET', url: `/api/v1/quotes/${q.id}`, headers: as(owner) })
      ).json().jobId as string;
      const dispatch = () =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/jobs/${jobId}/dispatch`,
          headers: as(dispatcher, true),
          payload: {},
        });
      // The quote asked for the deposit before work: the crew is held back until it is paid.
      expect((await dispatch()).statusCode).toBe(409);
      const payToken = deposit.payUrl.slice(deposit.payUrl.lastIndexOf('/') + 1);
      const checkout = await t.app.inject({
        method: 'POST',
        url: `/api/v1/public/pay/${payToken}/checkout`,
        payload: {},
      });
      expect(checkout.statusCode, checkout.body).toBe(200);
      const session = [...stripe.sessions.values()].find((x) => x.url === checkout.json().url);
      expect(session?.amount_total).toBe(Number(due.replace('.', '')));
      await stripe.pay(session?.id ?? '');
      expect((await page()).depositInvoice).toMatchObject({ outstanding: '0.00', payUrl: null });
      expect((await dispatch()).statusCode).toBe(200);
    } finally {
      await stripe.close();
    }
  });

  it('sums the pipeline by stage from the same quotes the list shows, and names the offers to chase', async () => {
    const list = (
      await t.app.inject({ method: 'GET', url: '/api/v1/quotes?limit=100', headers: as(dispatcher) })
    ).json().items as { id: string; status: string; total: string; acceptedTotal: string | null }[];
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/quotes/pipeline',
      headers: as(dispatcher),
    });
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json() as {
      stages: { status: string; count: number; values: { amount: string }[] }[];
      conversionRate: string | null;
      followUp: { id: string }[];
    };
    for (const stage of p.stages) {
      const mine = list.filter((q) => q.status === stage.status);
      expect(stage.count, stage.status).toBe(mine.length);
      const sum = mine.reduce((s, q) => s + Number(q.acceptedTotal ?? q.total) * 100, 0);
      expect(Math.round(Number(stage.values[0]?.amount ?? 0) * 100), stage.status).toBe(Math.round(sum));
    }
    const count = (s: string) => list.filter((q) => q.status === s).length;
    const decided = count('accepted') + count('declined') + count('expired');
    expect(Number(p.conversionRate)).toBeCloseTo(count('accepted') / decided, 4);
    // Today nothing waits three days.
    expect(p.followUp).toEqual([]);
    // Sent a week earlier, every unanswered offer waits past three days.
    await t.database.raw.query(
      `UPDATE quote_versions SET sent_at = sent_at - interval '7 days' WHERE organization_id = $1`,
      [org.organizationId],
    );
    const res7 = await t.app.inject({
      method: 'GET',
      url: '/api/v1/quotes/pipeline?followUpDays=3',
      headers: as(owner),
    });
    expect(res7.statusCode, res7.body).toBe(200);
    const later = res7.json() as typeof p;
    expect(later.followUp.map((f) => f.id).sort()).toEqual(
      list
        .filter((q) => q.status === 'sent' || q.status === 'viewed')
        .map((q) => q.id)
        .sort(),
    );
    const tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/quotes/pipeline', headers: as(tech) })).statusCode,
    ).toBe(403);
  });

  it('reminds billing once of a sent quote left unanswered past the organization’s follow-up days', async () => {
    const set = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization/billing',
      headers: as(owner, true),
      payload: { quoteFollowUpDays: 2 },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().quoteFollowUpDays).toBe(2);
    const q = await create({ validUntil: '2026-12-31' });
    await send(q.id);
    const reminders = async () =>
      (
        await t.database.raw.query<{ body: string }>(
          'SELECT body FROM notifications WHERE organization_id = $1 AND kind = $2',
          [org.organizationId, 'quote_follow_up'],
        )
      ).rows.filter((n) => n.body.includes(q.number));
    await remindUnansweredQuotes(t.deps);
    expect(await reminders()).toEqual([]);
    t.clock.set('2026-11-21T10:00:00Z');
    try {
      await remindUnansweredQuotes(t.deps);
      await remindUnansweredQuotes(t.deps);
      const mine = await reminders();
      // One reminder per billing user, once, in words: who, how long, what to do.
      expect(mine.length).toBeGreaterThan(0);
      expect(new Set(mine.map((m) => m.body)).size).toBe(1);
      expect(mine[0]?.body).toMatch(/went to Customer of quotes 3 days ago; they have not opened it/);
      expect(mine[0]?.body).toContain('valid until 31 December 2026');
      const billingUsers = await t.database.raw.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE organization_id = $1 AND 'billing' = ANY(roles)`,
        [org.organizationId],
      );
      expect(mine.length).toBe(billingUsers.rows[0]?.n);
    } finally {
      t.clock.set('2026-11-18T09:00:00Z');
    }
  });
});
