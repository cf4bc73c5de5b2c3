import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { addDays, businessDate, zonedToInstant } from '../../src/core/time';
import { type Api, bookVia, caller, demoSite, jobTypeVia } from '../support/api-caller';
import { hasChromium, launch, newestMail, screenshotPath } from '../support/browser';
import { jpegWithExif } from '../support/files';
import { type Spawned, startCloseout } from '../support/processes';

const TZ = 'Europe/Dublin';
const PHONE = { width: 390, height: 844 };

type Job = { id: string; number: string; status: string; billingStatus: string; version: number };
type Record_ = {
  submissions: { id: string; outcome: string }[];
  lines: { kind: string; quantity: string }[];
  current: { attachments?: unknown[] } | null;
};

describe.runIf(hasChromium())('the technician app on a phone in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-tech-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let owner: Api;
  let ana: Api;
  const today = businessDate(new Date(), TZ);
  const ids = { customerId: '', siteId: '', strict: '', notes: '' };
  let shot = 0;
  const snap = (page: Page, name: string) =>
    page.screenshot({
      path: screenshotPath(`tech-${String(++shot).padStart(2, '0')}-${name}`),
      fullPage: true,
    });

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
    owner = await caller(base, 'owner@demo.closeout.test');
    ana = await caller(base, 'ana@demo.closeout.test');
    Object.assign(ids, await demoSite(owner, 'Mary Doyle'));
    const jobType = (code: string, requirements: object, customFields: object[] = []) =>
      jobTypeVia(owner, code, { name: `Phone ${code}`, trade: 'hvac', requirements, customFields });
    // Everything a demanding job type asks for: a checklist, a before photo, a serial, a signature, notes.
    ids.strict = await jobType('FULL', {
      checklist: ['Replace the filter', 'Test the system'],
      photos: [{ category: 'before', min: 1 }],
      serialNumbers: true,
      signature: true,
      notes: true,
    });
    // Notes, and a reading the technician types at closeout that goes on the invoice.
    ids.notes = await jobType('NOTE', { notes: true }, [
      {
        key: 'meter_reading',
        label: 'Meter reading',
        type: 'number',
        required: true,
        capture: 'closeout',
        printOnInvoice: true,
      },
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const book = (jobTypeId: string, hour: string) =>
    bookVia<Job>(owner, ids, {
      jobTypeId,
      day: today,
      hour,
      timeZone: TZ,
      technicianId: ana.userId,
      scope: 'Phone flow',
    });
  const record = async (jobId: string) => (await owner.call<Record_>('GET', `/jobs/${jobId}/closeout`)).body;
  const jobOf = async (jobId: string) => (await owner.call<Job>('GET', `/jobs/${jobId}`)).body;

  /** A phone with the app installed: signed in once, the service worker in control, the jobs cached. */
  const phone = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(`${base}/tech/`);
    await page.getByLabel('E-mail').fill('ana@demo.closeout.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My jobs' }).waitFor();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 10_000 })
      .toBe(true);
    return { context, page };
  };
  const openJob = async (page: Page, job: Job) => {
    await page.locator(`[data-job="${job.number}"]`).click();
    await page.getByRole('heading', { name: new RegExp(`^${job.number}`) }).waitFor();
  };
  /** The phone lost the server's answer: the outbox item is put back to be sent again. */
  const unsend = (page: Page, id: string) =>
    page.evaluate(
      (itemId) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('closeout-tech');
          open.onsuccess = () => {
            const tx = open.result.transaction('outbox', 'readwrite');
            const store = tx.objectStore('outbox');
            const get = store.get(itemId);
            get.onsuccess = () => store.put({ ...get.result, state: 'saved', nextAttemptAt: 0 });
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          };
        }),
      id,
    );

  const outboxItem = (page: Page, job: Job) =>
    page.locator(`[data-outbox="${job.number}"][data-kind="closeout"]`);

  it('closes out a job with no signal, survives a reload offline, and reaches the office exactly once', async () => {
    const job = await book(ids.strict, '09:00');
    const { context, page } = await phone();
    await page.locator(`[data-job="${job.number}"]`).waitFor();
    await snap(page, 'jobs');
    // Installable: Chromium itself finds nothing missing (manifest, icons, service worker, scope). The one
    // complaint it has is that a test browser context is incognito, which is the test's doing, not the app's.
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors.map((e) => e.errorId).filter((e) => e !== 'in-incognito')).toEqual([]);
    const manifest = (await (await fetch(`${base}/tech/manifest.webmanifest`)).json()) as {
      start_url: string;
      display: string;
      icons: { sizes: string }[];
    };
    expect(manifest).toMatchObject({ start_url: '/tech/', display: 'standalone' });
    expect(manifest.icons.map((i) => i.sizes)).toContain('512x512');

    await context.setOffline(true);
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Offline' }).waitFor();
    await openJob(page, job);
    expect(await page.getByRole('region', { name: 'What this closeout needs' }).textContent()).toMatch(
      /Replace the filter.*1 before photo.*Customer signature/,
    );
    await page.getByRole('button', { name: 'Start job' }).click();
    await page.getByRole('button', { name: 'Stop timer' }).waitFor();
    await snap(page, 'job-started-offline');
    await page.getByRole('button', { name: 'Close out' }).click();
    const ready = page.getByRole('status', { name: 'Readiness' });
    expect(await ready.textContent()).toMatch(/Not ready.*Not done: Replace the filter.*Notes are required/);
    await page.getByLabel('Replace the filter').check();
    await page.getByLabel('Test the system').check();
    await page.getByLabel(/^Notes/).fill('Filter was clogged; replaced and tested.');
    await snap(page, 'wizard-work');

    // The draft is on the phone: a reload with no signal brings the app and the draft back.
    await page.reload();
    await page.getByRole('status', { name: 'Readiness' }).waitFor();
    expect(await page.getByLabel(/^Notes/).inputValue()).toBe('Filter was clogged; replaced and tested.');
    expect(await page.getByLabel('Replace the filter').isChecked()).toBe(true);

    await page.getByRole('button', { name: 'Labor' }).click();
    await page.getByLabel('Hours').fill('1.5');
    await page.getByRole('button', { name: 'Parts' }).click();
    await page.getByLabel('Search the price book').fill('filter');
    await page.getByRole('button', { name: /Air filter 16x25x1/ }).click();
    await page.getByLabel('Serial number').fill('SN-778812');
    await page.getByRole('button', { name: 'Photos' }).click();
    await page
      .getByLabel(/^before photos/)
      .setInputFiles({ name: 'before.jpg', mimeType: 'image/jpeg', buffer: await jpegWithExif(3) });
    await page.getByRole('img', { name: /^before/ }).waitFor();
    await snap(page, 'wizard-photos');
    await page.getByRole('button', { name: 'Signature' }).click();
    await page.getByLabel("Signer's name").fill('Mary Doyle');
    const pad = await page.getByLabel('Signature pad').boundingBox();
    if (!pad) throw new Error('no signature pad');
    await page.mouse.move(pad.x + 30, pad.y + 100);
    await page.mouse.down();
    for (const [dx, dy] of [
      [80, 40],
      [140, 120],
      [220, 60],
      [300, 110],
    ] as const)
      await page.mouse.move(pad.x + dx, pad.y + dy, { steps: 5 });
    await page.mouse.up();
    await snap(page, 'wizard-signature');
    await page.getByRole('button', { name: 'Keep signature' }).click();
    await page.getByText('Signed by Mary Doyle').waitFor();
    await page.getByRole('button', { name: 'Review' }).click();
    await expect.poll(() => ready.textContent()).toBe('Ready');
    // The phone's total comes from the shared calculator; it is checked against the office's invoice below.
    const phoneTotal = ((await page.locator('[data-total]').textContent()) ?? '').replace(/[^\d.]/g, '');
    expect(Number(phoneTotal)).toBeGreaterThan(0);
    await snap(page, 'wizard-review');
    await page.getByRole('button', { name: 'Submit closeout' }).click();
    await expect.poll(() => outboxItem(page, job).getAttribute('data-state')).toBe('saved');
    expect(await outboxItem(page, job).textContent()).toContain('Saved on this phone');
    await snap(page, 'outbox-saved-offline');

    // Reloaded while still offline: the outbox is still there, nothing reached the server.
    await page.reload();
    await expect.poll(() => outboxItem(page, job).getAttribute('data-state')).toBe('saved');
    expect((await record(job.id)).submissions).toHaveLength(0);

    // The signal returns: the outbox sends by itself.
    await context.setOffline(false);
    await expect
      .poll(() => outboxItem(page, job).getAttribute('data-state'), { timeout: 20_000 })
      .toBe('submitted');
    expect(await outboxItem(page, job).textContent()).toContain('Submitted to office');
    await snap(page, 'outbox-submitted');
    const first = await record(job.id);
    expect(first.submissions).toHaveLength(1);
    expect((await jobOf(job.id)).status).toBe('completed');
    // Invoice-ready, and the demo organization issues at once: either is the closeout accepted.
    expect((await jobOf(job.id)).billingStatus).toMatch(/^(invoice_ready|invoiced)$/);
    expect(first.lines.map((l) => `${l.kind} ${Number(l.quantity)}`).sort()).toEqual(['labor 1.5', 'part 1']);
    // The invoice the office drafts from it has the total the phone showed.
    const invoiceTotal = async () =>
      (
        await owner.call<{ items: { totals: { taxInclusive: string } | null }[] }>(
          'GET',
          `/invoices?jobId=${job.id}`,
        )
      ).body.items[0]?.totals?.taxInclusive;
    await expect.poll(invoiceTotal, { timeout: 20_000 }).toBe(phoneTotal);

    // The phone lost the answer (crash, timeout): the same submission is sent again. Still one closeout.
    const submissionId = first.submissions[0]?.id ?? '';
    await unsend(page, submissionId);
    await page.getByRole('button', { name: 'Send now' }).click();
    await expect.poll(() => outboxItem(page, job).getAttribute('data-state')).toBe('submitted');
    const again = await record(job.id);
    expect(again.submissions).toHaveLength(1);
    expect(again.lines).toHaveLength(first.lines.length);
    await context.close();
  });

  it('drafts a quote with no signal at the customer’s, and it reaches the office once, with its photo', async () => {
    const job = await book(ids.notes, '16:00');
    const { context, page } = await phone();
    await page.locator(`[data-job="${job.number}"]`).waitFor();
    await context.setOffline(true);
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Offline' }).waitFor();
    await openJob(page, job);
    await page.getByRole('button', { name: 'Draft a quote' }).click();
    await page
      .getByLabel('What the quote is for (the customer reads this)')
      .fill('A second radiator upstairs');
    await page.getByLabel('Search the price book').fill('filter');
    await page
      .getByRole('list')
      .getByRole('button', { name: /filter/i })
      .first()
      .click();
    await page.getByRole('button', { name: 'Add other work' }).click();
    const line = page.getByRole('group', { name: 'Quote line 2' });
    await line.getByLabel('Description').fill('Double panel radiator 600 × 1200');
    await line.getByLabel('Unit price').fill('240');
    await line.getByText('EUR 240.00 before tax').waitFor();
    await page
      .getByLabel('For the office (the customer never sees this)')
      .fill('Back bedroom is cold, she says');
    await page
      .getByLabel('Take photos for the quote')
      .setInputFiles({ name: 'room.jpg', mimeType: 'image/jpeg', buffer: await jpegWithExif(8) });
    await expect
      .poll(() => page.getByRole('group', { name: 'Photos for the quote' }).getByRole('checkbox').isChecked())
      .toBe(true);
    await snap(page, 'quote-draft');
    await page.getByRole('button', { name: 'Save the quote' }).click();
    const item = page.getByRole('region', { name: 'Quotes drafted here' });
    await item.getByText('A second radiator upstairs').waitFor();
    await item.getByText('Saved on this phone').waitFor();
    // Kept across a reload with no signal; nothing reached the office.
    await page.reload();
    await item.getByText('Saved on this phone').waitFor();
    const drafted = async () =>
      (
        await owner.call<{ items: { id: string; title: string }[] }>('GET', '/quotes?limit=100')
      ).body.items.filter((q) => q.title === 'A second radiator upstairs');
    expect(await drafted()).toHaveLength(0);

    // The signal returns: the outbox sends it by itself, photo first.
    await context.setOffline(false);
    await item.getByText(/^Quote Q-\d{4}-\d{5} is with the office to send$/).waitFor({ timeout: 20_000 });
    await snap(page, 'quote-sent');
    const [made] = await drafted();
    const quote = (
      await owner.call<{
        status: string;
        customerName: string;
        internalNotes: string;
        photoIds: string[];
        lines: { description: string; unitPrice: string }[];
      }>('GET', `/quotes/${made?.id}`)
    ).body;
    expect(quote).toMatchObject({
      status: 'draft',
      customerName: 'Mary Doyle',
      photoIds: [expect.any(String)],
    });
    expect(quote.internalNotes).toBe(`Drafted on site at ${job.number}. Back bedroom is cold, she says`);
    expect(quote.lines.map((l) => l.description)).toContain('Double panel radiator 600 × 1200');

    // The phone lost the answer: the same draft is sent again, and the office still has one quote.
    await unsend(page, made?.id ?? '');
    await page.getByRole('button', { name: 'Outbox' }).click();
    await page.getByRole('button', { name: 'Send now' }).click();
    await expect
      .poll(() => page.locator(`[data-outbox="${job.number}"][data-kind="quote"]`).getAttribute('data-state'))
      .toBe('submitted');
    expect(await drafted()).toHaveLength(1);
    await context.close();
  });

  it('shows the missing list when the office refuses a closeout, and sends the fixed one', async () => {
    const job = await book(ids.notes, '11:00');
    const { context, page } = await phone();
    await openJob(page, job);
    await page.getByRole('button', { name: 'Close out' }).click();
    // The phone knows the job type's own field is missing before the server says so.
    expect(await page.getByRole('list', { name: 'Still missing' }).textContent()).toContain(
      'Meter reading is required',
    );
    await page.getByRole('button', { name: 'Labor' }).click();
    await page.getByLabel('Hours').fill('1');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: /Submit anyway/ }).click();
    await expect.poll(() => outboxItem(page, job).getAttribute('data-state')).toBe('needs_attention');
    const item = outboxItem(page, job);
    const refused = await item.getByRole('list', { name: `Missing for ${job.number}` }).textContent();
    expect(refused).toContain('Notes are required');
    expect(refused).toContain('Meter reading is required');
    expect(await item.textContent()).toContain('Needs attention');
    await snap(page, 'outbox-refused');
    expect((await jobOf(job.id)).billingStatus).toBe('needs_info');

    await item.getByRole('button', { name: 'Fix and send again' }).click();
    await page.getByRole('button', { name: 'Work' }).click();
    await page.getByLabel(/^Notes/).fill('Bled the radiators');
    await page.getByLabel(/^Meter reading/).fill('48213.5');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Submit closeout' }).click();
    await expect.poll(() => outboxItem(page, job).getAttribute('data-state')).toBe('submitted');
    expect(await page.locator(`[data-outbox="${job.number}"][data-kind="closeout"]`).count()).toBe(1);
    expect((await jobOf(job.id)).billingStatus).toMatch(/^(invoice_ready|invoiced)$/);
    expect((await record(job.id)).submissions.map((s) => s.outcome)).toEqual(['incomplete', 'accepted']);
    // Typed as a number on the phone, stored as a number on the job.
    const stored = await owner.call<{ customFields: Record<string, unknown> }>('GET', `/jobs/${job.id}`);
    expect(stored.body.customFields.meter_reading).toBe(48213.5);
    await context.close();
  });

  it('tells the technician at sync that the office canceled the job while they were offline', async () => {
    const job = await book(ids.notes, '14:00');
    const { context, page } = await phone();
    await openJob(page, job);
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Close out' }).click();
    await page.getByLabel(/^Notes/).fill('Done before I heard');
    await page.getByLabel(/^Meter reading/).fill('1200');
    await page.getByRole('button', { name: 'Labor' }).click();
    await page.getByLabel('Hours').fill('0.5');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Submit closeout' }).click();
    await expect.poll(() => outboxItem(page, job).getAttribute('data-state')).toBe('saved');

    const canceled = await owner.call('POST', `/jobs/${job.id}/cancel`, {
      reason: 'Customer called to cancel',
    });
    expect(canceled.status).toBe(200);
    await context.setOffline(false);
    await expect
      .poll(() => outboxItem(page, job).getAttribute('data-state'), { timeout: 20_000 })
      .toBe('needs_attention');
    const notices = page.getByRole('region', { name: 'Changes from the office' });
    await notices.waitFor();
    expect(await notices.textContent()).toContain(
      `The office canceled ${job.number}: Customer called to cancel`,
    );
    expect(await outboxItem(page, job).getByRole('alert').textContent()).toMatch(
      /changed this job.*canceled/,
    );
    await snap(page, 'outbox-canceled-conflict');
    expect((await record(job.id)).submissions).toHaveLength(0);
    expect((await jobOf(job.id)).status).toBe('canceled');
    await context.close();
  });

  it('tells the customer the technician is on the way, with the window the technician chose', async () => {
    const job = await book(ids.notes, '17:00');
    const { context, page } = await phone();
    await openJob(page, job);
    await page.getByLabel('Arriving in').selectOption('15');
    await snap(page, 'on-my-way');
    await page.getByRole('button', { name: 'On my way' }).click();
    await page.getByRole('button', { name: 'On my way ✓' }).waitFor();
    type Message = { kind: string; status: string; body: string; recipient: string | null };
    const messages = async () =>
      (await owner.call<{ items: Message[] }>('GET', `/jobs/${job.id}/customer-messages`)).body.items;
    await expect
      .poll(async () => (await messages()).find((m) => m.kind === 'on_my_way')?.status, { timeout: 45_000 })
      .toBe('sent');
    const onWay = (await messages()).find((m) => m.kind === 'on_my_way');
    expect(onWay?.body).toMatch(/expects to arrive between \d\d:\d\d and \d\d:\d\d\./);
    // The demo keeps every e-mail it would send.
    const mail = await newestMail(path.join(dataDir, 'mail'), /is on the way/);
    expect(mail).toContain(`To: ${onWay?.recipient}`);
    await context.close();

    const office = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await office.goto(`${base}/#/jobs/${job.id}`);
    await office.getByLabel('E-mail').fill('dispatch@demo.closeout.test');
    await office.getByLabel('Password').fill(DEMO_PASSWORD);
    await office.getByRole('button', { name: 'Sign in' }).click();
    const card = office.getByRole('region', { name: 'Visit notices' });
    await card.getByRole('article', { name: 'On my way' }).getByText('Sent').waitFor();
    await office.screenshot({ path: screenshotPath('office-job-customer-messages'), fullPage: true });
    await office.close();
  });

  it('carries the office’s question to the phone and the technician’s answer back to the office’s bell', async () => {
    const job = await book(ids.notes, '16:00');
    const office = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    office.on('pageerror', (e) => {
      throw e;
    });
    await office.goto(`${base}/`);
    await office.getByLabel('E-mail').fill('owner@demo.closeout.test');
    await office.getByLabel('Password').fill(DEMO_PASSWORD);
    await office.getByRole('button', { name: 'Sign in' }).click();
    await office.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    await office.evaluate((id) => (window.location.hash = `#/jobs/${id}`), job.id);
    await office
      .getByRole('textbox', { name: 'Message', exact: true })
      .fill('Which filter size did you fit?');
    await office.getByRole('button', { name: 'Ask the technician' }).click();
    await office.getByRole('status').filter({ hasText: 'it is on their phones' }).waitFor();

    const { context, page } = await phone();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const card = page.locator(`[data-job="${job.number}"]`);
    await card.getByText('The office asked a question').waitFor();
    await openJob(page, job);
    await page
      .getByRole('alert')
      .filter({ hasText: 'The office asks: Which filter size did you fit?' })
      .waitFor();
    await page.getByLabel('Your answer').fill('A 16x25x1, the last one in the van');
    await page.getByRole('button', { name: 'Send' }).click();
    const mine = page.locator('.messages li.mine').filter({ hasText: 'A 16x25x1' });
    await mine.getByText(/Submitted to office/).waitFor();
    await snap(page, 'messages');
    expect(
      (
        await owner.call<{ items: { kind: string; body: string }[] }>('GET', `/jobs/${job.id}/comments`)
      ).body.items.map((c) => [c.kind, c.body]),
    ).toEqual([
      ['info_request', 'Which filter size did you fit?'],
      ['comment', 'A 16x25x1, the last one in the van'],
    ]);

    // The office hears back without reloading: the conversation and the bell.
    await office
      .getByRole('log', { name: 'Conversation' })
      .getByText('A 16x25x1, the last one in the van')
      .waitFor();
    const bell = office.getByRole('button', { name: /^Notifications, \d+ unread$/ });
    await bell.waitFor({ timeout: 15_000 });
    await bell.click();
    const centre = office.getByRole('region', { name: 'Notifications' });
    await centre.getByText(/replied: A 16x25x1, the last one in the van/).waitFor();
    await centre.getByText('Reply from the crew', { exact: false }).first().waitFor();
    await office.screenshot({ path: screenshotPath('office-notifications') });
    await office.keyboard.press('Escape');
    await expect.poll(() => office.getByRole('button', { name: 'Notifications' }).count()).toBe(1);
    await office.close();
    await context.close();
  });

  it('leaves a visit of a job done over two days and comes back for the next', async () => {
    const job = await book(ids.notes, '07:00');
    const next = zonedToInstant(addDays(today, 1), '07:00', TZ);
    const added = await owner.call('POST', `/jobs/${job.id}/visits`, {
      windowStart: next.toISOString(),
      windowEnd: new Date(next.getTime() + 3_600_000).toISOString(),
      reason: 'The screed needs a night to dry',
    });
    expect(added.status).toBe(201);
    const { context, page } = await phone();
    await openJob(page, job);
    await page.getByText(/^1 of 2; the next: /).waitFor();
    await page.getByRole('button', { name: 'Start job' }).click();
    await page.getByRole('button', { name: /^Done for today, back / }).click();
    await page.getByText(/^Visit done: you are back /).waitFor();
    // Left for the day: nothing to start or time on this visit any more.
    expect(await page.getByRole('button', { name: 'Start job' }).count()).toBe(0);
    await snap(page, 'visit-done');
    await expect
      .poll(
        async () => {
          const j = (await owner.call<Job & { windowStart: string }>('GET', `/jobs/${job.id}`)).body;
          return [j.status, j.windowStart];
        },
        { timeout: 30_000 },
      )
      .toEqual(['scheduled', next.toISOString()]);
    // The next day the phone has the job at its second visit, ready to start again.
    await page.goto(`${base}/tech/`);
    await openJob(page, job);
    await page.getByText('2 of 2; the last one').waitFor();
    // The crew moved it on, not the office: no "the office moved" notice.
    expect(await page.getByText(/The office moved/).count()).toBe(0);
    await page.getByRole('button', { name: 'Start job' }).waitFor();
    expect(await page.getByRole('button', { name: /^Done for today/ }).count()).toBe(0);
    await snap(page, 'visit-two');
    await context.close();
  });

  it('moves the phone between the firms a technician works for, showing each one’s jobs only', async () => {
    // Last in this file: Ana signs in to whichever firm she used last, and the test puts her back.
    const job = await book(ids.notes, '17:00');
    const { context, page } = await phone();
    await page.locator(`[data-job="${job.number}"]`).waitFor();
    // Ana does side jobs under her own name: she opens that business with her account, from anywhere.
    const own = await caller(base, 'ana@demo.closeout.test');
    expect(
      (await own.call('POST', '/auth/organizations', { businessName: 'Kowalska Heating', country: 'IE' }))
        .status,
    ).toBe(201);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const mine = page.getByRole('group', { name: 'Your other organizations' });
    await mine.getByRole('button', { name: 'Work for Kowalska Heating' }).click();
    await page.getByText('Signed in as Ana Kowalska for Kowalska Heating').waitFor();
    await expect.poll(() => page.locator(`[data-job="${job.number}"]`).count()).toBe(0);
    await snap(page, 'other-organization');
    await mine.getByRole('button', { name: 'Work for Brightwater Heating & Plumbing' }).click();
    await page.getByText('Signed in as Ana Kowalska for Brightwater Heating & Plumbing').waitFor();
    await page.locator(`[data-job="${job.number}"]`).waitFor();
    await context.close();
  });
});
