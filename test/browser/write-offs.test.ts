import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, caller } from '../support/api-caller';
import { hasChromium, launch, screenshotPath, signedIn } from '../support/browser';
import { type Spawned, startCloseout } from '../support/processes';

type Invoice = {
  id: string;
  number: string;
  kind: string;
  status: string;
  outstanding: string;
  amountWrittenOff: string;
};
type WriteOff = { id: string; status: string; invoiceId: string; invoiceNumber: string; reason: string };

/**
 * Write-offs in the office (#24): billing writes off an invoice's balance from its page and, above the limit,
 * it waits; the owner approves the demo's uncollectible one from the approvals page and sees it settled.
 */
describe.runIf(hasChromium())('write-offs in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-write-offs-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let billing: Api;

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
    billing = await caller(base, 'billing@demo.closeout.test');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('billing asks from the invoice page, the owner approves from approvals, and the invoice is written off', async () => {
    const pending = await billing.call<{ items: WriteOff[] }>('GET', '/write-offs?status=pending');
    const demo = pending.body.items.find((w) => w.reason === 'uncollectible');
    if (!demo) throw new Error('the demo has no write-off waiting');
    const open = await billing.call<{ items: Invoice[] }>('GET', '/invoices?open=true&limit=200');
    const target = open.body.items.find(
      (i) => i.kind === 'invoice' && i.id !== demo.invoiceId && Number(i.outstanding) > 25,
    );
    if (!target) throw new Error('the demo has no other open invoice above the limit');

    // Billing: the balance is shown, not typed; above the limit it waits for the owner.
    const page = await signedIn(browser, base, 'billing@demo.closeout.test', `#/invoices/${target.id}`, 1440);
    await page.getByRole('button', { name: 'Write off…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/Above €25\.00, the owner approves it before it applies\./).waitFor();
    await dialog.getByRole('button', { name: /^Write off €/ }).click();
    // The note is required, next to its field; nothing is sent without it.
    await dialog.getByText(/at least 3/i).waitFor();
    await dialog.getByLabel('Why').click();
    await page.getByRole('option', { name: 'Goodwill' }).click();
    await dialog
      .getByLabel(/^Note for the owner/)
      .fill('Long-standing customer; the boiler part failed twice');
    await page.screenshot({ path: screenshotPath('office-write-off-ask'), fullPage: true });
    await dialog.getByRole('button', { name: /^Write off €/ }).click();
    await page.getByText(/waits for the owner's approval/).waitFor();
    const section = page.getByRole('region', { name: 'Write-offs' });
    await section.getByText('Waiting for the owner').waitFor();
    await section.getByText('“Long-standing customer; the boiler part failed twice”').waitFor();
    expect((await billing.call<Invoice>('GET', `/invoices/${target.id}`)).body.outstanding).toBe(
      target.outstanding,
    );
    await page.close();

    // The owner: both requests wait on the approvals page; the demo's uncollectible one is approved.
    const owner = await signedIn(browser, base, 'owner@demo.closeout.test', '#/approvals', 1440);
    const card = owner
      .locator('article', { hasText: demo.invoiceNumber })
      .filter({ hasText: 'Uncollectible' });
    await card.waitFor();
    await owner.locator('article', { hasText: target.number }).filter({ hasText: 'Goodwill' }).waitFor();
    await owner.screenshot({ path: screenshotPath('office-write-offs-approvals'), fullPage: true });
    await card.getByRole('button', { name: 'Approve the write-off' }).click();
    await owner.getByText(/approved: the invoice is settled\./).waitFor();
    await card.waitFor({ state: 'detached' });

    // The goodwill one is refused with a reason: the invoice stays owed.
    const goodwill = owner.locator('article', { hasText: target.number }).filter({ hasText: 'Goodwill' });
    await goodwill.getByRole('button', { name: 'Refuse…' }).click();
    const refuse = owner.getByRole('dialog');
    await refuse.getByLabel('Reason').fill('Send the final reminder first');
    await refuse.getByRole('button', { name: 'Refuse' }).click();
    await goodwill.waitFor({ state: 'detached' });
    expect((await billing.call<Invoice>('GET', `/invoices/${target.id}`)).body.status).not.toBe(
      'written_off',
    );

    await owner.goto(`${base}/#/invoices/${demo.invoiceId}`);
    await owner.getByText('Written off', { exact: true }).first().waitFor();
    const amounts = owner.getByRole('region', { name: 'Amounts' });
    await amounts.getByText(/^Written off €/).waitFor();
    await owner
      .getByRole('region', { name: 'Write-offs' })
      .getByText(/applied by Orla Byrne/)
      .waitFor();
    await owner.screenshot({ path: screenshotPath('office-write-off-applied'), fullPage: true });
    const settled = await billing.call<Invoice>('GET', `/invoices/${demo.invoiceId}`);
    expect([settled.body.status, settled.body.outstanding]).toEqual(['written_off', '0.00']);

    await owner.setViewportSize({ width: 390, height: 844 });
    await owner.reload();
    await owner.getByRole('region', { name: 'Write-offs' }).waitFor();
    expect(await owner.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await owner.screenshot({ path: screenshotPath('office-write-off-phone'), fullPage: true });
    await owner.close();
  });
});
