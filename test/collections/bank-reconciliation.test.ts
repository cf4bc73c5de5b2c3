import fs from 'node:fs';
import path from 'node:path';
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printRf, rfReference } from '../../src/core/bank-matching';
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

type Entry = {
  id: string;
  status: string;
  amount: string;
  charges: string | null;
  applied: string;
  credit: string;
  customer: { id: string; name: string } | null;
  counterpartyName: string | null;
  suggestions: {
    basis: string;
    sure: boolean;
    allocations: { invoiceId: string; amount: string; number: string }[];
  }[];
  applications: { invoiceId: string; amount: string; basis: string; undoneAt: string | null }[];
  ignoredBecause: string | null;
  version: number;
};

const fixture = (name: string, values: Record<string, string>) =>
  fs
    .readFileSync(path.join(import.meta.dirname, 'bank-files', name), 'utf8')
    .replace(/\{\{(\w+)\}\}/g, (_m, k: string) => {
      const v = values[k];
      if (v === undefined) throw new Error(`fixture ${name} needs ${k}`);
      return v.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    });

/**
 * Bank reconciliation (#24): CAMT.053 / CAMT.054 and CSV statements imported once, credits matched by the
 * reference quoted, by who paid and how much, or suggested for review; applied as payments, undone, set aside.
 */
