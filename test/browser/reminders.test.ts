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
  customerId: string;
  buyer: string;
};

/**
 * Payment reminders in the office (#24): the owner sets the schedule and its wording with a live preview;
 * billing reads an invoice's reminders, sends one by hand (not twice in a day), and pauses a customer who
 * promised to pay. On the demo, whose reminders were sent by the real runs over its past six weeks.
 */
describe.runIf(hasChromium())('payment reminders in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-reminders-web-'));
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

  it('lets the owner change the schedule and its wording, previewed, and refuses two steps on one day', async () => {
    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/settings?tab=reminders', 1440);
    const schedule = page.getByRole('region', { name: 'Schedule Standard' });
    await schedule.waitFor();
    expect(await page.getByLabel('Follow up unpaid invoices by e-mail').isChecked()).toBe(true);
    const firm = schedule.getByLabel('Step 2');
    await firm.getByLabel('When').first().fill('10');
    await firm.getByRole('button', { name: 'Wording…' }).click();
    await firm.getByLabel('Subject').fill('{{organization}}: {{number}} is {{when}}');
    const preview = page.getByRole('region', { name: 'Preview of the reminder' });
    await preview.getByText(/: INV-\d{4}-00042 is 10 days overdue$/).waitFor();
    await page.screenshot({ path: screenshotPath('office-reminder-settings'), fullPage: true });
    await schedule.getByRole('button', { name: 'Save “Standard”' }).click();
    await page.getByText('“Standard” is saved: the next reminders follow it.').waitFor();
    const saved = await billing.call<{ items: { steps: { days: number; subject: string | null }[] }[] }>(
      'GET',
      '/reminder-schedules',
    );
    expect(saved.body.items[0]?.steps.map((s) => s.days)).toEqual([-3, 10, 21, 45]);
    expect(saved.body.items[0]?.steps[1]?.subject).toBe('{{organization}}: {{number}} is {{when}}');

    // Two steps on one day: the server names the step, and nothing changes.
    const again = page.getByRole('region', { name: 'Schedule Standard' });
    await again.getByLabel('Step 3').getByLabel('When').first().fill('10');
    await again.getByRole('button', { name: 'Save “Standard”' }).click();
    await again.getByText('two steps on the same day (10 days after the due date)').waitFor();
    const unchanged = await billing.call<{ items: { steps: { days: number }[] }[] }>(
      'GET',
      '/reminder-schedules',
    );
    expect(unchanged.body.items[0]?.steps.map((s) => s.days)).toEqual([-3, 10, 21, 45]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('region', { name: 'Schedule Standard' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('office-reminder-settings-phone'), fullPage: true });
    await page.close();
  });

  it('charges a late fee at a step, previewed, only with a cap on what the fees add up to', async () => {
    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/settings?tab=reminders', 1440);
    const schedule = page.getByRole('region', { name: 'Schedule Standard' });
    const firm = schedule.getByLabel('Step 2');
    await firm.getByLabel('Late fee').click();
    await page.getByRole('option', { name: 'Late fee: a fixed amount' }).click();
    await firm.getByLabel(/^Amount/).fill('7.50');
    await firm.getByRole('button', { name: 'Wording…' }).click();
    const preview = page.getByRole('region', { name: 'Preview of the reminder' });
    await preview.getByText(/a late payment fee of €7\.50 is added/).waitFor();
    // No cap: refused next to the field, nothing saved.
    await schedule.getByRole('button', { name: 'Save “Standard”' }).click();
    await schedule.getByText('set the most late fees may add up to on one invoice').waitFor();
    await schedule.getByLabel(/^Late fees on one invoice, at most/).fill('20');
    await page.screenshot({ path: screenshotPath('office-reminder-late-fee'), fullPage: true });
    await schedule.getByRole('button', { name: 'Save “Standard”' }).click();
    await page.getByText('“Standard” is saved: the next reminders follow it.').waitFor();
    const saved = await billing.call<{
      items: { lateFeeCap: string | null; steps: { lateFee?: { kind: string; amount?: string } | null }[] }[];
    }>('GET', '/reminder-schedules');
    expect(saved.body.items[0]?.lateFeeCap).toBe('20.00');
    expect(saved.body.items[0]?.steps[1]?.lateFee).toEqual({ kind: 'fixed', amount: '7.50' });
    // A step before the due date offers no fee at all.
    expect(await schedule.getByLabel('Step 1').getByLabel('Late fee').count()).toBe(0);
    await page.close();
  });

  it('shows an invoice’s reminders, sends one by hand once a day, and pauses a customer who promised to pay', async () => {
    const open = await billing.call<{ items: Invoice[] }>('GET', '/invoices?open=true&limit=100');
    let reminded: Invoice | undefined;
    for (const i of open.body.items.filter((x) => x.kind === 'invoice')) {
      const r = await billing.call<{ items: { status: string }[]; heldBecause: string | null }>(
        'GET',
        `/invoices/${i.id}/reminders`,
      );
      if (r.body.items.some((x) => x.status === 'sent') && r.body.heldBecause === null) {
        reminded = i;
        break;
      }
    }
    if (!reminded) throw new Error('the demo has no reminded invoice');
    const page = await signedIn(
      browser,
      base,
      'billing@demo.closeout.test',
      `#/invoices/${reminded.id}`,
      1440,
    );
    const section = page.getByRole('region', { name: 'Reminders' });
    await section
      .getByText(/reminder: e-mailed to .+@/)
      .first()
      .waitFor();
    await section.getByRole('button', { name: 'Send a reminder now' }).click();
    await page.getByText(`A reminder of ${reminded.number} is going to the customer now.`).waitFor();
    await section.getByText(/sent by hand: (going out now|e-mailed to)/).waitFor();
    await section.getByRole('button', { name: 'Send a reminder now' }).click();
    await section.getByText(/give them a day/).waitFor();
    await page.screenshot({ path: screenshotPath('office-invoice-reminders'), fullPage: true });

    // The customer promises to pay: paused until then, with why; the invoice says so.
    await page.goto(`${base}/#/customers/${reminded.customerId}`);
    const card = page.getByRole('region', { name: 'Payment reminders' });
    await card.getByRole('button', { name: /^Change or (pause|resume)$/ }).click();
    await card.getByLabel('Pause until (a promise to pay)').fill('2099-01-15');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('say why reminders are paused').waitFor();
    await card.getByLabel('Why').fill('Promised to pay when the grant comes through');
    await card.getByRole('button', { name: 'Save' }).click();
    await card
      .getByText('Paused until 15 Jan 2099: Promised to pay when the grant comes through.', { exact: false })
      .waitFor();
    await page.screenshot({ path: screenshotPath('office-customer-reminders'), fullPage: true });
    const view = await billing.call<{ heldBecause: string | null }>(
      'GET',
      `/invoices/${reminded.id}/reminders`,
    );
    expect(view.body.heldBecause).toBe(
      'Paused until 15 January 2099: Promised to pay when the grant comes through',
    );

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/#/invoices/${reminded.id}`);
    await page.getByText(/No reminders now: paused until 15 January 2099/).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('office-invoice-reminders-phone'), fullPage: true });
    await page.close();
  });

  it('shows a customer’s statement of account with its aging, e-mails it, and sets the monthly one', async () => {
    const open = await billing.call<{ items: Invoice[] }>('GET', '/invoices?open=true&limit=100');
    const inv = open.body.items.find((i) => i.kind === 'invoice');
    if (!inv) throw new Error('the demo has no open invoice');
    const page = await signedIn(
      browser,
      base,
      'billing@demo.closeout.test',
      `#/customers/${inv.customerId}`,
      1440,
    );
    const card = page.getByRole('region', { name: 'Statement of account' });
    await card.getByText(/^Balance on /).waitFor();
    await card.getByRole('table', { name: 'Activity' }).getByText(`Invoice ${inv.number}`).first().waitFor();
    await card.getByRole('figure', { name: /Owed in EUR by age/ }).waitFor();
    await card.getByRole('button', { name: 'E-mail it to them' }).click();
    await card.getByText(/^The statement is being e-mailed to .+@/).waitFor();
    await card.getByLabel('E-mail last month’s statement on the first of each month').click({ force: true });
    await card.getByText('They will get a statement by e-mail on the first of each month.').waitFor();
    const s = await billing.call<{ monthly: boolean; closing: string; open: { amount: string }[] }>(
      'GET',
      `/customers/${inv.customerId}/statement`,
    );
    expect(s.body.monthly).toBe(true);
    await page.screenshot({ path: screenshotPath('office-customer-statement'), fullPage: true });
    const pdf = await billing.file(`/api/v1/customers/${inv.customerId}/statement/pdf`);
    expect(pdf.status).toBe(200);
    fs.writeFileSync(
      screenshotPath('customer-statement').replace(/\.png$/, '.pdf'),
      Buffer.from(await pdf.arrayBuffer()),
    );
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page
      .getByRole('region', { name: 'Statement of account' })
      .getByText(/^Balance on /)
      .waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('office-customer-statement-phone'), fullPage: true });
    await page.close();
  });
});
