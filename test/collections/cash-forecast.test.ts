import { parse } from 'csv-parse/sync';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordForecasts } from '../../src/app/collections/cash-forecast';
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

type Forecast = {
  today: string;
  weeks: {
    weekStart: string;
    expected: string;
    low: string;
    high: string;
    items: {
      kind: string;
      id: string;
      label: string;
      amount: string;
      expectedOn: string;
      probability: number;
    }[];
  }[];
  assumptions: { averageDaysLate: number; completionRate: number };
  accuracy: { weekStart: string; forecast: string; actual: string; accuracy: number | null }[];
};

/**
 * The cash forecast (#24) from the organization's own history: an open invoice is expected on its due date
 * plus the days its customer usually pays late; each week's forecast is kept on its Monday, once, and later
 * set against the money that came in that week.
 */
describe.each(testDrivers())('the cash forecast on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  const clock = new TestClock('2026-10-01T10:00:00Z');

  const call = (method: 'GET' | 'POST', url: string, who: Session, payload?: object) =>
    t.app.inject({ method, url, headers: as(who, method !== 'GET'), ...(payload ? { payload } : {}) });
  const issuedAt = async (at: string): Promise<InvoiceJson> => {
    clock.set(at);
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    return inv as InvoiceJson;
  };
  const pay = async (inv: InvoiceJson, amount: string, on: string) => {
    clock.set(`${on}T12:00:00Z`);
    const res = await call('POST', '/api/v1/payments', billing, {
      invoiceId: inv.id,
      amount,
      receivedOn: on,
      method: 'bank_transfer',
      reference: `P-${inv.number}-${on}`,
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  const forecast = async (who = owner) => {
    const res = await call('GET', '/api/v1/cash-forecast', who);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Forecast;
  };

  beforeAll(async () => {
    t = await createTestApp(driver, { clock, sessionTtlHours: 24 * 400 });
    org = await makeOrganization(t.deps, 'forecast');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14 });
    jobTypeId = await plainJobType(t, owner);
    // The customer's habit: two invoices due 15 October, both paid ten days late.
    const a = await issuedAt('2026-10-01T10:00:00Z');
    const b = await issuedAt('2026-10-01T11:00:00Z');
    await pay(a, a.outstanding, '2026-10-25');
    await pay(b, b.outstanding, '2026-10-25');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('expects an open invoice when its customer usually pays, and weighs every week by its items', async () => {
    const c = await issuedAt('2026-11-16T10:00:00Z'); // a Monday; due 30 November
    const f = await forecast();
    expect(f.assumptions.averageDaysLate).toBe(10);
    expect(f.weeks).toHaveLength(13);
    expect(f.weeks[0]?.weekStart).toBe('2026-11-16');
    const week = f.weeks.find((w) => w.items.some((i) => i.id === c.id));
    expect(week?.weekStart).toBe('2026-12-07'); // 30 November + 10 days = 10 December
    expect(week?.items.find((i) => i.id === c.id)).toMatchObject({
      kind: 'invoice',
      label: `${c.number}, Customer of forecast`,
      amount: new Decimal(c.outstanding).toFixed(2),
      expectedOn: '2026-12-10',
      probability: 0.97,
    });
    for (const w of f.weeks) {
      const mean = w.items.reduce(
        (s, i) => s.plus(new Decimal(i.amount).times(i.probability)),
        new Decimal(0),
      );
      expect(w.expected).toBe(mean.toFixed(2));
      expect(new Decimal(w.low).lte(w.expected) && new Decimal(w.expected).lte(w.high)).toBe(true);
    }
    expect((await call('GET', '/api/v1/cash-forecast', dispatcher)).statusCode).toBe(403);
    const csv = await call('GET', '/api/v1/cash-forecast/export.csv', owner);
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.kind === 'week')).toHaveLength(13);
    expect(
      rows.find((r) => r.kind === 'invoice' && r.what === `${c.number}, Customer of forecast`),
    ).toMatchObject({
      week_start: '2026-12-07',
      expected_on: '2026-12-10',
      probability: '0.97',
    });
    expect((await forecast(billing)).weeks).toHaveLength(13);
  });

  it('keeps each week’s forecast once, on its Monday, and later compares it with what came in', async () => {
    clock.set('2026-11-16T10:30:00Z');
    expect(await recordForecasts(t.deps, org.organizationId)).toEqual({ recorded: 1 });
    clock.set('2026-11-16T11:30:00Z');
    expect(await recordForecasts(t.deps, org.organizationId)).toEqual({ recorded: 0 });
    const kept = await t.database.raw.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cash_forecast_weeks WHERE organization_id = $1',
      [org.organizationId],
    );
    expect(kept.rows[0]?.n).toBe(13);
    const madeFor = (await forecast()).weeks[0]?.expected;
    // Money comes in that week; the next week the forecast is set against it.
    const d = await issuedAt('2026-11-17T10:00:00Z');
    await pay(d, '40.00', '2026-11-19');
    clock.set('2026-11-24T09:00:00Z');
    const f = await forecast();
    expect(f.accuracy).toEqual([
      {
        weekStart: '2026-11-16',
        forecast: madeFor,
        actual: '40.00',
        accuracy: expect.any(Number),
      },
    ]);
  });
});
