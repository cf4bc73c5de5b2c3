import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
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