describe.each(testDrivers())('bank reconciliation on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  const clock = new TestClock('2026-11-20T10:00:00Z');
  const inv: Record<string, InvoiceJson> = {};
  const who: Record<string, { id: string; siteId: string }> = {};

  const call = (method: 'GET' | 'POST', url: string, s: Session, payload?: object) =>
    t.app.inject({ method, url, headers: as(s, method !== 'GET'), ...(payload ? { payload } : {}) });
  const customer = async (name: string) => {
    const address = { line1: '1 Main Street', city: 'Cork', postalCode: 'T12 X1', country: 'IE' };
    const c = await call('POST', '/api/v1/customers', billing, {
      name,
      billingAddress: address,
      sites: [{ name: 'Home', address }],
    });
    expect(c.statusCode, c.body).toBe(201);
    return { id: c.json().id as string, siteId: c.json().sites[0].id as string };
  };
  const issue = async (c: { id: string; siteId: string }, partPrice: string) => {
    const j = await newJob(t, org, dispatcher, jobTypeId, { customerId: c.id, siteId: c.siteId });
    await closeOut(t, org, tech, j.id, {
      parts: [{ description: 'Valve', quantity: '1', unitPrice: partPrice }],
    });
    await drain(t);
    const [i] = await invoicesOfJob(t, billing, j.id);
    expect(i?.number, JSON.stringify(i?.holdReasons)).toBeTruthy();
    return i as InvoiceJson;
  };
  const invoice = async (id: string) => {
    const r = await call('GET', `/api/v1/invoices/${id}`, billing);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as InvoiceJson;
  };
  const importFile = async (fileName: string, content: string, extra: object = {}) =>
    call('POST', '/api/v1/bank/imports', billing, { fileName, content, ...extra });
  const entries = async (status = 'all') => {
    const r = await call('GET', `/api/v1/bank/entries?status=${status}`, billing);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().items as Entry[];
  };
  const entryNamed = async (name: string) => {
    const e = (await entries()).find((x) => x.counterpartyName === name);
    if (!e) throw new Error(`no entry from ${name}`);
    return e;
  };
  const out = (i: InvoiceJson) => i.outstanding;

  beforeAll(async () => {
    t = await createTestApp(driver, { clock, sessionTtlHours: 24 * 400 });
    org = await makeOrganization(t.deps, 'bank');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { paymentTermsDays: 14 });
    jobTypeId = await plainJobType(t, owner);
    who.acme = await customer('Acme Heating Ltd');
    who.bell = await customer('Bell & Sons');
    who.carol = await customer('Carol Diaz');
    who.dora = await customer('Dora Vink');
    who.eve = await customer('Eve Olsen');
    inv.a = await issue(who.acme, '100.00');
    inv.b = await issue(who.bell, '110.00');
    inv.c = await issue(who.carol, '120.00');
    inv.d = await issue(who.dora, '130.00');
    inv.e = await issue(who.eve, '140.00');
    inv.f = await issue(who.acme, '150.00');
    inv.g = await issue(who.acme, '160.00');
    clock.set('2026-12-01T10:00:00Z');
  });
  afterAll(async () => {
    await t?.close();
  });

  const v02 = () => {
    const a = inv.a as InvoiceJson;
    const b = inv.b as InvoiceJson;
    const c = inv.c as InvoiceJson;
    const amtC = new Decimal(out(c)).minus('1.50');
    return fixture('camt053-v02-batch.xml', {
      DAY: '2026-12-01',
      DAYN: '1201',
      CLOSING: '10999.00',
      BATCH_TOTAL: new Decimal(out(a)).plus(out(b)).toFixed(2),
      AMT_A: out(a),
      NAME_A: 'ACME HEATING',
      INV_A: a.number as string,
      AMT_B: out(b),
      NAME_B: 'BELL & SONS',
      AMT_C: amtC.toFixed(2),
      CHARGES_C: '1.50',
      NAME_C: 'C. Diaz',
      INV_C: c.number as string,
    });
  };

  it('imports a CAMT.053 with a batch booking, applies what is sure, and adds nothing the second time', async () => {
    const first = await importFile('statement-2026-12-01.xml', v02());
    expect(first.statusCode, first.body).toBe(200);
    const r = first.json();
    // Two credits of a batch, one credit with charges, one debit; the pending credit is not booked yet.
    expect(r).toMatchObject({ added: 4, duplicates: 0, applied: 3, toReview: 0 });
    expect(r.statements[0]).toMatchObject({
      format: 'camt053',
      account: 'DE44500105175407324931',
      from: '2026-12-01',
      closing: '10999.00',
      entryCount: 4,
    });
    for (const k of ['a', 'b', 'c']) {
      const i = await invoice((inv[k] as InvoiceJson).id);
      expect([k, i.status, i.outstanding]).toEqual([k, 'paid', '0.00']);
    }
    // By the number quoted; by the payer's name and the one invoice of that amount; by the reference in the
    // end-to-end ID, with the bank's 1.50 taken in so the invoice is settled.
    const acme = await entryNamed('ACME HEATING');
    expect(acme.applications.map((a) => a.basis)).toEqual(['reference']);
    expect((await entryNamed('BELL & SONS')).applications.map((a) => a.basis)).toEqual(['payer_and_amount']);
    const carol = await entryNamed('C. Diaz');
    expect(carol).toMatchObject({ status: 'applied', charges: '1.50', applied: out(inv.c as InvoiceJson) });
    const outgoing = await entries('outgoing');
    expect(outgoing.map((e) => e.amount)).toEqual(['-312.40']);
    const payments = await call('GET', `/api/v1/invoices/${inv.a?.id}/payments`, billing);
    expect(payments.json().items[0]).toMatchObject({ method: 'bank_transfer', reference: '202612010011-1' });

    // One notice for the file, not one per payment.
    const notes = (await call('GET', '/api/v1/notifications?limit=50', owner)).json().items as {
      kind: string;
      body: string;
    }[];
    expect(notes.filter((n) => n.kind === 'bank').map((n) => n.body)).toEqual([
      'Bank: 3 payments applied to invoices.',
    ]);
    expect(notes.filter((n) => n.kind === 'payment')).toEqual([]);

    const again = await importFile('statement-2026-12-01 (1).xml', v02());
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ added: 0, duplicates: 4, applied: 0 });
    expect((await entries()).length).toBe(4);
  });

  it('takes a CAMT.054 notification, then the CAMT.053 that books the same entry again without a second payment', async () => {
    const d = inv.d as InvoiceJson;
    const e = inv.e as InvoiceJson;
    const values = {
      DAY: '2026-12-02',
      DAYN: '1202',
      AMT_D: out(d),
      NAME_D: 'Dora Vink',
      RF_D: printRf(rfReference(d.number as string)),
      AMT_E: out(e),
    };
    const n = await importFile('notification.xml', fixture('camt054-v08.xml', values));
    expect(n.statusCode, n.body).toBe(200);
    expect(n.json()).toMatchObject({ added: 1, applied: 1 });
    expect((await invoice(d.id)).status).toBe('paid');

    const s = await importFile('statement.xml', fixture('camt053-v08-structured.xml', values));
    expect(s.statusCode, s.body).toBe(200);
    expect(s.json()).toMatchObject({ added: 1, duplicates: 1, applied: 0, toReview: 1 });
    const pays = await call('GET', `/api/v1/invoices/${d.id}/payments`, billing);
    expect(pays.json().items).toHaveLength(1);

    // An unknown payer with no reference: suggested by the amount alone, never applied by itself.
    const [queued] = await entries('review');
    expect(queued?.counterpartyName).toBe('J. Somebody');
    expect(queued?.suggestions.map((x) => [x.basis, x.sure, x.allocations[0]?.number])).toEqual([
      ['amount', false, e.number],
    ]);
    const ok = await call('POST', `/api/v1/bank/entries/${queued?.id}/apply`, billing, {
      suggestion: 0,
      version: queued?.version,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'applied', customer: { name: 'Eve Olsen' } });
    expect((await invoice(e.id)).status).toBe('paid');
    // The same click twice: the entry moved on, so the second is refused and pays nothing more.
    const twice = await call('POST', `/api/v1/bank/entries/${queued?.id}/apply`, billing, {
      suggestion: 0,
      version: queued?.version,
    });
    expect(twice.statusCode).toBe(409);
  });

  it('reads a CSV with a mapping saved per bank, keeps an overpayment as the customer’s credit, and applies it later', async () => {
    const f = inv.f as InvoiceJson;
    const g = inv.g as InvoiceJson;
    const comma = (v: Decimal) => v.toFixed(2).replace('.', ',');
    const csv = [
      'Buchungstag;Auftraggeber;IBAN;Verwendungszweck;Betrag',
      `03.12.2026;Acme Heating Ltd;DE89370400440532013000;${f.number} + extra;${comma(new Decimal(out(f)).plus('20'))}`,
      '03.12.2026;Stadtwerke;DE02100100100006820101;Strom Dezember;-84,10',
    ].join('\n');
    const preview = await call('POST', '/api/v1/bank/csv-preview', billing, { content: csv });
    expect(preview.statusCode, preview.body).toBe(200);
    const guess = preview.json().guess;
    expect(guess).toMatchObject({
      delimiter: ';',
      hasHeader: true,
      date: 0,
      dateFormat: 'DD.MM.YYYY',
      amount: 4,
      decimalMark: ',',
      name: 1,
      iban: 2,
      text: [3],
    });
    const mapping = { ...guess, account: 'DE44500105175407324931' };
    const r = await importFile('umsaetze.csv', csv, { mapping, saveMappingAs: 'Sparkasse' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ added: 2, applied: 1 });
    const acme = (await entries('credit'))[0];
    expect(acme).toMatchObject({ credit: '20.00', customer: { name: 'Acme Heating Ltd' } });
    expect((await invoice(f.id)).status).toBe('paid');

    // The credit goes to the next invoice when the office says so; more than is left is refused.
    const tooMuch = await call('POST', `/api/v1/bank/entries/${acme?.id}/apply`, billing, {
      allocations: [{ invoiceId: g.id, amount: '20.01' }],
      customerId: null,
      version: acme?.version,
    });
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json().errors[0].field).toBe('allocations');
    const use = await call('POST', `/api/v1/bank/entries/${acme?.id}/apply`, billing, {
      allocations: [{ invoiceId: g.id, amount: '20.00' }],
      customerId: null,
      version: acme?.version,
    });
    expect(use.statusCode, use.body).toBe(200);
    expect(use.json()).toMatchObject({ status: 'applied', credit: '0.00' });
    expect((await invoice(g.id)).outstanding).toBe(new Decimal(out(g)).minus(20).toFixed(2));

    // The saved mapping reads the next export; the same lines again add nothing.
    const saved = await call('GET', '/api/v1/bank/csv-mappings', billing);
    const [sparkasse] = saved.json().items;
    expect(sparkasse.name).toBe('Sparkasse');
    const same = await importFile('umsaetze (2).csv', `${csv}\n`, { mappingId: sparkasse.id });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json()).toMatchObject({ added: 0, duplicates: 2 });
  });

  it('stores a file sent twice at once only once', async () => {
    const csv = 'Date,Amount,Text\n2026-12-04,7.00,coffee fund\n2026-12-04,-3.00,milk';
    const mapping = (await call('POST', '/api/v1/bank/csv-preview', billing, { content: csv })).json().guess;
    const both = await Promise.all(
      [1, 2].map(() => importFile('twice.csv', csv, { mapping: { ...mapping, account: 'Petty' } })),
    );
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(both.map((r) => r.json().added).sort()).toEqual([0, 2]);
    const stored = await t.database.raw.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM bank_entries WHERE account = 'Petty'",
    );
    expect(stored.rows[0]?.n).toBe(2);
  });

  it('refuses a malformed file with where and why, and changes nothing', async () => {
    const before = (await entries()).length;
    const broken = v02().replace('<Ntry>', '<Ntry><Amt>');
    const a = await importFile('broken.xml', broken);
    expect(a.statusCode).toBe(400);
    expect(a.headers['content-type']).toContain('application/problem+json');
    expect(a.json().errors[0]).toMatchObject({ field: 'file' });
    expect(a.json().errors[0].message).toMatch(/^line \d+, column \d+/);
    const noAmount = await importFile('x.xml', v02().replace(/<Amt Ccy="EUR">312.40<\/Amt>/, ''));
    expect(noAmount.json().errors[0].message).toContain('statement 1, entry 3, Amt');
    const notAmount = await importFile('y.xml', v02().replace('>312.40<', '>3I2.40<'));
    expect(notAmount.json().errors[0].message).toContain('entry 3, Amt, #text: an amount like 120.50');
    const notDate = await importFile(
      'z.xml',
      v02().replace(/<BookgDt><Dt>2026-12-01/, '<BookgDt><Dt>01.12.2026'),
    );
    expect(notDate.json().errors[0].message).toContain('entry 1, BookgDt, Dt: a date like 2026-12-01');
    const csvMapping = {
      delimiter: ',',
      skipLines: 0,
      hasHeader: true,
      date: 0,
      dateFormat: 'YYYY-MM-DD',
      amount: 1,
      credit: null,
      debit: null,
      decimalMark: '.',
      text: [2],
      name: null,
      iban: null,
      reference: null,
      currency: 'EUR',
      account: 'Main',
    };
    const badDate = await importFile('b.csv', 'Date,Amount,Text\n2026-12-01,10.00,ok\n2026-13-01,5.00,bad', {
      mapping: csvMapping,
    });
    expect(badDate.json().errors[0].message).toBe('line 3: "2026-13-01" is not a date written YYYY-MM-DD');
    const noMapping = await importFile('c.csv', 'Date,Amount\n2026-12-01,1.00');
    expect(noMapping.json().errors[0].field).toBe('mapping');
    const doctype = await importFile(
      'd.xml',
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>${v02().slice(38)}`,
    );
    expect(doctype.statusCode).toBe(400);
    expect((await entries()).length).toBe(before);
  });

  it('undoes a wrong match (the payment taken back, the invoice owed again) and sets aside what is not a customer’s', async () => {
    const bell = await entryNamed('BELL & SONS');
    const undo = await call('POST', `/api/v1/bank/entries/${bell.id}/undo`, billing, {
      reason: 'Paid for the neighbour',
      version: bell.version,
    });
    expect(undo.statusCode, undo.body).toBe(200);
    expect(undo.json()).toMatchObject({ status: 'review', applied: '0.00', customer: null });
    expect(undo.json().applications[0].undoneAt).toBeTruthy();
    const b = await invoice(inv.b?.id as string);
    expect(b.outstanding).toBe(out(inv.b as InvoiceJson));
    const audit = await t.database.raw.query<{ action: string; reason: string | null }>(
      `SELECT action, reason FROM audit_events WHERE aggregate_type = 'bank_entry' AND aggregate_id = $1 ORDER BY seq`,
      [bell.id],
    );
    expect(audit.rows.map((x) => x.action)).toEqual(['bank_entry.applied', 'bank_entry.undone']);
    expect(audit.rows[1]?.reason).toBe('Paid for the neighbour');
    // The invoice's history says the payment was unmatched, not taken back by the bank.
    const unpaid = await t.database.raw.query<{ changes: string }>(
      `SELECT changes::text AS changes FROM audit_events
        WHERE aggregate_type = 'invoice' AND aggregate_id = $1 AND action LIKE 'invoice.unpay%'`,
      [inv.b?.id],
    );
    expect(unpaid.rows.map((r) => JSON.parse(r.changes).cause)).toEqual(['bank_unmatched']);

    const after = await entryNamed('BELL & SONS');
    const aside = await call('POST', `/api/v1/bank/entries/${bell.id}/ignore`, billing, {
      reason: 'Owner’s own transfer',
      version: after.version,
    });
    expect(aside.statusCode, aside.body).toBe(200);
    expect(aside.json()).toMatchObject({ status: 'ignored', ignoredBecause: 'Owner’s own transfer' });
    // A dispatcher sees no bank; a technician neither.
    expect((await call('GET', '/api/v1/bank/entries', dispatcher)).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/bank/match', tech)).statusCode).toBe(403);
  });

  it('matches a large file in the background, the statement showing how far it got', async () => {
    const b = await invoice(inv.b?.id as string);
    const lines = Array.from({ length: 59 }, (_, i) => `2026-12-05,${(i + 1) * 0.01 + 1000},gift ${i}`);
    lines.push(`2026-12-05,${b.outstanding},settling ${b.number}`);
    const csv = ['Date,Amount,Text', ...lines].join('\n');
    const mapping = (await call('POST', '/api/v1/bank/csv-preview', billing, { content: csv })).json().guess;
    const r = await importFile('year.csv', csv, { mapping: { ...mapping, account: 'Savings' } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ added: 60, applied: 0, matching: 60, toReview: 0 });
    expect(r.json().statements[0]).toMatchObject({ unmatched: 60, toReview: 60 });
    await drain(t);
    const [after] = (await call('GET', '/api/v1/bank/statements', billing)).json().items;
    expect(after).toMatchObject({ fileName: 'year.csv', unmatched: 0, applied: 1, toReview: 59 });
    expect((await invoice(b.id)).status).toBe('paid');
  });

  it('applying and undoing any set of matches returns every balance to where it was', async () => {
    const invoices = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => (inv[k] as InvoiceJson).id);
    const balances = async () =>
      (
        await t.database.raw.query<{ id: string; paid: string; credited: string }>(
          `SELECT id::text, amount_paid::text AS paid, amount_credited::text AS credited FROM invoices
            WHERE organization_id = $1 ORDER BY id`,
          [org.organizationId],
        )
      ).rows;
    // Everything applied so far is undone first, so each run starts from invoices owed in full.
    for (const e of await entries('all'))
      if (['applied', 'credit'].includes(e.status))
        await call('POST', `/api/v1/bank/entries/${e.id}/undo`, billing, {
          reason: 'start over',
          version: e.version,
        });
    const start = await balances();
    const open = await Promise.all(invoices.map((id) => invoice(id)));
    let applications = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            pick: fc.array(fc.nat(open.length - 1), { minLength: 1, maxLength: 3 }),
            cents: fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 3, maxLength: 3 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        async (plans) => {
          const queue = (await entries('review')).filter((e) => Number(e.amount) > 0);
          const done: string[] = [];
          for (const [k, plan] of plans.entries()) {
            const e = queue[k];
            if (!e) break;
            const chosen = [...new Set(plan.pick)].map((i) => open[i] as InvoiceJson);
            let room = new Decimal(e.amount);
            const allocations = chosen
              .map((i, j) => {
                const want = Decimal.min(new Decimal(plan.cents[j] ?? 1).div(100), room, i.outstanding);
                room = room.minus(want);
                return { invoiceId: i.id, amount: want.toFixed(2) };
              })
              .filter((x) => new Decimal(x.amount).gt(0));
            const r = await call('POST', `/api/v1/bank/entries/${e.id}/apply`, billing, {
              allocations,
              customerId: null,
              version: e.version,
            });
            if (r.statusCode === 200) done.push(e.id);
            else expect(r.statusCode, r.body).toBe(400);
          }
          applications += done.length;
          for (const id of done.reverse()) {
            const e = (await entries('all')).find((x) => x.id === id) as Entry;
            const u = await call('POST', `/api/v1/bank/entries/${id}/undo`, billing, {
              reason: 'property',
              version: e.version,
            });
            expect(u.statusCode, u.body).toBe(200);
          }
          expect(await balances()).toEqual(start);
        },
      ),
      { numRuns: 6 },
    );
    // Not a property of nothing: most runs applied something before undoing it.
    expect(applications).toBeGreaterThan(3);
  }, 120_000);

  it('matches every statement of a file, the large one in the background and the small one at once', async () => {
    const stmt = (id: string, n: number, offset: number) => `<Stmt><Id>${id}</Id>
      <Acct><Id><IBAN>IE29AIBK93115212345678</IBAN></Id></Acct>
      ${Array.from(
        { length: n },
        (
          _,
          i,
        ) => `<Ntry><Amt Ccy="EUR">${(2000 + offset + i / 100).toFixed(2)}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-12-06</Dt></BookgDt><AcctSvcrRef>${id}-${i}</AcctSvcrRef></Ntry>`,
      ).join('')}</Stmt>`;
    const xml = `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
      <GrpHdr><MsgId>TWO</MsgId><CreDtTm>2026-12-06T20:00:00</CreDtTm></GrpHdr>
      ${stmt('BIG-1', 51, 0)}${stmt('SMALL-1', 2, 100)}</BkToCstmrStmt></Document>`;
    const r = await importFile('two-statements.xml', xml);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ added: 53, matching: 51 });
    const before = r.json().statements as { reference: string; unmatched: number }[];
    expect(before.map((x) => [x.reference, x.unmatched]).sort()).toEqual([
      ['BIG-1', 51],
      ['SMALL-1', 0],
    ]);
    await drain(t);
    const after = (await call('GET', '/api/v1/bank/statements', billing)).json().items as {
      reference: string;
      unmatched: number;
    }[];
    expect(after.filter((x) => ['BIG-1', 'SMALL-1'].includes(x.reference)).map((x) => x.unmatched)).toEqual([
      0, 0,
    ]);
  });
});
