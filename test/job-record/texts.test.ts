import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendCustomerMessage } from '../../src/app/messages/customer-messages';
import { drainQueues } from '../../src/worker/handlers';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { bookVisit, makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';
import { type FakeTwilio, startFakeTwilio } from '../support/fake-twilio';

type Message = {
  kind: string;
  channel: string;
  status: string;
  recipient: string | null;
  body: string;
  reason: string | null;
  delivery: string | null;
};

/**
 * Texts to customers (#25) through Twilio's official library, against a loopback fake that fails as Twilio
 * does: each text once whatever the retries, none to a number that replied STOP, none in the quiet hours
 * ("on my way" dropped, the rest waiting for the morning), none over the monthly cap, and delivery reports
 * verified by signature and applied in order whatever order they come in.
 */
describe.each(testDrivers())('texts to customers on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let dispatcher: Session;
  let tech: Session;
  let twilio: FakeTwilio;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    t = await createTestApp(driver, { sessionTtlHours: 24 * 30 });
    twilio.send = async (url, headers, body) => {
      const res = await t.app.inject({ method: 'POST', url: new URL(url).pathname, headers, payload: body });
      return { status: res.statusCode, body: res.body };
    };
    org = await makeOrganization(t.deps, 'texts');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    // The customer has a mobile (written as people write it) and an e-mail address.
    await t.database.raw.query(
      'UPDATE customers SET email = $1, phone = $2 WHERE organization_id = $3 AND id = $4',
      ['dana@customer.test', '087 555 0199', org.organizationId, org.customerId],
    );
  });
  afterAll(async () => {
    await t?.close();
    await twilio?.close();
  });

  const connect = (payload: object) =>
    t.app.inject({ method: 'PUT', url: '/api/v1/organization/sms', headers: as(owner, true), payload });
  const book = (windowStart: string, windowEnd: string) =>
    bookVisit(t.app, dispatcher, org, windowStart, windowEnd);
  const texts = async (jobId: string) => {
    await drainQueues(t.boss, t.deps, ['customer_message.send']);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${jobId}/customer-messages`,
      headers: as(dispatcher),
    });
    return (res.json().items as Message[]).filter((m) => m.channel === 'sms');
  };

  it('connects Twilio with the token sealed, refusing a malformed account', async () => {
    const bad = await connect({ accountSid: 'AC123', authToken: twilio.authToken, sender: '0861110000' });
    expect(bad.statusCode).toBe(400);
    expect(
      problemOf(bad)
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['body.accountSid', 'body.sender']);
    const res = await connect({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      sender: twilio.sender,
      apiBaseUrl: twilio.url,
      monthlyCap: 6,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      connected: true,
      accountHint: `…${twilio.accountSid.slice(-4)}`,
      sender: twilio.sender,
      monthlyCap: 6,
      quietStart: 21,
      quietEnd: 8,
      sentThisMonth: 0,
    });
    expect(res.body).not.toContain(twilio.authToken);
    // A dispatcher does not hold the business's accounts.
    const other = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organization/sms',
      headers: as(dispatcher),
    });
    expect(other.statusCode).toBe(403);
  });

  it('texts the booking to the mobile in E.164 once, and applies delivery reports in order whatever order they come in', async () => {
    t.clock.set('2026-11-23T10:00:00Z');
    const jobId = await book('2026-11-24T09:00:00.000Z', '2026-11-24T11:00:00.000Z');
    const [text] = await texts(jobId);
    expect(text).toMatchObject({ kind: 'booking_confirmation', status: 'sent', recipient: '+353875550199' });
    expect(twilio.texts).toHaveLength(1);
    expect(twilio.texts[0]).toMatchObject({ to: '+353875550199', from: twilio.sender });
    expect(twilio.texts[0]?.body).toBe(
      'texts Services: your visit is booked for Tuesday 24 November, 09:00 to 11:00 at 1 Main Street, Dublin. Reply STOP to opt out.',
    );
    // The queue asking again (a retried worker) sends nothing twice.
    await sendCustomerMessage(t.deps, {
      organizationId: org.organizationId,
      jobId,
      kind: 'booking_confirmation',
      key: `booking_confirmation:${jobId}`,
    });
    expect(twilio.texts).toHaveLength(1);

    const sid = twilio.texts[0]?.sid ?? '';
    expect((await twilio.report(sid, 'delivered')).status).toBe(200);
    // The earlier stage arrives late, and twice: it changes nothing.
    expect((await twilio.report(sid, 'sent')).status).toBe(200);
    expect((await twilio.report(sid, 'sent')).status).toBe(200);
    expect((await texts(jobId))[0]?.delivery).toBe('delivered');
    // A report not signed with the account's token is refused and changes nothing.
    const forged = await twilio.report(sid, 'undelivered', '30003', 'not-the-token');
    expect(forged.status).toBe(403);
    expect((await texts(jobId))[0]).toMatchObject({ status: 'sent', delivery: 'delivered' });
  });

  it('sends "on my way" by text with the arrival window, and never twice when the answer is lost', async () => {
    t.clock.set('2026-11-24T08:32:00Z');
    const jobId = await book('2026-11-24T09:00:00.000Z', '2026-11-24T11:00:00.000Z');
    await texts(jobId);
    const before = twilio.texts.length;
    twilio.failNext.push('lose_answer');
    const tap = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${jobId}/on-my-way`,
      headers: as(tech, true),
      payload: { etaMinutes: 25 },
    });
    expect(tap.statusCode, tap.body).toBe(200);
    const list = await texts(jobId);
    const onWay = list.find((m) => m.kind === 'on_my_way');
    // Twilio took it; its answer was lost: shown as "may have arrived", never sent again.
    expect(onWay).toMatchObject({ status: 'unknown' });
    expect(onWay?.reason).toContain('may have arrived');
    expect(twilio.texts.slice(before).map((x) => x.body)).toEqual([
      expect.stringMatching(
        /^texts Services: \S+ is on the way and expects to arrive between 08:55 and 09:10\.$/,
      ),
    ]);
    await sendCustomerMessage(t.deps, {
      organizationId: org.organizationId,
      jobId,
      kind: 'on_my_way',
      key: `on_my_way:${jobId}`,
    });
    expect(twilio.texts.length).toBe(before + 1);
  });

  it('tries again when Twilio asks to slow down, and the text goes once', async () => {
    t.clock.set('2026-11-24T12:00:00Z');
    twilio.failNext.push('rate_limit', 'server_error');
    const before = twilio.texts.length;
    const jobId = await book('2026-11-25T09:00:00.000Z', '2026-11-25T10:00:00.000Z');
    // Each refusal fails the queue job, which the queue runs again.
    for (let i = 0; i < 3; i++)
      await sendCustomerMessage(t.deps, {
        organizationId: org.organizationId,
        jobId,
        kind: 'booking_confirmation',
        key: `booking_confirmation:${jobId}`,
      }).catch(() => undefined);
    const [text] = await texts(jobId);
    expect(text?.status).toBe('sent');
    expect(twilio.texts.length).toBe(before + 1);
  });

  it('keeps the quiet hours: a confirmation waits for the morning, "on my way" is not sent late at night', async () => {
    t.clock.set('2026-11-24T22:30:00Z');
    const before = twilio.texts.length;
    const jobId = await book('2026-11-26T09:00:00.000Z', '2026-11-26T10:00:00.000Z');
    const [waiting] = await texts(jobId);
    expect(waiting).toMatchObject({ status: 'queued', reason: 'Waiting for 08:00: quiet hours' });
    expect(twilio.texts.length).toBe(before);
    // The morning comes: the job waiting for it runs.
    t.clock.set('2026-11-25T08:00:00Z');
    await sendCustomerMessage(t.deps, {
      organizationId: org.organizationId,
      jobId,
      kind: 'booking_confirmation',
      key: `booking_confirmation:${jobId}`,
    });
    expect((await texts(jobId))[0]?.status).toBe('sent');

    t.clock.set('2026-11-25T21:40:00Z');
    const late = await book('2026-11-25T21:30:00.000Z', '2026-11-25T23:00:00.000Z');
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${late}/on-my-way`,
      headers: as(tech, true),
      payload: { etaMinutes: 15 },
    });
    const onWay = (await texts(late)).find((m) => m.kind === 'on_my_way');
    expect(onWay).toMatchObject({ status: 'skipped' });
    expect(onWay?.reason).toContain('Quiet hours');
  });

  it('keeps the quiet hours and tells the times where the customer lives when that is not where the business is', async () => {
    const zone = (timeZone: string | null) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/customers/${org.customerId}`,
        headers: as(owner, true),
        payload: { timeZone },
      });
    const refused = await zone('Mars/Olympus');
    expect(refused.statusCode).toBe(400);
    expect(problemOf(refused).errors?.map((e) => e.field)).toEqual(['body.timeZone']);
    const set = await zone('America/New_York');
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().timeZone).toBe('America/New_York');
    try {
      // 22:30 in Dublin is 17:30 in New York: not the customer's night, the text goes at once, with the visit
      // at 09:00 to 10:00 their time (14:00 to 15:00 in Dublin). (In December: November's count of texts is
      // the monthly cap's test below.)
      t.clock.set('2026-12-02T22:30:00Z');
      const evening = await book('2026-12-04T14:00:00.000Z', '2026-12-04T15:00:00.000Z');
      const [sent] = await texts(evening);
      expect(sent).toMatchObject({ status: 'sent' });
      expect(sent?.body).toContain('Friday 4 December, 09:00 to 10:00');
      // 12:30 in Dublin is 07:30 in New York: the confirmation waits for 08:00 there.
      t.clock.set('2026-12-03T12:30:00Z');
      const early = await book('2026-12-05T14:00:00.000Z', '2026-12-05T15:00:00.000Z');
      const [waiting] = await texts(early);
      expect(waiting).toMatchObject({ status: 'queued', reason: 'Waiting for 08:00: quiet hours' });
    } finally {
      expect((await zone(null)).json().timeZone).toBeNull();
    }
  });

  it('stops texting a number that replied STOP, starts again on START, and stops at the monthly cap', async () => {
    t.clock.set('2026-11-26T10:00:00Z');
    const settings = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organization/sms',
      headers: as(owner),
    });
    const { inboundUrl } = settings.json();
    expect((await twilio.reply(inboundUrl, '+353875550199', 'Stop')).status).toBe(200);
    const stopped = await book('2026-11-27T09:00:00.000Z', '2026-11-27T10:00:00.000Z');
    const [none] = await texts(stopped);
    expect(none).toMatchObject({
      status: 'skipped',
      reason: 'The customer replied STOP: no texts to this number',
    });
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/organization/sms', headers: as(owner) })).json()
        .optedOut,
    ).toBe(1);

    expect((await twilio.reply(inboundUrl, '+353875550199', 'START')).status).toBe(200);
    // Five texts went this month: with the cap lowered to five, the next is not sent, and says why.
    await connect({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      sender: twilio.sender,
      apiBaseUrl: twilio.url,
      monthlyCap: 5,
    });
    const capped = await book('2026-11-28T09:00:00.000Z', '2026-11-28T10:00:00.000Z');
    const [over] = await texts(capped);
    expect(over?.status).toBe('skipped');
    expect(over?.reason).toContain('limit of 5 texts');
    // E-mail goes on regardless.
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${capped}/customer-messages`,
      headers: as(dispatcher),
    });
    expect((res.json().items as Message[]).find((m) => m.channel === 'email')?.status).toBe('sent');
  });

  it('marks a number Twilio refuses for good as failed, with why, and stops texts when disconnected', async () => {
    await connect({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      sender: twilio.sender,
      apiBaseUrl: twilio.url,
      monthlyCap: 100,
    });
    twilio.blocked.add('+353875550199');
    t.clock.set('2026-11-29T10:00:00Z');
    const jobId = await book('2026-11-30T09:00:00.000Z', '2026-11-30T10:00:00.000Z');
    const [refused] = await texts(jobId);
    expect(refused).toMatchObject({
      status: 'failed',
      reason: 'The number opted out of texts with the carrier',
    });

    const off = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/organization/sms',
      headers: as(owner, true),
    });
    expect(off.json().connected).toBe(false);
    const quiet = await book('2026-12-01T09:00:00.000Z', '2026-12-01T10:00:00.000Z');
    expect(await texts(quiet)).toEqual([]);
  });
});
