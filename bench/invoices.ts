import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { renderUbl } from '../src/adapters/einvoice/ubl';
import { renderInvoicePdf } from '../src/adapters/pdf/invoice-pdf';
import { EMPTY_PROOF } from '../src/app/documents-port';
import { executeCycleRun, startCycleRun } from '../src/app/invoicing/cycle-runs';
import type { Deps } from '../src/app/ports';
import type { InvoiceDocument } from '../src/core/invoice-document';
import { printAmount } from '../src/core/money';
import { SYSTEM_ACTOR } from '../src/core/principal';
import type { Database } from '../src/db/client';
import { closeoutBody } from './fixtures';

/**
 * B2 (packet): closeouts one at a time against a server running its workers; for each, the time from the
 * request to the invoice's manifest being stored (PDF, UBL and manifest written).
 */
export const packetLatency = async (
  base: string,
  apiKey: string,
  technicianId: string,
  database: Database,
  jobIds: string[],
): Promise<number[]> => {
  const times: number[] = [];
  for (const jobId of jobIds) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/jobs/${jobId}/closeouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: closeoutBody(crypto.randomUUID(), technicianId),
    });
    if (res.status !== 201) throw new Error(`closeout ${res.status}: ${await res.text()}`);
    for (;;) {
      const { rows } = await database.raw.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM invoice_files f JOIN invoices i
           ON i.organization_id = f.organization_id AND i.id = f.invoice_id
          WHERE i.job_id = $1 AND f.kind = 'manifest'`,
        [jobId],
      );
      if ((rows[0]?.n ?? 0) > 0) break;
      if (performance.now() - t0 > 30_000) throw new Error(`no packet for ${jobId} after 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    times.push(performance.now() - t0);
  }
  return times;
};

/** The same invoice as HTML, for Chromium to print: the comparison B3 asks for. */
const invoiceHtml = (doc: InvoiceDocument, number: string) => {
  const cur = doc.calc.currency;
  const rows = doc.lines
    .map(
      (l) =>
        `<tr><td>${l.description}</td><td>${l.quantity}</td><td>${l.unitPrice}</td><td>${printAmount(l.netAmount, cur)}</td></tr>`,
    )
    .join('');
  const totals = Object.entries(doc.calc.totals)
    .map(([k, v]) => `<tr><td>${k}</td><td>${printAmount(v, cur)}</td></tr>`)
    .join('');
  return `<!doctype html><html><body style="font-family:Helvetica,Arial,sans-serif;font-size:10pt">
    <h1 style="color:${doc.brand.color}">${doc.seller.name}</h1><h2>INVOICE ${number}</h2>
    <p>${doc.buyer.name}<br>${doc.buyer.address.line1}<br>${doc.buyer.address.city}</p>
    <table style="width:100%">${rows}</table><table>${totals}</table></body></html>`;
};

/** B3: one-page invoice PDFs per second with pdfkit, against headless Chromium printing the same invoice. */
export const pdfThroughput = async (doc: InvoiceDocument, seconds: number) => {
  const header = {
    number: 'INV-2026-00001',
    issueDate: '2026-11-18',
    dueDate: '2026-12-18',
    issuedAt: new Date('2026-11-18T12:00:00Z'),
  };
  const measure = async (render: () => Promise<unknown>) => {
    for (let i = 0; i < 30; i++) await render();
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      await render();
      n++;
    }
    return n / ((performance.now() - t0) / 1000);
  };
  const pdfkit = await measure(() => renderInvoicePdf(doc, header, EMPTY_PROOF, null));
  // The same invoice for a customer whose name is outside WinAnsi: DejaVu Sans embedded and subset.
  const unicodeDoc = { ...doc, buyer: { ...doc.buyer, name: 'Ŝtefan Đorđević · Москва Сервис' } };
  const pdfkitUnicode = await measure(() => renderInvoicePdf(unicodeDoc, header, EMPTY_PROOF, null));
  const ubl = await measure(async () => renderUbl(doc, header));
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  if (!executablePath) return { pdfkit, pdfkitUnicode, ubl, chromium: null };
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const html = invoiceHtml(doc, header.number);
    const rate = await measure(async () => {
      await page.setContent(html);
      await page.pdf({ format: 'A4' });
    });
    return { pdfkit, pdfkitUnicode, ubl, chromium: rate };
  } finally {
    await browser.close();
  }
};

/**
 * B4: a month of per-cycle visits for many customers (one monthly series each, its visits made invoice-ready
 * in bulk with SQL), then invoiced by one cycle run: the code the `cycles.run` worker runs. Returns the seconds
 * the run took and the invoices it issued.
 */
