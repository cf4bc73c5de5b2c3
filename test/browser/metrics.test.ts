import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { hasChromium, launch, screenshotPath } from '../support/browser';
import { type Spawned, startCloseout } from '../support/processes';

describe.runIf(hasChromium())('the metrics dashboard in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-metrics-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    // A fresh install: the demo seeds six weeks of history for the dashboard.
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const signIn = async (email: string, width = 1366) => {
    const page = await browser.newPage({ viewport: { width, height: 1000 } });
    await page.goto(`${base}/`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    return page;
  };

  it('shows the owner the demo’s cash-flow metrics as numbers and charts, each number opening its jobs', async () => {
    const page = await signIn('owner@demo.closeout.test');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.getByRole('link', { name: 'Metrics' }).click();
    await page.getByRole('heading', { name: 'Cash-flow metrics' }).waitFor();
    await page.getByRole('button', { name: 'Last 90 days' }).click();
    const completed = page.getByRole('button', { name: /^Jobs completed: \d+/ });
    await completed.waitFor();
    expect(Number((await completed.getAttribute('aria-label'))?.match(/: (\d+)/)?.[1])).toBeGreaterThan(20);
    // Four charts drawn as SVG by the chart library.
    await expect.poll(() => page.locator('.recharts-surface').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
    for (const label of [
      'Median, completed → sent',
      'Closeouts right first time',
      'Credit-note rate',
      'Invoiced as quoted',
      'DSO (days)',
      'Paid this week',
      'Paid on time',
      'Collection effectiveness',
      'Reminders per invoice paid',
      'Days sales outstanding, month by month',
    ]) {
      expect(await page.getByText(label, { exact: true }).count(), label).toBe(1);
    }
    await page.screenshot({ path: screenshotPath('metrics-owner'), fullPage: true });

    await completed.click();
    const list = page.getByRole('region', { name: 'Jobs completed' });
    await list.waitFor();
    expect(await list.locator('li').count()).toBeGreaterThan(20);
    expect(await list.textContent()).toMatch(/J-\d{4}/);
    await page.getByRole('button', { name: /^Credit-note rate/ }).click();
    const credits = page.getByRole('region', { name: 'Credit notes' });
    await credits.waitFor();
    expect(await credits.textContent()).toMatch(/CN-\d{4}-\d{5}/);
    await page.screenshot({ path: screenshotPath('metrics-drilldown'), fullPage: true });

    // The cash to come: a week opens the invoices and work behind it.
    const forecast = page.getByRole('region', { name: 'Cash forecast' });
    await forecast.getByRole('heading', { name: 'Cash to come, next 13 weeks' }).waitFor();
    const weeks = forecast.getByRole('button', { name: /^Week of / });
    expect(await weeks.count()).toBe(13);
    const busy = forecast.getByRole('button', { name: /^Week of .*: (?!€0\.00)/ }).first();
    await busy.click();
    const behind = forecast.getByRole('table', { name: 'What the week is made of' });
    await behind.waitFor();
    expect(await behind.textContent()).toMatch(/INV-\d{4}-\d{5}|J-\d{4}/);
    await forecast.screenshot({ path: screenshotPath('metrics-cash-forecast') });

    // A job-type filter narrows every number.
    await page.getByRole('combobox', { name: /^Job type/ }).selectOption({ label: 'Call-out repair' });
    await expect
      .poll(async () =>
        Number(
          (await page.getByRole('button', { name: /^Jobs completed/ }).getAttribute('aria-label'))?.match(
            /: (\d+)/,
          )?.[1],
        ),
      )
      .toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works at tablet width, and is not offered to a technician', async () => {
    const tablet = await signIn('billing@demo.closeout.test', 800);
    await tablet.getByRole('link', { name: 'Metrics' }).click();
    await tablet.getByRole('button', { name: /^Jobs completed/ }).waitFor();
    await tablet.screenshot({ path: screenshotPath('metrics-tablet'), fullPage: true });
    await tablet.close();
    const tech = await signIn('ben@demo.closeout.test');
    expect(await tech.getByRole('link', { name: 'Metrics' }).count()).toBe(0);
    await tech.close();
  });
});
