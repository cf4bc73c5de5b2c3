import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { renderUbl } from '../src/adapters/einvoice/ubl';
import { EMPTY_PROOF, printAmount, renderInvoicePdf } from '../src/adapters/pdf/invoice-pdf';
import { invoiceCycle } from '../src/app/invoices';
import type { Deps } from '../src/app/ports';
import type { InvoiceDocument } from '../src/core/invoice-document';
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
  const ubl = await measure(async () => renderUbl(doc, header));
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  if (!executablePath) return { pdfkit, ubl, chromium: null };
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const html = invoiceHtml(doc, header.number);
    const rate = await measure(async () => {
      await page.setContent(html);
      await page.pdf({ format: 'A4' });
    });
    return { pdfkit, ubl, chromium: rate };
  } finally {
    await browser.close();
  }
};

/**
 * B4: visits of per-cycle series made invoice-ready in bulk (SQL), then every series' month invoiced through
 * invoiceCycle, the same code the API runs. Returns the seconds it took and the invoices made.
 */
export const cycleInvoicing = async (
  deps: Deps,
  organizationId: string,
  technicianId: string,
  visits: number,
) => {
  const perSeries = 20;
  const seriesCount = Math.ceil(visits / perSeries);
  const db = deps.database.raw;
  const { rows: ctx } = await db.query<{
    customer_id: string;
    site_id: string;
    job_type_id: string;
    tax_code_id: string;
  }>(
    `SELECT s.customer_id, s.id AS site_id,
            (SELECT id FROM job_types WHERE organization_id = $1 AND code = 'BENCH') AS job_type_id,
            (SELECT id FROM tax_codes WHERE organization_id = $1 AND code = 'S-STD') AS tax_code_id
       FROM sites s WHERE s.organization_id = $1 LIMIT 1`,
    [organizationId],
  );
  const c = ctx[0];
  if (!c) throw new Error('no site in the bench organization');
  await db.query(
    `INSERT INTO series (organization_id, id, customer_id, site_id, job_type_id, rrule, time_zone, start_date, start_time,
                         duration_minutes, crew, template, billing_rule, billing_cycle, horizon_days, created_at)
     SELECT $1, gen_random_uuid(), $2, $3, $4, 'FREQ=DAILY', 'Europe/Dublin', '2026-10-01', '09:00', 60,
            ARRAY[$5]::uuid[], '{}'::jsonb, 'per_cycle', 'monthly', 60, now()
       FROM generate_series(1, $6)`,
    [organizationId, c.customer_id, c.site_id, c.job_type_id, technicianId, seriesCount],
  );
  const { rows: series } = await db.query<{ id: string }>(
    `SELECT id FROM series WHERE organization_id = $1 AND billing_rule = 'per_cycle' AND start_date = '2026-10-01'`,
    [organizationId],
  );
  await db.query(
    `WITH s AS (SELECT id, row_number() OVER () AS k FROM series WHERE organization_id = $1 AND id = ANY($2::uuid[])),
          v AS (SELECT s.id AS series_id, s.k, d, gen_random_uuid() AS job_id
                  FROM s, generate_series(1, $3) AS d),
          base AS (SELECT coalesce(max(number), 0) AS n FROM jobs WHERE organization_id = $1),
          j AS (
            INSERT INTO jobs (organization_id, id, number, customer_id, site_id, job_type_id, scope, window_start, window_end,
                              status, billing_status, tax_code_id, series_id, occurrence_date, completed_at, invoice_ready_at,
                              created_at, updated_at)
            SELECT $1, v.job_id, base.n + (v.k - 1) * $3 + v.d, $4, $5, $6, 'Cycle visit',
                   timestamptz '2026-10-01 09:00+00' + (v.d - 1) * interval '1 day',
                   timestamptz '2026-10-01 10:00+00' + (v.d - 1) * interval '1 day',
                   'completed', 'invoice_ready', $7, v.series_id, date '2026-10-01' + (v.d - 1)::int, now(), now(), now(), now()
              FROM v, base
            RETURNING id)
     INSERT INTO closeout_lines (organization_id, id, job_id, submission_id, position, kind, description, quantity,
                                 unit_code, unit_price, tax_code_id, billable, serial_numbers)
     SELECT $1, gen_random_uuid(), id, gen_random_uuid(), 1, 'labor', 'Visit', 1, 'HUR', 45, $7, true, '{}' FROM j`,
    [
      organizationId,
      series.map((s) => s.id),
      perSeries,
      c.customer_id,
      c.site_id,
      c.job_type_id,
      c.tax_code_id,
    ],
  );
  // Later bookings continue the job numbers after the inserted visits.
  await db.query(
    `UPDATE org_sequences SET next_value = (SELECT max(number) + 1 FROM jobs WHERE organization_id = $1)
      WHERE organization_id = $1 AND name = 'job'`,
    [organizationId],
  );
  const t0 = performance.now();
  let made = 0;
  for (const s of series) {
    await invoiceCycle(
      deps,
      organizationId,
      s.id,
      { start: '2026-10-01', end: '2026-10-31' },
      { type: 'system', id: null },
    );
    made++;
  }
  return { seconds: (performance.now() - t0) / 1000, invoices: made, visits: seriesCount * perSeries };
};
