import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, caller, demoSite } from '../support/api-caller';
import { hasChromium, launch, screenshotPath, signedIn } from '../support/browser';
import { type Spawned, startCloseout } from '../support/processes';

/**
 * Every screen of the office app on the demo's data, as the owner sees it on a desktop (1440 × 900) and on
 * a phone (390 × 844): each is kept as a screenshot to look at, and each is checked for what a person must
 * never meet: the API's codes instead of words, raw IDs or ISO timestamps, and a page wider than the phone.
 */
/** An API code in snake_case (invoice_ready, fixed_price, bank_transfer) where words belong; event names
 * such as `job.invoice_ready`, shown to developers in the webhook settings, are dotted and not matched. */
const RAW_CODES = /(?<![.\w@])[a-z]+(?:_[a-z]+)+\b/;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

describe.runIf(hasChromium())('every office screen, on a desktop and a phone', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-sweep-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let owner: Api;
  const screens: { name: string; hash: string; ready: string }[] = [];

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
    owner = await caller(base, 'owner@demo.closeout.test');
    const first = async <T>(url: string) => (await owner.call<{ items: T[] }>('GET', url)).body.items[0] as T;
    const job = await first<{ id: string }>('/jobs?exceptions=true&limit=1');
    const customer = await first<{ id: string }>('/customers?q=Mary%20Doyle');
    const series = await first<{ id: string }>('/series?limit=1');
    const invoice = await first<{ id: string }>('/invoices?status=partially_paid&limit=1').then(
      async (i) => i ?? (await first<{ id: string }>('/invoices?open=true&limit=1')),
    );
    // The demo's accepted quote became a job with change orders (one signed on site, one waiting online).
    const accepted = await first<{ jobId: string | null }>('/quotes?status=accepted&limit=1');
    // A sent quote with options and an extra, sent with a deposit and internal notes.
    const jobType = await first<{ id: string }>('/job-types');
    const quote = await owner.call<{ id: string }>('POST', '/quotes', {
      ...(await demoSite(owner, 'Mary Doyle')),
      jobTypeId: jobType.id,
      title: 'Replace the boiler',
      lines: [
        { description: 'Labour, two fitters for a day', quantity: '16', unitPrice: '60' },
        {
          description: 'Combi boiler 24 kW',
          quantity: '1',
          unitPrice: '1200',
          option: { group: 'Boiler', key: 'Standard' },
        },
        {
          description: 'Condensing boiler 30 kW',
          quantity: '1',
          unitPrice: '1900',
          option: { group: 'Boiler', key: 'Premium' },
        },
        { description: 'Smart thermostat', quantity: '1', unitPrice: '150', optional: true },
      ],
      deposit: { percent: '20' },
      validUntil: '2099-12-31',
      visitStart: '2099-01-12T09:00:00.000Z',
      visitEnd: '2099-01-12T11:00:00.000Z',
      internalNotes: 'Asked twice about the warranty.',
    });
    if (quote.status !== 201) throw new Error(`quote: ${quote.status} ${JSON.stringify(quote.body)}`);
    await owner.call('POST', `/quotes/${quote.body.id}/send`, {});
    screens.push(
      { name: 'board', hash: '#/board', ready: 'Dispatch board' },
      { name: 'end-of-day', hash: '#/today', ready: 'End of day' },
      { name: 'exceptions', hash: '#/exceptions', ready: 'Exception queue' },
      { name: 'approvals', hash: '#/approvals', ready: 'Approvals' },
      { name: 'billing', hash: '#/billing', ready: 'Billing' },
      { name: 'invoices', hash: '#/invoices', ready: 'Invoices' },
      { name: 'bank', hash: '#/bank', ready: 'Bank' },
      { name: 'invoice', hash: `#/invoices/${invoice.id}`, ready: 'INV-' },
      { name: 'customers', hash: '#/customers', ready: 'Customers' },
      { name: 'customer', hash: `#/customers/${customer.id}`, ready: 'Mary Doyle' },
      { name: 'series-list', hash: '#/series', ready: 'Recurring services' },
      { name: 'series', hash: `#/series/${series.id}`, ready: ':' },
      { name: 'job', hash: `#/jobs/${job.id}`, ready: 'J-' },
      { name: 'job-changes', hash: `#/jobs/${accepted.jobId}`, ready: 'J-' },
      { name: 'metrics', hash: '#/metrics', ready: 'Metrics' },
      { name: 'quotes', hash: '#/quotes', ready: 'Quotes' },
      { name: 'quote', hash: `#/quotes/${quote.body.id}`, ready: 'Q-' },
      { name: 'quote-new', hash: '#/quotes/new', ready: 'New quote' },
      ...['billing', 'messages', 'job-types', 'price-book', 'users', 'integrations', 'security'].map(
        (tab) => ({
          name: `settings-${tab}`,
          hash: `#/settings?tab=${tab}`,
          ready: 'Settings',
        }),
      ),
    );
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** The screen's title is there and nothing is still loading. */
  const settled = async (page: Page, ready: string) => {
    await page
      .getByRole('heading', { level: 1 })
      .filter({ hasText: ready })
      .first()
      .waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.locator('[aria-label^="Loading"], .mantine-Loader-root').count(), { timeout: 15_000 })
      .toBe(0);
  };

  it('fits the owner’s whole navigation on a laptop, and lets a phone scroll it from the first link', async () => {
    for (const width of [1280, 1366, 1440, 1920]) {
      const page = await signedIn(browser, base, 'owner@demo.closeout.test', '', width);
      await page.setViewportSize({ width, height: 800 });
      await page.evaluate(() => (window.location.hash = '#/billing'));
      await settled(page, 'Billing');
      const nav = page.getByRole('navigation', { name: 'Main' });
      const { scroll, client } = await nav.evaluate((n) => ({
        scroll: n.scrollWidth,
        client: n.clientWidth,
      }));
      expect(scroll, `navigation at ${width} px`).toBeLessThanOrEqual(client);
      await page.close();
    }
    const phone = await signedIn(browser, base, 'owner@demo.closeout.test', '', 390);
    await phone.setViewportSize({ width: 390, height: 844 });
    const nav = phone.getByRole('navigation', { name: 'Main' });
    await nav.evaluate((n) => {
      n.scrollLeft = 0;
    });
    const first = await nav.getByRole('link').first().boundingBox();
    const box = await nav.boundingBox();
    expect(first && box && first.x >= box.x - 1).toBe(true);
  });

  for (const [size, width] of [
    ['desktop', 1440],
    ['phone', 390],
  ] as const) {
    it(`shows every screen in words at ${width} px`, async () => {
      const page = await signedIn(browser, base, 'owner@demo.closeout.test', '', width);
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      const problems: string[] = [];
      for (const s of screens) {
        await page.evaluate((h) => (window.location.hash = h), s.hash);
        await settled(page, s.ready);
        await page.screenshot({ path: screenshotPath(`sweep-${s.name}-${size}`), fullPage: true });
        const text = await page.locator('main, [role="main"], body').first().innerText();
        const code = RAW_CODES.exec(text)?.[0];
        if (code) problems.push(`${s.name}: shows the code "${code}"`);
        if (UUID.test(text)) problems.push(`${s.name}: shows an ID (${UUID.exec(text)?.[0]})`);
        if (ISO_TIME.test(text)) problems.push(`${s.name}: shows an ISO time (${ISO_TIME.exec(text)?.[0]})`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 1) problems.push(`${s.name}: ${overflow} px wider than the screen`);
      }
      expect(problems).toEqual([]);
      await page.close();
    }, 240_000);
  }
});
