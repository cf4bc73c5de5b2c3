import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../../src/app/ports';
import { closeOut, drain, invoicesOfJob, newJob, setSeller } from '../invoices/helpers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, requirements } from '../support/factories';
import { jpegWithExif, multipart, png } from '../support/files';

type Mail = Parameters<Mailer['send']>[0];
type Co = {
  id: string;
  seq: number;
  name: string;
  status: string;
  beforeTotal: string;
  afterTotal: string;
  difference: string;
  signerName: string | null;
  signedInPerson: boolean | null;
  photoIds: string[];
};

describe.each(testDrivers())('change orders from the site to the invoice on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let otherTech: Session;
  let fixedType: string;
  let tmType: string;
  const inbox: Mail[] = [];

  beforeAll(async () => {
    t = await createTestApp(driver, {
      mailer: {
        send: async (m) => {
          inbox.push(m);
        },
      },
    });
    org = await makeOrganization(t.deps, 'changes');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    otherTech = await signIn(t.app, org.otherTechnician.email, PASSWORD);
    await setSeller(t, owner);
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE id = $2', [
      'homeowner@example.com',
      org.customerId,
    ]);
    const type = async (code: string, billingMode: string, approvalRules: object[]) => {
      const res = await call('POST', '/api/v1/job-types', owner, {
        code,
        name: code,
        trade: 'plumbing',
        defaultDurationMinutes: 240,
        billingMode,
        closeoutRequirements: requirements(),
        approvalRules,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    fixedType = await type('FIXED-HEATING', 'fixed', []);
    tmType = await type('TM-REPAIR', 'time_and_materials', [
      { code: 'parts_over_estimate_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
    ]);
  });
  afterAll(() => t?.close());

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, who?: Session, payload?: object) =>
    t.app.inject({
      method,
      url,
      ...(who ? { headers: as(who, method !== 'GET') } : {}),
      ...(payload ? { payload } : {}),
    });
  const signature = async () => `data:image/png;base64,${(await png(3)).toString('base64')}`;
  const draftCo = async (jobId: string, who: Session, body: object) => {
    const res = await call('POST', `/api/v1/jobs/${jobId}/change-orders`, who, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Co;
  };
  const signInPerson = async (id: string, who: Session = tech) =>
    call('POST', `/api/v1/change-orders/${id}/approve`, who, {
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
  const fixedJob = () =>
    newJob(t, org, dispatcher, fixedType, {
      estimateLines: [
        { sku: null, description: 'Install a condensing boiler', quantity: '1', unitPrice: '4500.00' },
        { sku: 'LAB-STD', description: 'Commissioning', quantity: '2', unitPrice: '80.00' },
      ],
    });

  it('is drafted on site with the price before and after, and signed by the customer on the technician’s phone', async () => {
    const job = await fixedJob();
    // 4,500 + 160 = 4,660 plus 23 % = 5,731.80; a second radiator (350) makes 5,010, 6,162.30 with VAT.
    const co = await draftCo(job.id, tech, {
      reason: 'The back bedroom has no radiator: add one',
      lines: [{ change: 'add', description: 'Second radiator, fitted', quantity: '1', unitPrice: '350.00' }],
    });
    expect(co).toMatchObject({
      seq: 1,
      name: `${job.number} change order 1`,
      status: 'draft',
      beforeTotal: '5731.80',
      afterTotal: '6162.30',
      difference: '430.50',
    });
    // Not the office's dispatcher (a billing fact), not a technician of another job.
    const denied = await call('POST', `/api/v1/jobs/${job.id}/change-orders`, dispatcher, {
      reason: 'x'.repeat(5),
      lines: [{ change: 'add', description: 'Valve', quantity: '1', unitPrice: '1.00' }],
    });
    expect(denied.statusCode).toBe(403);
    expect((await call('GET', `/api/v1/change-orders/${co.id}`, otherTech)).statusCode).toBe(404);
    expect((await signInPerson(co.id, otherTech)).statusCode).toBe(404);

    // A blank canvas is not a signature.
    const blank = await call('POST', `/api/v1/change-orders/${co.id}/approve`, tech, {
      signerName: 'Pat Murphy',
      signature: 'data:image/png;base64,iVBORw0KGgo=',
    });
    expect(blank.statusCode).toBe(400);
    expect(problemOf(blank).errors[0]?.field).toBe('body.signature');

    const signed = await signInPerson(co.id);
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json()).toMatchObject({
      status: 'approved',
      signerName: 'Pat Murphy',
      signedInPerson: true,
    });
    const again = await signInPerson(co.id);
    expect(again.statusCode).toBe(409);

    // The signed price is never rewritten in place: a further change is a change order of its own.
    const rewrite = await call('PATCH', `/api/v1/jobs/${job.id}`, billing, {
      estimateLines: [{ sku: null, description: 'Install a boiler', quantity: '1', unitPrice: '1.00' }],
    });
    expect(rewrite.statusCode).toBe(409);
    expect(problemOf(rewrite)).toMatchObject({
      code: 'immutable',
      errors: [{ field: 'body.estimateLines', message: 'was agreed with the customer' }],
    });
    const kept = (await call('GET', `/api/v1/jobs/${job.id}`, billing)).json();
    expect(kept.estimateLines.map((l: { unitPrice: string }) => l.unitPrice)).toEqual(['4500.00', '80.00']);
    // One agreed by phone, with nothing signed, stays the office's to correct (audited).
    const phoned = await fixedJob();
    const corrected = await call('PATCH', `/api/v1/jobs/${phoned.id}`, billing, {
      estimateLines: [{ sku: null, description: 'Install a boiler', quantity: '1', unitPrice: '4400.00' }],
    });
    expect(corrected.statusCode, corrected.body).toBe(200);

    const history = await t.database.raw.query<{ action: string; changes: { seq?: number; ip?: string } }>(
      `SELECT action, changes::jsonb AS changes FROM audit_events WHERE aggregate_id = $1 AND action LIKE 'change_order.%' ORDER BY seq`,
      [job.id],
    );
    expect(history.rows.map((r) => r.action)).toEqual(['change_order.created', 'change_order.approved']);
    expect(history.rows[1]?.changes).toMatchObject({ seq: 1, ip: expect.any(String) });
    const notes = await t.database.raw.query<{ body: string }>(
      'SELECT body FROM notifications WHERE organization_id = $1 AND kind = $2',
      [org.organizationId, 'change_order_approved'],
    );
    expect(notes.rows.some((n) => n.body.includes(`${job.number} change order 1`))).toBe(true);
  });

  it('refuses to take off more than the agreed scope holds, naming the line, and stores nothing', async () => {
    const job = await fixedJob();
    const count = async () =>
      (
        await t.database.raw.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM change_orders WHERE job_id = $1',
          [job.id],
        )
      ).rows[0]?.n;
    const res = await call('POST', `/api/v1/jobs/${job.id}/change-orders`, billing, {
      reason: 'Customer keeps the old boiler',
      lines: [
        { change: 'remove', sku: 'LAB-STD', quantity: '1' },
        { change: 'remove', description: 'Install a condensing boiler', quantity: '2', unitPrice: '4500.00' },
      ],
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(problemOf(res).errors.map((e) => e.field)).toEqual(['body.lines.1.quantity']);
    const unknown = await call('POST', `/api/v1/jobs/${job.id}/change-orders`, billing, {
      reason: 'A part we do not sell',
      lines: [{ change: 'add', sku: 'NOPE', quantity: '1' }],
    });
    expect(problemOf(unknown).errors[0]?.field).toBe('body.lines.0.sku');
    expect(await count()).toBe(0);
  });

  it('goes to the customer by link; approved, declined and withdrawn changes end where they should, and the invoice is the quote plus the approved ones, to the cent', async () => {
    const job = await fixedJob();
    // Approved in person: a second radiator.
    const first = await draftCo(job.id, tech, {
      reason: 'Add a radiator in the back bedroom',
      lines: [{ change: 'add', description: 'Second radiator, fitted', quantity: '1', unitPrice: '350.00' }],
    });
    expect((await signInPerson(first.id)).statusCode).toBe(200);

    // By link: the radiator repriced to a designer model (one off, one on), one hour of labour less.
    const second = await draftCo(job.id, billing, {
      reason: 'Designer radiator instead of the standard one; commissioning takes an hour less',
      lines: [
        { change: 'remove', description: 'Second radiator, fitted', quantity: '1', unitPrice: '350.00' },
        { change: 'add', description: 'Designer radiator, fitted', quantity: '1', unitPrice: '520.00' },
        { change: 'remove', sku: 'LAB-STD', description: 'Commissioning', quantity: '1', unitPrice: '80.00' },
      ],
    });
    // 5,010 − 350 + 520 − 80 = 5,100; 6,273.00 with VAT.
    expect(second).toMatchObject({ beforeTotal: '6162.30', afterTotal: '6273.00', difference: '110.70' });
    const sent = await call('POST', `/api/v1/change-orders/${second.id}/send`, billing, {});
    expect(sent.statusCode, sent.body).toBe(200);
    const link: string = sent.json().link;
    const token = link.slice(link.lastIndexOf('/') + 1);
    expect(link).toContain('/portal/#/change/');
    await drain(t);
    const mail = inbox.find((m) => m.subject.includes(`${job.number} change order 2`));
    expect(mail?.to).toEqual(['homeowner@example.com']);
    expect(mail?.text).toContain(link);
    expect(mail?.text, mail?.text).toContain('EUR 6,162.30 to EUR 6,273.00');

    const page = await call('GET', `/api/v1/public/change-orders/${token}`);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json()).toMatchObject({
      status: 'viewed',
      open: true,
      afterTotal: '6273.00',
      jobNumber: job.number,
    });
    expect(page.body).not.toContain(job.id);
    expect(page.body).not.toContain(org.customerId);

    // A third change, drafted while the second waits, is priced before the second is approved: approving it
    // afterwards is refused with the new figures, and then goes through.
    const third = await draftCo(job.id, billing, {
      reason: 'Thermostatic valves on both radiators',
      lines: [
        { change: 'add', description: 'Thermostatic radiator valve', quantity: '2', unitPrice: '25.00' },
      ],
    });
    expect(third.beforeTotal).toBe('6162.30');

    const approved = await call('POST', `/api/v1/public/change-orders/${token}/approve`, undefined, {
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', open: false, signedInPerson: false });
    const twice = await call('POST', `/api/v1/public/change-orders/${token}/approve`, undefined, {
      signerName: 'Pat Murphy',
      signature: await signature(),
    });
    expect(twice.statusCode).toBe(409);
    expect(problemOf(twice).detail).toContain('You approved this change');

    const stale = await call('POST', `/api/v1/change-orders/${third.id}/approve`, billing, {
      signerName: 'Pat Murphy',
      signature: await signature(),
      afterTotal: third.afterTotal,
    });
    expect(stale.statusCode).toBe(409);
    expect(problemOf(stale).detail).toContain('EUR 6,334.50');
    // The second's approval priced the third again: 5,100 + 50 = 5,150; 6,334.50 with VAT.
    const refreshed = (await call('GET', `/api/v1/change-orders/${third.id}`, billing)).json() as Co;
    expect(refreshed).toMatchObject({ status: 'draft', beforeTotal: '6273.00', afterTotal: '6334.50' });
    const fresh = await call('POST', `/api/v1/change-orders/${third.id}/approve`, billing, {
      signerName: 'Pat Murphy',
      signature: await signature(),
      afterTotal: refreshed.afterTotal,
    });
    expect(fresh.statusCode, fresh.body).toBe(200);

    // Declined by link and withdrawn by the office: neither reaches the invoice.
    const declined = await draftCo(job.id, billing, {
      reason: 'Power flush of the system',
      lines: [{ change: 'add', description: 'Power flush', quantity: '1', unitPrice: '300.00' }],
    });
    const declinedLink: string = (
      await call('POST', `/api/v1/change-orders/${declined.id}/send`, billing, {})
    ).json().link;
    const no = await call(
      'POST',
      `/api/v1/public/change-orders/${declinedLink.slice(declinedLink.lastIndexOf('/') + 1)}/decline`,
      undefined,
      { reason: 'Not this year' },
    );
    expect(no.statusCode, no.body).toBe(200);
    expect(no.json()).toMatchObject({ status: 'declined', declineReason: 'Not this year' });
    const withdrawn = await draftCo(job.id, tech, {
      reason: 'Move the boiler to the attic',
      lines: [{ change: 'add', description: 'Relocation', quantity: '1', unitPrice: '900.00' }],
    });
    const back = await call('POST', `/api/v1/change-orders/${withdrawn.id}/withdraw`, tech, {
      reason: 'Not possible: no attic access',
    });
    expect(back.json().status).toBe('withdrawn');

    const list = (await call('GET', `/api/v1/jobs/${job.id}/change-orders`, tech)).json().items as Co[];
    expect(list.map((c) => [c.seq, c.status])).toEqual([
      [1, 'approved'],
      [2, 'approved'],
      [3, 'approved'],
      [4, 'declined'],
      [5, 'withdrawn'],
    ]);

    // The work is done: the invoice bills the original scope, then each approved change under its name.
    await closeOut(t, org, tech, job.id, { parts: [], adjustments: [] });
    await drain(t);
    const [invoice] = (await invoicesOfJob(t, billing, job.id)).filter((i) => i.kind === 'invoice');
    expect(invoice?.status).toBe('issued');
    expect(invoice?.lines.map((l) => [l.description, l.quantity])).toEqual([
      ['Install a condensing boiler', '1'],
      ['Commissioning', '2'],
      ['Change order 1: Second radiator, fitted', '1'],
      ['Change order 2: Second radiator, fitted', '-1'],
      ['Change order 2: Designer radiator, fitted', '1'],
      ['Change order 2: Commissioning', '-1'],
      ['Change order 3: Thermostatic radiator valve', '2'],
    ]);
    // What the customer last signed for is what the invoice asks, to the cent.
    expect(invoice?.totals.payable).toBe('6334.50');
    const full = (await call('GET', `/api/v1/invoices/${invoice?.id}`, billing)).json();
    expect(full.memo).toContain('Change order 2, approved by you: Designer radiator');
    expect(full.memo).not.toContain('Power flush');

    // Invoiced: the scope is closed to change orders; further work is a revision.
    const late = await call('POST', `/api/v1/jobs/${job.id}/change-orders`, tech, {
      reason: 'One more valve',
      lines: [{ change: 'add', description: 'Valve', quantity: '1', unitPrice: '25.00' }],
    });
    expect(late.statusCode).toBe(409);
    expect(problemOf(late).detail).toContain('already invoiced');
  });

  it('asks a customer who reads German in German: the e-mail, the page and its answer', async () => {
    const setLanguage = (language: string | null) =>
      call('PATCH', `/api/v1/customers/${org.customerId}`, owner, { language });
    expect((await setLanguage('de')).statusCode).toBe(200);
    try {
      const job = await fixedJob();
      const co = await draftCo(job.id, billing, {
        reason: 'Ein zweiter Heizkörper im Schlafzimmer',
        lines: [{ change: 'add', description: 'Heizkörper, montiert', quantity: '1', unitPrice: '350.00' }],
      });
      const link: string = (await call('POST', `/api/v1/change-orders/${co.id}/send`, billing, {})).json()
        .link;
      await drain(t);
      const mail = inbox.find((m) => m.text.includes(link));
      expect(mail?.subject).toBe(
        `Bitte um Zustimmung zu einer Änderung: ${job.number} Nachtrag 1, changes Services`,
      );
      for (const words of [
        `changes Services schlägt eine Änderung der Arbeiten an ${job.number} vor: Ein zweiter Heizkörper`,
        'Der vereinbarte Preis würde sich von 5.731,80 EUR auf 6.162,30 EUR ändern.',
        'stimmen Sie online zu oder lehnen Sie sie ab (ohne Konto)',
      ])
        expect(mail?.text).toContain(words);
      expect(mail?.text).not.toMatch(/Hello|agreed price/);
      const token = link.slice(link.lastIndexOf('/') + 1);
      const page = (await call('GET', `/api/v1/public/change-orders/${token}`)).json();
      expect(page).toMatchObject({ language: 'de', open: true, closedBecause: null });
      const no = await call('POST', `/api/v1/public/change-orders/${token}/decline`, undefined, {
        reason: 'Nicht dieses Jahr',
      });
      expect(no.statusCode, no.body).toBe(200);
      expect(no.json().closedBecause).toMatch(
        /^Sie haben diese Änderung am \d+\. \w+ 2026, \d\d:\d\d abgelehnt\.$/,
      );
      const again = await call('POST', `/api/v1/public/change-orders/${token}/decline`, undefined, {
        reason: 'Nein',
      });
      expect(again.statusCode).toBe(409);
      expect(problemOf(again).detail).toContain('Sie haben diese Änderung');
    } finally {
      await setLanguage(null);
    }
  });

  it('compares a time-and-materials closeout with the scope as changed: approved parts are inside the estimate', async () => {
    const parts = [{ description: 'Expansion vessel', quantity: '1', unitPrice: '400.00' }];
    const estimateLines = [{ sku: null, description: 'Pump', quantity: '1', unitPrice: '200.00' }];
    // Without a change order, 400 of parts against an estimate of 200 is 100 % over: it needs approval.
    const plain = await newJob(t, org, dispatcher, tmType, { estimateLines });
    await closeOut(t, org, tech, plain.id, { parts, adjustments: [] });
    expect((await call('GET', `/api/v1/jobs/${plain.id}`, owner)).json().billingStatus).toBe(
      'needs_approval',
    );
    // With the customer's approval of the vessel instead of the pump, the same closeout is invoice-ready.
    const changed = await newJob(t, org, dispatcher, tmType, { estimateLines });
    const co = await draftCo(changed.id, tech, {
      reason: 'The pump is fine; the expansion vessel has failed',
      lines: [
        { change: 'remove', description: 'Pump', quantity: '1', unitPrice: '200.00' },
        { change: 'add', description: 'Expansion vessel', quantity: '1', unitPrice: '400.00' },
      ],
    });
    expect((await signInPerson(co.id)).statusCode).toBe(200);
    await closeOut(t, org, tech, changed.id, { parts, adjustments: [] });
    expect((await call('GET', `/api/v1/jobs/${changed.id}`, owner)).json().billingStatus).toBe(
      'invoice_ready',
    );
    await drain(t);
    const [invoice] = await invoicesOfJob(t, billing, changed.id);
    // Time and materials bills what was recorded (2.5 h at 80 and the vessel); the change order is named.
    expect(new Decimal(invoice?.totals.taxExclusive ?? '0').toFixed(2)).toBe('600.00');
  });

  it('shows the customer the job’s photos that say why, and no other of the job’s photos', async () => {
    const job = await fixedJob();
    const other = await fixedJob();
    const upload = async (jobId: string, category: string, bytes: Buffer, type = 'image/jpeg') => {
      const body = multipart({ category }, { name: `${category}.jpg`, type, bytes });
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${jobId}/attachments`,
        headers: { ...as(tech, true), ...body.headers },
        payload: body.payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const failed = await upload(job.id, 'before', await jpegWithExif(3));
    const kept = await upload(job.id, 'before', await jpegWithExif(4));
    const elsewhere = await upload(other.id, 'before', await jpegWithExif(5));
    const lines = [{ change: 'add', description: 'Expansion vessel', quantity: '1', unitPrice: '120.00' }];
    // Another job's photo, or one named twice, is refused, naming it.
    const foreign = await call('POST', `/api/v1/jobs/${job.id}/change-orders`, tech, {
      reason: 'The vessel has failed',
      lines,
      photoIds: [failed, elsewhere],
    });
    expect(foreign.statusCode).toBe(400);
    expect(problemOf(foreign).errors?.map((e) => e.field)).toEqual(['body.photoIds.1']);
    const twice = await call('POST', `/api/v1/jobs/${job.id}/change-orders`, tech, {
      reason: 'The vessel has failed',
      lines,
      photoIds: [failed, failed],
    });
    expect(twice.statusCode).toBe(400);
    const co = await draftCo(job.id, tech, { reason: 'The vessel has failed', lines, photoIds: [failed] });
    expect(co.photoIds).toEqual([failed]);
    const sent = await call('POST', `/api/v1/change-orders/${co.id}/send`, billing, {});
    const link: string = sent.json().link;
    const token = link.slice(link.lastIndexOf('/') + 1);
    const page = await call('GET', `/api/v1/public/change-orders/${token}`);
    expect(page.json().photos).toBe(1);
    expect(page.body).not.toContain(failed);
    const large = await call('GET', `/api/v1/public/change-orders/${token}/photos/1`);
    expect(large.statusCode).toBe(200);
    expect(large.headers['content-type']).toBe('image/jpeg');
    const original = await call('GET', `/api/v1/attachments/${failed}/content`, owner);
    expect(large.rawPayload.equals(original.rawPayload)).toBe(true);
    const small = await call('GET', `/api/v1/public/change-orders/${token}/photos/1?size=small`);
    expect(small.statusCode).toBe(200);
    expect(small.rawPayload.length).toBeLessThan(large.rawPayload.length);
    // The job's other photo is not the customer's to see through this link.
    expect((await call('GET', `/api/v1/public/change-orders/${token}/photos/2`)).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/public/change-orders/${token}/photos/0`)).statusCode).toBe(400);
    expect(kept).not.toBe(failed);
  });

  it('slows down guessing at links: past 60 answers a minute from one address, a 429 problem in words', async () => {
    let last = await call('GET', `/api/v1/public/change-orders/${'B'.repeat(43)}`);
    for (let i = 0; i < 70 && last.statusCode !== 429; i++)
      last = await call('GET', `/api/v1/public/change-orders/${'B'.repeat(43)}`);
    expect(last.statusCode).toBe(429);
    expect(last.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problemOf(last)).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(problemOf(last).detail).toMatch(/try again in \d+ seconds/);
  });
});
