import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { addDays, businessDate } from '../../src/core/time';
import { type Api, acceptByLink, caller, demoSite, jobTypeVia } from '../support/api-caller';
import { hasChromium, launch, screenshotPath, signedIn } from '../support/browser';
import { jpegWithExif } from '../support/files';
import { type Spawned, startCloseout } from '../support/processes';

type Co = { id: string; seq: number; status: string; afterTotal: string; name: string };
type Invoice = {
  id: string;
  kind: string;
  status: string;
  totals: Record<string, string>;
  lines: { description: string; quantity: string }[];
};

/** Draws a stroke on a signature canvas, as a finger would. */
const sign = async (page: Page, selector: string) => {
  const pad = page.locator(selector);
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  if (!box) throw new Error('no signature pad');
  await page.mouse.move(box.x + 30, box.y + 80);
  await page.mouse.down();
  await page.mouse.move(box.x + 120, box.y + 30, { steps: 8 });
  await page.mouse.move(box.x + 220, box.y + 100, { steps: 8 });
  await page.mouse.up();
};

/**
 * A fixed-price job from an accepted quote, changed twice before the invoice: the technician proposes a
 * change on site that the customer signs on the technician's phone; the office sends another that the
 * customer approves from the e-mail's link on their own phone. The invoice bills the quote and both
 * changes, each named, and comes to exactly what the customer last signed for.
 */
