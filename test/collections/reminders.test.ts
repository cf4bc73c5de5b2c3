import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReminders } from '../../src/app/collections/run-reminders';
import { printAmount } from '../../src/core/money';
import { businessDate } from '../../src/core/time';
import {
  closeOut,
  drain,
  type InvoiceJson,
  invoicesOfJob,
  newJob,
  plainJobType,
  setSeller,
} from '../invoices/helpers';
import { as, createTestApp, type Session, type TestApp, TestClock } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';

type Reminders = {
  items: {
    stepDays: number | null;
    tone: string;
    status: string;
    stoppedBecause: string | null;
    recipients: string[];
  }[];
  next: { on: string; tone: string; stepDays: number } | null;
  heldBecause: string | null;
  scheduleName: string | null;
};

/**
 * Payment reminders (#24) with the controllable clock: the right step on the right day, at the organization's
 * local hour across DST, once whatever runs twice, and never after a payment, a dispute or a pause.
 */
describe.each(testDrivers())('payment reminders on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  const inbox: { to: string[]; subject: string; text: string }[] = [];
  const clock = new TestClock('2026-11-18T10:00:00Z');

  beforeAll(async () => {
    t = await createTestApp(driver, {
      clock,
      sessionTtlHours: 24 * 400,
      mailer: {
        send: async (m) => {
          inbox.push(m);
        },
      },
    });
    org = await makeOrganization(t.deps, 'dunning');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14, remindersEnabled: true });
    jobTypeId = await plainJobType(t, owner);
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE organization_id = $2', [
      'accounts@dunning.test',
      org.organizationId,
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, who?: Session, payload?: object) =>
    t.app.inject({
      method,
      url,
      ...(who ? { headers: as(who, method !== 'GET') } : {}),
      ...(payload ? { payload } : {}),
    });
  /** An invoice issued on the clock's day, due 14 days later. */
  const issued = async (): Promise<InvoiceJson> => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv?.status).toBe('issued');
    inbox.length = 0;
    return inv as InvoiceJson;
  };
  /** One hourly run at an instant, then the queue: the reminders it sent. */
  const runAt = async (at: string) => {
    clock.set(at);
    const before = inbox.length;
    const { queued } = await runReminders(t.deps, org.organizationId);
    await drain(t);
    return { queued, mails: inbox.slice(before) };
  };
  /** Earlier tests' invoices are paid off, so a run counts only this test's. */
  const settleOpen = async () => {
    const open = await t.database.raw.query<{ id: string; owed: string }>(
      "SELECT id, round(payable - amount_paid - amount_credited, 2)::text AS owed FROM invoices WHERE organization_id = $1 AND status IN ('issued', 'sent', 'partially_paid') AND kind <> 'credit_note'",
      [org.organizationId],
    );
    for (const i of open.rows) {
      const res = await call('POST', '/api/v1/payments', billing, {
        invoiceId: i.id,
        amount: i.owed,
        receivedOn: businessDate(clock.now(), 'Europe/Dublin'),
        method: 'bank_transfer',
      });
      expect(res.statusCode, res.body).toBe(201);
    }
  };
  const remindersOf = async (id: string) => {
    const res = await call('GET', `/api/v1/invoices/${id}/reminders`, billing);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Reminders;
  };

  it('refuses a schedule that cannot work, naming the field, and lets only the owner write one', async () => {
    const bad = await call('POST', '/api/v1/reminder-schedules', owner, {
      name: 'Broken',
      steps: [
        { days: 7, tone: 'firm', subject: null, body: 'Pay {{amonut}} now' },
        { days: 7, tone: 'final', subject: null, body: null },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.steps.0.body', 'body.steps.1.days']);
    const byBilling = await call('POST', '/api/v1/reminder-schedules', billing, {
      name: 'Commercial',
      steps: [{ days: 30, tone: 'firm', subject: null, body: null }],
    });
    expect(byBilling.statusCode).toBe(403);
    const list = (await call('GET', '/api/v1/reminder-schedules', billing)).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ name: 'Standard', isDefault: true });
    expect(list.items[0].steps.map((s: { days: number }) => s.days)).toEqual([-3, 7, 21, 45]);
  });

  it('follows an invoice from a friendly note to the final letter, at 9 in Dublin, each step once', async () => {
    const inv = await issued(); // 18 November, due 2 December
    expect(inv.dueDate).toBe('2026-12-02');
    expect((await remindersOf(inv.id)).next).toEqual({ on: '2026-11-29', tone: 'friendly', stepDays: -3 });

    // Three days before the due date, but 08:30 in Dublin (winter: UTC): not yet.
    expect((await runAt('2026-11-29T08:30:00Z')).queued).toBe(0);
    const friendly = await runAt('2026-11-29T09:05:00Z');
    expect(friendly.queued).toBe(1);
    expect(friendly.mails).toHaveLength(1);
    const mail = friendly.mails[0];
    expect(mail?.to).toEqual(['accounts@dunning.test']);
    expect(mail?.subject).toBe(`dunning Services: a reminder about invoice ${inv.number}`);
    expect(mail?.text).toContain(`is due in 3 days, on 2 December 2026`);
    expect(mail?.text).toContain('IBAN IE29AIBK93115212345678');
    expect(mail?.text).toMatch(
      /See all your invoices with us: http:\/\/closeout\.test\/portal\/#\/account\/\S+/,
    );

    // The next hour, and two workers at once: nothing more.
    expect((await runAt('2026-11-29T10:41:00Z')).queued).toBe(0);
    const both = await Promise.all([runReminders(t.deps), runReminders(t.deps)]);
    expect(both[0].queued + both[1].queued).toBe(0);

    // A week late: firm, with what is still owed after a part payment.
    const part = await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv.id,
      amount: '10.00',
      receivedOn: '2026-12-03',
      method: 'bank_transfer',
      reference: 'PART',
    });
    expect(part.statusCode, part.body).toBe(201);
    const firm = await runAt('2026-12-09T11:00:00Z');
    expect(firm.mails).toHaveLength(1);
    expect(firm.mails[0]?.subject).toBe(`dunning Services: invoice ${inv.number} is overdue`);
    expect(firm.mails[0]?.text).toContain('is now 7 days overdue');
    const owed = (await call('GET', `/api/v1/invoices/${inv.id}`, billing)).json().outstanding as string;
    expect(firm.mails[0]?.text).toContain(`${printAmount(owed, 'EUR')} is still to pay`);

    const r = await remindersOf(inv.id);
    expect(r.items.map((i) => [i.stepDays, i.tone, i.status])).toEqual([
      [-3, 'friendly', 'sent'],
      [7, 'firm', 'sent'],
    ]);
    expect(r.next).toEqual({ on: '2026-12-23', tone: 'final', stepDays: 21 });
    expect(r.heldBecause).toBeNull();

    // Missed days (the server was off) send only the latest step due, never the skipped softer one.
    const late = await runAt('2027-01-20T09:30:00Z');
    expect(late.mails.map((m) => m.subject)).toEqual([]);
    const notified = await t.database.raw.query<{ body: string }>(
      "SELECT body FROM notifications WHERE organization_id = $1 AND kind = 'collections'",
      [org.organizationId],
    );
    expect(notified.rows.map((n) => n.body)).toEqual([
      expect.stringMatching(
        new RegExp(`^${inv.number} \\(Customer of dunning, EUR [\\d.,]+ owed\\) is 49 days overdue`),
      ),
    ]);
    expect((await remindersOf(inv.id)).items.map((i) => i.stepDays)).toEqual([-3, 7, 45]);
  });

  it('goes out at the local hour after the clocks change (Dublin summer time)', async () => {
    clock.set('2027-03-20T10:00:00Z');
    const inv = await issued(); // due 3 April; the friendly step on 31 March, after the change to IST
    expect(inv.dueDate).toBe('2027-04-03');
    expect((await runAt('2027-03-31T07:30:00Z')).queued).toBe(0); // 08:30 in Dublin
    // 09:05 in Dublin, and two workers run at once: one reminder, one e-mail.
    clock.set('2027-03-31T08:05:00Z');
    const before = inbox.length;
    const both = await Promise.all([runReminders(t.deps), runReminders(t.deps)]);
    expect(both.map((b) => b.queued).sort()).toEqual([0, 1]);
    await drain(t);
    expect(inbox.slice(before).map((m) => m.subject)).toEqual([
      `dunning Services: a reminder about invoice ${inv.number}`,
    ]);
  });

  it('stops at once on payment, dispute or pause, and says why on the invoice', async () => {
    clock.set('2027-05-03T10:00:00Z');
    await settleOpen();
    const paid = await issued(); // due 17 May
    const disputed = await issued();
    const paused = await issued();

    // Queued by the run, then paid before the queue sends it: stopped, not sent.
    clock.set('2027-05-24T09:30:00Z');
    expect((await runReminders(t.deps, org.organizationId)).queued).toBe(3);
    const full = await call('POST', '/api/v1/payments', billing, {
      invoiceId: paid.id,
      amount: paid.outstanding,
      receivedOn: '2027-05-24',
      method: 'bank_transfer',
      reference: 'ALL',
    });
    expect(full.statusCode, full.body).toBe(201);
    const link = await call('POST', `/api/v1/customers/${org.customerId}/portal-link`, billing, {});
    const token = (link.json().url as string).split('/').pop();
    const said = await call(
      'POST',
      `/api/v1/public/portal/${token}/documents/${disputed.id}/dispute`,
      undefined,
      {
        reason: 'wrong_amount',
        comment: 'Two hours of work, billed as three.',
      },
    );
    expect(said.statusCode, said.body).toBe(200);
    inbox.length = 0;
    await drain(t);
    // The third one went: nothing stops it.
    const toCustomer = inbox.filter((m) => m.to.includes('accounts@dunning.test'));
    expect(toCustomer.map((m) => m.subject)).toEqual([
      `dunning Services: invoice ${paused.number} is overdue`,
    ]);
    expect((await remindersOf(paid.id)).items).toMatchObject([
      { status: 'stopped', stoppedBecause: 'It is paid' },
    ]);
    const d = await remindersOf(disputed.id);
    expect(d.items).toMatchObject([
      { status: 'stopped', stoppedBecause: 'The customer disputes it: settle the dispute first' },
    ]);
    expect(d.next).toBeNull();

    // A promise to pay: a pause needs its reason; a dispatcher cannot set it.
    const body = { scheduleId: null, excluded: false, pausedUntil: '2027-06-10', pauseReason: null };
    const noWhy = await call('PUT', `/api/v1/customers/${org.customerId}/reminders`, billing, body);
    expect(noWhy.statusCode).toBe(400);
    expect(noWhy.json().errors[0].field).toBe('body.pauseReason');
    expect(
      (await call('PUT', `/api/v1/customers/${org.customerId}/reminders`, dispatcher, body)).statusCode,
    ).toBe(403);
    const pause = await call('PUT', `/api/v1/customers/${org.customerId}/reminders`, billing, {
      ...body,
      pauseReason: 'Promised to pay on the 10th',
    });
    expect(pause.statusCode, pause.body).toBe(200);
    expect((await remindersOf(paused.id)).heldBecause).toBe(
      'Paused until 10 June 2027: Promised to pay on the 10th',
    );
    expect((await runAt('2027-06-07T09:30:00Z')).queued).toBe(0); // the final step's day, paused
    const after = await runAt('2027-06-11T09:30:00Z');
    expect(after.mails.map((m) => m.subject)).toEqual([
      `Final reminder: invoice ${paused.number} from dunning Services`,
    ]);
    const customer = (await call('GET', `/api/v1/customers/${org.customerId}`, billing)).json();
    expect(customer.reminders).toMatchObject({
      pausedUntil: '2027-06-10',
      pauseReason: 'Promised to pay on the 10th',
    });
  });

  it('puts a customer on another schedule, or on none', async () => {
    const made = await call('POST', '/api/v1/reminder-schedules', owner, {
      name: 'Commercial accounts',
      steps: [
        {
          days: 30,
          tone: 'firm',
          subject: '{{number}}: {{when}}',
          body: 'Dear {{customer}}, {{amount}} is {{when}}.\n{{payLink}}',
        },
      ],
    });
    expect(made.statusCode, made.body).toBe(201);
    const commercial = made.json() as { id: string };
    const put = (patch: object) =>
      call('PUT', `/api/v1/customers/${org.customerId}/reminders`, billing, {
        scheduleId: commercial.id,
        excluded: false,
        pausedUntil: null,
        pauseReason: null,
        ...patch,
      });
    expect((await put({})).statusCode).toBe(200);
    clock.set('2027-07-01T10:00:00Z');
    await settleOpen();
    const inv = await issued(); // due 15 July
    expect((await remindersOf(inv.id)).next).toEqual({ on: '2027-08-14', tone: 'firm', stepDays: 30 });
    expect((await runAt('2027-07-22T09:30:00Z')).queued).toBe(0); // the standard firm day: not theirs
    const sent = await runAt('2027-08-14T09:30:00Z');
    expect(sent.mails.map((m) => m.subject)).toEqual([`${inv.number}: 30 days overdue`]);
    expect(sent.mails[0]?.text).toMatch(/^Dear Customer of dunning, EUR [\d.,]+ is 30 days overdue\./);

    const other = await issued();
    expect((await put({ excluded: true })).statusCode).toBe(200);
    expect((await remindersOf(other.id)).heldBecause).toBe('This customer is never sent reminders');
    expect((await runAt('2027-09-30T09:30:00Z')).queued).toBe(0);

    // The schedule goes; its customers go back to the default.
    const gone = await call('DELETE', `/api/v1/reminder-schedules/${commercial.id}`, owner);
    expect(gone.json()).toEqual({ customersMoved: 1 });
    const std = (await call('GET', '/api/v1/reminder-schedules', billing)).json().items[0];
    expect((await call('DELETE', `/api/v1/reminder-schedules/${std.id}`, owner)).statusCode).toBe(409);
    await put({ scheduleId: null, excluded: false });
  });

  it('sends one by hand from the office, but not twice in a day, and never on a paid invoice', async () => {
    clock.set('2027-10-01T10:00:00Z');
    const inv = await issued();
    const now = await call('POST', `/api/v1/invoices/${inv.id}/reminders`, billing, {});
    expect(now.statusCode, now.body).toBe(202);
    expect(now.json()).toMatchObject({ tone: 'friendly', byHand: true, status: 'queued' });
    const again = await call('POST', `/api/v1/invoices/${inv.id}/reminders`, billing, {});
    expect(again.statusCode).toBe(409);
    expect((await call('POST', `/api/v1/invoices/${inv.id}/reminders`, dispatcher, {})).statusCode).toBe(403);
    await drain(t);
    expect(inbox.map((m) => m.subject)).toEqual([`dunning Services: a reminder about invoice ${inv.number}`]);
    await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv.id,
      amount: inv.outstanding,
      receivedOn: '2027-10-02',
      method: 'cash',
    });
    clock.set('2027-10-03T10:00:00Z');
    const paid = await call('POST', `/api/v1/invoices/${inv.id}/reminders`, billing, {});
    expect(paid.statusCode).toBe(409);
    expect(paid.json().detail).toBe(`No reminder for ${inv.number}: it is paid`);
  });
  it('writes to a customer who reads German in German, in Closeout’s own German words', async () => {
    clock.set('2028-01-10T10:00:00Z');
    await settleOpen();
    await t.database.raw.query("UPDATE customers SET language = 'de' WHERE organization_id = $1", [
      org.organizationId,
    ]);
    try {
      const inv = await issued(); // due 24 January 2028
      const { mails } = await runAt('2028-01-21T09:05:00Z');
      expect(mails.map((m) => m.subject)).toEqual([`dunning Services: Erinnerung an Rechnung ${inv.number}`]);
      const text = mails[0]?.text ?? '';
      expect(text).toMatch(/^Guten Tag /);
      expect(text).toContain(`Rechnung ${inv.number} über `);
      expect(text).toMatch(/über \d+,\d\d EUR ist in 3 Tagen fällig, am 24\. Januar 2028\./);
      expect(text).not.toMatch(/Hello|reminder|due in/);
    } finally {
      await t.database.raw.query('UPDATE customers SET language = NULL WHERE organization_id = $1', [
        org.organizationId,
      ]);
    }
  });
});
