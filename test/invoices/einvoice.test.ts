import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeLateFee } from '../../src/app/collections/late-fees';
import { rfReference } from '../../src/core/bank-matching';
import { invoices, organizations } from '../../src/db/schema';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, PASSWORD, requirements } from '../support/factories';
import { startFakeStripe } from '../support/fake-stripe';
import { pdfText } from '../support/files';
import { connectFakeStripe } from '../support/online-payments';
import {
  closeOut,
  drain,
  type InvoiceJson,
  invoicesOfJob,
  newJob,
  plainJobType,
  SELLER,
  setSeller,
} from './helpers';

/**
 * Our own invoices and credit notes, one per scenario the product emits, checked with the official tools:
 * the OASIS UBL 2.1 XSDs (xmllint), the CEN EN 16931 and Peppol BIS 3 schematron rules (Saxon-HE), and
 * read back from the PDF (pdftotext) to agree with the UBL and the API to the cent.
 */
const SHARED = path.resolve(__dirname, '../../../shared/einvoice');
const SAXON = ['/usr/share/java/Saxon-HE.jar', '/usr/share/java/saxon9he.jar'].find((p) => fs.existsSync(p));
const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const missing = [
  fs.existsSync(SHARED) ? null : `${SHARED} (the official validation artefacts)`,
  has('xmllint', ['--version']) ? null : 'xmllint (Debian libxml2-utils)',
  has('pdftotext', ['-v']) ? null : 'pdftotext (Debian poppler-utils)',
  SAXON && has('java', ['-version']) ? null : 'Saxon-HE (Debian libsaxonhe-java) and java',
].filter((m): m is string => m !== null);
if (missing.length > 0) {
  if (process.env.CI) throw new Error(`CI must run the e-invoice validators; missing: ${missing.join(', ')}`);
  console.info(`e-invoice validation tests skipped: missing ${missing.join(', ')}`);
}

type Doc = {
  name: string;
  org: string;
  invoice: InvoiceJson;
  ubl: string;
  pdf: Buffer;
  profile: 'peppol' | 'en16931';
};

const failedAsserts = (svrl: string) =>
  [...svrl.matchAll(/<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)].map((m) => {
    const attrs = m[1] ?? '';
    return {
      id: /\bid="([^"]*)"/.exec(attrs)?.[1] ?? '?',
      flag: /\bflag="([^"]*)"/.exec(attrs)?.[1] ?? 'fatal',
      text: (m[2] ?? '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    };
  });

/** Runs one XSLT over every file of a directory in a single JVM; returns the fatal asserts per file. */
const schematron = (dir: string, xslt: string): Record<string, { id: string; text: string }[]> => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'svrl-'));
  execFileSync(
    'java',
    ['-cp', SAXON ?? '', 'net.sf.saxon.Transform', `-s:${dir}`, `-xsl:${xslt}`, `-o:${out}`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const result: Record<string, { id: string; text: string }[]> = {};
  for (const f of fs.readdirSync(dir)) {
    const svrl = fs.readFileSync(path.join(out, f), 'utf8');
    result[f] = failedAsserts(svrl).filter((a) => a.flag === 'fatal');
  }
  return result;
};

const ublTotals = (xml: string) => {
  const pick = (tag: string) =>
    new RegExp(`<cbc:${tag} currencyID="[A-Z]{3}">([^<]+)</cbc:${tag}>`).exec(xml)?.[1];
  return {
    lineTotal: pick('LineExtensionAmount'),
    taxExclusive: pick('TaxExclusiveAmount'),
    taxInclusive: pick('TaxInclusiveAmount'),
    taxTotal: /<cac:TaxTotal>\s*<cbc:TaxAmount currencyID="[A-Z]{3}">([^<]+)</.exec(xml)?.[1],
    payable: pick('PayableAmount'),
  };
};

const pdfTotals = (pdf: Buffer, currency: string, credit: boolean) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
  fs.writeFileSync(path.join(dir, 'd.pdf'), pdf);
  const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'd.pdf'), '-']).toString();
  const amount = (label: string) =>
    new RegExp(`${label}\\s+(-?)${currency} ([\\d,]+(?:\\.\\d+)?)`)
      .exec(text)
      ?.slice(1, 3)
      .join('')
      .replaceAll(',', '');
  return {
    lineTotal: amount('Line total'),
    taxExclusive: amount('Total excl. tax'),
    taxTotal: amount('Tax total'),
    taxInclusive: amount('Total incl. tax'),
    payable: amount(credit ? 'Amount credited' : 'Amount due'),
  };
};

