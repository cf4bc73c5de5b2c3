import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReminders } from '../../src/app/collections/run-reminders';
import { printAmount } from '../../src/core/money';
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

type Invoice = InvoiceJson & {
  status: string;
  outstanding: string;
  customerId: string | null;
  memo: string | null;
  lines: { description: string; netAmount: string; tax: { category: string | null } }[];
};

/**
 * Late fees (#24): a reminder step may charge one, issued as an invoice of its own (numbered, e-mailed, a legal
 * document), once per step whatever runs again, and never more in all than the schedule's cap; the reminder
 * says so; a schedule that could charge before the due date or without a cap is refused.
 */
describe.each(testDrivers())('late fees on %s', (driver) => {
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
    org = await makeOrganization(t.deps, 'late-fees');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14, remindersEnabled: true });
    jobTypeId = await plainJobType(t, owner);
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE organization_id = $2', [
      'accounts@late.test',
      org.organizationId,
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, who: Session, payload?: object) =>
    t.app.inject({ method, url, headers: as(who, method !== 'GET'), ...(payload ? { payload } : {}) });
  const defaultSchedule = async () =>
    (
      (await call('GET', '/api/v1/reminder-schedules', owner)).json().items as {
        id: string;
        isDefault: boolean;
      }[]
    ).find((s) => s.isDefault)?.id ?? '';
  const STEPS = [
    { days: 7, tone: 'firm', subject: null, body: null, lateFee: { kind: 'fixed', amount: '5.00' } },
    { days: 21, tone: 'final', subject: null, body: null, lateFee: { kind: 'percent', rate: '10' } },
    { days: 45, tone: 'collections', subject: null, body: null },
  ];
  const runAt = async (at: string) => {
    clock.set(at);
    const before = inbox.length;
    await runReminders(t.deps, org.organizationId);
    await drain(t);
    return inbox.slice(before);
  };
  const feesOf = async (number: string) =>
    ((await call('GET', '/api/v1/invoices?limit=200', billing)).json().items as Invoice[]).filter((i) =>
      i.lines.some((l) => l.description.startsWith(`Late payment fee: invoice ${number},`)),
    );

  it('refuses a schedule that would charge before the due date, on a hand-over, or without a cap', async () => {
    const id = await defaultSchedule();
    const cases: [object, string[]][] = [
      [{ name: 'Standard', steps: STEPS }, ['body.lateFeeCap']],
      [
        {
          name: 'Standard',
          lateFeeCap: '10.00',
          steps: [
            {
              days: -3,
              tone: 'friendly',
              subject: null,
              body: null,
              lateFee: { kind: 'fixed', amount: '2' },
            },
            {
              days: 45,
              tone: 'collections',
              subject: null,
              body: null,
              lateFee: { kind: 'fixed', amount: '2' },
            },
            { days: 60, tone: 'final', subject: null, body: null, lateFee: { kind: 'percent', rate: '40' } },
          ],
        },
        ['body.steps.0.lateFee', 'body.steps.1.lateFee', 'body.steps.2.lateFee.rate'],
      ],
    ];
    for (const [body, fields] of cases) {
      const res = await call('PUT', `/api/v1/reminder-schedules/${id}`, owner, body);
      expect(res.statusCode, res.body).toBe(400);
      expect(
        res
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(fields);
    }
    const ok = await call('PUT', `/api/v1/reminder-schedules/${id}`, owner, {
      name: 'Standard',
      steps: STEPS,
      lateFeeCap: '12.00',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().lateFeeCap).toBe('12.00');
    expect(ok.json().steps[0].lateFee).toEqual({ kind: 'fixed', amount: '5.00' });
  });

  it('charges each step’s fee once as its own invoice, says so in the reminder, and stops at the cap', async () => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = (await invoicesOfJob(t, billing, j.id)) as Invoice[];
    if (!inv) throw new Error('no invoice');
    expect(inv.dueDate).toBe('2026-12-02');
    inbox.length = 0;

    // A week late: the firm reminder, and the fixed fee as an invoice of its own, e-mailed with it.
    const firm = await runAt('2026-12-09T10:00:00Z');
    const [fee] = await feesOf(inv.number ?? '');
    expect(fee).toMatchObject({ kind: 'invoice', status: 'sent', customerId: inv.customerId });
    expect(fee?.totals.payable).toBe('5.00');
    expect(fee?.lines).toHaveLength(1);
    expect(fee?.lines[0]?.tax.category).toBe('E');
    expect(fee?.lines[0]?.description).toBe(
      `Late payment fee: invoice ${inv.number}, due 2 December 2026, 7 days overdue`,
    );
    const reminder = firm.find((m) => m.subject.includes(`invoice ${inv.number} is overdue`));
    expect(reminder?.text).toContain(
      `a late payment fee of ${printAmount('5.00', 'EUR')} is added: invoice ${fee?.number}, sent to you with this message.`,
    );
    expect(firm.map((m) => m.subject)).toEqual(
      expect.arrayContaining([expect.stringContaining(fee?.number ?? 'none')]),
    );
    // The original invoice is unchanged: the fee is owed on its own document.
    const after = (await call('GET', `/api/v1/invoices/${inv.id}`, billing)).json() as Invoice;
    expect(after.outstanding).toBe(inv.totals.payable);

    // The same day again, and two workers at once: nothing more.
    await runAt('2026-12-09T15:00:00Z');
    await Promise.all([runReminders(t.deps), runReminders(t.deps)]);
    await drain(t);
    expect(await feesOf(inv.number ?? '')).toHaveLength(1);

    // Three weeks late: 10 % of what is owed, but only the 7.00 left under the 12.00 cap.
    expect(new Decimal(inv.totals.payable ?? '0').times('0.1').gt(7)).toBe(true);
    await runAt('2026-12-23T10:00:00Z');
    const fees = await feesOf(inv.number ?? '');
    expect(fees.map((f) => f.totals.payable).sort()).toEqual(['5.00', '7.00']);
    const onPage = (await call('GET', `/api/v1/invoices/${inv.id}/reminders`, billing)).json();
    expect(onPage.lateFees.map((f: { number: string; amount: string }) => [f.number, f.amount])).toEqual(
      fees.map((f) => [f.number, f.totals.payable]).reverse(),
    );

    // The fee invoices are the customer's: on their statement with the rest.
    const statement = (
      await call('GET', `/api/v1/customers/${org.customerId}/statement?to=2026-12-23`, billing)
    ).json() as { lines: { kind: string; number: string; amount: string }[] };
    expect(
      statement.lines.filter((l) => fees.some((f) => f.number === l.number)).map((l) => [l.kind, l.amount]),
    ).toEqual([
      ['invoice', '5.00'],
      ['invoice', '7.00'],
    ]);
  });

  it('charges nothing once the cap is used up', async () => {
    const id = await defaultSchedule();
    const res = await call('PUT', `/api/v1/reminder-schedules/${id}`, owner, {
      name: 'Standard',
      steps: STEPS,
      lateFeeCap: '4.00',
    });
    expect(res.statusCode, res.body).toBe(200);
    clock.set('2027-02-01T10:00:00Z');
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = (await invoicesOfJob(t, billing, j.id)) as Invoice[];
    // The fixed 5.00 is more than the 4.00 cap: 4.00, then nothing at the next step.
    await runAt('2027-02-22T10:00:00Z');
    expect((await feesOf(inv?.number ?? '')).map((f) => f.totals.payable)).toEqual(['4.00']);
    const final = await runAt('2027-03-08T10:00:00Z');
    expect(final.some((m) => m.text.includes('late payment fee'))).toBe(false);
    expect(await feesOf(inv?.number ?? '')).toHaveLength(1);
  });
});
