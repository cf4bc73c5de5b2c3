import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareJobInvoices } from '../../src/app/invoicing/prepare-job-invoices';
import type { Mailer } from '../../src/app/ports';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, requirements, sessionsOf } from '../support/factories';
import { jpegWithExif, multipart, png } from '../support/files';
import {
  closeOut,
  drain,
  type InvoiceJson,
  invoicesOfJob,
  newJob,
  plainJobType,
  setSeller,
  underPaymentRequests,
} from './helpers';

type Sent = Parameters<Mailer['send']>[0];

const hasPdftotext = spawnSync('pdftotext', ['-v'], { stdio: 'ignore' }).status === 0;
const pdfText = (pdf: Buffer) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
  fs.writeFileSync(path.join(dir, 'd.pdf'), pdf);
  return execFileSync('pdftotext', ['-layout', path.join(dir, 'd.pdf'), '-']).toString();
};

describe.each(testDrivers())('billing paths on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  const outbox: Sent[] = [];

  beforeAll(async () => {
    t = await createTestApp(driver, { mailer: { send: async (m) => void outbox.push(m) } });
    org = await makeOrganization(t.deps, 'paths');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner);
    jobTypeId = await plainJobType(t, owner);
  });
  afterAll(async () => t?.close());

  const get = (url: string, who: Session = billing) => t.app.inject({ method: 'GET', url, headers: as(who) });
  const post = (url: string, payload: object = {}, who: Session = billing) =>
    t.app.inject({ method: 'POST', url, headers: as(who, true), payload });
  const job = async (id: string) => (await get(`/api/v1/jobs/${id}`, dispatcher)).json();
  /** The customer pays `amount` on a document, by card. */
  const pay = async (invoiceId: string | undefined, amount: string) => {
    const res = await post('/api/v1/payments', {
      invoiceId,
      amount,
      receivedOn: '2026-11-18',
      method: 'card',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res;
  };
  /** A job's work billed to the customer, whose invoice e-mail is accounts@customer.test: its documents. */
  const billedAtAccounts = async () => {
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { email: 'accounts@customer.test' },
    });
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    return invoicesOfJob(t, billing, j.id);
  };
  const live = async (jobId: string) =>
    (
      await t.database.raw.query<{ invoice_id: string }>(
        'SELECT invoice_id FROM invoiced_work WHERE organization_id = $1 AND job_id = $2',
        [org.organizationId, jobId],
      )
    ).rows;

  it('never invoices the same work twice, whichever path is tried', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    const body = {
      submissionId: randomUUID(),
      workPerformed: { checklist: [], notes: 'done' },
      labor: [{ technicianId: org.users.technician.id, hours: '1' }],
      deviceTime: '2026-11-18T11:00:00.000Z',
    };
    // A replayed submission (a phone retrying) is the same closeout.
    for (let i = 0; i < 2; i++) {
      const res = await post(`/api/v1/jobs/${j.id}/closeouts`, body, tech);
      expect(res.statusCode).toBe(201);
    }
    await drain(t);
    // The queue job retried after a crash, or run twice.
    await prepareJobInvoices(t.deps, org.organizationId, j.id);
    await prepareJobInvoices(t.deps, org.organizationId, j.id);
    await drain(t);
    const invoices = await invoicesOfJob(t, billing, j.id);
    expect(invoices).toHaveLength(1);
    const [inv] = invoices as [InvoiceJson];
    expect(inv.status).toBe('issued');
    // Issuing again, a new closeout and an office correction after invoicing are refused.
    expect((await post(`/api/v1/invoices/${inv.id}/issue`)).statusCode).toBe(409);
    const again = await post(`/api/v1/jobs/${j.id}/closeouts`, { ...body, submissionId: randomUUID() }, tech);
    expect(again.statusCode).toBe(409);
    const office = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/jobs/${j.id}/closeout`,
      headers: as(owner, true),
      payload: { ...body, submissionId: randomUUID(), reason: 'add an hour' },
    });
    expect(office.statusCode).toBe(409);
    // The database itself refuses a second live invoice for the job's work: another invoice for the same job
    // is a duplicate key (a key widened to include the invoice would let it in, and fail here).
    await expect(
      t.database.raw.query(
        'INSERT INTO invoiced_work (organization_id, job_id, invoice_id, created_at) VALUES ($1, $2, $3, now())',
        [org.organizationId, j.id, randomUUID()],
      ),
    ).rejects.toThrow(/duplicate key|unique/);

    // Add-on work is a revision with its own ID, invoiced for the delta only.
    const rev = await post(
      `/api/v1/jobs/${j.id}/revisions`,
      {
        scope: 'Fit a thermostatic valve',
        windowStart: '2026-11-19T10:00:00.000Z',
        windowEnd: '2026-11-19T11:00:00.000Z',
        reason: 'Customer asked on site',
      },
      dispatcher,
    );
    expect(rev.statusCode, rev.body).toBe(201);
    expect(rev.json()).toMatchObject({ revisionOf: j.id, customerId: org.customerId });
    expect(rev.json().id).not.toBe(j.id);
    await closeOut(t, org, tech, rev.json().id, {
      labor: [{ technicianId: org.users.technician.id, hours: '0.5', billable: false }],
      parts: [{ description: 'TRV', quantity: '1', unitPrice: '42.00' }],
      adjustments: [],
    });
    await drain(t);
    const [delta] = await invoicesOfJob(t, billing, rev.json().id);
    expect(delta?.lines.map((l) => l.description)).toEqual(['TRV']);
    expect(delta?.totals.lineTotal).toBe('42.00');
    expect((await get(`/api/v1/invoices/${inv.id}`)).json().totals).toEqual(inv.totals);

    // A full credit note releases the work; the corrected invoice is the only live one afterwards.
    const credit = await post(`/api/v1/invoices/${inv.id}/credit-notes`, { reason: 'duplicate' });
    expect(credit.statusCode, credit.body).toBe(201);
    expect(credit.json()).toMatchObject({
      kind: 'credit_note',
      correctsInvoiceId: inv.id,
      creditReason: 'duplicate',
    });
    expect(credit.json().number).toMatch(/^CN-2026-\d{5}$/);
    expect((await get(`/api/v1/invoices/${inv.id}`)).json().status).toBe('credited');
    expect((await post(`/api/v1/invoices/${inv.id}/credit-notes`, { reason: 'duplicate' })).statusCode).toBe(
      409,
    );
    await drain(t);
    const redraft = (await invoicesOfJob(t, billing, j.id)).find((i) => i.status === 'draft');
    expect(redraft?.holdReasons.map((h) => h.code)).toEqual(['after_credit']);
    expect(await live(j.id)).toEqual([]);
    await post(`/api/v1/invoices/${redraft?.id}/issue`);
    expect((await live(j.id)).map((r) => r.invoice_id)).toEqual([redraft?.id]);
    expect((await job(j.id)).billingStatus).toBe('invoiced');
  });

  it('refuses a revision of a job that is not invoiced yet: its closeout is corrected instead', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    const res = await post(
      `/api/v1/jobs/${j.id}/revisions`,
      {
        scope: 'More',
        windowStart: '2026-11-19T10:00:00.000Z',
        windowEnd: '2026-11-19T11:00:00.000Z',
        reason: 'x',
      },
      dispatcher,
    );
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).code).toBe('invalid_transition');
  });

  it('sends a document that breaks an EN 16931 rule to needs_review with the rule ID, then reprocesses it', async () => {
    await setSeller(t, owner, { vatId: null });
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv).toMatchObject({ status: 'needs_review', number: null });
    expect(inv?.holdReasons.map((h) => h.code)).toContain('BR-S-02');
    const stuck = await job(j.id);
    expect(stuck).toMatchObject({ billingStatus: 'needs_review', exception: true });
    await setSeller(t, owner);
    const back = await post(`/api/v1/invoices/${inv?.id}/reprocess`);
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json().status).toBe('draft');
    expect((await job(j.id)).billingStatus).toBe('invoice_ready');
    // Invoice-ready again, the job's invoice is rebuilt with the seller's VAT ID and issued by itself.
    await drain(t);
    const issued = (await get(`/api/v1/invoices/${inv?.id}`)).json();
    expect(issued).toMatchObject({ status: 'issued', holdReasons: [] });
    expect((await get(`/api/v1/invoices/${inv?.id}/ubl`)).body).toContain('IE6388047V');
    expect((await job(j.id)).billingStatus).toBe('invoiced');
  });

  it('credits a paid deposit when the job is canceled', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId, { depositRequired: true, depositAmount: '123.00' });
    await drain(t);
    const [dep] = await invoicesOfJob(t, billing, j.id);
    expect(dep).toMatchObject({ kind: 'deposit_invoice', status: 'issued' });
    expect(dep?.totals.payable).toBe('123.00');
    await pay(dep?.id, '123.00');
    expect((await job(j.id)).depositReceived).toBe('123.00');
    const cancel = await post(
      `/api/v1/jobs/${j.id}/cancel`,
      { reason: 'Customer moved house', waiveFee: true },
      dispatcher,
    );
    expect(cancel.statusCode, cancel.body).toBe(200);
    await drain(t);
    const credit = (await invoicesOfJob(t, billing, j.id)).find((i) => i.kind === 'credit_note');
    expect(credit).toMatchObject({ status: 'issued', creditReason: 'canceled_job' });
    expect(credit?.totals.payable).toBe('123.00');
    expect(credit?.outstanding).toBe('123.00');
    await drain(t);
    expect((await invoicesOfJob(t, billing, j.id)).filter((i) => i.kind === 'credit_note')).toHaveLength(1);
    // The refund due is tracked on the credit note until it is paid out.
    const refund = await post('/api/v1/payments', {
      invoiceId: credit?.id,
      amount: '123.00',
      receivedOn: '2026-11-19',
      method: 'bank_transfer',
      reference: 'REFUND-1',
    });
    expect(refund.json().invoice).toMatchObject({ status: 'paid', outstanding: '0.00' });
    // The job says so too: nothing asked in advance any more, nothing held.
    expect(await job(j.id)).toMatchObject({ depositAmount: '0.00', depositReceived: '0.00' });
  });

  it('meets a deposit due before the work once what is left of it after a credit is paid', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId, {
      depositRequired: true,
      depositAmount: '200.00',
      depositBeforeWork: true,
    });
    await drain(t);
    const [dep] = await invoicesOfJob(t, billing, j.id);
    // The customer and the office agree on half the deposit: a credit note takes the other half back.
    const credit = await post(`/api/v1/invoices/${dep?.id}/credit-notes`, {
      reason: 'goodwill',
      lines: [{ position: 1, quantity: '0.5' }],
    });
    expect(credit.statusCode, credit.body).toBe(201);
    expect(await job(j.id)).toMatchObject({ depositAmount: '100.00', depositReceived: null });
    expect((await post(`/api/v1/jobs/${j.id}/dispatch`, {}, dispatcher)).statusCode).toBe(409);
    await pay(dep?.id, '100.00');
    // Paid and credited, nothing is owed on it, and the crew may go.
    expect((await invoicesOfJob(t, billing, j.id)).find((d) => d.id === dep?.id)?.status).toBe('paid');
    expect(await job(j.id)).toMatchObject({ depositAmount: '100.00', depositReceived: '100.00' });
    const dispatched = await post(`/api/v1/jobs/${j.id}/dispatch`, {}, dispatcher);
    expect(dispatched.statusCode, dispatched.body).toBe(200);
  });

  it('deducts a deposit partly credited only for what is left of it: the work is billed in full', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId, { depositRequired: true, depositAmount: '100.00' });
    await drain(t);
    const [dep] = await invoicesOfJob(t, billing, j.id);
    expect(dep).toMatchObject({ kind: 'deposit_invoice', status: 'issued' });
    // The customer paid the deposit; the office gives back 40 % of it (a credit note, then a refund).
    await pay(dep?.id, '100.00');
    const credit = await post(`/api/v1/invoices/${dep?.id}/credit-notes`, {
      reason: 'goodwill',
      lines: [{ position: 1, quantity: '0.4' }],
    });
    expect(credit.statusCode, credit.body).toBe(201);
    expect(credit.json().totals.taxInclusive).toBe('40.00');
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const docs = await invoicesOfJob(t, billing, j.id);
    const final = docs.find((i) => i.kind === 'invoice');
    expect(final?.status, JSON.stringify(final?.holdReasons)).toBe('issued');
    // The customer keeps 60.00 of the deposit in advance: the final invoice deducts that, not the 100.00
    // first asked (which would leave the 40.00 given back unbilled).
    const deducted = (final?.lines ?? [])
      .filter((l) => l.description.startsWith('Advance invoiced on'))
      .reduce((sum, l) => sum.minus(l.netAmount), new Decimal(0));
    expect(deducted.toFixed(2)).toBe(
      new Decimal(dep?.totals.taxExclusive ?? 'NaN').minus(credit.json().totals.taxExclusive).toFixed(2),
    );
    expect(deducted.gt(0)).toBe(true);
  });

  it('settles an invoice part paid whose rest is credited; a credit beyond what was owed is a refund due once', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const final = (await invoicesOfJob(t, billing, j.id)).find((i) => i.kind === 'invoice');
    expect(final?.status).toBe('issued');
    // The work is 2.5 hours at 80.00, the pump at 189.99 and the trip at 35.00: the customer pays all but
    // 250.00, and the office then credits the pump (a goodwill gesture), which with its share of the trip
    // charge and its VAT is more than the 250.00 still owed.
    const pump = final?.lines.find((l) => l.description.includes('pump'));
    const paid = new Decimal(final?.totals.payable ?? 'NaN').minus('250.00');
    await pay(final?.id, paid.toFixed(2));
    const credit = await post(`/api/v1/invoices/${final?.id}/credit-notes`, {
      reason: 'goodwill',
      lines: [{ position: pump?.position, quantity: '1' }],
    });
    expect(credit.statusCode, credit.body).toBe(201);
    const beyond = new Decimal(credit.json().totals.payable).minus('250.00');
    expect(beyond.gt(0)).toBe(true);
    const docs = await invoicesOfJob(t, billing, j.id);
    const after = docs.find((i) => i.id === final?.id);
    // Nothing is owed any more: the invoice is settled and so is its job, not left part paid for ever.
    expect(after).toMatchObject({ status: 'paid', outstanding: '0.00' });
    expect((await job(j.id)).billingStatus).toBe('paid');
    // What was credited beyond what was owed is owed to the customer once, on the credit note only.
    expect(docs.find((i) => i.kind === 'credit_note')?.outstanding).toBe(beyond.toFixed(2));
    // The customer's statement (a credit note stands with the invoice it corrects): one open item, the
    // refund due to them, once.
    const statement = (await get(`/api/v1/customers/${org.customerId}/statement`)).json() as {
      open: { number: string; amount: string }[];
    };
    expect(statement.open.filter((o) => o.number === final?.number).map((o) => o.amount)).toEqual([
      beyond.negated().toFixed(2),
    ]);
  });

  it('gives back a deposit larger than the work: the final invoice asks nothing and the rest is a refund due', async () => {
    const overpaid = async () => {
      const j = await newJob(t, org, dispatcher, jobTypeId, {
        depositRequired: true,
        depositAmount: '500.00',
      });
      await drain(t);
      const [dep] = await invoicesOfJob(t, billing, j.id);
      await pay(dep?.id, '500.00');
      // The work comes to 235.00 net: 2.5 hours at 80.00 and the trip charge, no part.
      await closeOut(t, org, tech, j.id, { parts: [] });
      await drain(t);
      const docs = await invoicesOfJob(t, billing, j.id);
      const final = docs.find((i) => i.kind === 'invoice');
      // Nothing is due on it: it is settled as it is issued.
      expect(final?.status, JSON.stringify(final?.holdReasons)).toBe('paid');
      expect(final?.totals.payable).toBe('0.00');
      const refund = docs.find((i) => i.kind === 'credit_note');
      expect(refund).toMatchObject({ status: 'issued', correctsInvoiceId: dep?.id });
      return { j, dep, final, refund };
    };
    // An advance invoice: the credit note takes back the net the work did not use, with its VAT.
    const vat = await overpaid();
    expect(vat.refund?.totals.taxExclusive).toBe(
      new Decimal(vat.dep?.totals.taxExclusive ?? 'NaN').minus('235.00').toFixed(2),
    );
    expect(vat.refund?.outstanding).toBe(vat.refund?.totals.payable);
    expect((await job(vat.j.id)).billingStatus).toBe('paid');
    // A payment request: what the work did not use of what was paid is given back.
    await underPaymentRequests(t, owner, async () => {
      const req = await overpaid();
      expect(req.refund?.totals.payable).toBe('210.95');
    });
  });

  it('voids a deposit request never issued when the work is billed or the job closed: the work is billed once', async () => {
    await setSeller(t, owner, { invoiceAutoIssue: false });
    try {
      const j = await newJob(t, org, dispatcher, jobTypeId, {
        depositRequired: true,
        depositAmount: '50.00',
      });
      await drain(t);
      const [dep] = await invoicesOfJob(t, billing, j.id);
      expect(dep).toMatchObject({ kind: 'deposit_invoice', status: 'draft' });
      await closeOut(t, org, tech, j.id);
      await drain(t);
      const docs = await invoicesOfJob(t, billing, j.id);
      const final = docs.find((i) => i.kind === 'invoice');
      expect(final).toMatchObject({ status: 'draft' });
      // Nothing was asked for in advance, so the final invoice bills the whole work...
      expect(final?.totals.prepaid ?? '0.00').toBe('0.00');
      expect(final?.totals.payable).toBe(final?.totals.taxInclusive);
      // ...and the deposit request that was never issued is void, so it cannot bill the work a second time.
      expect(docs.find((i) => i.id === dep?.id)).toMatchObject({ status: 'void', number: null });
      const late = await post(`/api/v1/invoices/${dep?.id}/issue`);
      expect(late.statusCode).toBe(409);
      expect(problemOf(late).detail).toContain('void');
      const history = (await get(`/api/v1/invoices/${dep?.id}/timeline`)).json() as {
        items: { reason: string | null }[];
      };
      expect(history.items.map((h) => h.reason)).toContain(
        'The job was closed out before this deposit request was issued: its final invoice bills the whole work',
      );
      // Running the preparation again drafts no new deposit request.
      await prepareJobInvoices(t.deps, org.organizationId, j.id);
      expect(
        (await invoicesOfJob(t, billing, j.id)).filter((i) => i.kind === 'deposit_invoice'),
      ).toHaveLength(1);

      // A canceled job's deposit request never issued is void too: nothing is left to issue by mistake.
      const c = await newJob(t, org, dispatcher, jobTypeId, {
        depositRequired: true,
        depositAmount: '40.00',
      });
      await drain(t);
      const cancel = await post(
        `/api/v1/jobs/${c.id}/cancel`,
        { reason: 'Customer moved', waiveFee: true },
        dispatcher,
      );
      expect(cancel.statusCode, cancel.body).toBe(200);
      await drain(t);
      expect((await invoicesOfJob(t, billing, c.id)).map((i) => [i.kind, i.status])).toEqual([
        ['deposit_invoice', 'void'],
      ]);
    } finally {
      await setSeller(t, owner, { invoiceAutoIssue: true });
    }
  });

  it('carries photos by category, the signature, invoice custom fields and the logo into the packet', async () => {
    const logo = multipart({}, { name: 'logo.png', type: 'image/png', bytes: await png(9) });
    const up = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/organization/logo',
      headers: { ...as(owner, true), ...logo.headers },
      payload: logo.payload,
    });
    expect(up.statusCode, up.body).toBe(200);
    const jt = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: 'WITH-FIELDS',
        name: 'With fields',
        trade: 'hvac',
        defaultDurationMinutes: 60,
        billingMode: 'time_and_materials',
        closeoutRequirements: requirements(),
        approvalRules: [],
        customFields: [
          {
            key: 'unit_model',
            label: 'Unit model',
            type: 'text',
            required: false,
            capture: 'booking',
            printOnInvoice: true,
          },
          {
            key: 'internal',
            label: 'Internal note',
            type: 'text',
            required: false,
            capture: 'booking',
            printOnInvoice: false,
          },
        ],
      },
    });
    expect(jt.statusCode, jt.body).toBe(201);
    const j = await newJob(t, org, dispatcher, jt.json().id, {
      customFields: { unit_model: 'Daikin FTXM35', internal: 'secret' },
    });
    const upload = async (category: string, bytes: Buffer, type: string) => {
      const m = multipart({ category }, { name: `${category}.bin`, type, bytes });
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${j.id}/attachments`,
        headers: { ...as(tech, true), ...m.headers },
        payload: m.payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    // Taken after-first and sent after-first: the proof pages still show the work before, then after.
    const after = await upload('after', await jpegWithExif(22), 'image/jpeg');
    const before = await upload('before', await jpegWithExif(21), 'image/jpeg');
    const sig = await upload('signature', await png(23), 'image/png');
    await closeOut(t, org, tech, j.id, {
      attachmentIds: [after, before],
      signature: { attachmentId: sig, signerName: 'Aoife Byrne', signedAt: '2026-11-18T11:45:00.000Z' },
    });
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    const ubl = (await get(`/api/v1/invoices/${inv?.id}/ubl`)).body;
    expect(ubl).toContain('Unit model: Daikin FTXM35');
    expect(ubl).not.toContain('secret');
    const zip = unzipSync(new Uint8Array((await get(`/api/v1/invoices/${inv?.id}/packet`)).rawPayload));
    const names = Object.keys(zip);
    expect(names.filter((n) => n.startsWith('proof/')).sort()).toEqual(
      [`proof/after-${after}.jpg`, `proof/before-${before}.jpg`, `proof/signature-${sig}.png`].sort(),
    );
    const manifest = JSON.parse(Buffer.from(zip['manifest.json'] as Uint8Array).toString());
    expect(manifest.parts.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([`proof/after-${after}.jpg`, `proof/signature-${sig}.png`]),
    );
    // The PDF embeds the logo, two photo thumbnails and the signature; each PNG brings its alpha as a mask.
    const pdf = Buffer.from(zip[`${inv?.number}.pdf`] as Uint8Array).toString('latin1');
    expect(pdf.match(/\/Subtype \/Image/g)?.length).toBe(4 + 2);
    expect(pdf.match(/\/SMask/g)?.length).toBe(2);
    if (hasPdftotext) {
      const text = pdfText(Buffer.from(zip[`${inv?.number}.pdf`] as Uint8Array));
      expect(text.indexOf('Before the work (1)')).toBeGreaterThan(-1);
      expect(text.indexOf('Before the work (1)')).toBeLessThan(text.indexOf('After the work (1)'));
      // Times speak the reader's language, in the organization's zone; no machine timestamp reaches the customer.
      expect(text).toMatch(/Signed by Aoife Byrne on 18 November 2026, \d\d:45/);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    }
  });

  it.skipIf(!hasPdftotext)(
    'keeps the approval log in the internal packet, never on the customer’s PDF',
    async () => {
      const jt = await t.app.inject({
        method: 'POST',
        url: '/api/v1/job-types',
        headers: as(owner, true),
        payload: {
          code: 'NEEDS-OK',
          name: 'Needs approval',
          trade: 'hvac',
          defaultDurationMinutes: 60,
          billingMode: 'time_and_materials',
          closeoutRequirements: requirements(),
          approvalRules: [
            { code: 'invoice_total_above', threshold: '100', approverRole: 'approver', slaHours: 24 },
          ],
        },
      });
      const j = await newJob(t, org, dispatcher, jt.json().id);
      const decision = await closeOut(t, org, tech, j.id);
      expect(decision.job.billingStatus).toBe('needs_approval');
      const approver = await signIn(t.app, org.users.approver.email, PASSWORD);
      const ok = await post(
        `/api/v1/approvals/${decision.approval.id}/decision`,
        { decision: 'approve', comment: 'Agreed the price with the customer' },
        approver,
      );
      expect(ok.statusCode, ok.body).toBe(200);
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      const text = pdfText((await get(`/api/v1/invoices/${inv?.id}/pdf`)).rawPayload);
      expect(text).not.toContain('Approval log');
      expect(text).not.toContain('Agreed the price with the customer');
      expect(text).not.toContain('invoice_total_above');
      const zip = unzipSync(new Uint8Array((await get(`/api/v1/invoices/${inv?.id}/packet`)).rawPayload));
      const log = JSON.parse(Buffer.from(zip['approval-log.json'] as Uint8Array).toString()) as {
        by: string;
        decision: string;
        comment: string;
        rules: string[];
      }[];
      expect(log).toEqual([
        expect.objectContaining({
          by: `approver of ${org.slug}`,
          decision: 'approved',
          comment: 'Agreed the price with the customer',
          rules: ['invoice_total_above'],
        }),
      ]);
    },
  );

  it('e-mails a receipt for a payment the office records when asked, and only then, and the advice of a refund', async () => {
    const inv = (await billedAtAccounts()).find((d) => d.kind === 'invoice');
    const number = inv?.number ?? '?';
    const receipts = () => outbox.filter((m) => m.subject.includes(number));
    // A cheque without a receipt asked for: nothing goes.
    const quiet = await post('/api/v1/payments', {
      invoiceId: inv?.id,
      amount: '100.00',
      receivedOn: '2026-11-18',
      method: 'check',
    });
    expect(quiet.statusCode, quiet.body).toBe(201);
    await drain(t);
    expect(receipts()).toEqual([]);
    // A bank transfer with one: once, saying how the money came and what is left.
    const left = new Decimal(inv?.totals.payable ?? 'NaN').minus('150.00');
    const asked = await post('/api/v1/payments', {
      invoiceId: inv?.id,
      amount: '50.00',
      receivedOn: '2026-11-19',
      method: 'bank_transfer',
      sendReceipt: true,
    });
    expect(asked.statusCode, asked.body).toBe(201);
    await drain(t);
    expect(receipts().map((m) => [m.to, m.subject])).toEqual([
      [['accounts@customer.test'], `Receipt: EUR 50.00 for ${number}`],
    ]);
    expect(receipts()[0]?.text).toContain(
      `we received EUR 50.00 by bank transfer for ${number} on 19 November 2026`,
    );
    expect(receipts()[0]?.text).toContain(`EUR ${left.toFixed(2)} is still to pay`);
    // Credited in full, the 150.00 paid is owed back: the office pays it back and tells the customer.
    const credit = await post(`/api/v1/invoices/${inv?.id}/credit-notes`, { reason: 'goodwill' });
    expect(credit.statusCode, credit.body).toBe(201);
    const back = await post('/api/v1/payments', {
      invoiceId: credit.json().id,
      amount: '150.00',
      receivedOn: '2026-11-20',
      method: 'bank_transfer',
      sendReceipt: true,
    });
    expect(back.statusCode, back.body).toBe(201);
    await drain(t);
    const advice = outbox.find((m) => m.subject === `Refund of EUR 150.00 for ${credit.json().number}`);
    expect(advice?.text).toContain(
      `We have paid you back EUR 150.00 by bank transfer for ${credit.json().number} on 20 November 2026.`,
    );
    // Not a boolean: refused, nothing recorded.
    const bad = await post('/api/v1/payments', {
      invoiceId: inv?.id,
      amount: '1.00',
      receivedOn: '2026-11-19',
      method: 'cash',
      sendReceipt: 'yes',
    });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.map((e) => e.field)).toEqual(['body.sendReceipt']);
  });

  it.runIf(hasPdftotext)(
    'prints the invoice in the customer’s language: words, dates and amounts as they write them',
    async () => {
      const setLanguage = (language: string | null) =>
        t.app.inject({
          method: 'PATCH',
          url: `/api/v1/customers/${org.customerId}`,
          headers: as(owner, true),
          payload: { language, email: 'accounts@customer.test' },
        });
      const wrong = await setLanguage('xx');
      expect(wrong.statusCode).toBe(400);
      expect(problemOf(wrong).errors[0]?.field).toBe('body.language');
      expect((await setLanguage('de')).json().language).toBe('de');
      try {
        const j = await newJob(t, org, dispatcher, jobTypeId);
        await closeOut(t, org, tech, j.id);
        await drain(t);
        const [inv] = await invoicesOfJob(t, billing, j.id);
        const text = pdfText((await get(`/api/v1/invoices/${inv?.id}/pdf`)).rawPayload);
        for (const words of ['RECHNUNG', 'Rechnungsempfänger', 'Einsatzort', 'Beschreibung', 'Zahlbetrag'])
          expect(text).toContain(words);
        expect(text).toMatch(/Rechnungsdatum \d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}/);
        expect(text).toMatch(/Seite 1 von \d/);
        // Amounts as a German reader writes them: comma decimals, the currency after.
        const [whole = '', cents = ''] = (inv?.totals.payable ?? '').split('.');
        const german = `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.')},${cents}`;
        const due = new RegExp(`Zahlbetrag\\s+${german.replace('.', '\\.')} EUR`);
        expect(text).toMatch(due);
        expect(text).not.toContain('Amount due');
        expect(text).not.toContain('Issue date');
        // The proof pages and the service report too.
        expect(text).toContain('Leistungsnachweis');
        expect(text).toMatch(
          /Abgeschlossen am \d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}, \d\d:\d\d bei 53,34980, -6,26030/,
        );
        const report = pdfText((await get(`/api/v1/jobs/${j.id}/service-report`)).rawPayload);
        for (const words of ['ARBEITSBERICHT', 'Arbeit und Teile', 'Techniker:', 'Leistungsnachweis'])
          expect(report).toContain(words);
        expect(report).not.toMatch(/SERVICE REPORT|Proof of work/);

        // The e-mail too: Closeout's words in German (the organization wrote none of its own).
        expect((await post(`/api/v1/invoices/${inv?.id}/send`)).statusCode).toBe(200);
        await drain(t);
        const mail = outbox.find((m) => m.subject.includes(inv?.number ?? '?'));
        expect(mail?.subject).toBe(`${org.slug} Services: Rechnung ${inv?.number}`);
        expect(mail?.text).toMatch(/^Guten Tag /);
        expect(mail?.text).toContain(
          `anbei erhalten Sie Ihre Rechnung ${inv?.number} für den Auftrag ${inv?.jobNumbers[0]}`,
        );
        expect(mail?.text).toMatch(
          new RegExp(
            `Zahlbetrag: ${german.replace('.', '\\.')} EUR, fällig am \\d{1,2}\\. [A-ZÄÖÜ][a-zäöü]+ \\d{4}\\.`,
          ),
        );
        expect(mail?.text).toContain('Alle Ihre Rechnungen bei uns ansehen');
        expect(mail?.text).not.toMatch(/Hello|Amount due|Please find/);

        // The receipt for money the office records speaks German too.
        const paid = await post('/api/v1/payments', {
          invoiceId: inv?.id,
          amount: '10.00',
          receivedOn: '2026-11-19',
          method: 'bank_transfer',
          sendReceipt: true,
        });
        expect(paid.statusCode, paid.body).toBe(201);
        await drain(t);
        const receipt = outbox.find((m) => m.subject.startsWith('Zahlungsbestätigung'));
        expect(receipt?.subject).toBe(`Zahlungsbestätigung: 10,00 EUR für ${inv?.number}`);
        expect(receipt?.text).toContain(
          `vielen Dank: Wir haben am 19. November 2026 10,00 EUR per Überweisung für ${inv?.number} erhalten.`,
        );
        expect(receipt?.text).toContain('Ihre Rechnungen, Zahlungen und Belege: ');
        expect(receipt?.text).not.toMatch(/Dear|Thank you|Receipt/);
      } finally {
        await setLanguage(null);
      }
      // The organization's language is the default for customers who have none.
      const j = await newJob(t, org, dispatcher, jobTypeId);
      await closeOut(t, org, tech, j.id);
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      expect(pdfText((await get(`/api/v1/invoices/${inv?.id}/pdf`)).rawPayload)).toContain('Amount due');
    },
  );

  it('e-mails the PDF and the UBL when an invoice is sent', async () => {
    const [inv] = await billedAtAccounts();
    const sent = await post(`/api/v1/invoices/${inv?.id}/send`);
    expect(sent.json().status).toBe('sent');
    await drain(t);
    const mail = outbox.find((m) => m.subject.includes(inv?.number ?? '?'));
    expect(mail?.to).toEqual(['accounts@customer.test']);
    // From the business, by name: the customer's mail program shows who sent it.
    expect(mail?.fromName).toBe(`${org.slug} Services`);
    // A customer who takes no e-invoices gets the PDF only, in a message meant for a person.
    expect(mail?.attachments?.map((a) => a.filename)).toEqual([`${inv?.number}.pdf`]);
    expect(mail?.text).toMatch(/^Hello /);
    expect(mail?.text).toContain(`Please find attached invoice ${inv?.number} for job ${inv?.jobNumbers[0]}`);
    expect(mail?.text).toMatch(/Amount due: EUR [\d,]+\.\d{2} by \d{1,2} [A-Z][a-z]+ \d{4}\./);
    expect(mail?.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    // The history says who got it, with what.
    const history = (await get(`/api/v1/invoices/${inv?.id}/timeline`)).json() as {
      items: { action: string; changes: { to?: string[]; attachments?: string[] } }[];
    };
    expect(history.items.find((e) => e.action === 'invoice.emailed')?.changes).toMatchObject({
      to: ['accounts@customer.test'],
      attachments: [`${inv?.number}.pdf`],
    });

    // The organization writes its own message; a Peppol customer also gets the UBL; a resend goes again.
    const bad = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization/billing',
      headers: as(owner, true),
      payload: { invoiceEmail: { subject: '{{number}} from {{organization}}', body: 'Total {{total}}' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'body.invoiceEmail.body' });
    expect(bad.json().errors[0].message).toContain('{{total}}');
    const custom = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization/billing',
      headers: as(owner, true),
      payload: {
        invoiceEmail: {
          subject: '{{number}} from {{organization}}',
          body: 'Dear {{customer}},\n{{amountLine}}\n{{howToPay}}\nRegards',
        },
      },
    });
    expect(custom.statusCode, custom.body).toBe(200);
    expect(custom.json().invoiceEmail).toMatchObject({
      custom: true,
      subject: '{{number}} from {{organization}}',
    });
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { peppolEndpoint: '0088:5790000435951' },
    });
    expect((await post(`/api/v1/invoices/${inv?.id}/send`)).statusCode).toBe(200);
    await drain(t);
    const again = outbox.filter((m) => m.subject.includes(inv?.number ?? '?')).at(-1);
    expect(again?.subject).toMatch(new RegExp(`^${inv?.number} from `));
    expect(again?.text).toMatch(/^Dear .+,\nAmount due: /);
    expect(again?.attachments?.map((a) => a.filename)).toEqual([`${inv?.number}.pdf`, `${inv?.number}.xml`]);
    const reset = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization/billing',
      headers: as(owner, true),
      payload: { invoiceEmail: null },
    });
    expect(reset.json().invoiceEmail.custom).toBe(false);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { peppolEndpoint: null },
    });
  });

  it('tells billing, and the invoice history, when a customer has no invoice e-mail address', async () => {
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { email: null, contacts: [] },
    });
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    const mailsBefore = outbox.length;
    expect((await post(`/api/v1/invoices/${inv?.id}/send`)).statusCode).toBe(200);
    await drain(t);
    expect(outbox.length).toBe(mailsBefore);
    const history = (await get(`/api/v1/invoices/${inv?.id}/timeline`)).json() as {
      items: { action: string; reason: string | null }[];
    };
    expect(history.items.find((e) => e.action === 'invoice.not_emailed')?.reason).toContain(
      'has no invoice e-mail address',
    );
    const bell = (await get('/api/v1/notifications')).json() as {
      items: { body: string; invoiceId: string | null }[];
    };
    expect(bell.items.find((n) => n.invoiceId === inv?.id)?.body).toContain(
      `${inv?.number} could not be e-mailed`,
    );
  });

  it('gives concurrent issues distinct, gapless numbers', async () => {
    await setSeller(t, owner, { invoiceAutoIssue: false });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const j = await newJob(t, org, dispatcher, jobTypeId);
      await closeOut(t, org, tech, j.id);
      ids.push(j.id);
    }
    await drain(t);
    const drafts = await Promise.all(
      ids.map(async (id) => (await invoicesOfJob(t, billing, id))[0] as InvoiceJson),
    );
    const before = await t.database.raw.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM invoices WHERE organization_id = $1 AND number LIKE 'INV-%'`,
      [org.organizationId],
    );
    const results = await Promise.all(drafts.map((d) => post(`/api/v1/invoices/${d.id}/issue`)));
    // Lock contention on PostgreSQL may refuse some with 409 (retry); none may take a number it then loses.
    const issued = results.filter((r) => r.statusCode === 200).map((r) => r.json().number as string);
    for (const r of results.filter((x) => x.statusCode !== 200)) expect(r.statusCode).toBe(409);
    const { rows } = await t.database.raw.query<{ number: string }>(
      `SELECT number FROM invoices WHERE organization_id = $1 AND number LIKE 'INV-%' ORDER BY number`,
      [org.organizationId],
    );
    const seq = rows.map((r) => Number(r.number.slice(-5)));
    expect(seq).toEqual(seq.map((_, i) => i + 1));
    expect(rows.length).toBe((before.rows[0]?.n ?? 0) + issued.length);
    expect(new Set(issued).size).toBe(issued.length);
    await setSeller(t, owner, { invoiceAutoIssue: true });
  });

  it('sends issued invoices by themselves, once, at once or at the chosen local hour, unless sent meanwhile', async () => {
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { email: 'accounts@customer.test' },
    });
    const mailsOf = (number: string | null | undefined) =>
      outbox.filter((m) => m.subject.includes(number ?? '?'));
    const sendsOf = async (id: string) =>
      (
        (await get(`/api/v1/invoices/${id}/timeline`)).json() as {
          items: { action: string; changes: Record<string, unknown> }[];
        }
      ).items.filter((e) => e.action === 'invoice.send');
    const bad = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization/billing',
      headers: as(owner, true),
      payload: { invoiceAutoSend: 'at_hour', invoiceAutoSendHour: 24 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.invoiceAutoSendHour');

    // At once: issued, then sent by itself and e-mailed, once, whatever runs again.
    await setSeller(t, owner, { invoiceAutoSend: 'at_once' });
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv?.status).toBe('sent');
    await drain(t);
    expect(mailsOf(inv?.number)).toHaveLength(1);
    expect((await sendsOf(inv?.id ?? '')).map((e) => e.changes.automatic)).toEqual([true]);

    // At 08:00 the business's time: it waits, queued for that hour.
    await setSeller(t, owner, { invoiceAutoSend: 'at_hour', invoiceAutoSendHour: 8 });
    const k = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, k.id);
    await drain(t);
    const [second] = await invoicesOfJob(t, billing, k.id);
    expect(second?.status).toBe('issued');
    expect(mailsOf(second?.number)).toHaveLength(0);
    // Queued to start that many seconds after it was queued (the queue counts in the database's time).
    const { rows } = await t.database.raw.query<{ delay: number }>(
      `SELECT extract(epoch FROM start_after - created_on)::float AS delay FROM pgboss.job
        WHERE name = 'invoice.auto_send' AND data->>'invoiceId' = $1`,
      [second?.id],
    );
    expect(rows).toHaveLength(1);
    const delay = Number(rows[0]?.delay ?? -1);
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(24 * 3600);
    const at = new Date(t.deps.clock.now().getTime() + Math.round(delay) * 1000);
    const zone = (await get('/api/v1/me', owner)).json().organization.timeZone as string;
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(at),
    ).toBe('08:00');
    // Billing sends it by hand first: when the hour comes, the queued send leaves it alone.
    expect((await post(`/api/v1/invoices/${second?.id}/send`)).json().status).toBe('sent');
    await t.database.raw.query(
      "UPDATE pgboss.job SET start_after = now() WHERE name = 'invoice.auto_send' AND data->>'invoiceId' = $1",
      [second?.id],
    );
    await drain(t);
    expect(mailsOf(second?.number)).toHaveLength(1);
    expect((await sendsOf(second?.id ?? '')).map((e) => e.changes.automatic ?? false)).toEqual([false]);
    await setSeller(t, owner, { invoiceAutoSend: 'off' });
  });
});
