import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

describe.each(testDrivers())('the one job record on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;
  let dispatcher: Session;
  let tech: Session;
  let billing: Session;
  let owner: Session;
  let jobTypes: { id: string; code: string; noShowFee: string | null; cancellationFee: string | null }[];

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'ops');
    other = await makeOrganization(t.deps, 'elsewhere');
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    jobTypes = (
      await t.app.inject({ method: 'GET', url: '/api/v1/job-types', headers: as(dispatcher) })
    ).json().items;
  });
  afterAll(() => t?.close());

  const typeId = (code: string) => jobTypes.find((j) => j.code === code)?.id ?? '';
  // The default booking carries billing facts, so the owner books it (a dispatcher may not set them).
  const book = (overrides: Record<string, unknown> = {}, who: Session = owner) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: as(who, true),
      payload: {
        customerId: org.customerId,
        siteId: org.siteId,
        jobTypeId: typeId('REPAIR'),
        scope: 'No heat in the kitchen',
        windowStart: '2026-11-19T09:00:00.000Z',
        windowEnd: '2026-11-19T11:00:00.000Z',
        crew: [org.users.technician.id],
        billingOwnerId: org.users.billing.id,
        depositRequired: true,
        depositAmount: '150.00',
        discountPercent: '5',
        poNumber: 'PO-7781',
        ...overrides,
      },
    });
  const post = (url: string, payload: object, who = dispatcher) =>
    t.app.inject({ method: 'POST', url, headers: as(who, true), payload });
  const timeline = async (id: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}/timeline`, headers: as(dispatcher) })
    ).json().items as {
      action: string;
      changes: Record<string, { before: unknown; after: unknown }>;
      reason: string | null;
      actor: { name: string };
    }[];

  it('books a job with billing facts in fields and numbers it from a gapless sequence', async () => {
    const first = await book();
    expect(first.statusCode).toBe(201);
    const job = first.json();
    expect(job).toMatchObject({
      status: 'scheduled',
      billingStatus: 'not_ready',
      depositRequired: true,
      depositAmount: '150.00',
      discountPercent: '5',
      poNumber: 'PO-7781',
      billingOwnerId: org.users.billing.id,
      crew: [{ userId: org.users.technician.id }],
    });
    const second = (await book()).json();
    expect(Number(second.number.slice(2))).toBe(Number(job.number.slice(2)) + 1);
    // A refused booking takes no number.
    expect((await book({ customerId: other.customerId })).statusCode).toBe(400);
    const third = (await book()).json();
    expect(Number(third.number.slice(2))).toBe(Number(second.number.slice(2)) + 1);
  });

  it('lets a dispatcher book without billing facts, refusing each one they try to set, writing nothing', async () => {
    const count = async () =>
      (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]?.n;
    const before = await count();
    const refused = await book({}, dispatcher);
    expect(refused.statusCode).toBe(403);
    expect(
      problemOf(refused)
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(
      [
        'body.billingOwnerId',
        'body.depositAmount',
        'body.depositRequired',
        'body.discountPercent',
        'body.poNumber',
      ].sort(),
    );
    expect(await count()).toBe(before);
    const plain = await book(
      {
        billingOwnerId: null,
        depositRequired: false,
        depositAmount: null,
        discountPercent: null,
        poNumber: '',
      },
      dispatcher,
    );
    expect(plain.statusCode, plain.body).toBe(201);
    expect(plain.json()).toMatchObject({ depositRequired: false, discountPercent: null });
  });

  it.each([
    ['another organization’s customer', () => ({ customerId: other.customerId }), 'body.customerId'],
    ['another organization’s site', () => ({ siteId: other.siteId }), 'body.siteId'],
    ['another organization’s job type', () => ({ jobTypeId: other.jobId }), 'body.jobTypeId'],
    ['another organization’s technician', () => ({ crew: [other.users.technician.id] }), 'body.crew.0'],
    ['a non-technician as crew', () => ({ crew: [org.users.billing.id] }), 'body.crew.0'],
    ['a window ending before it starts', () => ({ windowEnd: '2026-11-19T08:00:00.000Z' }), 'body.windowEnd'],
    ['a money amount as a float', () => ({ depositAmount: 150.5 }), 'body.depositAmount'],
    ['an unknown field', () => ({ notes: 'discount 10% agreed' }), 'body.notes'],
  ])('refuses %s, naming the field, and writes nothing', async (_label, overrides, field) => {
    const before = (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]
      ?.n;
    const res = await book(overrides());
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors.map((e) => e.field)).toContain(field);
    expect(
      (await t.database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]?.n,
    ).toBe(before);
  });

  it('reschedules keeping the ID, and logs from, to and why', async () => {
    const job = (await book()).json();
    const dispatched = await post(`/api/v1/jobs/${job.id}/dispatch`, {});
    expect(dispatched.json().status).toBe('dispatched');
    const res = await post(`/api/v1/jobs/${job.id}/reschedule`, {
      windowStart: '2026-11-20T13:00:00.000Z',
      windowEnd: '2026-11-20T15:00:00.000Z',
      reason: 'Customer at work on Thursday',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: job.id,
      number: job.number,
      status: 'scheduled',
      windowStart: '2026-11-20T13:00:00.000Z',
    });
    const moved = (await timeline(job.id)).find((e) => e.action === 'job.rescheduled');
    expect(moved?.reason).toBe('Customer at work on Thursday');
    expect(moved?.changes.windowStart).toEqual({
      before: '2026-11-19T09:00:00.000Z',
      after: '2026-11-20T13:00:00.000Z',
    });
    expect(moved?.actor.name).toBe('dispatcher of ops');
  });

  it('refuses any change to a closed job with 409 job_closed naming the current status', async () => {
    const job = (await book()).json();
    await post(`/api/v1/jobs/${job.id}/cancel`, { reason: 'duplicate booking', waiveFee: true });
    for (const [url, body] of [
      [`/api/v1/jobs/${job.id}/dispatch`, {}],
      [`/api/v1/jobs/${job.id}/cancel`, { reason: 'again' }],
      [
        `/api/v1/jobs/${job.id}/reschedule`,
        { windowStart: '2026-11-21T09:00:00.000Z', windowEnd: '2026-11-21T10:00:00.000Z', reason: 'x' },
      ],
    ] as const) {
      const res = await post(url, body);
      expect(res.statusCode, url).toBe(409);
      const p = problemOf(res);
      expect(p.code).toBe('job_closed');
      expect(p.errors[0]).toEqual({ field: 'status', message: 'is canceled' });
    }
  });

  it('closes cancellations and no-shows as records, billing the job type’s fee or nothing', async () => {
    const repair = (await book()).json(); // REPAIR: no cancellation fee, a 65.00 no-show fee
    const canceled = (
      await post(`/api/v1/jobs/${repair.id}/cancel`, { reason: 'Fixed it themselves' })
    ).json();
    expect(canceled).toMatchObject({
      status: 'canceled',
      billingStatus: 'not_billable',
      closedReason: 'Fixed it themselves',
      closingFee: null,
    });

    const noShow = (await book()).json();
    const closed = (
      await post(`/api/v1/jobs/${noShow.id}/no-show`, { reason: 'Nobody home, two calls' })
    ).json();
    expect(closed).toMatchObject({ status: 'no_show', billingStatus: 'invoice_ready', closingFee: '65.00' });

    const waived = (await book()).json();
    expect(
      (await post(`/api/v1/jobs/${waived.id}/no-show`, { reason: 'Storm', waiveFee: true })).json(),
    ).toMatchObject({
      billingStatus: 'not_billable',
      closingFee: null,
    });
    // Still there, readable, never deleted; and the API has no DELETE for jobs.
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${repair.id}`, headers: as(dispatcher) }))
        .statusCode,
    ).toBe(200);
    expect(t.app.routeAccess.some((r) => r.method === 'DELETE' && r.url.startsWith('/api/v1/jobs'))).toBe(
      false,
    );
  });

  it('holds the crew back until a deposit due before work is received', async () => {
    const job = (await book({ depositBeforeWork: true })).json();
    expect(job).toMatchObject({ depositRequired: true, depositBeforeWork: true });
    const early = await post(`/api/v1/jobs/${job.id}/dispatch`, {});
    expect(early.statusCode).toBe(409);
    expect(problemOf(early).detail).toContain('waits for its deposit');
    const start = await post(`/api/v1/jobs/${job.id}/start`, {}, tech);
    expect(start.statusCode).toBe(409);
    // A dispatcher cannot waive it: it is a billing fact.
    const waive = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: as(dispatcher, true),
      payload: { depositBeforeWork: false },
    });
    expect(waive.statusCode).toBe(403);
    const paid = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: as(billing, true),
      payload: { depositReceived: '150.00' },
    });
    expect(paid.statusCode, paid.body).toBe(200);
    expect((await post(`/api/v1/jobs/${job.id}/dispatch`, {})).statusCode).toBe(200);
  });

  it('lets technicians start only their own jobs, and keeps the crew change in the record', async () => {
    const job = (await book({ crew: [org.otherTechnician.id] })).json();
    expect((await post(`/api/v1/jobs/${job.id}/start`, {}, tech)).statusCode).toBe(404);
    const assigned = await post(`/api/v1/jobs/${job.id}/assign`, {
      add: [org.users.technician.id],
      remove: [org.otherTechnician.id],
      reason: 'Ana is closer',
    });
    expect(assigned.json().crew).toEqual([{ userId: org.users.technician.id, name: 'technician of ops' }]);
    const started = await post(`/api/v1/jobs/${job.id}/start`, {}, tech);
    expect(started.statusCode).toBe(200);
    expect(started.json().status).toBe('in_progress');
    const crewChange = (await timeline(job.id)).find((e) => e.action === 'job.crew_changed');
    expect(crewChange?.changes.crew).toEqual({
      before: [org.otherTechnician.id],
      after: [org.users.technician.id],
    });
  });

  it('takes office corrections as audited field changes, guarded by version', async () => {
    const job = (await book()).json();
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: as(billing, true),
      payload: {
        discountPercent: '10',
        expectedVersion: job.version,
        reason: 'Loyalty discount agreed by phone',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().discountPercent).toBe('10');
    const stale = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: as(billing, true),
      payload: { poNumber: 'PO-1', expectedVersion: job.version },
    });
    expect(stale.statusCode).toBe(409);
    expect(problemOf(stale).errors[0]?.field).toBe('body.expectedVersion');
    const edit = (await timeline(job.id)).find((e) => e.action === 'job.updated');
    expect(edit?.changes.discountPercent).toEqual({ before: '5.0000', after: '10.0000' });
  });

  it('lets a dispatcher correct the scope but no billing fact, naming each field it refused', async () => {
    const job = (await book()).json();
    const patch = (payload: object, who: Session) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/jobs/${job.id}`, headers: as(who, true), payload });
    const refused = await patch(
      {
        discountPercent: '20',
        taxCodeId: null,
        depositRequired: true,
        depositAmount: '50.00',
        poNumber: 'PO-9',
      },
      dispatcher,
    );
    expect(refused.statusCode).toBe(403);
    expect(
      problemOf(refused)
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual([
      'body.depositAmount',
      'body.depositRequired',
      'body.discountPercent',
      'body.poNumber',
      'body.taxCodeId',
    ]);
    // Nothing changed.
    const after = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${job.id}`, headers: as(billing) })
    ).json();
    expect(after).toMatchObject({
      discountPercent: job.discountPercent,
      poNumber: job.poNumber,
      version: job.version,
    });
    expect((await patch({ scope: 'Replace the pump and the valve' }, dispatcher)).statusCode).toBe(200);
    expect((await patch({ poNumber: 'PO-9' }, billing)).statusCode).toBe(200);
    // The price book and the job types are not the dispatcher's either.
    const items = (
      await t.app.inject({ method: 'GET', url: '/api/v1/catalog-items', headers: as(dispatcher) })
    ).json().items as { id: string }[];
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/catalog-items/${items[0]?.id}`,
      headers: as(dispatcher, true),
      payload: {},
    });
    expect(put.statusCode).toBe(403);
    const type = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(dispatcher, true),
      payload: {},
    });
    expect(type.statusCode).toBe(403);
  });

  it('keeps a conversation on the job and notifies the crew of information requests', async () => {
    const job = (await book()).json();
    const asked = await post(
      `/api/v1/jobs/${job.id}/info-requests`,
      { body: 'Please add the boiler serial number' },
      billing,
    );
    expect(asked.statusCode).toBe(201);
    expect(asked.json().notified).toEqual([org.users.technician.id]);
    t.clock.advance(60_000); // the reply comes a minute later
    const replyId = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a99';
    const reply = await post(
      `/api/v1/jobs/${job.id}/comments`,
      { id: replyId, body: 'Serial GX-2231, photo attached' },
      tech,
    );
    expect(reply.statusCode).toBe(201);
    // The phone's outbox sends it again after a lost answer: recorded and announced once.
    const again = await post(
      `/api/v1/jobs/${job.id}/comments`,
      { id: replyId, body: 'Serial GX-2231, photo attached' },
      tech,
    );
    expect(again.json()).toEqual({ id: replyId, notified: [] });
    const reused = await post(
      `/api/v1/jobs/${job.id}/comments`,
      { id: replyId, body: 'Something else' },
      tech,
    );
    expect(reused.statusCode).toBe(409);
    expect(reused.json().code).toBe('idempotency_conflict');
    // The work order on the phone carries the conversation.
    const work = (
      await t.app.inject({ method: 'GET', url: '/api/v1/my/work-orders?days=14', headers: as(tech) })
    ).json();
    const order = work.items.find((i: { job: { id: string } }) => i.job.id === job.id);
    expect(
      order.messages.map((m: { kind: string; author: string; fromMe: boolean }) => [
        m.kind,
        m.author,
        m.fromMe,
      ]),
    ).toEqual([
      ['info_request', 'billing of ops', false],
      ['comment', 'You', true],
    ]);
    const comments = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${job.id}/comments`, headers: as(tech) })
    ).json().items;
    expect(comments.map((c: { kind: string; body: string }) => [c.kind, c.body])).toEqual([
      ['info_request', 'Please add the boiler serial number'],
      ['comment', 'Serial GX-2231, photo attached'],
    ]);
    // The reply reaches the person who asked, in their notification centre.
    expect(reply.json().notified).toEqual([org.users.billing.id]);
    const { rows } = await t.database.raw.query<{ user_id: string; kind: string; body: string }>(
      'SELECT user_id, kind, body FROM notifications WHERE job_id = $1 ORDER BY kind',
      [job.id],
    );
    expect(rows).toEqual([
      {
        user_id: org.users.billing.id,
        kind: 'info_reply',
        body: `${job.number}: technician of ops replied: Serial GX-2231, photo attached`,
      },
      {
        user_id: org.users.technician.id,
        kind: 'info_request',
        body: `${job.number}: Please add the boiler serial number`,
      },
    ]);
    const count = async () =>
      (
        await t.app.inject({ method: 'GET', url: '/api/v1/notifications/unread-count', headers: as(billing) })
      ).json().count;
    expect(await count()).toBe(1);
    const seen = (
      await t.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: as(billing) })
    ).json().items;
    expect(seen.map((n: { kind: string; read: boolean }) => [n.kind, n.read])).toEqual([
      ['info_reply', false],
    ]);
    expect(await count()).toBe(0);
    expect((await timeline(job.id)).map((e) => e.action)).toEqual([
      'job.created',
      'job.info_requested',
      'job.comment_added',
    ]);
  });

  it('shows the board by technician with both statuses and overlapping assignments flagged', async () => {
    const a = (
      await book({ windowStart: '2026-11-24T09:00:00.000Z', windowEnd: '2026-11-24T11:00:00.000Z' })
    ).json();
    const b = (
      await book({ windowStart: '2026-11-24T10:30:00.000Z', windowEnd: '2026-11-24T12:00:00.000Z' })
    ).json();
    const c = (
      await book({ windowStart: '2026-11-24T12:00:00.000Z', windowEnd: '2026-11-24T13:00:00.000Z' })
    ).json();
    const u = (
      await book({ crew: [], windowStart: '2026-11-24T08:00:00.000Z', windowEnd: '2026-11-24T09:00:00.000Z' })
    ).json();
    const board = (
      await t.app.inject({ method: 'GET', url: '/api/v1/board?date=2026-11-24', headers: as(dispatcher) })
    ).json();
    expect(board.timeZone).toBe('Europe/Dublin');
    const row = board.rows.find(
      (r: { technician: { id: string } }) => r.technician.id === org.users.technician.id,
    );
    const byId = Object.fromEntries(row.jobs.map((j: { id: string }) => [j.id, j]));
    expect(byId[a.id].overlapsWith).toEqual([b.id]);
    expect(byId[b.id].overlapsWith).toEqual([a.id]);
    expect(byId[c.id].overlapsWith).toEqual([]);
    expect(byId[a.id]).toMatchObject({ status: 'scheduled', billingStatus: 'not_ready' });
    expect(board.unassigned.map((j: { id: string }) => j.id)).toEqual([u.id]);
    const techBoard = await t.app.inject({
      method: 'GET',
      url: '/api/v1/board?date=2026-11-24',
      headers: as(tech),
    });
    expect(techBoard.statusCode).toBe(403);
  });
});
