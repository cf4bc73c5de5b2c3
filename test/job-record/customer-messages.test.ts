import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVisitReminders, sendCustomerMessage } from '../../src/app/messages/customer-messages';
import type { MailAttachment } from '../../src/app/ports';
import { drainQueues } from '../../src/worker/handlers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { bookVisit, makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

type Mail = {
  to: string[];
  subject: string;
  text: string;
  attachments?: MailAttachment[];
  replyTo?: string | undefined;
};
const CUSTOMER = 'dana@customer.test';

/**
 * The messages every field-service tool sends its customers about a visit (#25): confirmation with a
 * calendar file, a new time, the reminder the day before, "on my way" with an arrival window, the work
 * done, a cancellation; each once, in the organization's words, with why any was not sent.
 */
describe.each(testDrivers())('customer messages on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let dispatcher: Session;
  let tech: Session;
  const outbox: Mail[] = [];
  let refuseMail = 0;

  beforeAll(async () => {
    t = await createTestApp(driver, {
      mailer: {
        send: async (m) => {
          if (refuseMail > 0) {
            refuseMail--;
            throw new Error('450 mailbox busy');
          }
          outbox.push(m);
        },
      },
      sessionTtlHours: 24 * 30,
    });
    org = await makeOrganization(t.deps, 'msgs');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    await t.database.raw.query('UPDATE organizations SET reply_to_email = $1 WHERE id = $2', [
      'office@msgs.test',
      org.organizationId,
    ]);
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE organization_id = $2 AND id = $3', [
      CUSTOMER,
      org.organizationId,
      org.customerId,
    ]);
  });
  afterAll(() => t?.close());

  const book = (windowStart: string, windowEnd: string) =>
    bookVisit(t.app, dispatcher, org, windowStart, windowEnd);
  const messages = async (jobId: string, who: Session = dispatcher) => {
    await drainQueues(t.boss, t.deps);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${jobId}/customer-messages`,
      headers: as(who),
    });
    return res.json().items as {
      kind: string;
      status: string;
      subject: string;
      body: string;
      reason: string | null;
    }[];
  };
  const mailed = (subject: RegExp) => outbox.filter((m) => subject.test(m.subject));
  const eventOf = (mail: Mail | undefined) => {
    const ics = mail?.attachments?.find((a) => a.filename === 'visit.ics');
    if (!ics) throw new Error('no calendar file');
    const cal = new ICAL.Component(ICAL.parse(ics.content.toString('utf8')));
    return new ICAL.Event(cal.getFirstSubcomponent('vevent') ?? undefined);
  };

  it('confirms a booking with its window in words and a calendar file, and a new time replaces it', async () => {
    const jobId = await book('2026-11-24T09:00:00.000Z', '2026-11-24T11:00:00.000Z');
    const [confirmed] = await messages(jobId);
    expect(confirmed).toMatchObject({ kind: 'booking_confirmation', status: 'sent' });
    const mail = mailed(/your visit on Tuesday 24 November/)[0];
    expect(mail?.to).toEqual([CUSTOMER]);
    // "Reply to this e-mail" reaches the business, not the sending address.
    expect(mail?.replyTo).toBe('office@msgs.test');
    // Dublin is on UTC in November: the window reads as booked.
    expect(mail?.text).toContain('When: Tuesday 24 November, 09:00 to 11:00');
    expect(mail?.text).toContain('Where: 1 Main Street, Dublin');
    const first = eventOf(mail);
    expect(first.uid).toBe(`visit-${jobId}@closeout`);
    expect(first.startDate.toJSDate().toISOString()).toBe('2026-11-24T09:00:00.000Z');

    t.clock.advance(60_000);
    const moved = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${jobId}/reschedule`,
      headers: as(dispatcher, true),
      payload: {
        windowStart: '2026-11-25T13:00:00.000Z',
        windowEnd: '2026-11-25T14:30:00.000Z',
        reason: 'asked',
      },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const list = await messages(jobId);
    expect(list.map((m) => m.kind)).toEqual(['rescheduled', 'booking_confirmation']);
    const again = eventOf(mailed(/moves to Wednesday 25 November, 13:00 to 14:30/)[0]);
    expect(again.uid).toBe(first.uid);
    expect(again.sequence).toBeGreaterThan(first.sequence);
    // Asking the queue again (a retried worker) sends nothing twice.
    await sendCustomerMessage(t.deps, {
      organizationId: org.organizationId,
      jobId,
      kind: 'booking_confirmation',
      key: `booking_confirmation:${jobId}`,
    });
    expect(mailed(/your visit on/)).toHaveLength(1);
  });

  it('tells the customer when the technician is on the way, once, with a window from the estimate', async () => {
    t.clock.set('2026-11-26T14:02:00Z');
    const jobId = await book('2026-11-26T14:00:00.000Z', '2026-11-26T16:00:00.000Z');
    const tap = (payload?: object) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${jobId}/on-my-way`,
        headers: as(tech, true),
        ...(payload ? { payload } : {}),
      });
    const bad = await tap({ etaMinutes: 0 });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors[0]?.field).toBe('body.etaMinutes');
    expect((await tap({ etaMinutes: 25, tappedAt: '2026-11-26T14:02:00.000Z' })).statusCode).toBe(200);
    expect((await tap({ etaMinutes: 25 })).statusCode).toBe(200);
    const onWay = (await messages(jobId)).filter((m) => m.kind === 'on_my_way');
    expect(onWay).toHaveLength(1);
    expect(onWay[0]?.status).toBe('sent');
    expect(onWay[0]?.body).toContain('expects to arrive between 14:25 and 14:40');
    expect(onWay[0]?.subject).toMatch(/^technician from msgs Services is on the way$/);
  });

  it('leaves out an on-my-way that synced after the technician arrived, and saying so', async () => {
    t.clock.set('2026-11-27T10:00:00Z');
    const jobId = await book('2026-11-27T09:00:00.000Z', '2026-11-27T12:00:00.000Z');
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${jobId}/on-my-way`,
      headers: as(tech, true),
      payload: { etaMinutes: 15, tappedAt: '2026-11-27T09:10:00.000Z' },
    });
    const [late] = (await messages(jobId)).filter((m) => m.kind === 'on_my_way');
    expect(late).toMatchObject({
      status: 'skipped',
      reason: 'The technician arrived before the phone could send it',
    });
  });

  it('reminds the day before from the local hour, once per window, and never a canceled visit', async () => {
    t.clock.set('2026-11-30T08:00:00Z');
    const keep = await book('2026-12-01T09:00:00.000Z', '2026-12-01T10:00:00.000Z');
    const drop = await book('2026-12-01T11:00:00.000Z', '2026-12-01T12:00:00.000Z');
    const later = await book('2026-12-02T09:00:00.000Z', '2026-12-02T10:00:00.000Z');
    await drainQueues(t.boss, t.deps);
    // 08:00 in Dublin: before the organization's reminder hour (9).
    expect(await runVisitReminders(t.deps)).toEqual({ queued: 0 });
    t.clock.set('2026-11-30T09:30:00Z');
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${drop}/cancel`,
      headers: as(dispatcher, true),
      payload: { reason: 'customer away' },
    });
    expect(await runVisitReminders(t.deps)).toEqual({ queued: 1 });
    await drainQueues(t.boss, t.deps);
    expect(await runVisitReminders(t.deps)).toEqual({ queued: 0 });
    expect((await messages(keep)).map((m) => m.kind)).toContain('visit_reminder');
    expect((await messages(later)).map((m) => m.kind)).not.toContain('visit_reminder');
    const dropped = await messages(drop);
    expect(dropped.map((m) => m.kind)).toEqual(['canceled', 'booking_confirmation']);
    expect(mailed(/your visit is canceled/)[0]?.text).toContain('Tuesday 1 December, 11:00 to 12:00');
  });

  it('sends at most once across a worker that died while sending, and retries a refusal', async () => {
    t.clock.set('2026-12-03T08:00:00Z');
    refuseMail = 1;
    const jobId = await book('2026-12-08T09:00:00.000Z', '2026-12-08T10:00:00.000Z');
    await drainQueues(t.boss, t.deps).catch(() => undefined);
    const [waiting] = await messages(jobId);
    expect(waiting?.status === 'sent' || waiting?.reason?.startsWith('Not sent yet, trying again')).toBe(
      true,
    );
    const key = `booking_confirmation:${jobId}`;
    await sendCustomerMessage(t.deps, {
      organizationId: org.organizationId,
      jobId,
      kind: 'booking_confirmation',
      key,
    });
    const [sent] = await messages(jobId);
    expect(sent?.status).toBe('sent');
    expect(mailed(/your visit on Tuesday 8 December/)).toHaveLength(1);

    // A worker killed between "sending" and the mail server's answer: the next attempt does not send again.
    const crashed = await book('2026-12-09T09:00:00.000Z', '2026-12-09T10:00:00.000Z');
    const request = {
      organizationId: org.organizationId,
      jobId: crashed,
      kind: 'booking_confirmation' as const,
      key: `booking_confirmation:${crashed}`,
    };
    // This worker's mail server never answers: it holds the message as "sending", as a killed one would.
    void sendCustomerMessage(
      { ...t.deps, mailer: { send: () => new Promise<void>(() => undefined) } },
      request,
    );
    const statusOf = async () =>
      (
        await t.database.raw.query<{ status: string }>(
          'SELECT status FROM customer_messages WHERE organization_id = $1 AND job_id = $2',
          [org.organizationId, crashed],
        )
      ).rows[0]?.status;
    await expect.poll(statusOf, { timeout: 5000 }).toBe('sending');
    const before = outbox.length;
    // The queue's own attempt comes after the "crash", then one more by hand: neither sends.
    await drainQueues(t.boss, t.deps);
    await sendCustomerMessage(t.deps, request);
    const [unknown] = await messages(crashed);
    expect(unknown?.status).toBe('unknown');
    expect(unknown?.reason).toMatch(/it may have arrived, so it was not sent again/);
    expect(outbox.length).toBe(before);
  });

  it('uses the organization’s own words, stops a kind it turned off, and refuses unknown placeholders', async () => {
    const patch = (payload: object) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/v1/organization/customer-messages',
        headers: as(owner, true),
        payload,
      });
    const wrong = await patch({
      booking_confirmation: { enabled: true, body: 'Hi {{customer}}, see you {{when}}' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(problemOf(wrong).errors[0]?.field).toBe('body.booking_confirmation.body');
    expect((await patch({ dispatcher: true })).statusCode).toBe(400);
    const ok = await patch({
      booking_confirmation: {
        enabled: true,
        subject: 'See you {{window}}',
        body: 'Hi {{customer}}, {{technician}} comes {{window}}.',
      },
      canceled: { enabled: false },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const set = ok.json().items as { kind: string; enabled: boolean; custom: boolean }[];
    expect(set.find((s) => s.kind === 'booking_confirmation')).toMatchObject({ enabled: true, custom: true });
    expect(set.find((s) => s.kind === 'canceled')).toMatchObject({ enabled: false, custom: false });
    const refused = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization/customer-messages',
      headers: as(dispatcher, true),
      payload: { canceled: { enabled: true } },
    });
    expect(refused.statusCode).toBe(403);

    t.clock.set('2026-12-04T08:00:00Z');
    const jobId = await book('2026-12-10T09:00:00.000Z', '2026-12-10T10:00:00.000Z');
    expect((await messages(jobId))[0]?.body).toBe(
      'Hi Customer of msgs, technician comes Thursday 10 December, 09:00 to 10:00.',
    );
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${jobId}/cancel`,
      headers: as(dispatcher, true),
      payload: { reason: 'duplicate booking' },
    });
    expect((await messages(jobId)).map((m) => m.kind)).toEqual(['booking_confirmation']);
  });

  it('records why a customer without an address got nothing, and shows a technician only their jobs’ messages', async () => {
    await t.database.raw.query('UPDATE customers SET email = NULL WHERE organization_id = $1 AND id = $2', [
      org.organizationId,
      org.customerId,
    ]);
    t.clock.set('2026-12-05T08:00:00Z');
    const jobId = await book('2026-12-11T09:00:00.000Z', '2026-12-11T10:00:00.000Z');
    const [skipped] = await messages(jobId);
    expect(skipped).toMatchObject({ status: 'skipped', reason: 'The customer has no e-mail address' });
    const other = await signIn(t.app, 'tech2@msgs.test', PASSWORD);
    const hidden = await t.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${jobId}/customer-messages`,
      headers: as(other),
    });
    expect(hidden.statusCode).toBe(404);
    expect((await messages(jobId, tech)).length).toBe(1);
  });
  it('writes to a customer who reads German in German: the window, the arrival, the words', async () => {
    // (The test before took the customer's e-mail address away: this one gives it back.)
    await t.database.raw.query("UPDATE customers SET language = 'de', email = $2 WHERE id = $1", [
      org.customerId,
      CUSTOMER,
    ]);
    try {
      t.clock.set('2026-11-30T10:00:00Z');
      const jobId = await book('2026-12-01T09:00:00.000Z', '2026-12-01T11:00:00.000Z');
      const [confirmed] = await messages(jobId);
      expect(confirmed?.subject).toBe(
        'msgs Services: Ihr Termin am Dienstag, 1. Dezember, 09:00 bis 11:00 Uhr',
      );
      expect(confirmed?.status).toBe('sent');
      expect(confirmed?.body).toMatch(/^Guten Tag /);
      expect(confirmed?.body).toContain('Wann: Dienstag, 1. Dezember, 09:00 bis 11:00 Uhr');
      expect(confirmed?.body).not.toMatch(/Hello|When:|visit/);
      // The calendar file names the visit in German too.
      expect(eventOf(outbox.find((m) => m.subject === confirmed?.subject)).summary).toBe(
        'msgs Services: Termin',
      );
      t.clock.set('2026-12-01T08:32:00Z');
      const tapped = await t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${jobId}/on-my-way`,
        headers: as(tech, true),
        payload: { etaMinutes: 20 },
      });
      expect(tapped.statusCode, tapped.body).toBe(200);
      const onWay = (await messages(jobId)).find((m) => m.kind === 'on_my_way');
      expect(onWay?.subject).toMatch(/ von msgs Services ist unterwegs$/);
      expect(onWay?.body).toContain('kommt voraussichtlich zwischen 08:50 und 09:05 Uhr an.');
    } finally {
      await t.database.raw.query('UPDATE customers SET language = NULL WHERE id = $1', [org.customerId]);
    }
  });
});
