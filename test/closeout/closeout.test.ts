import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';
import {
  jpegHtmlPolyglot,
  jpegWithExif,
  multipart,
  pdf,
  pdfWithJavaScript,
  png,
  pngBomb,
} from '../support/files';

const CHECKLIST = ['Unit installed and levelled', 'Refrigerant charge checked', 'Thermostat commissioned'];

describe.each(testDrivers())('technician closeout on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let tech: Session;
  let tech2: Session;
  let dispatcher: Session;
  let billing: Session;
  let owner: Session;

  beforeAll(async () => {
    t = await createTestApp(driver, { attachmentMaxBytes: 400_000 });
    org = await makeOrganization(t.deps, 'fix');
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    tech2 = await signIn(t.app, org.otherTechnician.email, PASSWORD);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/catalog-items',
      headers: as(await signIn(t.app, org.users.owner.email, PASSWORD), true),
      payload: {
        sku: 'AC-12K',
        name: 'Split AC unit 12k BTU',
        kind: 'part',
        unitCode: 'C62',
        unitPrice: '1450.00',
        taxCodeId: org.taxCodeId,
      },
    });
  });
  afterAll(() => t?.close());

  /** A fresh job (HVAC install: before/after/serial-plate photos, signature, serial, notes) for the technician. */
  const newJob = async (crew = [org.users.technician.id]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: as(dispatcher, true),
      payload: {
        customerId: org.customerId,
        siteId: org.siteId,
        jobTypeId: org.jobTypeId,
        scope: 'Install split AC',
        windowStart: '2026-11-18T09:00:00.000Z',
        windowEnd: '2026-11-18T15:00:00.000Z',
        crew,
      },
    });
    return res.json() as { id: string; number: string; version: number };
  };
  const upload = (
    jobId: string,
    category: string,
    file: { name: string; type: string; bytes: Buffer } | null,
    who = tech,
  ) => {
    const body = multipart(category ? { category } : {}, file);
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${jobId}/attachments`,
      headers: { ...as(who, true), ...body.headers },
      payload: body.payload,
    });
  };
  const proof = async (jobId: string) => {
    const ids: Record<string, string> = {};
    for (const [i, cat] of ['before', 'after', 'after', 'serial_plate'].entries()) {
      const r = await upload(jobId, cat, {
        name: `${cat}.jpg`,
        type: 'image/jpeg',
        bytes: await jpegWithExif(i + 1),
      });
      ids[`${cat}${i}`] = r.json().id;
    }
    const sig = await upload(jobId, 'signature', { name: 'sig.png', type: 'image/png', bytes: await png(7) });
    return { photos: Object.values(ids), signatureId: sig.json().id as string };
  };
  const closeout = (
    _jobId: string,
    p: { photos: string[]; signatureId: string },
    overrides: Record<string, unknown> = {},
  ) => ({
    submissionId: randomUUID(),
    workPerformed: {
      checklist: CHECKLIST.map((item) => ({ item, done: true })),
      notes: 'Installed, charged, commissioned.',
    },
    labor: [{ technicianId: org.users.technician.id, hours: '5.5' }],
    parts: [{ sku: 'AC-12K', quantity: '1', serialNumbers: ['SN-88213'] }],
    adjustments: [{ kind: 'disposal_fee', amount: '25.00' }],
    attachmentIds: p.photos,
    signature: {
      attachmentId: p.signatureId,
      signerName: 'Mary Doyle',
      signedAt: '2026-11-18T14:50:00.000Z',
    },
    deviceTime: '2026-11-18T14:51:00.000Z',
    gps: { latitude: 53.3498, longitude: -6.2603, accuracy: 12 },
    ...overrides,
  });
  const submit = (jobId: string, body: object, who = tech) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${jobId}/closeouts`,
      headers: as(who, true),
      payload: body,
    });
  const job = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: as(dispatcher) })).json();
  const count = async (table: string) =>
    (await t.database.raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n;

  it('stores uploads by content, reads EXIF, makes thumbnails, and serves them only to who may see the job', async () => {
    const j = await newJob();
    const bytes = await jpegWithExif(3);
    const first = await upload(j.id, 'before', { name: 'boiler.jpg', type: 'image/jpeg', bytes });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      category: 'before',
      mimeType: 'image/jpeg',
      capturedAt: '2026-11-18T10:30:00.000Z',
      hasThumbnail: true,
    });
    expect(first.json().latitude).toBeCloseTo(53.3417, 3);
    expect(first.json().longitude).toBeCloseTo(-6.25, 3);
    const again = await upload(j.id, 'before', { name: 'same.jpg', type: 'image/jpeg', bytes });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);

    const content = await t.app.inject({
      method: 'GET',
      url: `/api/v1/attachments/${first.json().id}/content`,
      headers: as(tech),
    });
    expect(content.statusCode).toBe(200);
    // Stored re-encoded: the same picture, none of the original's metadata (EXIF was read before).
    const served = await sharp(content.rawPayload).metadata();
    expect(served).toMatchObject({ format: 'jpeg', width: 640, height: 480 });
    expect(served.exif).toBeUndefined();
    expect(content.headers['content-disposition']).toBe('inline');
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    expect(content.headers['content-security-policy']).toMatch(/^sandbox;/);
    const thumb = await t.app.inject({
      method: 'GET',
      url: `/api/v1/attachments/${first.json().id}/thumbnail`,
      headers: as(tech),
    });
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect(thumb.rawPayload.length).toBeLessThan(bytes.length);
    const stranger = await t.app.inject({
      method: 'GET',
      url: `/api/v1/attachments/${first.json().id}/content`,
      headers: as(tech2),
    });
    expect(stranger.statusCode).toBe(404);
    expect(
      (await upload(j.id, 'before', { name: 'x.jpg', type: 'image/jpeg', bytes }, tech2)).statusCode,
    ).toBe(404);
  });

  it('stores only the pixels of an image that hides a web page, and serves PDFs as downloads that run nothing', async () => {
    const j = await newJob();
    const up = await upload(j.id, 'after', {
      name: 'site.jpg',
      type: 'image/jpeg',
      bytes: await jpegHtmlPolyglot(),
    });
    expect(up.statusCode, up.body).toBe(201);
    const stored = await t.app.inject({
      method: 'GET',
      url: `/api/v1/attachments/${up.json().id}/content`,
      headers: as(tech),
    });
    expect(stored.rawPayload.includes('<script')).toBe(false);
    expect((await sharp(stored.rawPayload).metadata()).format).toBe('jpeg');
    const doc = await upload(j.id, 'other', { name: 'manual.pdf', type: 'application/pdf', bytes: pdf() });
    expect(doc.statusCode, doc.body).toBe(201);
    const served = await t.app.inject({
      method: 'GET',
      url: `/api/v1/attachments/${doc.json().id}/content`,
      headers: as(tech),
    });
    expect(served.headers['content-disposition']).toBe('attachment; filename="document.pdf"');
    expect(served.headers['content-security-policy']).toMatch(/^sandbox;/);
  });

  it.each([
    ['an image bomb (20,000 × 20,000 pixels)', 'after', { name: 'big.png', type: 'image/png' }, 413, 'file'],
    ['a PDF that runs JavaScript', 'other', { name: 'a.pdf', type: 'application/pdf' }, 415, 'file'],
    [
      'a PDF with JavaScript in a compressed object stream',
      'other',
      { name: 'b.pdf', type: 'application/pdf' },
      415,
      'file',
    ],
  ])('refuses %s before storing anything', async (label, category, file, status, field) => {
    const bytes = label.startsWith('an image bomb')
      ? await pngBomb()
      : pdfWithJavaScript(label.includes('compressed'));
    const j = await newJob();
    const before = await count('attachments');
    const res = await upload(j.id, category, { ...file, bytes });
    expect(res.statusCode, res.body).toBe(status);
    expect(problemOf(res).errors[0]?.field).toBe(field);
    expect(await count('attachments')).toBe(before);
    if (label.startsWith('an image bomb')) {
      // Nor as the logo that goes into every PDF.
      const logo = multipart({}, { name: 'logo.png', type: 'image/png', bytes });
      const res2 = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/organization/logo',
        headers: { ...as(owner, true), ...logo.headers },
        payload: logo.payload,
      });
      expect(res2.statusCode).toBe(413);
    }
  });

  it.each([
    ['a PDF dressed as a PNG', 'after', { name: 'photo.png', type: 'image/png', bytes: pdf() }, 415, 'file'],
    [
      'an unknown binary',
      'after',
      {
        name: 'photo.jpg',
        type: 'image/jpeg',
        bytes: Buffer.from('MZ\x90\x00 not a photo at all, really not'),
      },
      415,
      'file',
    ],
    [
      'no category',
      '',
      { name: 'a.jpg', type: 'image/jpeg', bytes: Buffer.from([0xff, 0xd8, 0xff]) },
      400,
      'category',
    ],
    [
      'an unknown category',
      'selfie',
      { name: 'a.jpg', type: 'image/jpeg', bytes: Buffer.from([0xff, 0xd8, 0xff]) },
      400,
      'category',
    ],
    [
      'a file over the size limit',
      'after',
      { name: 'big.jpg', type: 'image/jpeg', bytes: Buffer.alloc(500_000, 1) },
      413,
      'file',
    ],
  ])('refuses %s and stores nothing', async (_label, category, file, status, field) => {
    const j = await newJob();
    const before = await count('attachments');
    const res = await upload(j.id, category, file);
    expect(res.statusCode).toBe(status);
    expect(problemOf(res).errors[0]?.field).toBe(field);
    expect(await count('attachments')).toBe(before);
  });

  it('refuses an incomplete closeout with 422 listing every missing item, keeps it, and leaves the job in progress', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    const before = await count('closeout_submissions');
    const res = await submit(
      j.id,
      closeout(
        j.id,
        { photos: [p.photos[0] ?? ''], signatureId: p.signatureId },
        {
          signature: undefined,
          workPerformed: { checklist: [{ item: CHECKLIST[0], done: true }], notes: '' },
          parts: [{ description: 'Copper pipe', quantity: '3' }],
        },
      ),
    );
    expect(res.statusCode).toBe(422);
    const problem = res.json();
    expect(problem.code).toBe('closeout_incomplete');
    expect(problem.missing.map((m: { code: string; field: string }) => `${m.code}:${m.field}`)).toEqual([
      'checklist_item:workPerformed.checklist',
      'checklist_item:workPerformed.checklist',
      'photos:attachments.after',
      'photos:attachments.serial_plate',
      'serial_number:parts.serialNumbers',
      'signature:signature',
      'part_line_incomplete:parts.0',
      'notes:workPerformed.notes',
    ]);
    expect(problem.missing[2]).toMatchObject({ required: 2, found: 0 });
    expect(await count('closeout_submissions')).toBe((before ?? 0) + 1);
    expect(await job(j.id)).toMatchObject({ status: 'in_progress', billingStatus: 'needs_info' });
  });

  it('accepts a complete closeout: the job is completed and invoice-ready, with priced lines and timers closed', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    await t.app.inject({ method: 'POST', url: `/api/v1/jobs/${j.id}/timer/start`, headers: as(tech, true) });
    const res = await submit(j.id, closeout(j.id, p));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      outcome: 'accepted',
      missing: [],
      job: { status: 'completed', billingStatus: 'invoice_ready' },
    });
    const { rows: lines } = await t.database.raw.query<{
      kind: string;
      sku: string | null;
      quantity: string;
      unit_price: string;
      serial_numbers: string[];
    }>(
      'SELECT kind, sku, quantity::text, unit_price::text, serial_numbers FROM closeout_lines WHERE job_id = $1 ORDER BY position',
      [j.id],
    );
    expect(lines.map((l) => [l.kind, l.sku, Number(l.quantity), Number(l.unit_price)])).toEqual([
      ['labor', null, 5.5, 80], // no labor SKU given: the technician's own rate
      ['part', 'AC-12K', 1, 1450], // the price book's price
      ['adjustment', null, 1, 25],
    ]);
    expect(lines[1]?.serial_numbers).toEqual(['SN-88213']);
    const timers = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${j.id}/time-entries`, headers: as(tech) })
    ).json().items;
    expect(timers).toHaveLength(1);
    expect(timers[0].endedAt).not.toBeNull();
  });

  it('shows the office the closeout record: the refusal’s missing list, then the closeout in force with its lines', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    const record = async () =>
      (
        await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${j.id}/closeout`, headers: as(dispatcher) })
      ).json();
    expect(await record()).toEqual({
      current: null,
      lines: [],
      latestBody: null,
      missing: [],
      submissions: [],
    });
    await submit(j.id, closeout(j.id, p, { signature: undefined }));
    const refused = await record();
    expect(refused.current).toBeNull();
    expect(refused.latestBody).toMatchObject({ parts: [{ sku: 'AC-12K', serialNumbers: ['SN-88213'] }] });
    expect(refused.missing.map((m: { code: string }) => m.code)).toEqual(['signature']);
    expect(refused.submissions).toMatchObject([
      { outcome: 'incomplete', missingCount: 1, source: 'technician' },
    ]);
    const body = closeout(j.id, p, { exceptionFlags: ['overtime'] });
    expect((await submit(j.id, body)).statusCode).toBe(201);
    const accepted = await record();
    expect(accepted.missing).toEqual([]);
    expect(accepted.current).toMatchObject({
      submissionId: body.submissionId,
      outcome: 'exception',
      submittedBy: 'technician of fix',
      notes: 'Installed, charged, commissioned.',
      signature: { attachmentId: p.signatureId, signerName: 'Mary Doyle' },
      gps: { latitude: 53.3498, longitude: -6.2603, accuracy: 12 },
      exceptionFlags: ['overtime'],
      attachmentIds: p.photos,
    });
    expect(accepted.lines.map((l: { kind: string; sku: string | null }) => [l.kind, l.sku])).toEqual([
      ['labor', null],
      ['part', 'AC-12K'],
      ['adjustment', null],
    ]);
    expect(accepted.lines[1].serialNumbers).toEqual(['SN-88213']);
    expect(accepted.submissions.map((x: { outcome: string }) => x.outcome)).toEqual([
      'incomplete',
      'exception',
    ]);
    // The job's technician can read it; a technician not on the job cannot see the job at all.
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${j.id}/closeout`, headers: as(tech) }))
        .statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${j.id}/closeout`, headers: as(tech2) }))
        .statusCode,
    ).toBe(404);
  });

  it('replays the same submission without a second effect, and refuses the same ID with another body', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    const body = closeout(j.id, p);
    const first = await submit(j.id, body);
    const events = await count('audit_events');
    const again = await submit(j.id, body);
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.json()).toEqual(first.json());
    expect(await count('audit_events')).toBe(events);
    const changed = await submit(j.id, {
      ...body,
      workPerformed: { ...body.workPerformed, notes: 'different' },
    });
    expect(changed.statusCode).toBe(409);
    expect(problemOf(changed)).toMatchObject({
      code: 'idempotency_conflict',
      errors: [{ field: 'body.submissionId' }],
    });
  });

  it('takes the exception path: no signature with a reason completes the job and waits for approval, visibly', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    const res = await submit(
      j.id,
      closeout(j.id, p, {
        signature: undefined,
        signatureException: { reasonCode: 'customer_absent', text: 'Tenant let us in, owner abroad' },
      }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      outcome: 'exception',
      job: { status: 'completed', billingStatus: 'needs_approval' },
    });
    expect(res.json().exceptionReason).toContain('Tenant let us in');
    const queue = (
      await t.app.inject({ method: 'GET', url: '/api/v1/jobs?exceptions=true', headers: as(dispatcher) })
    ).json().items;
    expect(queue.find((q: { id: string }) => q.id === j.id)?.exceptionReason).toBe('Waiting for an approval');
  });

  it('refuses bad closeouts, naming the field, and writes nothing', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    const other = await newJob();
    const otherPhoto = (
      await upload(other.id, 'after', { name: 'o.jpg', type: 'image/jpeg', bytes: await jpegWithExif(42) })
    ).json().id;
    const cases: [Record<string, unknown>, string][] = [
      [{ parts: [{ sku: 'NOPE-1', quantity: '1' }] }, 'body.parts.0.sku'],
      [{ parts: [{ sku: 'AC-12K', quantity: '0', serialNumbers: ['x'] }] }, 'body.parts.0.quantity'],
      // A returned part is a negative quantity (allowed); a negative price is not.
      [
        { parts: [{ sku: 'AC-12K', quantity: '-2', unitPrice: '-5', serialNumbers: ['x'] }] },
        'body.parts.0.unitPrice',
      ],
      [{ parts: [{ sku: 'AC-12K', quantity: '-0.00', serialNumbers: ['x'] }] }, 'body.parts.0.quantity'],
      [
        {
          labor: [
            { technicianId: org.users.technician.id, hours: '16' },
            { technicianId: org.users.technician.id, hours: '9' },
          ],
        },
        'body.labor.1.hours',
      ],
      [{ labor: [{ technicianId: org.users.billing.id, hours: '1' }] }, 'body.labor.0.technicianId'],
      [{ gps: { latitude: 91, longitude: 0, accuracy: 5 } }, 'body.gps.latitude'],
      [{ attachmentIds: [...p.photos, otherPhoto] }, 'body.attachmentIds.4'],
      [
        { signature: { attachmentId: p.photos[0], signerName: 'X', signedAt: '2026-11-18T14:50:00.000Z' } },
        'body.signature.attachmentId',
      ],
    ];
    const before = {
      subs: await count('closeout_submissions'),
      lines: await count('closeout_lines'),
      events: await count('audit_events'),
    };
    for (const [overrides, field] of cases) {
      const res = await submit(j.id, closeout(j.id, p, overrides));
      expect(res.statusCode, field).toBe(400);
      expect(
        problemOf(res).errors.map((e) => e.field),
        JSON.stringify(overrides),
      ).toContain(field);
    }
    expect({
      subs: await count('closeout_submissions'),
      lines: await count('closeout_lines'),
      events: await count('audit_events'),
    }).toEqual(before);
    expect(await job(j.id)).toMatchObject({ status: 'scheduled', billingStatus: 'not_ready' });
  });

  it('accepts a closeout built on an older version after harmless changes, and answers 409 after a reschedule', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${j.id}`,
      headers: as(billing, true),
      payload: { poNumber: 'PO-55' },
    });
    expect(patch.json().version).toBeGreaterThan(j.version);
    const stale = { jobVersion: j.version };
    const moved = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${j.id}/reschedule`,
      headers: as(dispatcher, true),
      payload: {
        windowStart: '2026-11-19T09:00:00.000Z',
        windowEnd: '2026-11-19T15:00:00.000Z',
        reason: 'Customer asked for Thursday',
      },
    });
    const refused = await submit(j.id, closeout(j.id, p, stale));
    expect(refused.statusCode).toBe(409);
    const problem = refused.json();
    expect(problem.errors[0].field).toBe('body.jobVersion');
    expect(problem.job).toMatchObject({
      id: j.id,
      version: moved.json().version,
      windowStart: '2026-11-19T09:00:00.000Z',
    });
    expect(problem.changedSince.map((c: { action: string }) => c.action)).toEqual(['job.rescheduled']);
    // Built on the version after the PO change but before the reschedule: still refused; on the current one: accepted.
    expect((await submit(j.id, closeout(j.id, p, { jobVersion: patch.json().version }))).statusCode).toBe(
      409,
    );
    expect((await submit(j.id, closeout(j.id, p, { jobVersion: moved.json().version }))).statusCode).toBe(
      201,
    );

    const other = await newJob();
    const p2 = await proof(other.id);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${other.id}`,
      headers: as(billing, true),
      payload: { poNumber: 'PO-56' },
    });
    const harmless = await submit(other.id, closeout(other.id, p2, { jobVersion: other.version }));
    expect(harmless.statusCode, harmless.body).toBe(201);
  });

  it('refuses closeouts for canceled, unassigned and invoiced jobs', async () => {
    const canceled = await newJob();
    const p = await proof(canceled.id);
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${canceled.id}/cancel`,
      headers: as(dispatcher, true),
      payload: { reason: 'x', waiveFee: true },
    });
    const r1 = await submit(canceled.id, closeout(canceled.id, p));
    expect(r1.statusCode).toBe(409);
    expect(problemOf(r1).errors[0]).toEqual({ field: 'status', message: 'is canceled' });

    const theirs = await newJob([org.otherTechnician.id]);
    expect((await submit(theirs.id, closeout(theirs.id, p))).statusCode).toBe(404);

    const invoiced = await newJob();
    const p2 = await proof(invoiced.id);
    await t.database.raw.query(`UPDATE jobs SET billing_status = 'invoiced' WHERE id = $1`, [invoiced.id]);
    const r3 = await submit(invoiced.id, closeout(invoiced.id, p2));
    expect(r3.statusCode).toBe(409);
    expect(problemOf(r3).errors[0]).toEqual({ field: 'billingStatus', message: 'is invoiced' });
  });

  it('runs one timer per technician, turns entries into labor hours, and refuses overlaps', async () => {
    const a = await newJob();
    const b = await newJob();
    const start = (id: string) =>
      t.app.inject({ method: 'POST', url: `/api/v1/jobs/${id}/timer/start`, headers: as(tech, true) });
    expect((await start(a.id)).statusCode).toBe(200);
    const clash = await start(b.id);
    expect(clash.statusCode).toBe(409);
    expect(clash.json().runningJobId).toBe(a.id);
    t.clock.advance(90 * 60_000);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/jobs/${a.id}/timer/stop`,
          headers: as(tech, true),
        })
      ).statusCode,
    ).toBe(200);
    const manual = (payload: object) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${b.id}/time-entries`,
        headers: as(dispatcher, true),
        payload,
      });
    const overlap = await manual({
      userId: org.users.technician.id,
      startedAt: new Date(t.clock.now().getTime() - 60 * 60_000).toISOString(),
      endedAt: t.clock.now().toISOString(),
    });
    expect(overlap.statusCode).toBe(409);
    expect(problemOf(overlap).errors[0]?.field).toBe('body.startedAt');
    // Time of someone who is not of this organization (an unknown ID, another organization's user) is refused.
    const stranger = await makeOrganization(t.deps, 'fix-stranger');
    for (const userId of [stranger.users.technician.id, '01a23fde-d1f0-722f-8149-f385749c4345']) {
      const foreign = await manual({
        userId,
        startedAt: '2029-12-31T23:59:59.974Z',
        endedAt: '2029-12-31T23:59:59.990Z',
      });
      expect(foreign.statusCode, foreign.body).toBe(400);
      expect(problemOf(foreign).errors[0]?.field).toBe('body.userId');
    }
    // Labor without typed hours takes the timer's 1.5 hours.
    const p = await proof(a.id);
    const res = await submit(a.id, closeout(a.id, p, { labor: [{ technicianId: org.users.technician.id }] }));
    expect(res.statusCode).toBe(201);
    const { rows } = await t.database.raw.query<{ quantity: string }>(
      `SELECT quantity::text FROM closeout_lines WHERE job_id = $1 AND kind = 'labor'`,
      [a.id],
    );
    expect(Number(rows[0]?.quantity)).toBe(1.5);
  });

  it('stops a timer still running when the closeout completes the job, prices it, and names it in the history', async () => {
    const j = await newJob();
    const started = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${j.id}/timer/start`,
      headers: as(tech, true),
    });
    expect(started.statusCode, started.body).toBe(200);
    t.clock.advance(45 * 60_000);
    const p = await proof(j.id);
    const res = await submit(j.id, closeout(j.id, p, { labor: [{ technicianId: org.users.technician.id }] }));
    expect(res.statusCode, res.body).toBe(201);
    const entry = await t.database.raw.query<{ id: string; ended_at: Date | null }>(
      'SELECT id, ended_at FROM time_entries WHERE job_id = $1',
      [j.id],
    );
    expect(entry.rows).toHaveLength(1);
    expect(entry.rows[0]?.ended_at?.toISOString()).toBe(t.clock.now().toISOString());
    const labor = await t.database.raw.query<{ quantity: string }>(
      `SELECT quantity::text FROM closeout_lines WHERE job_id = $1 AND kind = 'labor'`,
      [j.id],
    );
    expect(Number(labor.rows[0]?.quantity)).toBe(0.75);
    const event = await t.database.raw.query<{ closed: string }>(
      `SELECT changes::jsonb->>'timersClosed' AS closed FROM audit_events
        WHERE aggregate_id = $1 AND action = 'job.completed'`,
      [j.id],
    );
    expect(JSON.parse(event.rows[0]?.closed ?? 'null')).toEqual([entry.rows[0]?.id]);
  });

  it('autosaves drafts without validating them, and clears the draft on submission', async () => {
    const j = await newJob();
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/jobs/${j.id}/closeout-draft`,
      headers: as(tech, true),
      payload: { workPerformed: { checklist: [{ item: CHECKLIST[0], done: true }], notes: 'half way' } },
    });
    expect(put.statusCode).toBe(200);
    const got = await t.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${j.id}/closeout-draft`,
      headers: as(tech),
    });
    expect(got.json().body.workPerformed.notes).toBe('half way');
    const p = await proof(j.id);
    expect((await submit(j.id, closeout(j.id, p))).statusCode).toBe(201);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${j.id}/closeout-draft`, headers: as(tech) }))
        .statusCode,
    ).toBe(404);
  });

  it('validates office corrections like any closeout and logs them as back-office touches', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    await submit(j.id, closeout(j.id, p));
    const edit = (body: object) =>
      t.app.inject({
        method: 'PUT',
        url: `/api/v1/jobs/${j.id}/closeout`,
        headers: as(billing, true),
        payload: body,
      });
    const broken = await edit({ ...closeout(j.id, p, { attachmentIds: [] }), reason: 'Remove photos' });
    expect(broken.statusCode).toBe(422);
    expect(await job(j.id)).toMatchObject({ status: 'completed', billingStatus: 'needs_info' });
    const fixed = await edit({
      ...closeout(j.id, p, { parts: [{ sku: 'AC-12K', quantity: '2', serialNumbers: ['SN-1', 'SN-2'] }] }),
      reason: 'Two units were fitted',
    });
    expect(fixed.statusCode).toBe(201);
    expect(fixed.json().job.billingStatus).toBe('invoice_ready');
    const timeline = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${j.id}/timeline`, headers: as(dispatcher) })
    ).json().items;
    const touch = timeline.filter((e: { action: string }) => e.action === 'job.closeout_corrected');
    expect(touch).toHaveLength(1);
    expect(touch[0].changes.backOfficeTouch).toBe(true);
    expect(touch[0].reason).toBe('Two units were fitted');
  });

  it('archives attachments no accepted closeout references after the retention period, and keeps the proof', async () => {
    const j = await newJob();
    const p = await proof(j.id);
    const stray = (
      await upload(j.id, 'other', { name: 'stray.jpg', type: 'image/jpeg', bytes: await jpegWithExif(99) })
    ).json().id;
    expect((await submit(j.id, closeout(j.id, p))).statusCode).toBe(201);
    const { purgeUnreferencedAttachments } = await import('../../src/app/closeout/attachments');
    expect((await purgeUnreferencedAttachments(t.deps, 30)).archived).toBe(0); // nothing is old enough yet
    t.clock.advance(31 * 86_400_000);
    const result = await purgeUnreferencedAttachments(t.deps, 30);
    expect(result.archived).toBeGreaterThanOrEqual(1);
    const fresh = await signIn(t.app, org.users.technician.email, PASSWORD);
    const get = (id: string) =>
      t.app.inject({ method: 'GET', url: `/api/v1/attachments/${id}/content`, headers: as(fresh) });
    expect((await get(stray)).statusCode).toBe(404);
    expect((await get(p.photos[0] ?? '')).statusCode).toBe(200);
    expect((await get(p.signatureId)).statusCode).toBe(200);
  });
});
