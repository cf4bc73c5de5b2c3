import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueMonthlyStatements } from '../../src/app/collections/statements';
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

type Statement = {
  from: string;
  to: string;
  opening: string;
  closing: string;
  overdue: string;
  credits: string;
  lines: { date: string; kind: string; number: string; amount: string; balance: string }[];
  open: { number: string; amount: string; daysOverdue: number; band: string }[];
  aging: { band: string; amount: string }[];
  monthly: boolean;
};
type Mail = {
  to: string[];
  subject: string;
  text: string;
  attachments?: { filename: string; content: Buffer }[];
};

const pdfText = (pdf: Buffer) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'statement-')), 's.pdf');
  fs.writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-']).toString();
};
const hasPdftotext = spawnSync('pdftotext', ['-v'], { stdio: 'ignore' }).status === 0;

/**
 * A customer's statement of account (#24): what they were invoiced, credited, paid and refunded, with the
 * balance brought forward and carried, open items aged; the balance and the open items always agree. On
 * demand (JSON, PDF, e-mail), from the customer's page, and monthly on the first in the organization's time.
 */
describe.each(testDrivers())('statements on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  const inbox: Mail[] = [];
  const clock = new TestClock('2026-09-10T10:00:00Z');
  const docs: Record<string, InvoiceJson> = {};

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, who?: Session, payload?: object) =>
    t.app.inject({
      method,
      url,
      ...(who ? { headers: as(who, method !== 'GET') } : {}),
      ...(payload ? { payload } : {}),
    });
  const issuedAt = async (at: string): Promise<InvoiceJson> => {
    clock.set(at);
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv?.status).toBe('issued');
    return inv as InvoiceJson;
  };
  const pay = async (invoiceId: string, amount: string, receivedOn: string) => {
    const res = await call('POST', '/api/v1/payments', billing, {
      invoiceId,
      amount,
      receivedOn,
      method: 'bank_transfer',
      reference: `BANK-${receivedOn}`,
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  const creditAt = async (inv: InvoiceJson, at: string): Promise<InvoiceJson> => {
    clock.set(at);
    const res = await call('POST', `/api/v1/invoices/${inv.id}/credit-notes`, billing, {
      reason: 'goodwill',
    });
    expect(res.statusCode, res.body).toBe(201);
    await drain(t);
    return res.json();
  };
  const statement = async (query: string, who = billing) => {
    const res = await call('GET', `/api/v1/customers/${org.customerId}/statement${query}`, who);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Statement;
  };

  beforeAll(async () => {
    t = await createTestApp(driver, {
      clock,
      sessionTtlHours: 24 * 400,
      mailer: {
        send: async (m) => {
          inbox.push(m as Mail);
        },
      },
    });
    org = await makeOrganization(t.deps, 'statements');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14 });
    jobTypeId = await plainJobType(t, owner);
    await t.database.raw.query('UPDATE customers SET email = $1 WHERE organization_id = $2', [
      'accounts@statements.test',
      org.organizationId,
    ]);
    // September: A, part paid in October. October: B, credited in full before any payment. November: C,
    // paid, then credited in full (a refund due), the refund paid; D left open.
    docs.a = await issuedAt('2026-09-10T10:00:00Z');
    docs.b = await issuedAt('2026-10-05T10:00:00Z');
    clock.set('2026-10-10T10:00:00Z');
    await pay(docs.a.id, '20.00', '2026-10-10');
    docs.bc = await creditAt(docs.b, '2026-10-20T10:00:00Z');
    docs.c = await issuedAt('2026-11-02T10:00:00Z');
    clock.set('2026-11-05T10:00:00Z');
    await pay(docs.c.id, docs.c.outstanding, '2026-11-05');
    docs.cc = await creditAt(docs.c, '2026-11-09T10:00:00Z');
    docs.d = await issuedAt('2026-11-20T10:00:00Z');
    clock.set('2026-11-25T10:00:00Z');
    await pay(docs.cc.id, '5.00', '2026-11-25'); // part of the refund paid back
    clock.set('2026-12-03T10:00:00Z');
    inbox.length = 0;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('brings the balance forward, runs it through the period, and ages what is open; balance and open items agree', async () => {
    const s = await statement('?from=2026-10-01&to=2026-11-30');
    const total = (x: InvoiceJson) => new Decimal(x.totals?.payable ?? '0');
    const [a, b, c, d] = [docs.a, docs.b, docs.c, docs.d].map((x) => total(x as InvoiceJson));
    expect(s.opening).toBe(a?.toFixed(2));
    expect(s.lines.map((l) => [l.date, l.kind, l.number])).toEqual([
      ['2026-10-05', 'invoice', docs.b?.number],
      ['2026-10-10', 'payment', docs.a?.number],
      ['2026-10-20', 'credit_note', docs.bc?.number],
      ['2026-11-02', 'invoice', docs.c?.number],
      ['2026-11-05', 'payment', docs.c?.number],
      ['2026-11-09', 'credit_note', docs.cc?.number],
      ['2026-11-20', 'invoice', docs.d?.number],
      ['2026-11-25', 'refund', docs.cc?.number],
    ]);
    // A less 20 paid, D open; C paid then credited: 5 of the refund paid, the rest still theirs.
    const closing = (a as Decimal)
      .minus(20)
      .plus(d as Decimal)
      .minus((c as Decimal).minus(5));
    expect(s.closing).toBe(closing.toFixed(2));
    expect(s.lines[s.lines.length - 1]?.balance).toBe(s.closing);
    expect(b?.gt(0)).toBe(true);
    const openSum = s.open.reduce((x, o) => x.plus(o.amount), new Decimal(0));
    expect(openSum.toFixed(2)).toBe(s.closing);
    expect(s.open.map((o) => [o.number, o.band])).toEqual([
      [docs.a?.number, 'days_61_90'], // due 24 September: 67 days late on 30 November
      [docs.c?.number, 'current'], // the credit the customer holds
      [docs.d?.number, 'current'], // due 4 December
    ]);
    expect(s.open[0]?.daysOverdue).toBe(67);
    expect(s.open[1]?.amount).toBe((c as Decimal).minus(5).neg().toFixed(2));
    expect(s.aging.find((x) => x.band === 'days_31_60')?.amount).toBe('0.00');
    expect(s.aging.find((x) => x.band === 'days_61_90')?.amount).toBe((a as Decimal).minus(20).toFixed(2));
    expect(s.overdue).toBe((a as Decimal).minus(20).toFixed(2));
    expect(s.credits).toBe(s.open[1]?.amount);

    // The default period: three months to today. Bad periods and other roles are refused.
    const def = await statement('');
    expect(def).toMatchObject({ from: '2026-09-01', to: '2026-12-03', opening: '0.00' });
    const bad = await call(
      'GET',
      `/api/v1/customers/${org.customerId}/statement?from=2026-12-01&to=2026-11-01`,
      billing,
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('from');
    const badCurrency = await call(
      'GET',
      `/api/v1/customers/${org.customerId}/statement?currency=euro`,
      billing,
    );
    expect(badCurrency.statusCode).toBe(400);
    expect(badCurrency.json().errors[0].field).toBe('querystring.currency');
    expect((await call('GET', `/api/v1/customers/${org.customerId}/statement`, dispatcher)).statusCode).toBe(
      403,
    );
  });

  it.runIf(hasPdftotext)(
    'prints it as a PDF the customer can read, from the office and from their own page',
    async () => {
      const res = await call(
        'GET',
        `/api/v1/customers/${org.customerId}/statement/pdf?from=2026-10-01&to=2026-11-30`,
        billing,
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const text = pdfText(res.rawPayload);
      expect(text).toContain('STATEMENT');
      expect(text).toContain('Customer of statements');
      expect(text).toContain('Balance brought forward');
      expect(text).toContain(`Credit note ${docs.cc?.number}`);
      expect(text).toContain(`Refund paid to you on ${docs.cc?.number}`);
      expect(text).toMatch(/61–90 days overdue/);
      const link = await call('POST', `/api/v1/customers/${org.customerId}/portal-link`, billing, {});
      const token = (link.json().url as string).split('/').pop();
      const mine = await call('GET', `/api/v1/public/portal/${token}/statement/pdf`);
      expect(mine.statusCode).toBe(200);
      expect(pdfText(mine.rawPayload)).toContain('1 September 2026 to 3 December 2026');
      const forged = `${token?.slice(0, -2)}${token?.endsWith('AA') ? 'BB' : 'AA'}`;
      expect((await call('GET', `/api/v1/public/portal/${forged}/statement/pdf`)).statusCode).toBe(404);
    },
  );

  it('e-mails it on request, once per click, and monthly on the first in the organization’s time zone', async () => {
    const sent = await call('POST', `/api/v1/customers/${org.customerId}/statement/send`, billing, {
      from: '2026-10-01',
      to: '2026-11-30',
    });
    expect(sent.statusCode, sent.body).toBe(202);
    expect(sent.json().recipients).toEqual(['accounts@statements.test']);
    await call('POST', `/api/v1/customers/${org.customerId}/statement/send`, billing, {
      from: '2026-10-01',
      to: '2026-11-30',
    });
    expect(
      (await call('POST', `/api/v1/customers/${org.customerId}/statement/send`, dispatcher, {})).statusCode,
    ).toBe(403);
    await drain(t);
    expect(inbox.map((m) => m.subject)).toEqual(['statements Services: your statement to 30 November 2026']);
    expect(inbox[0]?.text).toMatch(
      /On 30 November 2026 you owe EUR [\d,.]+, of which EUR [\d,.]+ is overdue\./,
    );
    expect(inbox[0]?.attachments?.map((a) => a.filename)).toEqual(['Statement 2026-11-30.pdf']);

    inbox.length = 0;
    const pref = await call('PUT', `/api/v1/customers/${org.customerId}/statement-preferences`, billing, {
      monthly: true,
    });
    expect(pref.statusCode, pref.body).toBe(200);
    expect((await statement('')).monthly).toBe(true);
    // 23:30 on 31 December in Dublin is not yet the first; 00:30 on 1 January is, and twice is once.
    clock.set('2026-12-31T23:30:00Z');
    expect((await queueMonthlyStatements(t.deps)).queued).toBe(0);
    clock.set('2027-01-01T00:30:00Z');
    await queueMonthlyStatements(t.deps);
    clock.set('2027-01-01T01:30:00Z');
    await queueMonthlyStatements(t.deps);
    await drain(t);
    expect(inbox.map((m) => m.subject)).toEqual(['statements Services: your statement to 31 December 2026']);
  });
  it.runIf(hasPdftotext)('prints and e-mails it in the customer’s language', async () => {
    await t.database.raw.query("UPDATE customers SET language = 'de' WHERE id = $1", [org.customerId]);
    try {
      const res = await call(
        'GET',
        `/api/v1/customers/${org.customerId}/statement/pdf?from=2026-10-01&to=2026-11-30`,
        billing,
      );
      const text = pdfText(res.rawPayload);
      for (const words of [
        'KONTOAUSZUG',
        '1. Oktober 2026 bis 30. November 2026',
        'Saldovortrag',
        `Gutschrift ${docs.cc?.number}`,
        `Erstattung an Sie zu ${docs.cc?.number}`,
        '61–90 Tage überfällig',
        'Offene Posten',
        'Seite 1 von',
      ])
        expect(text).toContain(words);
      expect(text).not.toMatch(/Balance|Statement|overdue/);
      inbox.length = 0;
      await call('POST', `/api/v1/customers/${org.customerId}/statement/send`, billing, {
        from: '2026-10-01',
        to: '2026-11-30',
      });
      await drain(t);
      expect(inbox.map((m) => m.subject)).toEqual([
        'statements Services: Ihr Kontoauszug bis 30. November 2026',
      ]);
      expect(inbox[0]?.text).toMatch(/^Guten Tag /);
      expect(inbox[0]?.text).toMatch(
        /Am 30\. November 2026 schulden Sie uns [\d.]+,\d\d EUR, davon sind [\d.]+,\d\d EUR überfällig\./,
      );
      expect(inbox[0]?.attachments?.map((a) => a.filename)).toEqual(['Kontoauszug 2026-11-30.pdf']);
    } finally {
      await t.database.raw.query('UPDATE customers SET language = NULL WHERE id = $1', [org.customerId]);
    }
  });
});
