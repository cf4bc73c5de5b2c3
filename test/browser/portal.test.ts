import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, caller } from '../support/api-caller';
import { hasChromium, launch, screenshotPath, signedIn } from '../support/browser';
import { type FakeStripe, startFakeStripe } from '../support/fake-stripe';
import { type Spawned, startCloseout } from '../support/processes';

type Invoice = {
  id: string;
  number: string;
  kind: string;
  status: string;
  outstanding: string;
  customerId: string;
};

/**
 * The owner connects Stripe by clicking; a customer opens their page on a phone, is declined once, pays,
 * and is back on their page with the invoice paid, recorded from Stripe's signed event.
 */
describe.runIf(hasChromium())('the customer portal and online payment in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-portal-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let billing: Api;
  let stripe: FakeStripe;

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
    billing = await caller(base, 'billing@demo.closeout.test');
    stripe = await startFakeStripe();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stripe?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets a customer pay an invoice from their page on a phone, once, confirmed by Stripe’s event', async () => {
    const owner = await signedIn(
      browser,
      base,
      'owner@demo.closeout.test',
      '#/settings?tab=integrations',
      1440,
    );
    const form = owner.getByRole('form', { name: 'Connect Stripe' });
    await form.getByLabel('Secret key').fill(stripe.secretKey);
    await form.getByLabel('Webhook signing secret').fill(stripe.webhookSecret);
    await form.getByLabel('API address (only for a gateway in front of Stripe)').fill(stripe.url);
    await form.getByRole('button', { name: 'Connect Stripe' }).click();
    await owner.getByText('Stripe connected: customers can pay their invoices online').waitFor();
    await owner.getByText('Taking payments').waitFor();
    const eventsUrl =
      (await owner.locator('code').filter({ hasText: '/payment-events/' }).textContent()) ?? '';
    expect(eventsUrl).toMatch(/\/api\/v1\/public\/payment-events\/[\w-]+\/[\w-]+$/);
    stripe.endpoint = eventsUrl;
    await owner.screenshot({ path: screenshotPath('office-online-payments'), fullPage: true });
    await owner.close();

    // An open invoice of the demo, and its customer's page.
    const open = await billing.call<{ items: Invoice[] }>('GET', '/invoices?open=true&limit=100');
    const inv =
      open.body.items.find((i) => i.kind === 'invoice' && i.status === 'sent') ?? open.body.items[0];
    if (!inv) throw new Error('the demo has no open invoice');
    const link = await billing.call<{ url: string }>('POST', `/customers/${inv.customerId}/portal-link`, {});
    expect(link.status).toBe(200);

    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    await phone.goto(link.body.url);
    const card = phone.getByRole('article', { name: `Invoice ${inv.number}` });
    await card.waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: screenshotPath('portal-account-phone'), fullPage: true });
    await card.getByRole('button', { name: /^Pay .* now$/ }).click();
    // Stripe's page takes the card: a decline stays there and records nothing.
    await phone.getByLabel('Card number').fill('4000 0000 0000 0002');
    await phone.getByRole('button', { name: 'Pay' }).click();
    await phone.getByRole('alert').filter({ hasText: 'Your card was declined' }).waitFor();
    expect(stripe.deliveries).toHaveLength(0);
    await phone.getByLabel('Card number').fill('4242 4242 4242 4242');
    await phone.getByRole('button', { name: 'Pay' }).click();
    // Back on the customer's page: paid, once Stripe's event is in.
    await phone.getByText(`Thank you: invoice ${inv.number} is paid.`).waitFor({ timeout: 20_000 });
    await phone.screenshot({ path: screenshotPath('portal-paid-phone'), fullPage: true });
    await phone.close();
    expect(stripe.deliveries.map((d) => d.status)).toEqual([200]);
    const after = await billing.call<Invoice & { outstanding: string }>('GET', `/invoices/${inv.id}`);
    expect(after.body).toMatchObject({ status: 'paid' });
    const payments = await billing.call<{ items: { method: string; reference: string }[] }>(
      'GET',
      `/invoices/${inv.id}/payments`,
    );
    expect(payments.body.items.filter((p) => p.method === 'card')).toHaveLength(1);
  });
});