describe.runIf(hasChromium())('change orders signed on site and online', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-changes-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let owner: Api;
  let ana: Api;

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
    owner = await caller(base, 'owner@demo.closeout.test');
    ana = await caller(base, 'ana@demo.closeout.test');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('bills the quote and each signed change, to the cent', async () => {
    const site = await demoSite(owner, 'Mary Doyle');
    const fixed = await jobTypeVia(owner, 'FIXED-BOILER', {
      name: 'Boiler replacement, fixed price',
      trade: 'plumbing',
      billingMode: 'fixed',
    });
    const today = businessDate(new Date(), 'Europe/Dublin');
    const start = new Date(Date.now() + 3_600_000);
    const quote = await owner.call<{ id: string; number: string }>('POST', '/quotes', {
      ...site,
      jobTypeId: fixed,
      title: 'Replace the boiler',
      lines: [
        { description: 'Condensing boiler 30 kW, fitted', quantity: '1', unitPrice: '2400.00' },
        { description: 'Smart thermostat', quantity: '1', unitPrice: '150.00' },
      ],
      validUntil: addDays(today, 14),
      visitStart: start.toISOString(),
      visitEnd: new Date(start.getTime() + 4 * 3_600_000).toISOString(),
    });
    expect(quote.status).toBe(201);
    const sent = await owner.call<{ link: string }>('POST', `/quotes/${quote.body.id}/send`, {});
    const token = sent.body.link.slice(sent.body.link.lastIndexOf('/') + 1);
    const accepted = await acceptByLink(base, token, 'Mary Doyle');
    expect(accepted.status).toBe(200);
    const jobId = (await owner.call<{ jobId: string }>('GET', `/quotes/${quote.body.id}`)).body.jobId;
    expect((await owner.call('POST', `/jobs/${jobId}/assign`, { add: [ana.userId] })).status).toBe(200);
    const job = (await owner.call<{ number: string }>('GET', `/jobs/${jobId}`)).body;

    // On site: Ana proposes a second radiator; Mary signs on Ana's phone.
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    phone.on('pageerror', (e) => {
      throw e;
    });
    await phone.goto(`${base}/tech/`);
    await phone.getByLabel('E-mail').fill('ana@demo.closeout.test');
    await phone.getByLabel('Password').fill(DEMO_PASSWORD);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.locator(`[data-job="${job.number}"]`).click();
    // The phone shows what was sold, so the technician knows the agreed work before proposing a change.
    const agreed = phone.getByRole('list', { name: 'Agreed work' });
    expect(await agreed.getByRole('listitem').allTextContents()).toEqual([
      'Condensing boiler 30 kW, fitted',
      'Smart thermostat',
    ]);
    // A photo of the cold room, taken with the closeout's photos, goes with the change.
    await phone.getByRole('button', { name: 'Close out' }).click();
    await phone.getByRole('button', { name: 'Photos' }).click();
    await phone
      .getByLabel(/^before photos/)
      .setInputFiles({ name: 'before.jpg', mimeType: 'image/jpeg', buffer: await jpegWithExif(3) });
    await phone.getByRole('img', { name: /^before/ }).waitFor();
    await phone.getByRole('button', { name: `← ${job.number}` }).click();
    await phone.getByRole('button', { name: 'Propose a change' }).click();
    await phone.getByLabel(/Why the work changes/).fill('The back bedroom has no radiator: add one');
    await phone.getByRole('group', { name: 'Photos that show why' }).getByRole('checkbox').first().check();
    await phone.getByRole('button', { name: 'Add other work' }).click();
    const line = phone.getByRole('group', { name: 'Change line 1' });
    await line.getByLabel('Description').fill('Second radiator, fitted');
    await line.getByLabel('Unit price').fill('350');
    await phone.screenshot({ path: screenshotPath('tech-change-order-draft'), fullPage: true });
    await phone.getByRole('button', { name: 'Price the change' }).click();
    // 2,550 at 23 % is 3,136.50; with the radiator, 2,900 is 3,567.00.
    const totals = phone.getByRole('definition').filter({ hasText: 'EUR' });
    await phone.getByText('EUR 3,567.00').first().waitFor();
    expect(await totals.allTextContents()).toEqual(['EUR 3,136.50', '+EUR 430.50', 'EUR 3,567.00']);
    await phone.getByLabel("Customer's name").fill('Mary Doyle');
    await sign(phone, 'canvas.pad');
    await phone.getByRole('button', { name: 'Approve for EUR 3,567.00' }).click();
    await phone.getByText('Approved: the change is part of the agreed price.').waitFor();
    await phone.getByText('Signed by Mary Doyle on this phone.').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: screenshotPath('tech-change-order-signed'), fullPage: true });
    // Back on the job, the signed change is part of the agreed work.
    await phone.getByRole('button', { name: `← ${job.number}` }).click();
    await expect
      .poll(() => phone.getByRole('list', { name: 'Agreed work' }).getByRole('listitem').allTextContents())
      .toEqual(['Condensing boiler 30 kW, fitted', 'Smart thermostat', 'Second radiator, fitted']);
    await phone.screenshot({ path: screenshotPath('tech-job-agreed-work'), fullPage: true });

    // In the office: billing sees it, and drafts a second change to send by e-mail.
    const office = await signedIn(browser, base, 'billing@demo.closeout.test', `#/jobs/${jobId}`);
    const scope = office.getByRole('region', { name: 'Agreed price and changes' });
    const first = scope.getByRole('article', { name: `${job.number} change order 1` });
    await first.getByText('Approved').waitFor();
    // The photo Ana took is on the change, uploaded once.
    const shot = first.getByRole('img', { name: 'Why change order 1, 1 of 1' });
    await expect.poll(() => shot.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await scope.getByRole('button', { name: 'New change order' }).click();
    const form = scope.getByRole('form', { name: 'New change order' });
    await form.getByLabel(/Why the work changes/).fill('A designer radiator instead, as you asked');
    await form.getByLabel('Take off agreed work').click();
    await office.getByRole('option', { name: 'Second radiator, fitted' }).click();
    await form.getByRole('button', { name: 'Add work' }).click();
    await form.getByLabel('Line 2', { exact: true }).fill('Designer radiator, fitted');
    await form.getByLabel('Unit price').nth(1).fill('520');
    await form.getByRole('button', { name: 'Draft the change order' }).click();
    const second = scope.getByRole('article', { name: `${job.number} change order 2` });
    await second.waitFor();
    await second.getByText(/→ €3,776\.10/).waitFor();
    await second.getByRole('button', { name: 'Send to the customer' }).click();
    const link =
      (await second.getByRole('link', { name: 'open the approval page' }).getAttribute('href')) ?? '';
    expect(link).toMatch(/\/portal\/#\/change\/[A-Za-z0-9_-]{43}$/);
    await office.screenshot({ path: screenshotPath('office-change-orders'), fullPage: true });

    // Mary, on her own phone, with no account.
    const mary = await browser.newPage({ viewport: { width: 390, height: 844 }, hasTouch: true });
    mary.on('pageerror', (e) => {
      throw e;
    });
    await mary.goto(`${base}${new URL(link).pathname}${new URL(link).hash}`);
    await mary.getByRole('heading', { name: 'A change to your job' }).waitFor();
    const price = mary.getByRole('region', { name: 'Price' });
    expect(await price.textContent()).toContain('EUR 3,776.10');
    await mary.getByLabel('Your full name').fill('Mary Doyle');
    await sign(mary, 'canvas.signature');
    await mary.screenshot({ path: screenshotPath('portal-change-order-phone'), fullPage: true });
    await mary.getByRole('button', { name: 'Approve for EUR 3,776.10' }).click();
    await mary.getByText(/You approved this change/).waitFor();
    expect(await mary.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // A third change, with Ana's photo, by link: Mary sees the photo, and says no for now.
    const [co1] = (
      await owner.call<{ items: (Co & { photoIds: string[] })[] }>('GET', `/jobs/${jobId}/change-orders`)
    ).body.items;
    expect(co1?.photoIds).toHaveLength(1);
    const attachments = (await owner.call<{ items: { id: string }[] }>('GET', `/jobs/${jobId}/attachments`))
      .body.items;
    expect(attachments).toHaveLength(1);
    const third = await owner.call<{ id: string }>('POST', `/jobs/${jobId}/change-orders`, {
      reason: 'The towel rail in the bathroom is cold too: replace its valve',
      lines: [{ change: 'add', description: 'Towel rail valve, fitted', quantity: '1', unitPrice: '60.00' }],
      photoIds: co1?.photoIds ?? [],
    });
    expect(third.status).toBe(201);
    const thirdLink = (await owner.call<{ link: string }>('POST', `/change-orders/${third.body.id}/send`, {}))
      .body.link;
    await mary.goto(`${base}${new URL(thirdLink).pathname}${new URL(thirdLink).hash}`);
    const photo = mary.getByRole('img', { name: 'What we found, 1 of 1' });
    await photo.waitFor();
    await expect.poll(() => photo.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await mary.screenshot({ path: screenshotPath('portal-change-order-photo-phone'), fullPage: true });
    const declined = await fetch(
      `${base}/api/v1/public/change-orders/${thirdLink.slice(thirdLink.lastIndexOf('/') + 1)}/decline`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":"Not now"}' },
    );
    expect(declined.status).toBe(200);

    // The work is done: the invoice is the quote and the two changes, to the cent.
    const closeout = await ana.call('POST', `/jobs/${jobId}/closeouts`, {
      submissionId: crypto.randomUUID(),
      workPerformed: { checklist: [], notes: 'Boiler and designer radiator fitted' },
      labor: [{ technicianId: ana.userId, hours: '7' }],
      deviceTime: new Date().toISOString(),
    });
    expect(closeout.status).toBe(201);
    let invoice: Invoice | undefined;
    await expect
      .poll(
        async () => {
          const r = await owner.call<{ items: Invoice[] }>('GET', `/invoices?jobId=${jobId}`);
          invoice = r.body.items.find((i) => i.kind === 'invoice' && i.status !== 'draft');
          return invoice?.status;
        },
        { timeout: 30_000 },
      )
      .toBe('issued');
    expect(invoice?.lines.map((l) => l.description)).toEqual([
      'Condensing boiler 30 kW, fitted',
      'Smart thermostat',
      'Change order 1: Second radiator, fitted',
      'Change order 2: Second radiator, fitted',
      'Change order 2: Designer radiator, fitted',
    ]);
    const changes = (await owner.call<{ items: Co[] }>('GET', `/jobs/${jobId}/change-orders`)).body.items;
    // The declined third change is not billed: the invoice is the last approved price.
    const lastApproved = changes.filter((c) => c.status === 'approved').at(-1);
    expect(new Decimal(invoice?.totals.payable ?? '0').eq(lastApproved?.afterTotal ?? '')).toBe(true);
    const full = (await owner.call<{ memo: string }>('GET', `/invoices/${invoice?.id}`)).body;
    expect(full.memo).toContain(`As quoted in ${quote.body.number}.`);

    await office.reload();
    await office
      .getByRole('region', { name: 'History' })
      .getByText('Change order approved by the customer')
      .first()
      .waitFor();
    await office.screenshot({ path: screenshotPath('office-change-orders-invoiced'), fullPage: true });
  }, 180_000);

  it('lets billing set the agreed price a fixed-price job was missing, priced as typed, and the invoice follows', async () => {
    type Job = {
      id: string;
      number: string;
      jobTypeName: string;
      billingStatus: string;
      estimateLines: unknown[];
      quoteNumber: string | null;
      discountPercent: string | null;
    };
    // The demo's installation that was booked without its price: its invoice could not be made. (Other jobs
    // may wait for review without estimate lines too, e.g. a call-out whose accounting push failed.)
    const all = await owner.call<{ items: Job[] }>('GET', '/jobs?exceptions=true&limit=200');
    const job = all.body.items.find(
      (j) =>
        j.billingStatus === 'needs_review' &&
        j.estimateLines.length === 0 &&
        j.jobTypeName === 'HVAC installation',
    );
    if (!job) throw new Error('the demo has no fixed-price job without its price');
    const billing = await caller(base, 'billing@demo.closeout.test');
    for (const [width, shot] of [
      [390, 'office-agreed-price-phone'],
      [1440, 'office-agreed-price'],
    ] as const) {
      const page = await signedIn(browser, base, 'billing@demo.closeout.test', `#/jobs/${job.id}`, width);
      await page.getByRole('button', { name: 'Set the agreed price' }).click();
      const form = page.getByRole('form', { name: 'Agreed price' });
      await form.getByRole('button', { name: 'Add a line' }).click();
      await form
        .getByLabel('Line 1', { exact: true })
        .fill('Supply and install a 3.5 kW split air-conditioning unit');
      await form.getByLabel('Unit price').fill('2450');
      // The totals are the server's calculator's, for the same lines and the job's discount.
      const expected = await billing.call<{ totals: { payable: string } }>('POST', '/invoice-previews', {
        lines: [{ quantity: '1', unitPrice: '2450', taxCode: 'S-RED' }],
        ...(job.discountPercent ? { discountPercent: job.discountPercent } : {}),
      });
      const payable = new Decimal(expected.body.totals.payable);
      const shown = payable.toNumber().toLocaleString('en-IE', { minimumFractionDigits: 2 });
      const totals = page.getByLabel('Totals of the agreed price');
      await totals.getByText(new RegExp(`^Agreed price \\D*${shown.replace('.', '\\.')}$`)).waitFor();
      expect(await totals.textContent()).toContain('VAT 13.5 %');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: screenshotPath(shot), fullPage: true });
      if (width === 390) {
        await form.getByRole('button', { name: 'Cancel' }).click();
        await page.close();
        continue;
      }
      await form.getByLabel(/Why it changes/).fill('Price agreed with the customer by phone');
      await form.getByRole('button', { name: 'Save the agreed price' }).click();
      await page.getByText(`${job.number}'s agreed price is saved`).first().waitFor();
      // Then the exception clears from its lane: made again, the invoice bills that price.
      await page.evaluate(() => (window.location.hash = '#/exceptions'));
      const card = page.locator('.mantine-Card-root', { hasText: job.number }).last();
      await card.getByRole('button', { name: 'Try again' }).click();
      await expect
        .poll(async () => (await billing.call<Job>('GET', `/jobs/${job.id}`)).body.billingStatus, {
          timeout: 20_000,
        })
        .toMatch(/^(invoice_ready|invoiced)$/);
      await page.close();
    }
    const history = await owner.call<{ items: { action: string; reason: string | null }[] }>(
      'GET',
      `/jobs/${job.id}/timeline`,
    );
    expect(history.body.items.some((e) => e.reason === 'Price agreed with the customer by phone')).toBe(true);
  });
});
