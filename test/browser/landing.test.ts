import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { hasChromium, launch, screenshotPath } from '../support/browser';
import { type Spawned, startCloseout } from '../support/processes';

describe.runIf(hasChromium())('the landing page in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a wrong password with the server’s reason', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('E-mail').fill('owner@demo.closeout.test');
    await page.getByLabel('Password').fill('wrong-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('E-mail or password is wrong');
    await page.screenshot({ path: screenshotPath('login-refused') });
    await page.close();
  });

  it('signs the demo owner in to the dispatch board, and signs out', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${base}/`);
    await page.getByLabel('E-mail').fill('owner@demo.closeout.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The owner lands on the dispatch board: today's jobs, one row per technician.
    await page.getByRole('heading', { name: 'Dispatch board' }).waitFor();
    await page.locator('[data-tech="Ana Kowalska"] [data-job]').first().waitFor();
    expect(await page.textContent('header')).toContain('Brightwater Heating & Plumbing');
    expect(await page.locator('[data-job]').count()).toBeGreaterThan(2);
    await page.screenshot({ path: screenshotPath('landing-owner'), fullPage: true });

    // Reloading keeps the session (HttpOnly cookie); signing out returns to the form.
    await page.reload();
    await page.getByRole('heading', { name: 'Dispatch board' }).waitFor();
    await page.getByRole('button', { name: /^Account/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
    await page.close();
  });

  it('shows a technician only their own jobs', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/`);
    await page.getByLabel('E-mail').fill('ben@demo.closeout.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('tbody tr').first().waitFor();
    const crews = await page.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(crews.length).toBeGreaterThan(0);
    for (const crew of crews) expect(crew).toBe('Ben Okafor');
    await page.screenshot({ path: screenshotPath('landing-technician') });
    await page.close();
  });
});
