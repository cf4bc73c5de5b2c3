import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVisitReminders } from '../../src/app/messages/customer-messages';
import { drainQueues } from '../../src/worker/handlers';
import { closeOut, plainJobType } from '../invoices/helpers';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { bookVisit, makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';
import { png } from '../support/files';

const hasPdftotext = spawnSync('pdftotext', ['-v']).status === 0;

/** A kitchen refit over three days: rough-in, first fix, finish (Dublin is on UTC in December). */
const DAYS = [
  { start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T13:00:00.000Z' },
  { start: '2026-12-10T09:00:00.000Z', end: '2026-12-10T13:00:00.000Z' },
  { start: '2026-12-15T09:00:00.000Z', end: '2026-12-15T17:00:00.000Z' },
] as const;

type VisitView = {
  id: string;
  windowStart: string;
  windowEnd: string;
  status: string;
  number: number | null;
  of: number;
  current: boolean;
  closedReason: string | null;
};

describe.each(testDrivers())('a job done over several visits on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let s: Awaited<ReturnType<typeof sessionsOf>>;
  let jobId: string;
  let jobTypeId: string;

  beforeAll(async () => {
    t = await createTestApp(driver, { sessionTtlHours: 24 * 60 });
    org = await makeOrganization(t.deps, 'visits');
    s = await sessionsOf(t.app, org);
    // Work with no proof asked, so the closeout is what the test is about.
    jobTypeId = await plainJobType(t, s.owner);
  });
  afterAll(() => t?.close());

  const call = (who: Session, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: as(who, method !== 'GET'),
      ...(method === 'GET' ? {} : { payload: payload ?? {} }),
    });
  const visits = async (id: string): Promise<VisitView[]> =>
    (await call(s.dispatcher, 'GET', `/api/v1/jobs/${id}/visits`)).json().items;
  /** The customer accepts the first version behind a link, its default choice, with a drawn signature. */
  const acceptAs = async (token: string, signerName: string) => {
    const ok = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/quotes/${token}/accept`,
      payload: {
        version: 1,
        choice: { options: {}, addOns: [] },
        signerName,
        signature: `data:image/png;base64,${(await png(2)).toString('base64')}`,
      },
    });
    expect(ok.statusCode, ok.body).toBe(200);
  };
  const quote = (extra: object) => ({
    customerId: org.customerId,
    siteId: org.siteId,
    jobTypeId,
    title: 'Kitchen refit',
    lines: [{ description: 'Kitchen refit, fixed price', quantity: '1', unitPrice: '4000.00' }],
    validUntil: '2026-12-05',
    visitStart: DAYS[0].start,
    visitEnd: DAYS[0].end,
    laterVisits: [DAYS[1], DAYS[2]],
    ...extra,
  });

  it('refuses a visit plan out of order or over itself, naming the visit, and one on a repeating service', async () => {
    const bad = await call(
      s.owner,
      'POST',
      '/api/v1/quotes',
      quote({
        laterVisits: [
          { start: '2026-12-08T12:00:00.000Z', end: '2026-12-08T15:00:00.000Z' },
          { start: '2026-12-11T10:00:00.000Z', end: '2026-12-11T09:00:00.000Z' },
        ],
      }),
    );
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors.map((e) => e.field)).toEqual([
      'body.laterVisits.0.start',
      'body.laterVisits.1.end',
    ]);
    const repeating = await call(
      s.owner,
      'POST',
      '/api/v1/quotes',
      quote({ repeat: { every: 'month', visits: 3 } }),
    );
    expect(repeating.statusCode).toBe(400);
    expect(problemOf(repeating).errors.map((e) => e.field)).toContain('body.laterVisits');
    const noFirst = await call(
      s.owner,
      'POST',
      '/api/v1/quotes',
      quote({ visitStart: null, visitEnd: null }),
    );
    expect(problemOf(noFirst).errors.map((e) => e.field)).toEqual(['body.laterVisits']);
    const count = await t.database.raw.query(
      'SELECT count(*)::int AS n FROM quotes WHERE organization_id = $1',
      [org.organizationId],
    );
    expect(count.rows[0]).toEqual({ n: 0 });
  });

  it('books every visit of an accepted project quote on one job, and shows them on the signed copy and the board', async () => {
    const q = (await call(s.owner, 'POST', '/api/v1/quotes', quote({}))).json();
    expect(q.laterVisits).toEqual([DAYS[1], DAYS[2]]);
    const sent = await call(s.owner, 'POST', `/api/v1/quotes/${q.id}/send`, { to: 'pat@example.com' });
    expect(sent.statusCode, sent.body).toBe(200);
    const link: string = sent.json().link;
    const token = link.slice(link.lastIndexOf('/') + 1);
    const page = (await t.app.inject({ method: 'GET', url: `/api/v1/public/quotes/${token}` })).json();
    expect(page.laterVisits).toEqual([DAYS[1], DAYS[2]]);
    await acceptAs(token, 'Pat Murphy');
    jobId = (await call(s.owner, 'GET', `/api/v1/quotes/${q.id}`)).json().jobId;
    const job = (await call(s.dispatcher, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(job.windowStart).toBe(DAYS[0].start);
    const v = await visits(jobId);
    expect(v.map((x) => [x.windowStart, x.status, x.number, x.of, x.current])).toEqual([
      [DAYS[0].start, 'planned', 1, 3, true],
      [DAYS[1].start, 'planned', 2, 3, false],
      [DAYS[2].start, 'planned', 3, 3, false],
    ]);
    const audit = await t.database.raw.query<{ action: string }>(
      'SELECT action FROM audit_events WHERE aggregate_id = $1 ORDER BY seq',
      [jobId],
    );
    expect(audit.rows.map((r) => r.action)).toContain('job.visits_planned');

    if (hasPdftotext) {
      const signed = await call(s.dispatcher, 'GET', `/api/v1/quotes/${q.id}/signed.pdf`);
      const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: signed.rawPayload })
        .toString()
        .replace(/\s+/g, ' ');
      expect(text).toContain('The work is done over 3 visits (visit 1: 8 December 2026, 09:00 to 13:00;');
      expect(text).toContain('visit 3: 15 December 2026, 09:00 to 17:00)');
    } else
      console.info('pdftotext (Debian poppler-utils) is missing: the signed PDF’s text is not read back');

    // The crew goes on every day of it: the board shows the job once per visit, each named.
    const crew = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/assign`, {
      add: [org.users.technician.id],
    });
    expect(crew.statusCode, crew.body).toBe(200);
    const cardsOf = async (date: string) => {
      const board = (await call(s.dispatcher, 'GET', `/api/v1/board?date=${date}&days=7`)).json();
      const row = board.rows.find(
        (r: { technician: { id: string } }) => r.technician.id === org.users.technician.id,
      );
      return row.jobs.filter((j: { id: string }) => j.id === jobId);
    };
    const cards = [...(await cardsOf('2026-12-07')), ...(await cardsOf('2026-12-14'))];
    expect(
      cards.map((c: { windowStart: string; visit: unknown; visitId: string | null }) => [
        c.windowStart,
        c.visit,
        c.visitId === null,
      ]),
    ).toEqual([
      [DAYS[0].start, { number: 1, of: 3 }, true],
      [DAYS[1].start, { number: 2, of: 3 }, false],
      [DAYS[2].start, { number: 3, of: 3 }, false],
    ]);
    // Another job of the technician over the second visit is flagged as overlapping that visit.
    const other = await bookVisit(
      t.app,
      s.dispatcher,
      org,
      '2026-12-10T12:00:00.000Z',
      '2026-12-10T14:00:00.000Z',
    );
    const again = (await call(s.dispatcher, 'GET', '/api/v1/board?date=2026-12-10&days=1')).json();
    const mine = again.rows.find(
      (r: { technician: { id: string } }) => r.technician.id === org.users.technician.id,
    );
    const otherCard = mine.jobs.find((j: { id: string }) => j.id === other);
    expect(otherCard.overlapsWith).toEqual([v[1]?.id]);
    await call(s.dispatcher, 'POST', `/api/v1/jobs/${other}/cancel`, { reason: 'customer canceled' });
  });

  it.runIf(hasPdftotext)('prints the signed copy in the customer’s language, the visits too', async () => {
    const setLanguage = (language: string | null) =>
      call(s.owner, 'PATCH', `/api/v1/customers/${org.customerId}`, { language, email: 'pat@example.com' });
    expect((await setLanguage('de')).statusCode).toBe(200);
    try {
      const q = (
        await call(
          s.owner,
          'POST',
          '/api/v1/quotes',
          quote({
            lines: [{ description: 'Badsanierung', quantity: '1', unitPrice: '1234.50' }],
          }),
        )
      ).json();
      const link: string = (
        await call(s.owner, 'POST', `/api/v1/quotes/${q.id}/send`, { to: 'pat@example.com' })
      ).json().link;
      await acceptAs(link.slice(link.lastIndexOf('/') + 1), 'Pat Murphy');
      const signed = await call(s.dispatcher, 'GET', `/api/v1/quotes/${q.id}/signed.pdf`);
      const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: signed.rawPayload })
        .toString()
        .replace(/\s+/g, ' ');
      for (const words of [
        'ANGEBOT, ANGENOMMEN',
        `Angebot ${q.number}`,
        'Gültig bis 5. Dezember 2026',
        'Beschreibung',
        'Gesamt',
        '1.518,44 EUR',
        '23 %',
        'Die Arbeit erfolgt an 3 Terminen (Termin 1: 8. Dezember 2026, 09:00 bis 13:00;',
        'Unterschrieben von Pat Murphy am 18. November 2026',
        'Seite 1 von 1',
      ])
        expect(text).toContain(words);
      expect(text).not.toMatch(/Signed by|Valid until|Total/);
    } finally {
      await setLanguage(null);
    }
  });

  it('moves visits without ever putting one over another or before the one the crew works on now', async () => {
    const v = await visits(jobId);
    // Moving the job (its current visit) over the next visit is refused; the job and its visit move together.
    const over = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/reschedule`, {
      windowStart: '2026-12-10T08:00:00.000Z',
      windowEnd: '2026-12-10T10:00:00.000Z',
      reason: 'customer asked',
    });
    expect(over.statusCode).toBe(400);
    expect(problemOf(over).errors[0]?.field).toMatch(/^body\.window/);
    const moved = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/reschedule`, {
      windowStart: '2026-12-09T09:00:00.000Z',
      windowEnd: '2026-12-09T13:00:00.000Z',
      reason: 'customer asked',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await visits(jobId))[0]).toMatchObject({
      windowStart: '2026-12-09T09:00:00.000Z',
      current: true,
    });
    // A later visit may not go before the current one, nor over another.
    const early = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/visits/${v[2]?.id}/move`, {
      windowStart: '2026-12-09T10:00:00.000Z',
      windowEnd: '2026-12-09T12:00:00.000Z',
      reason: 'earlier',
    });
    expect(early.statusCode).toBe(400);
    expect(problemOf(early).errors.map((e) => e.field)).toEqual(['body.windowStart']);
    const clash = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/visits/${v[2]?.id}/move`, {
      windowStart: '2026-12-10T11:00:00.000Z',
      windowEnd: '2026-12-10T15:00:00.000Z',
      reason: 'earlier',
    });
    expect(problemOf(clash).errors[0]?.message).toBe('overlaps another visit of this job');
    const fine = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/visits/${v[2]?.id}/move`, {
      windowStart: '2026-12-16T09:00:00.000Z',
      windowEnd: '2026-12-16T17:00:00.000Z',
      reason: 'tiles arrive a day late',
    });
    expect(fine.statusCode, fine.body).toBe(200);
    expect(fine.json().items[2]).toMatchObject({ windowStart: '2026-12-16T09:00:00.000Z', number: 3 });
    // A technician does not plan visits.
    const tech = await call(s.technician, 'POST', `/api/v1/jobs/${jobId}/visits`, {
      windowStart: '2026-12-18T09:00:00.000Z',
      windowEnd: '2026-12-18T12:00:00.000Z',
    });
    expect(tech.statusCode).toBe(403);
  });

  it('lets the crew leave a visit done and come back; the closeout closes what is left', async () => {
    const done0 = await call(s.technician, 'POST', `/api/v1/jobs/${jobId}/visit-done`);
    // Not started yet: the crew starts the day's work first.
    expect(done0.statusCode).toBe(409);
    expect((await call(s.technician, 'POST', `/api/v1/jobs/${jobId}/start`)).statusCode).toBe(200);
    const done = await call(s.technician, 'POST', `/api/v1/jobs/${jobId}/visit-done`);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ status: 'scheduled', windowStart: DAYS[1].start });
    let v = await visits(jobId);
    expect(v.map((x) => [x.status, x.current])).toEqual([
      ['done', false],
      ['planned', true],
      ['planned', false],
    ]);
    // The phone has them with the work order (its days are counted from today).
    t.clock.set('2026-12-09T18:00:00Z');
    const orders = (await call(s.technician, 'GET', '/api/v1/my/work-orders?days=14')).json();
    const order = orders.items.find((o: { job: { id: string } }) => o.job.id === jobId);
    expect(order.visits.map((x: VisitView) => x.status)).toEqual(['done', 'planned', 'planned']);

    // The office adds a day and cancels it again: kept, canceled, not counted.
    const added = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/visits`, {
      windowStart: '2026-12-17T09:00:00.000Z',
      windowEnd: '2026-12-17T12:00:00.000Z',
      reason: 'snagging',
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json().items.map((x: VisitView) => x.of)).toEqual([4, 4, 4, 4]);
    const extra = added.json().items[3] as VisitView;
    const canceled = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/visits/${extra.id}/cancel`, {
      reason: 'no snagging needed',
    });
    expect(canceled.statusCode, canceled.body).toBe(200);
    expect(canceled.json().items[3]).toMatchObject({
      status: 'canceled',
      number: null,
      of: 3,
      closedReason: 'no snagging needed',
    });
    const twice = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/visits/${extra.id}/cancel`, {
      reason: 'again',
    });
    expect(twice.statusCode).toBe(409);

    // The work is finished on the second day: the closeout completes the job, the third visit is not needed.
    expect((await call(s.technician, 'POST', `/api/v1/jobs/${jobId}/start`)).statusCode).toBe(200);
    const closing = await closeOut(t, org, s.technician, jobId, { deviceTime: '2026-12-10T12:50:00.000Z' });
    expect(closing.status, JSON.stringify(closing)).not.toBe(422);
    const job = (await call(s.dispatcher, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(job.status).toBe('completed');
    v = await visits(jobId);
    expect(v.map((x) => [x.status, x.closedReason])).toEqual([
      ['done', null],
      ['done', null],
      ['canceled', 'Not needed: the work was completed at an earlier visit'],
      ['canceled', 'no snagging needed'],
    ]);
    const after = await call(s.technician, 'POST', `/api/v1/jobs/${jobId}/visit-done`);
    expect(after.statusCode).toBe(409);
    const more = await call(s.dispatcher, 'POST', `/api/v1/jobs/${jobId}/visits`, {
      windowStart: '2026-12-18T09:00:00.000Z',
      windowEnd: '2026-12-18T12:00:00.000Z',
    });
    expect(more.statusCode).toBe(409);
  });

  it('turns a one-visit job into a job of visits when the office adds a day', async () => {
    const id = await bookVisit(
      t.app,
      s.dispatcher,
      org,
      '2026-12-21T09:00:00.000Z',
      '2026-12-21T12:00:00.000Z',
    );
    expect(await visits(id)).toEqual([]);
    const added = await call(s.dispatcher, 'POST', `/api/v1/jobs/${id}/visits`, {
      windowStart: '2026-12-22T09:00:00.000Z',
      windowEnd: '2026-12-22T12:00:00.000Z',
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json().items.map((x: VisitView) => [x.windowStart, x.number, x.current])).toEqual([
      ['2026-12-21T09:00:00.000Z', 1, true],
      ['2026-12-22T09:00:00.000Z', 2, false],
    ]);
    // Canceling the first visit of a job not started moves the job to the next; the last is the job's own.
    const first = added.json().items[0] as VisitView;
    const moved = await call(s.dispatcher, 'POST', `/api/v1/jobs/${id}/visits/${first.id}/cancel`, {
      reason: 'customer away that day',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await call(s.dispatcher, 'GET', `/api/v1/jobs/${id}`)).json().windowStart).toBe(
      '2026-12-22T09:00:00.000Z',
    );
    const last = moved.json().items[1] as VisitView;
    const refused = await call(s.dispatcher, 'POST', `/api/v1/jobs/${id}/visits/${last.id}/cancel`, {
      reason: 'nothing left',
    });
    expect(refused.statusCode).toBe(409);
    expect(problemOf(refused).detail).toMatch(/cancel the job instead/);
    // Canceling the job closes its visit with the job's reason.
    await call(s.dispatcher, 'POST', `/api/v1/jobs/${id}/cancel`, { reason: 'customer moved house' });
    expect((await visits(id)).map((x) => [x.status, x.closedReason])).toEqual([
      ['canceled', 'customer away that day'],
      ['canceled', 'customer moved house'],
    ]);
  });
  it('reminds the customer the day before each later visit, with that visit’s own day and time, once', async () => {
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE id = $2', [
      'pat@example.com',
      org.customerId,
    ]);
    t.clock.set('2026-12-28T08:00:00Z');
    const id = await bookVisit(
      t.app,
      s.dispatcher,
      org,
      '2026-12-28T09:00:00.000Z',
      '2026-12-28T12:00:00.000Z',
    );
    const added = await call(s.dispatcher, 'POST', `/api/v1/jobs/${id}/visits`, {
      windowStart: '2026-12-29T13:00:00.000Z',
      windowEnd: '2026-12-29T16:00:00.000Z',
    });
    expect(added.statusCode, added.body).toBe(201);
    await drainQueues(t.boss, t.deps);
    // The evening before the second day, while the crew is still on the first: its own reminder.
    t.clock.set('2026-12-28T18:00:00Z');
    const first = await runVisitReminders(t.deps);
    await drainQueues(t.boss, t.deps);
    const reminded = async () =>
      (
        await t.database.raw.query<{ body: string }>(
          "SELECT body FROM customer_messages WHERE job_id = $1 AND kind = 'visit_reminder' AND channel = 'email'",
          [id],
        )
      ).rows;
    expect(first.queued).toBeGreaterThanOrEqual(1);
    expect((await reminded()).map((r) => r.body.split('\n')[2])).toEqual([
      expect.stringMatching(/visits you Tuesday 29 December, 13:00 to 16:00 at /),
    ]);
    // Once that visit is the job's (the crew left the first done), the job's own reminder is the same one.
    expect((await call(s.technician, 'POST', `/api/v1/jobs/${id}/start`)).statusCode).toBe(200);
    expect((await call(s.technician, 'POST', `/api/v1/jobs/${id}/visit-done`)).statusCode).toBe(200);
    await runVisitReminders(t.deps);
    await drainQueues(t.boss, t.deps);
    expect(await reminded()).toHaveLength(1);
  });
});