describe.skipIf(missing.length > 0)(
  'our e-invoices against the official EN 16931 and Peppol validators',
  () => {
    let t: TestApp;
    const docs: Doc[] = [];
    const owners: Session[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-'));

    type Org = {
      fx: OrgFixture;
      owner: Session;
      billing: Session;
      dispatcher: Session;
      tech: Session;
      jobTypeId: string;
    };
    const orgOf = async (
      slug: string,
      opts: { currency?: string; country?: string },
      seller: Record<string, unknown>,
    ): Promise<Org> => {
      const fx = await makeOrganization(t.deps, slug, opts);
      const [owner, billing, dispatcher, tech] = [
        await signIn(t.app, fx.users.owner.email, PASSWORD),
        await signIn(t.app, fx.users.billing.email, PASSWORD),
        await signIn(t.app, fx.users.dispatcher.email, PASSWORD),
        await signIn(t.app, fx.users.technician.email, PASSWORD),
      ];
      await setSeller(t, owner, seller);
      owners.push(owner);
      return { fx, owner, billing, dispatcher, tech, jobTypeId: await plainJobType(t, owner) };
    };
    const api = async (
      o: Org,
      method: 'GET' | 'POST' | 'PATCH',
      url: string,
      payload?: object,
      who: Session = o.billing,
    ) => {
      const res = await t.app.inject({
        method,
        url,
        headers: as(who, method !== 'GET'),
        ...(payload ? { payload } : {}),
      });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
      return res;
    };
    const taxCodeId = async (o: Org, code: string) =>
      (
        (await api(o, 'GET', '/api/v1/tax-codes', undefined, o.owner)).json().items as {
          id: string;
          code: string;
        }[]
      ).find((c) => c.code === code)?.id as string;
    const collect = async (o: Org, name: string, invoice: InvoiceJson) => {
      expect(invoice.number, `${name} was not issued: ${JSON.stringify(invoice.holdReasons)}`).toBeTruthy();
      await drain(t);
      const ubl = (await api(o, 'GET', `/api/v1/invoices/${invoice.id}/ubl`)).body;
      const pdf = (await api(o, 'GET', `/api/v1/invoices/${invoice.id}/pdf`)).rawPayload;
      const fresh = (await api(o, 'GET', `/api/v1/invoices/${invoice.id}`)).json() as InvoiceJson & {
        profile: 'peppol' | 'en16931';
      };
      docs.push({ name, org: o.fx.slug, invoice: fresh, ubl, pdf, profile: fresh.profile });
    };
    const customer = async (o: Org, body: Record<string, unknown>) => {
      const res = await api(
        o,
        'POST',
        '/api/v1/customers',
        {
          name: `Customer ${randomUUID().slice(0, 6)}`,
          email: 'accounts@example.com',
          billingAddress: { line1: '5 Quay Street', city: 'Galway', postalCode: 'H91 TK33', country: 'IE' },
          sites: [
            {
              name: 'Main site',
              address: { line1: '5 Quay Street', city: 'Galway', postalCode: 'H91 TK33', country: 'IE' },
            },
          ],
          confirmDuplicate: true,
          ...body,
        },
        o.dispatcher,
      );
      const c = res.json();
      return { customerId: c.id as string, siteId: c.sites[0].id as string };
    };

    beforeAll(async () => {
      t = await createTestApp('pglite');
      const a = await orgOf('corpus', {}, {});

      // 1. Several VAT categories and rates, a document discount and charges.
      const red = await taxCodeId(a, 'S-RED');
      const zero = await taxCodeId(a, 'Z');
      for (const [sku, taxId, price] of [
        ['PART-RED', red, '49.95'],
        ['PART-ZERO', zero, '12.00'],
      ] as const) {
        await api(
          a,
          'POST',
          '/api/v1/catalog-items',
          { sku, name: `Part ${sku}`, kind: 'part', unitCode: 'C62', unitPrice: price, taxCodeId: taxId },
          a.owner,
        );
      }
      const multi = await newJob(t, a.fx, a.dispatcher, a.jobTypeId, {
        discountPercent: '5',
        poNumber: 'PO-2026-118',
      });
      await closeOut(t, a.fx, a.tech, multi.id, {
        parts: [
          { sku: 'PART-RED', quantity: '2' },
          { sku: 'PART-ZERO', quantity: '3' },
          { description: 'Gasket set', quantity: '1.5', unitPrice: '4.10' },
        ],
        adjustments: [
          { kind: 'trip_charge', amount: '35.00' },
          { kind: 'disposal_fee', amount: '15.50' },
        ],
      });

      // 1b. A part sold below its list price: the list price and the discount on the line (BT-148, BT-147).
      const listed = await newJob(t, a.fx, a.dispatcher, a.jobTypeId);
      await closeOut(t, a.fx, a.tech, listed.id, {
        parts: [{ sku: 'PART-RED', quantity: '2', unitPrice: '45.00' }],
        adjustments: [],
      });

      // 2. An exempt customer: category E with the customer's exemption reason.
      // Its name in several scripts: the UBL and the PDF carry it as written.
      const exempt = await customer(a, {
        name: 'Ŝtefan Đorđević · Ωμέγα · Москва · 北京上海',
        taxExempt: true,
        taxExemptionReason: 'Exempt: charitable body (Section 47)',
      });
      const exemptJob = await newJob(t, a.fx, a.dispatcher, a.jobTypeId, exempt);
      await closeOut(t, a.fx, a.tech, exemptJob.id);

      // 3. Reverse charge: a customer with a VAT ID in another member state, category AE.
      const nl = await customer(a, {
        taxId: 'NL123456789B01',
        billingAddress: { line1: 'Keizersgracht 1', city: 'Amsterdam', postalCode: '1015 CJ', country: 'NL' },
      });
      // Due on receipt: 0-day terms are terms.
      await api(a, 'PATCH', `/api/v1/customers/${nl.customerId}`, { paymentTermsDays: 0 }, a.owner);
      const reverse = await newJob(t, a.fx, a.dispatcher, a.jobTypeId, {
        ...nl,
        taxCodeId: await taxCodeId(a, 'AE'),
      });
      await closeOut(t, a.fx, a.tech, reverse.id);

      // 4. An advance invoice at booking (with VAT), paid; the final invoice deducts its net as a negative line.
      const deposit = await newJob(t, a.fx, a.dispatcher, a.jobTypeId, {
        depositRequired: true,
        depositAmount: '150.00',
      });
      await drain(t);
      const [depositInvoice] = await invoicesOfJob(t, a.billing, deposit.id);
      await api(a, 'POST', '/api/v1/payments', {
        invoiceId: depositInvoice?.id,
        amount: '150.00',
        receivedOn: '2026-11-18',
        method: 'card',
      });
      await closeOut(t, a.fx, a.tech, deposit.id);

      // 4b. A fixed-price contract at two rates billed in two progress steps, each holding 5 % back as
      // retainage (a document allowance per rate); the final invoice deducts them at their taxable amounts,
      // releases the retainage, and its rounding amount (BT-114) brings the documents to the contract exactly.
      const fixedType = (
        await api(
          a,
          'POST',
          '/api/v1/job-types',
          {
            code: 'FIXED-PROGRESS',
            name: 'Refit (fixed price)',
            trade: 'plumbing',
            defaultDurationMinutes: 480,
            billingMode: 'fixed',
            closeoutRequirements: requirements(),
            approvalRules: [],
          },
          a.owner,
        )
      ).json().id as string;
      const project = await newJob(t, a.fx, a.billing, fixedType, {
        discountPercent: '5',
        retainagePercent: '5',
        estimateLines: [
          { sku: null, description: 'Strip out and refit', quantity: '1', unitPrice: '7333.33' },
          { sku: null, description: 'Tiling', quantity: '31.5', unitPrice: '41.17', taxCodeId: red },
        ],
      });
      for (const percent of ['30', '75'])
        await api(a, 'POST', `/api/v1/jobs/${project.id}/progress-invoices`, { percent }, a.billing);
      await closeOut(t, a.fx, a.tech, project.id, { adjustments: [] });
      await drain(t);
      for (const inv of (await invoicesOfJob(t, a.billing, project.id)).filter((i) => i.number))
        if (inv.kind === 'invoice') await collect(a, 'progress-final', inv);
        else if (new Decimal(inv.totals.taxExclusive ?? 'NaN').gt(3000))
          await collect(a, 'progress-invoice', inv);

      // 5. A per-cycle series: one invoice for the month's completed visits, open visits as exceptions.
      const s = (
        await api(
          a,
          'POST',
          '/api/v1/series',
          {
            customerId: a.fx.customerId,
            siteId: a.fx.siteId,
            jobTypeId: a.jobTypeId,
            rrule: 'FREQ=WEEKLY;BYDAY=TU',
            startDate: '2026-11-03',
            startTime: '09:00',
            durationMinutes: 60,
            crew: [a.fx.users.technician.id],
            scope: 'Weekly plant room check',
            billingRule: 'per_cycle',
            billingCycle: 'monthly',
            horizonDays: 40,
            discountPercent: '5',
          },
          a.dispatcher,
        )
      ).json();
      const visits = s.visits as { id: string; occurrenceDate: string }[];
      for (const v of visits.filter((x) => x.occurrenceDate <= '2026-11-17')) {
        await closeOut(t, a.fx, a.tech, v.id, {
          parts: [],
          adjustments: [],
          labor: [{ technicianId: a.fx.users.technician.id, hours: '1.25' }],
        });
      }
      await drain(t);

      for (const [name, id] of [
        ['multi-vat-discount-charges', multi.id],
        ['exempt-customer', exemptJob.id],
        ['reverse-charge', reverse.id],
        ['deposit-final', deposit.id],
        ['list-price-discount', listed.id],
      ] as const) {
        const invs = await invoicesOfJob(t, a.billing, id);
        for (const inv of invs.filter((i) => i.number))
          await collect(a, inv.kind === 'deposit_invoice' ? 'deposit-invoice' : name, inv);
      }
      const cycle = await api(a, 'POST', `/api/v1/series/${s.id}/cycle-invoices`, {
        periodStart: '2026-11-01',
        periodEnd: '2026-11-30',
      });
      await collect(a, 'per-cycle', cycle.json());

      // 6. Credit notes: a full credit (then the corrected re-invoice) and a partial one.
      const multiInv = docs.find((d) => d.name === 'multi-vat-discount-charges')?.invoice as InvoiceJson;
      const full = await api(a, 'POST', `/api/v1/invoices/${multiInv.id}/credit-notes`, {
        reason: 'wrong_tax',
        memo: 'Wrong VAT rate on parts',
      });
      await collect(a, 'credit-note-full', full.json());
      await drain(t);
      const [reinvoice] = (await invoicesOfJob(t, a.billing, multi.id)).filter((i) => i.status === 'draft');
      await collect(
        a,
        'reinvoice-after-credit',
        (await api(a, 'POST', `/api/v1/invoices/${reinvoice?.id}/issue`)).json(),
      );
      const exemptInv = docs.find((d) => d.name === 'exempt-customer')?.invoice as InvoiceJson;
      const partial = await api(a, 'POST', `/api/v1/invoices/${exemptInv.id}/credit-notes`, {
        reason: 'missing_time',
        lines: [{ position: 1, quantity: '0.5' }],
      });
      await collect(a, 'credit-note-partial', partial.json());

      // 7. Peppol BIS Billing 3.0: both parties have Peppol IDs.
      const p = await orgOf('peppol', {}, { peppolEndpoint: '0088:5790000435951' });
      const buyer = await customer(p, { peppolEndpoint: '0088:7300010000001', taxId: 'IE8256796U' });
      const pj = await newJob(t, p.fx, p.dispatcher, p.jobTypeId, { ...buyer, discountPercent: '2.5' });
      await closeOut(t, p.fx, p.tech, pj.id);
      await drain(t);
      const [pInv] = await invoicesOfJob(t, p.billing, pj.id);
      await collect(p, 'peppol-invoice', pInv as InvoiceJson);
      await collect(
        p,
        'peppol-credit-note',
        (
          await api(p, 'POST', `/api/v1/invoices/${pInv?.id}/credit-notes`, {
            reason: 'price_dispute',
            lines: [{ position: 2, quantity: '1' }],
          })
        ).json(),
      );

      // 12. An Irish seller billing a UK buyer in GBP: prices converted at the rate the office recorded, the
      // VAT stated in EUR too (BT-6, BT-111: one extra tax total without subtotals), and a partial credit note
      // at the invoice's own rate.
      const rate = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/exchange-rates',
        headers: as(p.billing, true),
        payload: { currency: 'GBP', validFrom: '2026-11-01', rate: '1.1712', source: 'ECB reference rate' },
      });
      expect(rate.statusCode, rate.body).toBe(204);
      const uk = await customer(p, {
        peppolEndpoint: '0088:5790000435968',
        taxId: 'GB980780684',
        invoiceCurrency: 'GBP',
        billingAddress: { line1: '1 Castle Street', city: 'Belfast', postalCode: 'BT1 1GH', country: 'GB' },
      });
      const gj = await newJob(t, p.fx, p.dispatcher, p.jobTypeId, { ...uk, discountPercent: '5' });
      await closeOut(t, p.fx, p.tech, gj.id);
      await drain(t);
      const [gInv] = await invoicesOfJob(t, p.billing, gj.id);
      await collect(p, 'peppol-gbp-invoice', gInv as InvoiceJson);
      await collect(
        p,
        'peppol-gbp-credit-note',
        (
          await api(p, 'POST', `/api/v1/invoices/${gInv?.id}/credit-notes`, {
            reason: 'price_dispute',
            lines: [{ position: 1, quantity: '1' }],
          })
        ).json(),
      );

      // 9. A returned part (a negative line) on an invoice, and cash rounding of the amount due (BT-114, CHF 0.05).
      const ch = await orgOf(
        'swiss',
        { currency: 'CHF', country: 'CH' },
        {
          vatId: 'CHE123456789MWST',
          address: { line1: 'Bahnhofstrasse 1', city: 'Zürich', postalCode: '8001', country: 'CH' },
          payableRoundingIncrement: '0.05',
        },
      );
      const returned = await newJob(t, ch.fx, ch.dispatcher, ch.jobTypeId);
      await closeOut(t, ch.fx, ch.tech, returned.id, {
        parts: [
          { description: 'Circulator pump', quantity: '1', unitPrice: '189.99' },
          { description: 'Old pump taken back', quantity: '-1', unitPrice: '40.00' },
        ],
      });
      await drain(t);
      const [chInv] = await invoicesOfJob(t, ch.billing, returned.id);
      await collect(ch, 'negative-line-cash-rounding', chInv as InvoiceJson);

      // 10. A payment request (no tax) paid at booking; the final invoice taxes everything, deducts it as prepaid.
      const r = await orgOf('request', {}, { depositModel: 'payment_request' });
      const rj = await newJob(t, r.fx, r.dispatcher, r.jobTypeId, {
        depositRequired: true,
        depositAmount: '150.00',
      });
      await drain(t);
      const [request] = await invoicesOfJob(t, r.billing, rj.id);
      await api(r, 'POST', '/api/v1/payments', {
        invoiceId: request?.id,
        amount: '150.00',
        receivedOn: '2026-11-18',
        method: 'card',
      });
      await closeOut(t, r.fx, r.tech, rj.id);
      await drain(t);
      const requestFinal = (await invoicesOfJob(t, r.billing, rj.id)).find((i) => i.kind === 'invoice');
      await collect(r, 'deposit-request-final', requestFinal as InvoiceJson);

      // 11. The Canary Islands' IGIC (L), Ceuta and Melilla's IPSI (M), Italian split payment (B).
      for (const [slug, country, code, category, rate, name] of [
        ['canarias', 'ES', 'IGIC-7', 'L', '7', 'igic-invoice'],
        ['melilla', 'ES', 'IPSI-4', 'M', '4', 'ipsi-invoice'],
        ['roma', 'IT', 'SPLIT-22', 'B', '22', 'split-payment'],
      ] as const) {
        const address = { line1: 'Via Roma 1', city: 'Città', postalCode: '00100', country };
        const o = await orgOf(slug, { country }, { vatId: `${country}12345678901`, address });
        const tc = await api(o, 'POST', '/api/v1/tax-codes', { code, name: code, category, rate }, o.owner);
        const local = await customer(o, {
          taxId: `${country}98765432109`,
          billingAddress: address,
          sites: [{ name: 'Sede', address }],
        });
        const j = await newJob(t, o.fx, o.dispatcher, o.jobTypeId, {
          ...local,
          taxCodeId: tc.json().id,
          discountPercent: '5',
        });
        await closeOut(t, o.fx, o.tech, j.id);
        await drain(t);
        const [inv] = await invoicesOfJob(t, o.billing, j.id);
        await collect(o, name, inv as InvoiceJson);
      }

      // 8. Currencies with other minor units: JPY (0) and BHD (3, two on an EN 16931 invoice).
      for (const [slug, currency, country, price] of [
        ['yen', 'JPY', 'JP', '12345'],
        ['dinar', 'BHD', 'BH', '42.125'],
      ] as const) {
        const o = await orgOf(slug, { currency, country }, { address: { ...SELLER.address, country } });
        const j = await newJob(t, o.fx, o.dispatcher, o.jobTypeId, { discountPercent: '3' });
        await closeOut(t, o.fx, o.tech, j.id, {
          parts: [{ description: 'Compressor', quantity: '1', unitPrice: price }],
          adjustments: [],
        });
        await drain(t);
        const [inv] = await invoicesOfJob(t, o.billing, j.id);
        await collect(o, `${currency.toLowerCase()}-invoice`, inv as InvoiceJson);
      }
      await drain(t);

      // 14. A business that gives no IBAN and takes payment online: its payment means is online payment (68).
      const online = await orgOf('online', {}, { iban: null });
      const stripe = await startFakeStripe();
      try {
        await connectFakeStripe(t.app, online.owner, stripe);
        const j = await newJob(t, online.fx, online.dispatcher, online.jobTypeId);
        await closeOut(t, online.fx, online.tech, j.id);
        await drain(t);
        const [inv] = await invoicesOfJob(t, online.billing, j.id);
        await collect(online, 'online-payment', inv as InvoiceJson);
        // 14b. One that takes payment online and gives an IBAN: the credit transfer is its payment means.
        const both = await orgOf('both-ways', {}, {});
        await connectFakeStripe(t.app, both.owner, stripe);
        const k = await newJob(t, both.fx, both.dispatcher, both.jobTypeId);
        await closeOut(t, both.fx, both.tech, k.id);
        await drain(t);
        const [second] = await invoicesOfJob(t, both.billing, k.id);
        await collect(both, 'transfer-and-online', second as InvoiceJson);
      } finally {
        await stripe.close();
      }

      // 13. A late fee charged by a reminder step: its own invoice, one line outside the scope of VAT (exempt
      // with the reason), referring to the overdue invoice (BG-3), the buyer as on it.
      const overdueDoc = docs.find((d) => d.name === 'list-price-discount')?.invoice as InvoiceJson;
      const fee = await t.deps.database.transaction(async (tx) => {
        const [row] = await tx.db.select().from(invoices).where(eq(invoices.id, overdueDoc.id));
        const [org] = await tx.db
          .select()
          .from(organizations)
          .where(eq(organizations.id, a.fx.organizationId));
        if (!row || !org) throw new Error('no overdue invoice');
        return chargeLateFee(
          tx,
          t.deps,
          { invoice: row, org, today: '2027-01-20' },
          { days: 14, fee: { kind: 'percent', rate: '2.5' }, cap: '40' },
          overdueDoc.totals.payable ?? '0',
        );
      });
      if (!fee) throw new Error('no late fee charged');
      await collect(a, 'late-fee', (await api(a, 'GET', `/api/v1/invoices/${fee.id}`)).json());
      await drain(t);

      for (const d of docs) {
        const sub = path.join(dir, d.profile);
        fs.mkdirSync(sub, { recursive: true });
        fs.writeFileSync(path.join(sub, `${d.name}.xml`), d.ubl);
      }
    }, 120_000);
    afterAll(async () => t?.close());

    it('covers every scenario the product emits', () => {
      expect(docs.map((d) => d.name).sort()).toEqual(
        [
          'credit-note-full',
          'credit-note-partial',
          'deposit-invoice',
          'deposit-final',
          'deposit-request-final',
          'progress-invoice',
          'progress-final',
          'negative-line-cash-rounding',
          'list-price-discount',
          'igic-invoice',
          'ipsi-invoice',
          'split-payment',
          'exempt-customer',
          'jpy-invoice',
          'bhd-invoice',
          'late-fee',
          'multi-vat-discount-charges',
          'online-payment',
          'per-cycle',
          'peppol-credit-note',
          'peppol-invoice',
          'peppol-gbp-invoice',
          'peppol-gbp-credit-note',
          'reinvoice-after-credit',
          'reverse-charge',
          'transfer-and-online',
        ].sort(),
      );
      const byName = Object.fromEntries(docs.map((d) => [d.name, d]));
      expect(byName['multi-vat-discount-charges']?.ubl).toMatch(
        /<cbc:ID>S<\/cbc:ID>\s*<cbc:Percent>13.5<\/cbc:Percent>/,
      );
      expect(byName['multi-vat-discount-charges']?.ubl).toContain(
        '<cbc:ChargeIndicator>true</cbc:ChargeIndicator>',
      );
      // The advance is deducted as its net at its rate (-121.95 for 150.00 at 23 %), never as a prepayment.
      const final = byName['deposit-final']?.invoice;
      expect(final?.totals.prepaid).toBe('0.00');
      expect(final?.lines.some((l) => l.netAmount === '-121.95')).toBe(true);
      expect(byName['deposit-request-final']?.invoice.totals.prepaid).toBe('150.00');
      const chf = byName['negative-line-cash-rounding']?.invoice;
      expect(chf?.lines.map((l) => l.netAmount)).toContain('-40.00');
      expect(new Decimal(chf?.totals.payable ?? 'NaN').mod('0.05').isZero()).toBe(true);
      expect(byName['reverse-charge']?.ubl).toContain('Due on receipt');
      // BG-16: one payment means (several must share one code, UBL-SR-47), so the credit transfer where the
      // organization gives an IBAN, even when it also takes payment online (the PDF prints both); the
      // remittance (BT-83) is the invoice's creditor reference, which bank matching reads back; euro goes by
      // SEPA credit transfer (58), another currency by credit transfer (30).
      for (const d of docs.filter((x) => x.invoice.kind !== 'credit_note' && x.name !== 'online-payment')) {
        const code = d.invoice.currency === 'EUR' ? '58' : '30';
        expect(d.ubl, d.name).toMatch(
          new RegExp(
            `<cac:PaymentMeans>\\s*<cbc:PaymentMeansCode>${code}</cbc:PaymentMeansCode>\\s*<cbc:PaymentID>${rfReference(d.invoice.number as string)}</cbc:PaymentID>\\s*<cac:PayeeFinancialAccount>\\s*<cbc:ID>IE29AIBK93115212345678</cbc:ID>`,
          ),
        );
        expect(d.ubl.match(/<cac:PaymentMeans>/g), d.name).toHaveLength(1);
      }
      expect(byName['online-payment']?.ubl).toMatch(
        /<cac:PaymentMeans>\s*<cbc:PaymentMeansCode name="[^"]+">68<\/cbc:PaymentMeansCode>\s*<cbc:PaymentID>RF\d{2}/,
      );
      expect(byName['online-payment']?.ubl).not.toContain('PayeeFinancialAccount');
      // Both ways on the PDF: the pay link and the transfer, each with its code.
      const both = pdfText(byName['transfer-and-online']?.pdf ?? Buffer.alloc(0));
      expect(both).toContain('Scan to pay');
      expect(both).toContain('Scan in your banking app');
      // The late fee: 2.5 % of what the overdue invoice owed, exempt with the reason, referring to it.
      const overdue = byName['list-price-discount']?.invoice;
      const fee = byName['late-fee'];
      expect(fee?.invoice.totals.payable).toBe(
        new Decimal(overdue?.totals.payable ?? 'NaN').times('0.025').toDecimalPlaces(2).toFixed(2),
      );
      expect(fee?.ubl).toMatch(
        new RegExp(`<cac:InvoiceDocumentReference>\\s*<cbc:ID>${overdue?.number}</cbc:ID>`),
      );
      expect(fee?.ubl).toMatch(/<cbc:TaxExemptionReason>Late payment compensation/);
      expect(byName['exempt-customer']?.ubl).toContain('Ŝtefan Đorđević · Ωμέγα · Москва · 北京上海');
      expect(byName['list-price-discount']?.ubl).toMatch(
        /<cbc:PriceAmount currencyID="EUR">45<\/cbc:PriceAmount>\s*<cac:AllowanceCharge>\s*<cbc:ChargeIndicator>false<\/cbc:ChargeIndicator>\s*<cbc:Amount currencyID="EUR">4.95<\/cbc:Amount>\s*<cbc:BaseAmount currencyID="EUR">49.95<\/cbc:BaseAmount>/,
      );
      for (const [name, category] of [
        ['igic-invoice', 'L'],
        ['ipsi-invoice', 'M'],
        ['split-payment', 'B'],
      ] as const)
        expect(byName[name]?.ubl).toMatch(new RegExp(`<cbc:ID>${category}</cbc:ID>\\s*<cbc:Percent>`));
      expect(byName['per-cycle']?.invoice.lines.length).toBe(3);
      expect(byName['per-cycle']?.invoice.totals.allowanceTotal).not.toBe('0.00');
      expect(byName['per-cycle']?.invoice.exceptions.length).toBeGreaterThan(0);
      expect(byName['jpy-invoice']?.invoice.totals.payable).toMatch(/^\d+$/);
      expect(byName['bhd-invoice']?.invoice.totals.payable).toMatch(/^\d+\.\d{2}$/);
      expect(byName['peppol-invoice']?.profile).toBe('peppol');
      expect(byName['credit-note-full']?.ubl).toContain('<CreditNote');
      // In GBP, its VAT in EUR at the recorded rate, and the rate written on the document.
      for (const name of ['peppol-gbp-invoice', 'peppol-gbp-credit-note']) {
        const d = byName[name];
        const vat = new Decimal(d?.invoice.totals.taxTotal ?? 'NaN');
        expect(d?.ubl).toContain('<cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>');
        expect(d?.ubl).toContain('<cbc:TaxCurrencyCode>EUR</cbc:TaxCurrencyCode>');
        expect(d?.ubl).toContain(
          `<cbc:TaxAmount currencyID="EUR">${vat.times('1.1712').toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2)}</cbc:TaxAmount>`,
        );
        expect(d?.ubl).toContain('1 GBP = 1.1712 EUR, valid from 1 November 2026 (ECB reference rate)');
        expect(d?.invoice.currency).toBe('GBP');
      }
    });

    it('leaves every audit chain intact, including the visits a cycle invoice moved in bulk', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/audit/verify',
        headers: as(owners[0] as Session),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ ok: true });
    });

    it('passes the UBL 2.1 schemas (xmllint)', () => {
      const xsd = path.join(SHARED, 'ubl-2.1-os-xsd/xsdrt/maindoc');
      for (const kind of ['Invoice', 'CreditNote'] as const) {
        const files = docs
          .filter((d) => (kind === 'CreditNote') === d.ubl.includes('<CreditNote'))
          .map((d) => path.join(dir, d.profile, `${d.name}.xml`));
        const run = spawnSync(
          'xmllint',
          ['--noout', '--schema', path.join(xsd, `UBL-${kind}-2.1.xsd`), ...files],
          { encoding: 'utf8' },
        );
        expect(run.status, run.stderr).toBe(0);
      }
    });

    it('passes the CEN EN 16931 rules with zero fatal findings', () => {
      const findings = schematron(
        path.join(dir, 'en16931'),
        path.join(SHARED, 'cen-en16931-1.3.16/xslt/EN16931-UBL-validation.xslt'),
      );
      expect(Object.keys(findings).length).toBeGreaterThanOrEqual(10);
      expect(Object.entries(findings).filter(([, f]) => f.length > 0)).toEqual([]);
    });

    it('passes the Peppol BIS Billing 3.0 rules (CEN and PEPPOL sets) with zero fatal findings', () => {
      for (const x of ['CEN-EN16931-UBL.xslt', 'PEPPOL-EN16931-UBL.xslt']) {
        const findings = schematron(
          path.join(dir, 'peppol'),
          path.join(SHARED, 'peppol-bis3-2026.5/xslt', x),
        );
        expect(Object.keys(findings).length).toBe(4);
        expect(
          Object.entries(findings).filter(([, f]) => f.length > 0),
          x,
        ).toEqual([]);
      }
    });

    it('is a validator that can fail: a tampered total is a fatal BR-CO-16', () => {
      const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'tampered-'));
      const d = docs.find((x) => x.name === 'multi-vat-discount-charges') as Doc;
      fs.writeFileSync(
        path.join(bad, 'tampered.xml'),
        d.ubl.replace(
          /<cbc:PayableAmount currencyID="EUR">[^<]+</,
          '<cbc:PayableAmount currencyID="EUR">1.00<',
        ),
      );
      const findings = schematron(
        bad,
        path.join(SHARED, 'cen-en16931-1.3.16/xslt/EN16931-UBL-validation.xslt'),
      );
      expect(findings['tampered.xml']?.map((f) => f.id)).toContain('BR-CO-16');
      // Without its total in EUR, the GBP invoice's TaxCurrencyCode is a fatal BR-53.
      const gbp = docs.find((x) => x.name === 'peppol-gbp-invoice') as Doc;
      fs.writeFileSync(
        path.join(bad, 'tampered.xml'),
        gbp.ubl.replace(
          /<cac:TaxTotal>\s*<cbc:TaxAmount currencyID="EUR">[^<]+<\/cbc:TaxAmount>\s*<\/cac:TaxTotal>/,
          '',
        ),
      );
      const missingEur = schematron(
        bad,
        path.join(SHARED, 'cen-en16931-1.3.16/xslt/EN16931-UBL-validation.xslt'),
      );
      expect(missingEur['tampered.xml']?.map((f) => f.id)).toContain('BR-53');
    });

    it('shows the same totals in the PDF, the UBL and the API, for every document', () => {
      for (const d of docs) {
        const api = d.invoice.totals;
        const expected = {
          lineTotal: api.lineTotal,
          taxExclusive: api.taxExclusive,
          taxTotal: api.taxTotal,
          taxInclusive: api.taxInclusive,
          payable: api.payable,
        };
        expect(ublTotals(d.ubl), `${d.name} UBL`).toEqual(expected);
        const currency = /<cbc:DocumentCurrencyCode>([A-Z]{3})</.exec(d.ubl)?.[1] ?? 'EUR';
        expect(pdfTotals(d.pdf, currency, d.ubl.includes('<CreditNote')), `${d.name} PDF`).toEqual(expected);
      }
    });
  },
);