export const cycleInvoicing = async (
  deps: Deps,
  organizationId: string,
  technicianId: string,
  customerCount: number,
  visitsPerCustomer: number,
) => {
  const db = deps.database.raw;
  const { rows: ctx } = await db.query<{
    customer_id: string;
    job_type_id: string;
    tax_code_id: string;
  }>(
    `SELECT s.customer_id,
            (SELECT id FROM job_types WHERE organization_id = $1 AND code = 'BENCH') AS job_type_id,
            (SELECT id FROM tax_codes WHERE organization_id = $1 AND code = 'S-STD') AS tax_code_id
       FROM sites s WHERE s.organization_id = $1 LIMIT 1`,
    [organizationId],
  );
  const c = ctx[0];
  if (!c) throw new Error('no site in the bench organization');
  // Customers copied from the demo's first one (its address and terms), each with one site and one series.
  await db.query(
    `WITH k AS (SELECT g, gen_random_uuid() AS customer_id, gen_random_uuid() AS site_id, gen_random_uuid() AS series_id
                  FROM generate_series(1, $3::int) g),
          cu AS (INSERT INTO customers (organization_id, id, name, normalized_name, email, billing_address, payment_terms_days,
                                        created_at, updated_at)
                 SELECT $1, k.customer_id, 'Cycle customer ' || k.g, 'cycle customer ' || k.g, t.email, t.billing_address,
                        t.payment_terms_days, now(), now()
                   FROM k, customers t WHERE t.organization_id = $1 AND t.id = $2
                 RETURNING id),
          si AS (INSERT INTO sites (organization_id, id, customer_id, name, address, created_at)
                 SELECT $1, k.site_id, k.customer_id, 'Main', t.billing_address, now()
                   FROM k, customers t WHERE t.organization_id = $1 AND t.id = $2 AND EXISTS (SELECT 1 FROM cu)
                 RETURNING id)
     INSERT INTO series (organization_id, id, customer_id, site_id, job_type_id, rrule, time_zone, start_date, start_time,
                         duration_minutes, crew, template, billing_rule, billing_cycle, horizon_days, created_at)
     SELECT $1, k.series_id, k.customer_id, k.site_id, $4, 'FREQ=DAILY', 'Europe/Dublin', '2026-10-01', '09:00', 60,
            ARRAY[$5]::uuid[], '{"scope": "Cycle visit"}'::jsonb, 'per_cycle', 'monthly', 60, now()
       FROM k WHERE EXISTS (SELECT 1 FROM si)`,
    [organizationId, c.customer_id, customerCount, c.job_type_id, technicianId],
  );
  await db.query(
    `WITH s AS (SELECT id, customer_id, site_id, row_number() OVER (ORDER BY id) AS k FROM series
                 WHERE organization_id = $1 AND billing_rule = 'per_cycle' AND start_date = '2026-10-01'),
          v AS (SELECT s.id AS series_id, s.customer_id, s.site_id, s.k, d, gen_random_uuid() AS job_id
                  FROM s, generate_series(1, $2::int) AS d),
          base AS (SELECT coalesce(max(number), 0) AS n FROM jobs WHERE organization_id = $1),
          j AS (
            INSERT INTO jobs (organization_id, id, number, customer_id, site_id, job_type_id, scope, window_start, window_end,
                              status, billing_status, tax_code_id, series_id, occurrence_date, completed_at, invoice_ready_at,
                              created_at, updated_at)
            SELECT $1, v.job_id, base.n + (v.k - 1) * $2 + v.d, v.customer_id, v.site_id, $3, 'Cycle visit',
                   timestamptz '2026-10-01 09:00+00' + (v.d - 1) * interval '1 day',
                   timestamptz '2026-10-01 10:00+00' + (v.d - 1) * interval '1 day',
                   'completed', 'invoice_ready', $4, v.series_id, date '2026-10-01' + (v.d - 1)::int, now(), now(), now(), now()
              FROM v, base
            RETURNING id)
     INSERT INTO closeout_lines (organization_id, id, job_id, submission_id, position, kind, description, quantity,
                                 unit_code, unit_price, tax_code_id, billable, serial_numbers)
     SELECT $1, gen_random_uuid(), id, gen_random_uuid(), 1, 'labor', 'Visit', 1, 'HUR', 45, $4, true, '{}' FROM j`,
    [organizationId, visitsPerCustomer, c.job_type_id, c.tax_code_id],
  );
  // Fresh statistics, as autovacuum keeps them on a system that grew over months: planned against the empty
  // tables of a moment ago, each invoice's look-ups would scan closeout_lines and jobs sequentially.
  await db.exec('ANALYZE customers, sites, series, jobs, closeout_lines');
  // Later bookings continue the job numbers after the inserted visits.
  await db.query(
    `UPDATE org_sequences SET next_value = (SELECT max(number) + 1 FROM jobs WHERE organization_id = $1)
      WHERE organization_id = $1 AND name = 'job'`,
    [organizationId],
  );
  const t0 = performance.now();
  const run = await startCycleRun(
    deps,
    organizationId,
    { start: '2026-10-01', end: '2026-10-31', billingCycle: 'monthly' },
    SYSTEM_ACTOR,
  );
  const counts = await executeCycleRun(deps, organizationId, run.id);
  const seconds = (performance.now() - t0) / 1000;
  if (!('issued' in counts) || counts.failed > 0) throw new Error(`cycle run: ${JSON.stringify(counts)}`);
  return { seconds, invoices: counts.issued, visits: customerCount * visitsPerCustomer };
};
