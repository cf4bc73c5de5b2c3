import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, acceptByLink, caller, demoSite, jobTypeVia } from '../support/api-caller';
import { hasChromium, launch, screenshotPath, signedIn } from '../support/browser';
import { jpegWithExif } from '../support/files';
import { type Spawned, startCloseout } from '../support/processes';

/**
 * A quote from the office to the customer's phone and back: billing drafts it with two options and an
 * extra, sends it; the customer opens the link on a phone, picks, signs and accepts; the job is booked with
 * the accepted lines.
 */
describe.runIf(hasChromium())('a quote the customer accepts on a phone', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-quotes-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let owner: Api;

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
    owner = await caller(base, 'owner@demo.closeout.test');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('drafts, sends, and the customer signs it; the job carries the accepted lines', async () => {
    const office = await signedIn(browser, base, 'billing@demo.closeout.test', '#/quotes');
    await office.getByRole('button', { name: 'New quote' }).click();
    const form = office.getByRole('form', { name: 'New quote' });
    await form.waitFor();
    // The contract names what is missing before anything is sent.
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await form.getByText('Required').first().waitFor();

    await form.getByLabel(/^Customer/).click();
    await office.getByRole('option', { name: 'Mary Doyle' }).click();
    await form.getByLabel(/^Kind of work/).click();
    await office.getByRole('option').first().click();
    await form.getByLabel('Title the customer sees').fill('Replace the boiler');
    const line = (n: number) => form.getByRole('group', { name: `Line ${n}` });
    await line(1).getByLabel('Description', { exact: true }).fill('Labour, two fitters for a day');
    await line(1).getByLabel('Quantity', { exact: true }).fill('16');
    await line(1)
      .getByLabel(/Unit price/)
      .fill('60');
    await form.getByRole('button', { name: 'Add a line' }).click();
    await line(2).getByLabel('Description', { exact: true }).fill('Combi boiler 24 kW');
    await line(2)
      .getByLabel(/Unit price/)
      .fill('1200');
    await line(2).getByLabel('Kind', { exact: true }).click();
    await office.getByRole('option', { name: 'Option of a group' }).click();
    await line(2).getByLabel('Group (e.g. System)').fill('Boiler');
    await line(2).getByLabel('Option name (e.g. Better)').fill('Standard');
    await form.getByRole('button', { name: 'Add a line' }).click();
    await line(3)
      .getByLabel('Description', { exact: true })
      .fill('Condensing boiler 30 kW, 10-year warranty');
    await line(3)
      .getByLabel(/Unit price/)
      .fill('1900');
    await line(3).getByLabel('Kind', { exact: true }).click();
    await office.getByRole('option', { name: 'Option of a group' }).click();
    await line(3).getByLabel('Group (e.g. System)').fill('Boiler');
    await line(3).getByLabel('Option name (e.g. Better)').fill('Premium');
    await form.getByRole('button', { name: 'Add a line' }).click();
    await line(4).getByLabel('Description', { exact: true }).fill('Smart thermostat');
    await line(4)
      .getByLabel(/Unit price/)
      .fill('150');
    await line(4).getByLabel('Kind', { exact: true }).click();
    await office.getByRole('option', { name: 'Extra to tick' }).click();
    // 16 × 60 + 1,200 = 2,160 at the demo's standard 23 %: 2,656.80, worked out as the office types.
    await expect.poll(() => office.getByTestId('editor-total').textContent()).toContain('2,656.80');
    await form.getByText('Percent', { exact: true }).click();
    await form.getByLabel('Deposit (%)').fill('20');
    await form.getByLabel('Day', { exact: true }).fill('2027-01-12');
    await office.screenshot({ path: screenshotPath('office-quote-editor'), fullPage: true });
    await form.getByRole('button', { name: 'Save as draft' }).click();

    await office.getByRole('button', { name: 'Send to the customer' }).waitFor();
    expect(await office.getByTestId('quote-total').textContent()).toContain('2,656.80');
    // A photo from the visit goes with the offer.
    const photos = office.getByRole('region', { name: 'Photos from the visit' });
    const chooser = office.waitForEvent('filechooser');
    await photos.getByRole('button', { name: 'Add photos' }).click();
    await (await chooser).setFiles({
      name: 'boiler.jpg',
      mimeType: 'image/jpeg',
      buffer: await jpegWithExif(8),
    });
    const thumb = photos.getByRole('img', { name: 'From the visit, 1 of 1' });
    await thumb.waitFor();
    await expect.poll(() => thumb.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await office.setViewportSize({ width: 390, height: 844 });
    expect(await office.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await photos.screenshot({ path: screenshotPath('office-quote-photos-phone') });
    await office.setViewportSize({ width: 1366, height: 1000 });
    await office.getByRole('button', { name: 'Send to the customer' }).click();
    await office.getByText(/is on its way to mary\.doyle@example\.com/).waitFor();
    const link = (await office.getByTestId('customer-link').textContent()) ?? '';
    expect(link).toMatch(/\/portal\/#\/quote\/[A-Za-z0-9_-]{43}$/);
    await office.screenshot({ path: screenshotPath('office-quote-sent'), fullPage: true });

    // The customer, on a phone, with no account.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, hasTouch: true });
    phone.on('pageerror', (e) => {
      throw e;
    });
    await phone.goto(`${base}${new URL(link).pathname}${new URL(link).hash}`);
    await phone.getByRole('heading', { name: 'Replace the boiler' }).waitFor();
    expect(await phone.getByTestId('quote-total').textContent()).toContain('2,656.80');
    const seen = phone.getByRole('img', { name: 'From our visit, 1 of 1' });
    await expect.poll(() => seen.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await phone.getByRole('radio', { name: /Premium/ }).check();
    await phone.getByRole('checkbox', { name: /Smart thermostat/ }).check();
    // 960 + 1,900 + 150 = 3,010 at 23 %: 3,702.30; a fifth due on acceptance: 740.46.
    await expect.poll(() => phone.getByTestId('quote-total').textContent()).toContain('3,702.30');
    expect(await phone.getByTestId('deposit-due').textContent()).toContain('740.46');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.getByLabel('Your full name').fill('Mary Doyle');
    const pad = phone.locator('canvas.signature');
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();
    if (!box) throw new Error('no signature pad');
    await phone.mouse.move(box.x + 30, box.y + 100);
    await phone.mouse.down();
    await phone.mouse.move(box.x + 120, box.y + 40, { steps: 8 });
    await phone.mouse.move(box.x + 220, box.y + 120, { steps: 8 });
    await phone.mouse.up();
    await phone.screenshot({ path: screenshotPath('portal-quote-phone'), fullPage: true });
    await phone.getByRole('button', { name: /Accept for/ }).click();
    await phone.getByText('You accepted this quote. Thank you.').waitFor();
    const copy = await phone
      .getByRole('link', { name: 'Download your signed copy (PDF)' })
      .getAttribute('href');
    const signedPdf = await fetch(`${base}${copy}`);
    expect(signedPdf.headers.get('content-type')).toBe('application/pdf');
    const booked = (await phone.getByRole('status').textContent()) ?? '';
    expect(booked).toMatch(/your visit is booked as J-\d+/);
    // The deposit's invoice follows on the same page a moment later, with how to pay it.
    const deposit = phone.getByRole('region', { name: 'Your deposit' });
    await deposit.getByText(/^Deposit invoice INV-[\d-]+ asks EUR 740\.46/).waitFor({ timeout: 20_000 });
    await deposit
      .getByText('Pay it by bank transfer with the details on the invoice we e-mail you.')
      .waitFor();
    await phone.screenshot({ path: screenshotPath('portal-quote-accepted'), fullPage: true });

    // The office sees it accepted, with the job; the job carries the chosen lines and the deposit.
    await office.getByText('Accepted', { exact: true }).first().waitFor();
    const jobNumber = /J-\d+/.exec(booked)?.[0] ?? '';
    await office.getByRole('link', { name: `Open ${jobNumber}` }).click();
    await office.getByText(jobNumber).first().waitFor();
    const quotes = await owner.call<{ items: { jobId: string | null; number: string }[] }>('GET', '/quotes');
    const jobId = quotes.body.items.find((q) => q.jobId)?.jobId ?? '';
    const job = await owner.call<{
      estimateLines: { description: string }[];
      depositAmount: string;
      windowStart: string;
    }>('GET', `/jobs/${jobId}`);
    expect(job.body.estimateLines.map((l) => l.description)).toEqual([
      'Labour, two fitters for a day',
      'Condensing boiler 30 kW, 10-year warranty',
      'Smart thermostat',
    ]);
    expect(job.body.depositAmount).toBe('740.46');
    await office.screenshot({ path: screenshotPath('office-quote-job'), fullPage: true });

    // Opening the link again shows the answer, not a form.
    await phone.reload();
    await phone.getByText('You accepted this quote. Thank you.').waitFor();
    expect(await phone.getByRole('button', { name: /Accept for/ }).count()).toBe(0);
  }, 180_000);

  it('offers a service plan that repeats: drafted in the editor, said on the customer’s page, booked as a series', async () => {
    const office = await signedIn(browser, base, 'billing@demo.closeout.test', '#/quotes');
    await office.getByRole('button', { name: 'New quote' }).click();
    const form = office.getByRole('form', { name: 'New quote' });
    await form.getByLabel(/^Customer/).click();
    await office.getByRole('option', { name: 'Mary Doyle' }).click();
    await form.getByLabel(/^Kind of work/).click();
    await office.getByRole('option').first().click();
    await form.getByLabel('Title the customer sees').fill('Boiler service plan');
    const line = form.getByRole('group', { name: 'Line 1' });
    await line.getByLabel('Description', { exact: true }).fill('Annual boiler service');
    await line.getByLabel(/Unit price/).fill('120');
    await form.getByLabel('Day', { exact: true }).fill('2027-01-20');
    await form.getByLabel(/^Repeats/).click();
    await office.getByRole('option', { name: 'Every year' }).click();
    await form.getByLabel(/^Visits in all/).fill('3');
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await office
      .getByText('Repeats every year, 3 visits: the price is per visit.', { exact: false })
      .waitFor();
    await office.screenshot({ path: screenshotPath('office-quote-repeats'), fullPage: true });
    await office.getByRole('button', { name: 'Send to the customer' }).click();
    const link = (await office.getByTestId('customer-link').textContent()) ?? '';
    const id = new URL(office.url()).hash.split('/').pop() ?? '';

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, hasTouch: true });
    await phone.goto(`${base}${new URL(link).pathname}${new URL(link).hash}`);
    await phone.getByRole('heading', { name: 'Boiler service plan' }).waitFor();
    await phone.getByText('every year, 3 visits; the price is per visit').waitFor();
    await phone.screenshot({ path: screenshotPath('portal-quote-repeats-phone'), fullPage: true });
    await phone.close();

    const token = link.slice(link.lastIndexOf('/') + 1);
    const accepted = await acceptByLink(base, token, 'Mary Doyle');
    expect(accepted.status).toBe(200);
    const q = await owner.call<{ seriesId: string | null; jobId: string | null }>('GET', `/quotes/${id}`);
    expect(q.body.seriesId).toEqual(expect.any(String));
    const plan = await owner.call<{ startDate: string; endDate: string; visits: { id: string }[] }>(
      'GET',
      `/series/${q.body.seriesId}`,
    );
    expect(plan.body).toMatchObject({ startDate: '2027-01-20', endDate: '2029-01-20' });
    expect(plan.body.visits[0]?.id).toBe(q.body.jobId);
    await office.close();
  });

  it('offers a project over several days: each day in the editor and on the customer’s page, booked as one job of visits the office plans', async () => {
    const office = await signedIn(browser, base, 'billing@demo.closeout.test', '#/quotes');
    await office.getByRole('button', { name: 'New quote' }).click();
    const form = office.getByRole('form', { name: 'New quote' });
    await form.getByLabel(/^Customer/).click();
    await office.getByRole('option', { name: 'Mary Doyle' }).click();
    await form.getByLabel(/^Kind of work/).click();
    await office.getByRole('option').first().click();
    await form.getByLabel('Title the customer sees').fill('Bathroom refit');
    const line = form.getByRole('group', { name: 'Line 1' });
    await line.getByLabel('Description', { exact: true }).fill('Bathroom refit, fixed price');
    await line.getByLabel(/Unit price/).fill('3800');
    await form.getByLabel('Day', { exact: true }).first().fill('2027-02-08');
    await form.getByLabel('Start', { exact: true }).first().fill('09:00');
    await form.getByLabel('Hours', { exact: true }).first().fill('4');
    const later = form.getByRole('group', { name: 'Later visits' });
    await later.getByRole('button', { name: 'Add another day' }).click();
    await later.getByRole('button', { name: 'Add another day' }).click();
    // The second day goes before the first ends: refused on the field before anything is sent.
    await later.getByLabel('Day').first().fill('2027-02-07');
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await later.getByText('must be after the visit before it ends').waitFor();
    await office.screenshot({ path: screenshotPath('office-quote-visits-refused'), fullPage: true });
    await later.getByLabel('Day').first().fill('2027-02-09');
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await office.getByText('3 visits offered:', { exact: false }).waitFor();
    await office.getByRole('button', { name: 'Send to the customer' }).click();
    const link = (await office.getByTestId('customer-link').textContent()) ?? '';
    const id = new URL(office.url()).hash.split('/').pop() ?? '';

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, hasTouch: true });
    await phone.goto(`${base}${new URL(link).pathname}${new URL(link).hash}`);
    await phone.getByRole('heading', { name: 'Bathroom refit' }).waitFor();
    await phone.getByText('3 visits', { exact: true }).waitFor();
    expect(await phone.locator('ol.visits li').allTextContents()).toEqual([
      '8 February 2027, 09:00 to 13:00',
      '9 February 2027, 09:00 to 13:00',
      '10 February 2027, 09:00 to 13:00',
    ]);
    await phone.screenshot({ path: screenshotPath('portal-quote-visits-phone'), fullPage: true });
    await phone.close();
    expect((await acceptByLink(base, link, 'Mary Doyle')).status).toBe(200);
    const q = await owner.call<{ jobId: string }>('GET', `/quotes/${id}`);

    // The office plans the days on the job's page: one moved, one added and canceled again.
    const dispatch = await signedIn(browser, base, 'dispatch@demo.closeout.test', `#/jobs/${q.body.jobId}`);
    const visits = dispatch.getByRole('list', { name: 'Visits' });
    await visits.getByText('Visit 3 of 3').waitFor();
    expect(await visits.getByRole('listitem').count()).toBe(3);
    await visits.getByRole('button', { name: 'Move visit 3 of 3' }).click();
    const move = dispatch.getByRole('form', { name: 'Move visit 3 of 3' });
    await move.getByLabel('Day').fill('2027-02-12');
    await move.getByLabel('Reason').fill('Tiles arrive on Friday');
    await move.getByRole('button', { name: 'Move the visit' }).click();
    await visits.getByText(/Fri, 12 Feb/).waitFor();
    await dispatch.getByRole('button', { name: 'Add a visit' }).click();
    const add = dispatch.getByRole('form', { name: /^Add a visit to J-/ });
    await add.getByLabel('Day').fill('2027-02-15');
    await add.getByRole('button', { name: 'Add the visit' }).click();
    await visits.getByText('Visit 4 of 4').waitFor();
    await dispatch.screenshot({ path: screenshotPath('office-job-visits'), fullPage: true });
    await visits.getByRole('button', { name: 'Cancel visit 4 of 4' }).click();
    await dispatch.getByRole('textbox', { name: 'Reason' }).fill('Snagging not needed after all');
    await dispatch.getByRole('button', { name: 'Cancel the visit' }).click();
    await visits.getByText('Canceled visit').waitFor();
    await visits.getByText('Snagging not needed after all').waitFor();
    const history = dispatch.getByRole('region', { name: 'History' });
    await history.getByText('Visit moved').waitFor();
    await history.getByText('Visit canceled').waitFor();
    // At a phone's width the same table reads.
    await dispatch.setViewportSize({ width: 390, height: 844 });
    await dispatch.screenshot({ path: screenshotPath('office-job-visits-phone'), fullPage: true });
    const api = await owner.call<{ items: { status: string; windowStart: string }[] }>(
      'GET',
      `/jobs/${q.body.jobId}/visits`,
    );
    expect(api.body.items.map((v) => [v.windowStart.slice(0, 10), v.status])).toEqual([
      ['2027-02-08', 'planned'],
      ['2027-02-09', 'planned'],
      ['2027-02-12', 'planned'],
      ['2027-02-15', 'canceled'],
    ]);
    // The board shows the job on each of its days; only the next one moves from there.
    const job = await owner.call<{ number: string }>('GET', `/jobs/${q.body.jobId}`);
    await dispatch.setViewportSize({ width: 1366, height: 900 });
    await dispatch.evaluate(() => (window.location.hash = '#/board'));
    await dispatch.getByLabel('Board date').fill('2027-02-08');
    await dispatch.getByText('Week', { exact: true }).click();
    const cards = dispatch.locator(`[data-view="week"] [data-job="${job.body.number}"]`);
    await cards.nth(2).waitFor();
    expect((await cards.allTextContents()).map((c) => c.match(/Visit \d of \d/)?.[0])).toEqual([
      'Visit 1 of 3',
      'Visit 2 of 3',
      'Visit 3 of 3',
    ]);
    expect(await cards.nth(1).getByRole('button', { name: /^Move/ }).count()).toBe(0);
    await dispatch.screenshot({ path: screenshotPath('office-board-visits'), fullPage: true });
    await dispatch.close();
    await office.close();
  }, 120_000);

  it('asks a kind of work’s own fields in the editor, at a phone’s width too, and the job is booked with them', async () => {
    await jobTypeVia(owner, 'SOLAR-SURVEY', {
      name: 'Solar panel install',
      trade: 'electrical',
      customFields: [
        {
          key: 'roof_type',
          label: 'Roof type',
          type: 'choice',
          options: ['Slate', 'Tile', 'Flat'],
          required: true,
          capture: 'booking',
          printOnInvoice: true,
        },
        {
          key: 'panels',
          label: 'Panels',
          type: 'number',
          required: false,
          capture: 'booking',
          printOnInvoice: false,
        },
      ],
    });
    const office = await signedIn(browser, base, 'billing@demo.closeout.test', '#/quotes');
    await office.setViewportSize({ width: 390, height: 844 });
    await office.getByRole('button', { name: 'New quote' }).click();
    const form = office.getByRole('form', { name: 'New quote' });
    await form.getByLabel(/^Customer/).click();
    await office.getByRole('option', { name: 'Mary Doyle' }).click();
    await form.getByLabel(/^Kind of work/).click();
    await office.getByRole('option', { name: 'Solar panel install' }).click();
    await form.getByLabel('Title the customer sees').fill('Twelve panels on the south roof');
    const line = form.getByRole('group', { name: 'Line 1' });
    await line.getByLabel('Description', { exact: true }).fill('Supply and fit 12 panels');
    await line.getByLabel(/Unit price/).fill('4800');
    // The kind of work's required field is asked before the draft is saved.
    await form.getByRole('button', { name: 'Save as draft' }).click();
    const roof = form.getByLabel(/^Roof type/);
    await form.locator('[aria-invalid="true"]').first().waitFor();
    expect(await roof.getAttribute('aria-invalid')).toBe('true');
    // Asked in the form, next to the field: nothing was sent, so there is no refusal to read.
    expect(await office.getByRole('alert').count()).toBe(0);
    expect(office.url()).toMatch(/#\/quotes\/new$/);
    await form.getByLabel(/^Roof type/).click();
    await office.getByRole('option', { name: 'Slate' }).click();
    await form.getByLabel(/^Panels/).fill('12');
    await form.getByLabel(/^Repeats/).scrollIntoViewIfNeeded();
    await office.screenshot({ path: screenshotPath('office-quote-editor-phone'), fullPage: true });
    // Nothing on the page is wider than the phone.
    expect(await office.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await office.waitForURL(/#\/quotes\/[0-9a-f-]+$/);
    const id = new URL(office.url()).hash.split('/').pop() ?? '';
    const quote = await owner.call<{ customFields: Record<string, string | number> }>('GET', `/quotes/${id}`);
    expect(quote.body.customFields).toEqual({ roof_type: 'Slate', panels: 12 });
    const sent = await owner.call<{ link: string }>('POST', `/quotes/${id}/send`, {});
    const accepted = await acceptByLink(
      base,
      sent.body.link.slice(sent.body.link.lastIndexOf('/') + 1),
      'Mary Doyle',
    );
    expect(accepted.status).toBe(200);
    // Accepted without a visit: booked from the quote, the job carries the fields.
    const booked = await owner.call<{ jobId: string }>('POST', `/quotes/${id}/book`, {
      windowStart: '2027-02-03T09:00:00Z',
      windowEnd: '2027-02-03T15:00:00Z',
    });
    expect(booked.status, JSON.stringify(booked.body)).toBe(200);
    const q = await owner.call<{ jobId: string }>('GET', `/quotes/${id}`);
    const job = await owner.call<{ customFields: Record<string, string | number> }>(
      'GET',
      `/jobs/${q.body.jobId}`,
    );
    expect(job.body.customFields).toEqual({ roof_type: 'Slate', panels: 12 });
    await office.close();
  }, 120_000);

  it('books the visit of a quote accepted without one, from the quote page', async () => {
    const site = await demoSite(owner, 'Liffey Dental Clinic');
    const types = await owner.call<{ items: { id: string; code: string }[] }>('GET', '/job-types');
    const created = await owner.call<{ id: string; number: string }>('POST', '/quotes', {
      ...site,
      jobTypeId: types.body.items.find((t) => t.code === 'REPAIR')?.id,
      title: 'Descale the steriliser water supply',
      lines: [{ description: 'Descaling, two hours', quantity: '2', unitPrice: '85.00' }],
      validUntil: '2027-01-31',
    });
    expect(created.status).toBe(201);
    const sent = await owner.call<{ link: string }>('POST', `/quotes/${created.body.id}/send`, {});
    const token = sent.body.link.slice(sent.body.link.lastIndexOf('/') + 1);
    const accepted = await acceptByLink(base, token, 'Dr Aisling Byrne');
    expect(accepted.status).toBe(200);

    const office = await signedIn(
      browser,
      base,
      'dispatch@demo.closeout.test',
      `#/quotes/${created.body.id}`,
    );
    const form = office.getByRole('form', { name: 'Book the visit' });
    await form.getByLabel('Day').fill('2027-01-14');
    await form.getByLabel('From').fill('10:00');
    await form.getByLabel('To').fill('12:00');
    await form.getByLabel('Crew').click();
    await office.getByRole('option', { name: 'Ben Okafor' }).click();
    await office.keyboard.press('Escape');
    await form.getByRole('button', { name: 'Book the visit' }).click();
    const open = office.getByRole('link', { name: /^Open J-\d+$/ });
    await open.waitFor();
    await office.screenshot({ path: screenshotPath('office-quote-booked'), fullPage: true });
    const q = await owner.call<{ jobId: string }>('GET', `/quotes/${created.body.id}`);
    const job = await owner.call<{ estimateLines: { description: string }[]; crew: { name: string }[] }>(
      'GET',
      `/jobs/${q.body.jobId}`,
    );
    expect(job.body.estimateLines.map((l) => l.description)).toEqual(['Descaling, two hours']);
    expect(job.body.crew.map((c) => c.name)).toEqual(['Ben Okafor']);

    // The pipeline over the demo's quotes and these: value by stage as a chart, and what was won.
    await office.evaluate(() => (window.location.hash = '#/quotes'));
    const pipeline = office.getByRole('region', { name: 'Pipeline' });
    await pipeline.getByRole('figure', { name: 'Quoted value in EUR by stage' }).waitFor();
    await pipeline.locator('.recharts-bar-rectangle').first().waitFor();
    expect(await pipeline.textContent()).toMatch(/Won of those decided\d+ %/);
    await office.screenshot({ path: screenshotPath('office-quotes-pipeline'), fullPage: true });
  }, 120_000);

  it('shows a customer who reads German their quote in German, on a phone, and their answer', async () => {
    const site = await demoSite(owner, 'Liffey Dental Clinic');
    const setLanguage = (language: string | null) =>
      owner.call('PATCH', `/customers/${site.customerId}`, { language });
    expect((await setLanguage('de')).status).toBe(200);
    try {
      const types = await owner.call<{ items: { id: string; code: string }[] }>('GET', '/job-types');
      const created = await owner.call<{ id: string; number: string }>('POST', '/quotes', {
        ...site,
        jobTypeId: types.body.items.find((t) => t.code === 'REPAIR')?.id,
        title: 'Wasserenthärter warten',
        lines: [
          { description: 'Wartung, zwei Stunden', quantity: '2', unitPrice: '85.00' },
          { description: 'Filterkartusche', quantity: '1', unitPrice: '42.50', optional: true },
        ],
        validUntil: '2027-01-31',
        visitStart: '2027-01-14T10:00:00.000Z',
        visitEnd: '2027-01-14T12:00:00.000Z',
      });
      expect(created.status).toBe(201);
      const sent = await owner.call<{ link: string }>('POST', `/quotes/${created.body.id}/send`, {});
      const phone = await browser.newPage({
        viewport: { width: 390, height: 844 },
        hasTouch: true,
        isMobile: true,
      });
      await phone.goto(sent.body.link);
      await phone.getByText(`Angebot ${created.body.number}`, { exact: true }).waitFor();
      expect(await phone.evaluate(() => document.documentElement.lang)).toBe('de');
      const facts = (await phone.locator('dl.facts').textContent()) ?? '';
      expect(facts).toContain('Gültig bis31. Januar 2027');
      expect(facts).toContain('Angebotener Termin14. Januar 2027, 10:00 bis 12:00');
      await phone.getByRole('group', { name: 'Extras zum Hinzufügen' }).getByText('Filterkartusche').click();
      const totals = phone.getByRole('region', { name: 'Summen' });
      await totals.getByText('Arbeit und Material').waitFor();
      // 170.00 + 42.50 = 212.50 net; with VAT at 23 %, 261.38.
      await expect.poll(() => totals.getByTestId('quote-total').textContent()).toBe('261,38 EUR');
      expect(await totals.textContent()).toContain('MwSt. 23 %');
      await phone.getByRole('heading', { name: 'Annehmen und unterschreiben' }).waitFor();
      await phone.getByRole('button', { name: 'Für 261,38 EUR annehmen' }).waitFor();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phone.screenshot({ path: screenshotPath('portal-quote-german-phone'), fullPage: true });
      await phone.getByRole('button', { name: 'Ablehnen…' }).click();
      await phone.getByLabel('Sagen Sie uns warum, damit wir es besser machen').fill('Zu teuer');
      await phone.getByRole('button', { name: 'Angebot ablehnen' }).click();
      await phone.getByText('Sie haben dieses Angebot abgelehnt.').waitFor();
      await phone.getByText('Ihr Grund: Zu teuer').waitFor();
      const text = (await phone.locator('main').textContent()) ?? '';
      expect(text).not.toMatch(/Valid until|Total|Accept|Decline|Your reason/);
      await phone.screenshot({ path: screenshotPath('portal-quote-german-declined-phone'), fullPage: true });
      await phone.close();
    } finally {
      await setLanguage(null);
    }
  });
});
