import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDate } from '../../src/core/time';
import { type Api, bookVia, caller, demoSite, jobTypeVia } from '../support/api-caller';
import { hasChromium, launch, newestMail, screenshotPath, signedIn } from '../support/browser';
import { type Spawned, startCloseout } from '../support/processes';

type Invoice = {
  id: string;
  number: string;
  outstanding: string;
  currency: string;
  status: string;
  customerId: string | null;
};
type Customer = {
  id: string;
  name: string;
  phone: string | null;
  contacts: { name: string; phone: string | null; role: string | null }[];
  sites: { id: string; name: string; address: { city: string }; accessNotes: string | null }[];
};

/** Words a person should never read on a screen: the API's enums. */
const RAW =
  /\b(partially_paid|bank_transfer|invoice_ready|needs_review|deposit_invoice|credit_note|days_1_30|time_and_materials|labor)\b/;

describe.runIf(hasChromium())('customers, invoices and job actions in the office app', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-customers-web-'));
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

  const open = (email: string, hash: string, width = 1366) => signedIn(browser, base, email, hash, width);

  it('lets a dispatcher add a caller with phone and contact, find them, and add and change a site', async () => {
    const page = await open('dispatch@demo.closeout.test', '#/customers');
    await page.getByRole('button', { name: 'New customer' }).click();
    const form = page.getByRole('form', { name: 'New customer' });
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Seapoint Lofts Management');
    await form.getByLabel('Phone', { exact: true }).fill('+353 1 555 0199');
    await form.getByRole('textbox', { name: 'Street', exact: true }).fill('3 Seapoint Avenue');
    await form.getByLabel('Postcode').fill('A96 X2Y3');
    // The town is missing: the browser says so with the server's own rules, and nothing is created.
    await form.getByRole('button', { name: 'Create customer' }).click();
    const town = form.getByRole('textbox', { name: 'Town or city' });
    await expect.poll(() => town.getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByText('Required', { exact: true }).count()).toBe(1);
    const before = await owner.call<{ items: Customer[] }>('GET', '/customers?q=Seapoint%20Lofts');
    expect(before.body.items).toEqual([]);

    await town.fill('Dún Laoghaire');
    await form.getByRole('button', { name: 'Add a contact' }).click();
    const contact = form.getByRole('group', { name: 'Contact 1' });
    await contact.getByLabel('Contact name').fill('Siobhán Kelly');
    await contact.getByLabel('Role').fill('Property manager');
    await contact.getByLabel('Contact phone').fill('+353 87 555 0123');
    await form.getByLabel('Access notes for the crew').fill('Key with the concierge');
    await page.screenshot({ path: screenshotPath('office-customer-new') });
    await form.getByRole('button', { name: 'Create customer' }).click();
    // It opens the new customer's page.
    await page.getByRole('heading', { name: 'Seapoint Lofts Management' }).waitFor();
    const found = await owner.call<{ items: Customer[] }>('GET', '/customers?q=Seapoint%20Lofts');
    expect(found.body.items).toHaveLength(1);
    const created = (await owner.call<Customer>('GET', `/customers/${found.body.items[0]?.id}`)).body;
    expect(created.phone).toBe('+353 1 555 0199');
    expect(created.contacts).toEqual([
      expect.objectContaining({ name: 'Siobhán Kelly', role: 'Property manager', phone: '+353 87 555 0123' }),
    ]);
    expect(created.sites).toEqual([
      expect.objectContaining({ name: 'Main site', accessNotes: 'Key with the concierge' }),
    ]);
    expect(created.sites[0]?.address.city).toBe('Dún Laoghaire');

    // A second site, then a change to it.
    await page.getByRole('button', { name: 'Add a site' }).click();
    const site = page.getByRole('form', { name: 'New site' });
    await site.getByLabel('Site name').fill('Block B');
    await site.getByRole('textbox', { name: 'Street', exact: true }).fill('5 Seapoint Avenue');
    await site.getByLabel('Town or city').fill('Dún Laoghaire');
    await site.getByLabel('Postcode').fill('A96 X2Y4');
    await site.getByRole('button', { name: 'Save site' }).click();
    await page.getByRole('button', { name: 'Edit site Block B' }).click();
    const edit = page.getByRole('form', { name: 'Edit site Block B' });
    await edit.getByLabel('Access notes for the crew').fill('Side gate, code 4411');
    await edit.getByRole('button', { name: 'Save site' }).click();
    await edit.waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Side gate, code 4411' }).waitFor();
    const after = (await owner.call<Customer>('GET', `/customers/${created.id}`)).body;
    expect(after.sites.map((s) => [s.name, s.accessNotes])).toEqual([
      ['Main site', 'Key with the concierge'],
      ['Block B', 'Side gate, code 4411'],
    ]);
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.screenshot({ path: screenshotPath('office-customer-page'), fullPage: true });

    // Found from the list by part of the phone number.
    await page.evaluate(() => (window.location.hash = '#/customers'));
    await page.getByLabel('Find a customer').fill('555 0199');
    await page
      .getByRole('table', { name: 'Customers' })
      .getByRole('link', { name: 'Seapoint Lofts Management' })
      .waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Customers' }).getByRole('row').count()).toBe(2);
    await page.close();
  });

  it('shows billing what is owed and late, records a part payment, and refuses more than is owed', async () => {
    const billing = await caller(base, 'billing@demo.closeout.test');
    const open0 = (await billing.call<{ items: Invoice[] }>('GET', '/invoices?open=true&limit=200')).body
      .items;
    expect(open0.length).toBeGreaterThan(0);
    // One whose customer has an invoice e-mail, to get the receipt asked for below.
    const withEmail = async (i: Invoice) =>
      !!i.customerId &&
      !!(await billing.call<{ email: string | null }>('GET', `/customers/${i.customerId}`)).body.email;
    let target: Invoice | undefined;
    for (const i of open0.filter((x) => Number(x.outstanding) > 10))
      if (await withEmail(i)) {
        target = i;
        break;
      }
    if (!target) throw new Error('no open invoice of a customer with an e-mail in the demo');

    for (const width of [1366, 390]) {
      const page = await open('billing@demo.closeout.test', '#/invoices', width);
      await page.getByText('Owed to you').first().waitFor();
      await (width > 500
        ? page.getByRole('table', { name: 'Invoices' })
        : page.getByRole('list', { name: 'Invoices' })
      ).waitFor();
      expect(await page.locator('body').textContent()).not.toMatch(RAW);
      await page.screenshot({ path: screenshotPath(`office-invoices-${width}`), fullPage: true });
      await page.close();
    }

    const page = await open('billing@demo.closeout.test', '#/invoices');
    await page.getByLabel('Search').fill(target.number);
    const dialog = page.getByRole('form', { name: 'Record a payment' });
    // The list re-renders as the search settles: a click on a row being replaced is tried again.
    for (let tries = 0; tries < 3; tries++) {
      await page.getByRole('button', { name: `Record a payment on ${target.number}` }).click();
      if (
        await dialog.waitFor({ timeout: 5_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
    }
    // More than is owed: the server refuses and says so on the amount.
    await dialog.getByLabel(/Amount received/).fill((Number(target.outstanding) + 50).toFixed(2));
    await dialog.getByRole('button', { name: 'Record payment' }).click();
    await dialog.getByRole('alert').waitFor();
    const unchanged = (await billing.call<Invoice>('GET', `/invoices/${target.id}`)).body;
    expect(unchanged.outstanding).toBe(target.outstanding);

    await dialog.getByLabel(/Amount received/).fill('10.00');
    await dialog.getByLabel('Reference').fill('BOI 4471');
    await dialog.getByLabel('E-mail the customer a receipt').check();
    await page.screenshot({ path: screenshotPath('office-record-payment') });
    await dialog.getByRole('button', { name: 'Record payment' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `recorded on ${target.number}` })
      .waitFor();
    const paid = (await billing.call<Invoice>('GET', `/invoices/${target.id}`)).body;
    expect(Number(paid.outstanding)).toBeCloseTo(Number(target.outstanding) - 10, 2);
    // The receipt the form asked for reaches the customer, saying how the money came.
    const receipt = await newestMail(
      path.join(dataDir, 'mail'),
      new RegExp(`Receipt: ${target.currency} 10\\.00 for ${target.number}`),
    );
    expect(receipt).toContain('by bank transfer');
    expect(paid.status).toBe('partially_paid');
    // The list shows the new amount owed without a reload.
    await page
      .getByRole('table', { name: 'Invoices' })
      .getByRole('cell', { name: /Partly paid/ })
      .waitFor();
    await page.close();
  });

  it('opens an invoice: pays the rest there, sends it again, credits a line, and the owner hears of the money', async () => {
    const billing = await caller(base, 'billing@demo.closeout.test');
    const open0 = (
      await billing.call<{ items: (Invoice & { kind: string })[] }>('GET', '/invoices?open=true&limit=200')
    ).body.items;
    const target = open0.find(
      (i) => i.kind === 'invoice' && ['issued', 'sent'].includes(i.status) && Number(i.outstanding) > 20,
    ) as Invoice;
    expect(target).toBeDefined();

    let page = await open('billing@demo.closeout.test', '#/invoices');
    await page.getByLabel('Search').fill(target.number);
    await page.getByRole('link', { name: target.number, exact: true }).click();
    await page.getByRole('heading', { name: target.number, level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Lines' }).waitFor();
    await page.getByRole('list', { name: 'What happened' }).waitFor();
    expect(await page.locator('body').textContent()).not.toMatch(RAW);
    await page.screenshot({ path: screenshotPath('office-invoice-1440'), fullPage: true });
    // Its job, one click away, reads in words too: the closeout's lines, the history.
    await page.getByRole('link', { name: /^Job J-\d+$/ }).click();
    await page.getByRole('region', { name: 'Closeout' }).getByRole('table').waitFor();
    expect(await page.locator('body').textContent()).not.toMatch(RAW);
    await page.goBack();
    await page.getByRole('heading', { name: target.number, level: 1 }).waitFor();

    // The rest of what is owed, from the invoice itself: it becomes paid, the payment and the history say so.
    await page.getByRole('button', { name: 'Record payment' }).click();
    const dialog = page.getByRole('form', { name: 'Record a payment' });
    await dialog.getByLabel('Reference').fill('AIB 90210');
    await dialog.getByRole('button', { name: 'Record payment' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `recorded on ${target.number}` })
      .waitFor();
    await page.getByText('Paid', { exact: true }).first().waitFor();
    await page.getByRole('list', { name: 'Payments received' }).getByText('reference AIB 90210').waitFor();
    await page
      .getByRole('list', { name: 'What happened' })
      .getByText(/^Paid in full: .+ by bank transfer$/)
      .waitFor();
    expect((await billing.call<Invoice>('GET', `/invoices/${target.id}`)).body.status).toBe('paid');

    // Send it again: the worker e-mails it, and the history names who got it (or why nobody did).
    await page.getByRole('button', { name: /^(Send again|Send to the customer)$/ }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${target.number} is being e-mailed` })
      .waitFor();
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('list', { name: 'What happened' }).waitFor();
          return page
            .getByRole('list', { name: 'What happened' })
            .getByText(/^(E-mailed to |Not e-mailed: )/)
            .count();
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);

    // Half of the first line back, with a reason, from the invoice page; the credit note opens from its list.
    await page.getByRole('button', { name: 'Credit…' }).click();
    const credit = page.getByLabel(`Credit ${target.number}`).last();
    await credit.getByLabel('Why', { exact: true }).click();
    await page.getByRole('option', { name: 'Price dispute' }).click();
    await credit
      .getByRole('textbox', { name: /^Quantity to credit of / })
      .first()
      .fill('0.5');
    await credit.getByRole('button', { name: 'Credit the chosen lines' }).click();
    const issued = page.getByRole('status').filter({ hasText: /Credit note CN-\d{4}-\d{5} issued/ });
    await issued.waitFor();
    const cn = (await issued.textContent())?.match(/CN-\d{4}-\d{5}/)?.[0] ?? '?';
    const notes = page.getByRole('list', { name: 'Credit notes' });
    await notes.getByRole('link', { name: cn, exact: true }).waitFor();
    await page.screenshot({ path: screenshotPath('office-invoice-credited'), fullPage: true });
    await notes.getByRole('link', { name: cn, exact: true }).click();
    await page.getByRole('heading', { name: cn, level: 1 }).waitFor();
    await page.getByRole('link', { name: 'the original invoice' }).waitFor();
    expect(await page.locator('body').textContent()).not.toMatch(RAW);
    await page.close();

    // On a phone the page stacks and stays readable.
    page = await open('billing@demo.closeout.test', `#/invoices/${target.id}`, 390);
    await page.getByRole('heading', { name: target.number, level: 1 }).waitFor();
    await page.getByRole('list', { name: 'What happened' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('office-invoice-390'), fullPage: true });
    await page.close();

    // The owner did not record it, and hears of it on the bell; the notification opens the invoice.
    page = await open('owner@demo.closeout.test', '#/board');
    await page.getByRole('button', { name: /^Notifications/ }).click();
    const news = page.getByRole('button', {
      name: new RegExp(`Payment received: .+ on ${target.number}, now paid in full`),
    });
    await news.first().click();
    await page.getByRole('heading', { name: target.number, level: 1 }).waitFor();
    await page.close();
  });

  it('lets billing merge a duplicate customer from the customer page: its job moves, the duplicate stays on record', async () => {
    const address = { line1: '7 Strand Road', city: 'Bray', postalCode: 'A98 K2P4', country: 'IE' };
    const make = async (name: string, email: string | null) =>
      (
        await owner.call<Customer>('POST', '/customers', {
          name,
          email,
          billingAddress: address,
          confirmDuplicate: true,
          sites: [{ name: 'Café', address }],
        })
      ).body;
    const keep = await make('Harbour Lights Café', null);
    const dup = await make('Harbour Lights Cafe Bray', 'hello@harbourlights.example');
    const types = await owner.call<{ items: { id: string; code: string }[] }>('GET', '/job-types');
    const clean = types.body.items.find((x) => x.code === 'CLEAN') as { id: string };
    const start = new Date(Date.now() + 2 * 86_400_000);
    const job = await owner.call<{ id: string; number: string }>('POST', '/jobs', {
      customerId: dup.id,
      siteId: dup.sites[0]?.id,
      jobTypeId: clean.id,
      scope: 'Window clean before the reopening',
      windowStart: start.toISOString(),
      windowEnd: new Date(start.getTime() + 3_600_000).toISOString(),
    });
    expect(job.status).toBe(201);

    const page = await open('billing@demo.closeout.test', `#/customers/${keep.id}`);
    await page.getByRole('heading', { name: 'Harbour Lights Café', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Merge a duplicate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Merge a duplicate into Harbour Lights Café' });
    await dialog.getByLabel('The duplicate', { exact: true }).fill('Harbour Lights Cafe');
    await page.getByRole('option', { name: /^Harbour Lights Cafe Bray/ }).click();
    await dialog.getByRole('list', { name: 'What moves' }).getByText('1 job', { exact: true }).waitFor();
    await page.screenshot({ path: screenshotPath('office-customer-merge') });
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Harbour Lights Cafe Bray is merged into Harbour Lights Café' })
      .waitFor();
    // The kept customer now has both sites and the e-mail; the job is theirs; the duplicate left the list.
    await page.getByRole('table', { name: 'Sites' }).getByRole('row').nth(2).waitFor();
    await page.getByText('hello@harbourlights.example').first().waitFor();
    const moved = await owner.call<{ customerId: string }>('GET', `/jobs/${job.body.id}`);
    expect(moved.body.customerId).toBe(keep.id);
    const listed = await owner.call<{ items: { id: string }[] }>('GET', '/customers?q=Harbour%20Lights');
    expect(listed.body.items.map((c) => c.id)).toEqual([keep.id]);
    await page.evaluate((id) => (window.location.hash = `#/customers/${id}`), dup.id);
    await page.getByText('Merged into another customer').waitFor();
    await page.close();

    // A dispatcher is not offered the merge: it moves invoices and billing links.
    const dispatcher = await open('dispatch@demo.closeout.test', `#/customers/${keep.id}`);
    await dispatcher.getByRole('heading', { name: 'Harbour Lights Café', level: 1 }).waitFor();
    expect(await dispatcher.getByRole('button', { name: 'Merge a duplicate…' }).count()).toBe(0);
    await dispatcher.close();
  });

  it('lets the owner write the invoice e-mail, refusing a blank it cannot fill, with a live preview', async () => {
    const page = await open('owner@demo.closeout.test', '#/settings');
    await page.getByRole('tab', { name: 'Customer messages' }).click();
    const form = page.getByRole('form', { name: 'Invoice e-mail' });
    const preview = page.getByRole('region', { name: 'Preview of the invoice e-mail' });
    await preview.getByText(/^Hello Aoife Byrne,/).waitFor();
    const message = form.getByRole('textbox', { name: 'Message', exact: true });
    await message.fill(
      'Dear {{customer}},\n{{amountLine}}\nTotal {{grandTotal}}\n{{howToPay}}\nThanks, {{organization}}',
    );
    await preview.getByText(/^Dear Aoife Byrne,/).waitFor();
    await form.getByRole('button', { name: 'Save the invoice e-mail' }).click();
    await form.getByText(/\{\{grandTotal\}\}, which Closeout cannot fill/).waitFor();
    const unchanged = await owner.call<{ invoiceEmail: { custom: boolean } }>('GET', '/organization');
    expect(unchanged.body.invoiceEmail.custom).toBe(false);
    await message.fill('Dear {{customer}},\n{{amountLine}}\n{{howToPay}}\nThanks, {{organization}}');
    await form.getByRole('button', { name: 'Save the invoice e-mail' }).click();
    await page.getByRole('status').filter({ hasText: 'The invoice e-mail is saved' }).waitFor();
    await page.screenshot({ path: screenshotPath('office-invoice-email'), fullPage: true });
    const saved = await owner.call<{ invoiceEmail: { custom: boolean; body: string } }>(
      'GET',
      '/organization',
    );
    expect(saved.body.invoiceEmail).toMatchObject({
      custom: true,
      body: expect.stringMatching(/^Dear \{\{customer\}\}/),
    });
    // Back to Closeout's wording, so the rest of the demo reads as shipped.
    await form.getByRole('button', { name: 'Start again from Closeout’s wording' }).click();
    await form.getByRole('button', { name: 'Save the invoice e-mail' }).click();
    await expect
      .poll(
        async () =>
          (await owner.call<{ invoiceEmail: { body: string } }>('GET', '/organization')).body.invoiceEmail
            .body,
      )
      .toMatch(/^Hello \{\{customer\}\},/);
    await page.close();
  });

  it('works a job from its page: dispatch, edit, move, ask the crew, cancel with a reason, history in words', async () => {
    const TZ = 'Europe/Dublin';
    const ana = await caller(base, 'ana@demo.closeout.test');
    const jobTypeId = await jobTypeVia(owner, 'PAGE', { name: 'Page actions', trade: 'plumbing' });
    const at = await demoSite(owner, 'Mary Doyle');
    const tomorrow = addDays(businessDate(new Date(), TZ), 1);
    const job = await bookVia<{ id: string; number: string; version: number }>(owner, at, {
      jobTypeId,
      day: tomorrow,
      hour: '10:00',
      timeZone: TZ,
      technicianId: ana.userId,
      scope: 'Service the boiler',
    });
    const page = await open('dispatch@demo.closeout.test', `#/jobs/${job.id}`);
    const actions = page.getByRole('toolbar', { name: 'Job actions' });
    await actions.getByRole('button', { name: 'Dispatch' }).click();
    await page.getByRole('status').filter({ hasText: 'dispatched' }).waitFor();
    const read = async () =>
      (
        await owner.call<{
          status: string;
          scope: string;
          windowStart: string;
          discountPercent: string | null;
        }>('GET', `/jobs/${job.id}`)
      ).body;
    expect((await read()).status).toBe('dispatched');

    // A dispatcher edits the scope; the billing facts are not theirs to change and are not offered.
    await actions.getByRole('button', { name: 'Edit job' }).click();
    const edit = page.getByRole('form', { name: `Edit ${job.number}` });
    expect(await edit.getByLabel('Discount (%)').count()).toBe(0);
    await edit.getByLabel('Scope of work').fill('Service the boiler and bleed the radiators');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    expect((await read()).scope).toBe('Service the boiler and bleed the radiators');

    // Moved to the afternoon, with the reason on record.
    await actions.getByRole('button', { name: 'Reschedule' }).click();
    const move = page.getByRole('form', { name: `Reschedule ${job.number}` });
    await move.getByLabel('From').fill('14:00');
    await move.getByLabel('To').fill('15:30');
    await move.getByRole('button', { name: 'Move the visit' }).click();
    await expect.poll(() => move.getByText('Required').count()).toBe(1);
    await move.getByRole('textbox', { name: 'Reason' }).fill('Customer asked for the afternoon');
    await move.getByRole('button', { name: 'Move the visit' }).click();
    await move.waitFor({ state: 'detached' });
    const moved = await read();
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit' }).format(
        new Date(moved.windowStart),
      ),
    ).toBe('14:00');

    // Ask the technician: it reaches Ana's notifications.
    await page
      .getByRole('textbox', { name: 'Message', exact: true })
      .fill('Is the pressure valve on the van?');
    await page.getByRole('button', { name: 'Ask the technician' }).click();
    await page.getByRole('status').filter({ hasText: 'on their phones' }).waitFor();
    await page
      .getByRole('log', { name: 'Conversation' })
      .getByText('Is the pressure valve on the van?')
      .waitFor();
    const inbox = await ana.call<{ items: { body?: string; message?: string }[] }>('GET', '/notifications');
    expect(JSON.stringify(inbox.body)).toContain('Is the pressure valve on the van?');

    // Cancel asks why first; the job stays on record, closed, with the reason.
    await actions.getByRole('button', { name: 'Cancel job' }).click();
    const confirm = page.getByRole('dialog', { name: `Cancel ${job.number}?` });
    expect(await confirm.getByRole('button', { name: 'Cancel the job' }).isDisabled()).toBe(true);
    await confirm.getByLabel('Reason').fill('Customer sold the house');
    await confirm.getByRole('button', { name: 'Cancel the job' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'canceled' }).waitFor();
    expect((await read()).status).toBe('canceled');
    expect(await actions.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);

    // The history speaks plainly: no machine names.
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText('Moved to another time').waitFor();
    await history.getByText('Customer sold the house').waitFor();
    expect(await history.textContent()).not.toMatch(/job\.|_/);
    await page.screenshot({ path: screenshotPath('office-job-actions'), fullPage: true });
    await page.close();

    // Billing sets the discount on another job from the same editor.
    const second = await bookVia<{ id: string; number: string }>(owner, at, {
      jobTypeId,
      day: tomorrow,
      hour: '16:00',
      timeZone: TZ,
      technicianId: ana.userId,
      scope: 'Check the thermostat',
    });
    const billingPage = await open('billing@demo.closeout.test', `#/jobs/${second.id}`, 390);
    await billingPage.getByRole('button', { name: 'Edit job' }).click();
    const billingEdit = billingPage.getByRole('form', { name: `Edit ${second.number}` });
    await billingEdit.getByLabel('Discount (%)').fill('150');
    await billingEdit.getByRole('button', { name: 'Save changes' }).click();
    await billingEdit.getByText('at most 100').waitFor();
    await billingEdit.getByLabel('Discount (%)').fill('12.5');
    await billingEdit.getByRole('button', { name: 'Save changes' }).click();
    await billingEdit.waitFor({ state: 'detached' });
    expect(
      (await owner.call<{ discountPercent: string }>('GET', `/jobs/${second.id}`)).body.discountPercent,
    ).toMatch(/^12\.5/);
    await billingPage.screenshot({ path: screenshotPath('office-job-phone'), fullPage: true });
    await billingPage.close();
  });

  it('invoices a period of a contract billed per cycle from its page, leaving unfinished visits for the next', async () => {
    const TZ = 'Europe/Dublin';
    const today = businessDate(new Date(), TZ);
    // The month before last: whole, in the past, and never taken by the hourly automatic run.
    const lastMonth = `${addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7)}-01`;
    const monthStart = `${addDays(lastMonth, -1).slice(0, 7)}-01`;
    const monthEnd = addDays(lastMonth, -1);
    const site = await demoSite(owner, 'Greenfield Primary School');
    const type = await jobTypeVia(owner, 'PERIOD', { name: 'Plant check', trade: 'hvac' });
    const ana = await caller(base, 'ana@demo.closeout.test');
    const created = await owner.call<{ id: string; visits: { id: string; occurrenceDate: string }[] }>(
      'POST',
      '/series',
      {
        ...site,
        jobTypeId: type,
        rrule: 'FREQ=WEEKLY;BYDAY=TU',
        startDate: monthStart,
        startTime: '09:00',
        durationMinutes: 60,
        crew: [ana.userId],
        scope: 'Weekly plant check, invoiced by the month',
        billingRule: 'per_cycle',
        billingCycle: 'monthly',
        horizonDays: 30,
      },
    );
    expect(created.status).toBe(201);
    const visits = created.body.visits.filter((v) => v.occurrenceDate <= monthEnd);
    for (const v of visits.slice(0, 2)) {
      const done = await ana.call('POST', `/jobs/${v.id}/closeouts`, {
        submissionId: crypto.randomUUID(),
        workPerformed: { checklist: [], notes: 'Plant checked' },
        labor: [{ technicianId: ana.userId, hours: '1' }],
        deviceTime: new Date().toISOString(),
      });
      expect(done.status).toBe(201);
    }

    const page = await open('billing@demo.closeout.test', `#/series/${created.body.id}`);
    await page.getByRole('button', { name: 'Invoice a period…' }).click();
    const form = page.getByRole('form', { name: 'Invoice a period' });
    await form.getByLabel('First day').fill(monthStart);
    await form.getByLabel('Last day').fill(monthEnd);
    await page.screenshot({ path: screenshotPath('office-series-invoice-period') });
    await form.getByRole('button', { name: 'Invoice the period' }).click();
    await page
      .getByText(/INV-\d{4}-\d{5} issued for the visits of the period|waits in the billing queue/)
      .waitFor();
    const invoices = await owner.call<{
      items: { seriesId: string | null; exceptions: string[]; lines: unknown[] }[];
    }>('GET', '/invoices?limit=200');
    const mine = invoices.body.items.filter((i) => i.seriesId === created.body.id);
    expect(mine).toHaveLength(1);
    // The two finished visits are billed; the others of the month are named as not finished.
    expect(mine[0]?.lines.length).toBe(2);
    expect(mine[0]?.exceptions.length).toBe(visits.length - 2);
    // Asking again for the same period bills nothing twice, and says so.
    await page.getByRole('button', { name: 'Invoice a period…' }).click();
    await form.getByLabel('First day').fill(monthStart);
    await form.getByLabel('Last day').fill(monthEnd);
    await form.getByRole('button', { name: 'Invoice the period' }).click();
    await form.getByRole('alert').waitFor();
    expect(await form.getByRole('alert').textContent()).not.toMatch(/[a-z]+_[a-z]+/);
  });

  it('books a weekly service, changes "this and following", pauses and resumes it, all by clicking', async () => {
    const TZ = 'Europe/Dublin';
    const today = businessDate(new Date(), TZ);
    // The Monday after next: every visit of the test is in the future whatever day it runs.
    const monday = addDays(today, 7 + ((8 - new Date(`${today}T00:00:00Z`).getUTCDay()) % 7 || 7));
    const page = await open('dispatch@demo.closeout.test', '#/series');
    await page.getByRole('heading', { name: 'Recurring services' }).waitFor();
    await page.getByRole('button', { name: 'New recurring service' }).click();
    const form = page.getByRole('form', { name: 'New recurring service' });
    await form.getByLabel('Customer').click();
    await page.getByRole('option', { name: 'Liffey Dental Clinic' }).click();
    await form.getByLabel('Job type').click();
    await page.getByRole('option', { name: 'Maintenance visit' }).click();
    await form.getByLabel('Work at each visit').fill('Check the compressor and the water lines');
    await form.getByLabel('First visit on or after').fill(monday);
    await form.getByLabel('Arrival time').fill('08:30');
    // The schedule starts on the first visit's weekday; Wednesday is added with a click.
    await form.getByRole('radio', { name: 'Weekly' }).check({ force: true });
    await form.getByRole('group', { name: 'On these days' }).getByText('Mon').waitFor();
    await form.getByRole('group', { name: 'On these days' }).getByText('Wed').click();
    await expect
      .poll(() => form.getByTestId('first-visits').textContent())
      .toMatch(/^First visits: Mon,.* Wed,.* Mon,.* Wed,/);
    await page.screenshot({ path: screenshotPath('office-series-new') });
    await form.getByRole('button', { name: 'Create recurring service' }).click();
    await page.getByRole('heading', { name: 'Liffey Dental Clinic: Maintenance visit' }).waitFor();
    await page
      .getByText(/Every week on Monday and Wednesday at 08:30/)
      .first()
      .waitFor();

    type Summary = { id: string; rrule: string; status: string; customer: { name: string } };
    const listed = async () =>
      (
        await owner.call<{ items: Summary[] }>(
          'GET',
          '/series?status=active,paused,ended,continued&limit=200',
        )
      ).body.items.filter((s) => s.customer.name === 'Liffey Dental Clinic');
    const [created] = await listed();
    expect(created).toMatchObject({ rrule: 'FREQ=WEEKLY;BYDAY=MO,WE', status: 'active' });

    // From the Monday a week later: Mondays only, at 10:00.
    await page.getByRole('button', { name: 'Change this and following…' }).click();
    const change = page.getByRole('form', { name: 'Change this and following visits' });
    await change.locator('input[type=date]').fill(addDays(monday, 7));
    await change.getByRole('group', { name: 'On these days' }).getByText('Wed').click();
    await change.getByLabel('Arrival time').fill('10:00');
    await change.getByRole('button', { name: 'Change from this date' }).click();
    await change.getByText('Required').waitFor(); // the reason is asked for before anything changes
    expect((await listed()).map((s) => s.status)).toEqual(['active']);
    await change.getByLabel('Why the change').fill('The clinic asked for Mondays only, later in the morning');
    await change.getByRole('button', { name: 'Change from this date' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /visit moved|visits moved/ })
      .waitFor();
    await page
      .getByText(/Every week on Monday at 10:00/)
      .first()
      .waitFor();
    const plan = page.getByRole('region', { name: 'Plan history' });
    await expect.poll(() => plan.locator('.mantine-Timeline-item').count()).toBe(2);
    const parts = await listed();
    expect(parts.map((p) => [p.rrule, p.status]).sort()).toEqual([
      ['FREQ=WEEKLY;BYDAY=MO,WE', 'continued'],
      ['FREQ=WEEKLY;BYDAY=MO', 'active'],
    ]);
    const current = parts.find((p) => p.status === 'active') as Summary;
    const detail = (
      await owner.call<{ visits: { occurrenceDate: string; windowStart: string; status: string }[] }>(
        'GET',
        `/series/${current.id}`,
      )
    ).body;
    for (const v of detail.visits) {
      expect(new Date(`${v.occurrenceDate}T00:00:00Z`).getUTCDay()).toBe(1);
      expect(
        new Intl.DateTimeFormat('en-GB', { timeZone: TZ, timeStyle: 'short' }).format(
          new Date(v.windowStart),
        ),
      ).toBe('10:00');
    }

    // A pause needs a reason; resuming continues as a new part.
    await page.getByRole('button', { name: 'Pause…' }).click();
    const pause = page.getByRole('form', { name: 'Pause the recurring service' });
    await pause.getByLabel('No visits from').fill(addDays(monday, 14));
    await pause.getByLabel('Reason').fill('Clinic closed for refurbishment');
    await pause.getByRole('button', { name: 'Pause the service' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Paused from/ })
      .waitFor();
    await page.getByText(/Reason: Clinic closed for refurbishment/).waitFor();
    await page.getByRole('button', { name: 'Resume…' }).click();
    const resume = page.getByRole('form', { name: 'Resume the recurring service' });
    await resume.getByLabel('Visits again from').fill(addDays(monday, 35));
    await resume.getByRole('button', { name: 'Resume the service' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Resumed/ })
      .waitFor();
    await expect.poll(() => plan.locator('.mantine-Timeline-item').count()).toBe(3);
    expect((await listed()).map((s) => s.status).sort()).toEqual(['active', 'continued', 'continued']);
    expect(await page.locator('body').textContent()).not.toMatch(/FREQ=|per_visit|per_cycle|\bcontinued\b/);
    await page.screenshot({ path: screenshotPath('office-series-1366'), fullPage: true });
    await page.close();

    for (const width of [1366, 390]) {
      const list = await open('dispatch@demo.closeout.test', '#/series', width);
      await list.getByRole('link', { name: 'Liffey Dental Clinic' }).first().waitFor();
      expect(await list.locator('body').textContent()).not.toMatch(/FREQ=|per_visit|per_cycle/);
      await list.screenshot({ path: screenshotPath(`office-series-list-${width}`), fullPage: true });
      await list.evaluate((id) => (window.location.hash = `#/series/${id}`), current.id);
      await list.getByRole('region', { name: 'Plan history' }).waitFor();
      await list.screenshot({ path: screenshotPath(`office-series-page-${width}`), fullPage: true });
      await list.close();
    }
  });
});
