import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDate } from '../../src/core/time';
import { type Api, caller } from '../support/api-caller';
import { hasChromium, launch, screenshotPath, signedIn } from '../support/browser';
import { type Spawned, startCloseout } from '../support/processes';

type Invoice = { id: string; number: string; jobId: string | null; outstanding: string; status: string };

/** A 1 × 1 PNG: the smallest logo the upload sniffs as an image. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * What the API let an owner do only with curl, now by clicking: API keys, the audit check, webhook
 * deliveries, the accounting export, the work-completed report, customer links to the accounting system,
 * a technician's calendar link and the logo.
 */
describe.runIf(hasChromium())('the owner runs the admin side from the browser', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-admin-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let owner: Api;
  const received: number[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(Date.now());
      res.writeHead(503).end('down for maintenance');
    });
  });

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir, ALLOW_PRIVATE_TARGETS: 'true' }));
    browser = await launch();
    owner = await caller(base, 'owner@demo.closeout.test');
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    receiver.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes an API key that works, shown once, and revokes it; checks the audit trail', async () => {
    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/settings?tab=security');
    const form = page.getByRole('form', { name: 'New API key' });
    // The contract names what is missing before anything is made.
    await form.getByRole('button', { name: 'Make a key' }).click();
    await form.getByText('Required').waitFor();
    await form.getByLabel('What it is for').fill('Website booking form');
    await form.getByRole('button', { name: 'Make a key' }).click();
    const shown = page.locator('[data-key]');
    await shown.waitFor();
    const key = (await shown.textContent()) ?? '';
    expect(key.length).toBeGreaterThan(20);
    const asKey = () => fetch(`${base}/api/v1/jobs?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    expect((await asKey()).status).toBe(200);
    const keys = page.getByRole('table', { name: 'Keys' });
    await expect.poll(() => keys.textContent()).toContain('Website booking form');
    expect(await keys.textContent()).toContain('Dispatcher');
    expect(await keys.textContent()).not.toContain(key);
    await page.screenshot({ path: screenshotPath('office-settings-keys'), fullPage: true });

    await page.getByRole('button', { name: 'Revoke Website booking form' }).click();
    await page.getByRole('button', { name: 'Revoke the key' }).click();
    await page.getByRole('status').filter({ hasText: 'Website booking form is revoked' }).waitFor();
    expect((await asKey()).status).toBe(401);
    await expect.poll(() => keys.textContent()).toMatch(/Revoked/);

    await page.getByRole('button', { name: 'Check the audit trail' }).click();
    const verdict = page.getByRole('status').filter({ hasText: 'The audit trail is intact' });
    await verdict.waitFor();
    expect(await verdict.textContent()).toMatch(/\d[\d,]* recorded changes in \d[\d,]* histories/);
    await page.screenshot({ path: screenshotPath('office-settings-audit'), fullPage: true });
    await page.close();

    const phone = await signedIn(browser, base, 'owner@demo.closeout.test', '#/settings?tab=security', 390);
    await phone.getByRole('table', { name: 'Keys' }).waitFor();
    await phone.screenshot({ path: screenshotPath('office-settings-keys-phone'), fullPage: true });
    await phone.close();
  });

  it("shows a webhook's deliveries in words, with what the receiver answered", async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const sub = await owner.call<{ id: string }>('POST', '/webhook-subscriptions', {
      url,
      events: ['payment.recorded'],
    });
    expect(sub.status).toBe(201);
    const open = await owner.call<{ items: Invoice[] }>('GET', '/invoices?open=true&limit=5');
    const invoice = open.body.items.find((i) => Number(i.outstanding) > 1) as Invoice;
    const paid = await owner.call('POST', '/payments', {
      invoiceId: invoice.id,
      amount: '1.00',
      receivedOn: businessDate(new Date(), 'Europe/Dublin'),
      method: 'cash',
    });
    expect(paid.status).toBe(201);
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThan(0);

    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/settings?tab=integrations');
    await page.getByRole('button', { name: `Deliveries to ${url}` }).click();
    const log = page.getByRole('table', { name: 'Deliveries' });
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('answered HTTP 503');
    expect(await log.textContent()).toMatch(/payment\.recorded.*Trying again/);
    await page.screenshot({ path: screenshotPath('office-webhook-deliveries') });
    await page.close();
  });

  it("exports the month for the accountant, opens a job's work-completed report, links a customer's accounting contact", async () => {
    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/invoices');
    await page.getByRole('button', { name: 'Export for accounting' }).click();
    const exporter = page.getByRole('region', { name: 'Export invoices' });
    await exporter.getByLabel('From').fill('2026-01-01');
    await exporter.getByLabel('To').fill(businessDate(new Date(), 'Europe/Dublin'));
    const href =
      (await exporter.getByRole('link', { name: 'Download the spreadsheet' }).getAttribute('href')) ?? '';
    const csv = await owner.file(href);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\n').length).toBeGreaterThan(2);

    const sent = await owner.call<{ items: Invoice[] }>('GET', '/invoices?status=sent&limit=20');
    const withJob = sent.body.items.find((i) => i.jobId) as Invoice;
    await page.evaluate((id) => (window.location.hash = `#/jobs/${id}`), withJob.jobId);
    const report = page.getByRole('link', { name: 'Work-completed report (PDF)' });
    await report.waitFor();
    const href2 = (await report.getAttribute('href')) ?? '';
    // The report renders in the background after the closeout (the demo's right after the first start).
    await expect.poll(async () => (await owner.file(href2)).status, { timeout: 60_000 }).toBe(200);
    const pdf = await owner.file(href2);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toMatch(/work-report-J-\d+\.pdf/);

    const customers = await owner.call<{ items: { id: string; name: string }[] }>(
      'GET',
      '/customers?q=Mary%20Doyle',
    );
    const mary = customers.body.items[0] as { id: string };
    await page.evaluate((id) => (window.location.hash = `#/customers/${id}`), mary.id);
    const links = page.getByRole('region', { name: 'Accounting links' });
    await links.getByLabel('Their contact ID there').fill('7a1c2e44-0b7d-4f5e-9a51-5c9e1f0d3b21');
    await links.getByRole('button', { name: 'Link' }).click();
    await expect.poll(() => links.textContent()).toContain('Xero: contact 7a1c2e44');
    const detail = await owner.call<{ externalIds: Record<string, string> }>('GET', `/customers/${mary.id}`);
    expect(detail.body.externalIds.xero).toBe('7a1c2e44-0b7d-4f5e-9a51-5c9e1f0d3b21');
    await page.screenshot({ path: screenshotPath('office-customer-accounting-link'), fullPage: true });
    await page.close();
  });

  it('gives a technician a calendar link and puts the logo on the documents', async () => {
    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/settings?tab=users');
    await page.getByRole('button', { name: 'Calendar link for Ana Kowalska' }).click();
    const feed = page.locator('[data-feed]');
    await feed.waitFor();
    const ics = await fetch((await feed.textContent()) ?? '');
    expect(ics.status).toBe(200);
    expect(await ics.text()).toContain('BEGIN:VCALENDAR');

    await page.evaluate(() => (window.location.hash = '#/settings?tab=billing'));
    await page.reload();
    const branding = page.getByRole('region', { name: 'Branding' });
    await branding
      .locator('input[type="file"]')
      .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await branding.getByRole('button', { name: 'Upload logo' }).click();
    await branding.getByRole('status').filter({ hasText: 'Logo saved' }).waitFor();
    expect((await owner.call<{ hasLogo: boolean }>('GET', '/organization')).body.hasLogo).toBe(true);
    await page.screenshot({ path: screenshotPath('office-settings-branding'), fullPage: true });
    await page.close();
  });

  it('shows a payment that arrives while the invoice is open, without a reload', async () => {
    const open = await owner.call<{ items: (Invoice & { currency: string })[] }>(
      'GET',
      '/invoices?open=true&limit=20',
    );
    const invoice = open.body.items.find((i) => Number(i.outstanding) > 10) as Invoice;
    const page = await signedIn(browser, base, 'billing@demo.closeout.test', `#/invoices/${invoice.id}`);
    const owed = page.getByText(/^Still owed/);
    await owed.waitFor();
    const before = await owed.textContent();
    // A part payment changes the invoice, not the job: the page hears of it from the invoice itself.
    const paid = await owner.call('POST', '/payments', {
      invoiceId: invoice.id,
      amount: '5.00',
      receivedOn: businessDate(new Date(), 'Europe/Dublin'),
      method: 'card',
    });
    expect(paid.status).toBe(201);
    await expect.poll(() => owed.textContent(), { timeout: 5_000 }).not.toBe(before);
    await page.close();
  });

  it('sets the approvals every job type follows, checked by their contract, and corrects a tax code', async () => {
    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/settings?tab=job-types');
    const rules = page.getByRole('form', { name: 'Rules for every job type' });
    await rules.waitFor();
    const before = (await owner.call<{ defaultApprovalRules: unknown[] }>('GET', '/organization')).body
      .defaultApprovalRules.length;
    await rules.getByRole('button', { name: 'Add rule' }).click();
    const n = before + 1;
    await rules.getByLabel(`Threshold, rule ${n}`).fill('ten');
    await rules.getByRole('button', { name: 'Save the rules' }).click();
    await expect
      .poll(() => rules.getByLabel(`Threshold, rule ${n}`).getAttribute('aria-invalid'))
      .toBe('true');
    await rules.getByLabel(`Threshold, rule ${n}`).fill('12.5');
    await rules.getByRole('button', { name: 'Save the rules' }).click();
    await page
      .getByRole('region', { name: 'Approval rules for every job type' })
      .getByRole('status')
      .filter({ hasText: 'Approval rules saved' })
      .waitFor();
    const after = await owner.call<{ defaultApprovalRules: { code: string; threshold: string }[] }>(
      'GET',
      '/organization',
    );
    expect(after.body.defaultApprovalRules).toHaveLength(n);
    expect(after.body.defaultApprovalRules[n - 1]).toMatchObject({
      code: 'discount_above_percent',
      threshold: '12.5',
    });
    await page.screenshot({ path: screenshotPath('office-settings-approval-rules'), fullPage: true });

    await page.getByRole('tab', { name: 'Price book and tax' }).click();
    await page.getByRole('button', { name: 'Edit S-RED', exact: true }).click();
    const tax = page.getByRole('form', { name: 'Edit S-RED', exact: true });
    await tax.getByLabel('Tax name').fill('Reduced rate (13.5 %)');
    await tax.getByRole('button', { name: 'Save tax code' }).click();
    await expect
      .poll(
        async () =>
          (
            await owner.call<{ items: { code: string; name: string }[] }>('GET', '/tax-codes')
          ).body.items.find((t) => t.code === 'S-RED')?.name,
      )
      .toBe('Reduced rate (13.5 %)');
    await page.close();
  });
});
