import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { ROOT } from './processes';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

/** Browser tests need Debian's Chromium. On a user's machine without it they skip, saying so; on CI they must run. */
export const hasChromium = (): boolean => {
  const present = fs.existsSync(CHROMIUM);
  if (!present && process.env.CI)
    throw new Error(`CI must install Chromium (${CHROMIUM}): browser tests may not be skipped`);
  if (!present)
    console.info(`No Chromium at ${CHROMIUM}: browser tests are skipped (apt-get install chromium)`);
  return present;
};

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });

export const screenshotPath = (name: string): string => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
};

/** The office app's first page at a width (a phone below 600 px), signed out; a page error fails the test. */
export const officePage = async (browser: Browser, base: string, width = 1366): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 1000 } });
  page.on('pageerror', (e) => {
    throw e;
  });
  await page.goto(`${base}/`);
  return page;
};

/** A page signed in to the office app as a demo user, on the screen `hash` names; a page error fails the test. */
export const signedIn = async (
  browser: Browser,
  base: string,
  email: string,
  hash = '',
  width = 1366,
): Promise<Page> => {
  const page = await officePage(browser, base, width);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
  if (hash) await page.evaluate((h) => (window.location.hash = h), hash);
  return page;
};

/** The text of the newest kept e-mail whose subject matches, its quoted-printable soft breaks undone. */
export const newestMail = async (dir: string, subject: RegExp): Promise<string> => {
  for (let i = 0; i < 100; i++) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort().reverse() : [];
    for (const f of files) {
      const raw = fs.readFileSync(path.join(dir, f), 'utf8');
      const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      if (subject.test(text)) return text;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no e-mail matching ${subject}`);
};

/**
 * Waits until a popover or a dialog has finished appearing (every ancestor opaque), so a screenshot shows it
 * as a person sees it, not half faded in.
 */
export const shownFully = async (l: Locator): Promise<void> => {
  await expect
    .poll(() =>
      l.evaluate((el) => {
        let o = 1;
        for (let e: Element | null = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
        return o;
      }),
    )
    .toBe(1);
};
