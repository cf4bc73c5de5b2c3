import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller } from '../support/api-caller';
import { hasChromium, launch, newestMail, officePage, screenshotPath } from '../support/browser';
import { startFakeTwilio } from '../support/fake-twilio';
import { type Spawned, startCloseout } from '../support/processes';

const PASSWORD = 'liffey-valve-copper-26';

/**
 * A business moves in by itself (#25): it signs up, proves its address by the e-mailed link, chooses its
 * password, and the setup wizard takes it through its details, Ireland's VAT rates and the plumbing trade;
 * what it skips stays on the home page's checklist.
 */
describe.runIf(hasChromium())('sign-up and the setup wizard in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-signup-web-'));
  const mailDir = path.join(dataDir, 'mail');
  let server: Spawned;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs up a plumbing business in Ireland and runs the wizard, skipping what can wait', async () => {
    const phone = await officePage(browser, base, 390);
    await phone.getByRole('button', { name: 'Open your business' }).click();
    const form = phone.getByRole('form', { name: 'Open your business' });
    await form.getByLabel('Business name').fill('Liffey Plumbing');
    await form.getByLabel('Country').selectOption('IE');
    await form.getByText(/Invoices in EUR, VAT at 23 %, 13.5 %, 9 %/).waitFor();
    await form.getByLabel('Your name').fill('Siobhán Byrne');
    await form.getByLabel('E-mail').fill('siobhan@liffey-plumbing.test');
    await phone.screenshot({ path: screenshotPath('office-sign-up-390'), fullPage: true });
    await form.getByRole('button', { name: 'Send me the link' }).click();
    await phone.getByText(/An e-mail with a link to open Liffey Plumbing is on its way/).waitFor();
    await phone.close();

    const mail = await newestMail(mailDir, /Open Liffey Plumbing on Closeout/);
    const link = /(http:\/\/\S+#\/finish-sign-up\?token=\S+)/.exec(mail)?.[1];
    if (!link) throw new Error(`no link in the e-mail: ${mail.slice(0, 400)}`);
    const page = await officePage(browser, base, 1440);
    await page.goto(link);
    const finish = page.getByRole('form', { name: 'Choose your password' });
    await finish.getByText(/Choose a password to open Liffey Plumbing/).waitFor();
    await finish.getByLabel('Choose a password').fill(PASSWORD);
    await finish.getByRole('button', { name: 'Open my business' }).click();

    await page.getByRole('heading', { name: 'Set up Liffey Plumbing' }).waitFor();
    const business = page.getByRole('form', { name: 'Business details' });
    await business.getByLabel('Legal name').fill('Liffey Plumbing Ltd');
    await business.getByLabel('Address', { exact: true }).fill('12 Quay Street');
    await business.getByLabel('Town or city').fill('Dublin');
    await business.getByLabel('Postcode').fill('D02 X285');
    await business.getByLabel('VAT number').fill('6388047V');
    await business.getByRole('button', { name: 'Save and continue' }).click();
    // The same check as the server's: the country prefix is missing.
    await business.getByText(/must start with the country prefix/).waitFor();
    await business.getByLabel('VAT number').fill('IE6388047V');
    await page.screenshot({ path: screenshotPath('office-setup-business'), fullPage: true });
    await business.getByRole('button', { name: 'Save and continue' }).click();

    const rates = page.getByRole('table', { name: 'Tax rates' });
    await rates.getByRole('cell', { name: 'Standard rate 23 %' }).waitFor();
    await page.getByRole('button', { name: 'The rates are right' }).click();

    await page.getByRole('checkbox', { name: 'Plumbing' }).check();
    await page.screenshot({ path: screenshotPath('office-setup-trade'), fullPage: true });
    await page.getByRole('button', { name: 'Add job types and prices' }).click();

    const invoicing = page.getByRole('form', { name: 'Invoicing and payment' });
    await invoicing.getByLabel('Payment terms (days)').fill('14');
    await invoicing.getByLabel('IBAN').fill('IE29 AIBK 9311 5212 3456 78');
    await invoicing.getByRole('button', { name: 'Save and continue' }).click();

    // Logo, team and accounting can wait.
    for (const section of ['Branding', 'Invite your team']) {
      await page.getByRole('region', { name: section }).waitFor();
      await page.getByRole('button', { name: 'Skip for now' }).click();
    }
    await page.getByRole('button', { name: 'I have connected it' }).waitFor();
    await page.getByRole('button', { name: 'Skip for now' }).click();
    await page.getByText(/What you skipped stays on the home page/).waitFor();
    await page.getByRole('link', { name: 'Go to the board' }).click();

    const checklist = page.getByRole('region', { name: 'Finish setting up' });
    await checklist.getByText('3 steps left').waitFor();
    await checklist.getByText('Your trade: done').waitFor();
    await checklist.getByText('Logo and colour: skipped').waitFor();
    await page.screenshot({ path: screenshotPath('office-setup-checklist'), fullPage: true });

    // The messages customers get about their visits: the owner turns one off and rewrites another.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Customer messages' }).click();
    await page.getByRole('button', { name: /^Cancellation/ }).click();
    const cancel = page.getByRole('form', { name: 'Cancellation' });
    await cancel.getByLabel('Send this message').uncheck();
    await cancel.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Cancellation saved: messages from now on use it').waitFor();
    await page.getByRole('button', { name: /^On my way/ }).click();
    const onWay = page.getByRole('form', { name: 'On my way' });
    await onWay.getByLabel('Subject').fill('{{technician}} is coming {{when}}');
    await onWay.getByRole('button', { name: 'Save', exact: true }).click();
    await onWay.getByText('no such placeholder: {{when}}').waitFor();
    await onWay.getByLabel('Subject').fill('{{technician}} from Liffey Plumbing is coming');
    await page
      .getByRole('region', { name: 'Preview of on my way' })
      .getByText('Ana from Liffey Plumbing is coming')
      .waitFor();
    await page.screenshot({ path: screenshotPath('office-settings-customer-messages'), fullPage: true });
    await onWay.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('On my way saved: messages from now on use it').waitFor();

    // What the wizard saved is the organization's, through the API too.
    const owner = await caller(base, 'siobhan@liffey-plumbing.test', PASSWORD);
    const org = (await owner.call<Record<string, unknown>>('GET', '/organization')).body;
    expect(org).toMatchObject({
      name: 'Liffey Plumbing',
      legalName: 'Liffey Plumbing Ltd',
      currency: 'EUR',
      vatId: 'IE6388047V',
      iban: 'IE29 AIBK 9311 5212 3456 78',
      replyToEmail: 'siobhan@liffey-plumbing.test',
      paymentTermsDays: 14,
      address: { line1: '12 Quay Street', city: 'Dublin', postalCode: 'D02 X285', country: 'IE' },
    });
    const types = (await owner.call<{ items: { code: string }[] }>('GET', '/job-types')).body.items;
    const words = (
      await owner.call<{ items: { kind: string; enabled: boolean; subject: string }[] }>(
        'GET',
        '/organization/customer-messages',
      )
    ).body.items;
    expect(words.find((w) => w.kind === 'canceled')?.enabled).toBe(false);
    expect(words.find((w) => w.kind === 'on_my_way')?.subject).toBe(
      '{{technician}} from Liffey Plumbing is coming',
    );
    expect(types.map((t) => t.code)).toEqual(['PLUMB']);

    // On a phone the wizard stacks its steps; back in it, the first open step is shown.
    const small = await officePage(browser, base, 390);
    await small.getByLabel('E-mail').fill('siobhan@liffey-plumbing.test');
    await small.getByLabel('Password').fill(PASSWORD);
    await small.getByRole('button', { name: 'Sign in' }).click();
    await small
      .getByRole('region', { name: 'Finish setting up' })
      .getByRole('link', { name: 'Continue setting up' })
      .click();
    await small.getByRole('region', { name: 'Branding' }).waitFor();
    await small.screenshot({ path: screenshotPath('office-setup-390'), fullPage: true });
    await small.close();
    await page.close();
  });

  it('brings its customers from Jobber: a dry run names the two bad rows, the fixed file imports, and a booked customer is told', async () => {
    const header =
      'J-ID,Display Name,Company Name,First Name,Last Name,E-mails,Mobile Phone #s,Billing Street 1,Billing City,Billing Zip code,Billing Country';
    const good = [
      '1,Rachel Byrne,,Rachel,Byrne,rachel@byrne.test,087 555 0101,12 Oak Lane,Dublin,D06 F2X3,Ireland',
      '2,Harbour Bakery,Harbour Bakery,Liam,Walsh,accounts@harbour.test,,4 Quay Street,Cork,T12 AB34,Ireland',
      '3,Conor Kelly,,Conor,Kelly,conor@kelly.test,,7 Bay Road,Galway,H91 C2D3,Ireland',
    ];
    const bad = [
      '4,Niamh Doyle,,Niamh,Doyle,niamh-at-doyle,,3 Elm Road,Limerick,V94 X1Y2,Ireland',
      '5,Aidan Roche,,Aidan,Roche,aidan@roche.test,,9 Pine Road,Bray,,Ireland',
    ];
    const fixed = [
      '4,Niamh Doyle,,Niamh,Doyle,niamh@doyle.test,,3 Elm Road,Limerick,V94 X1Y2,Ireland',
      '5,Aidan Roche,,Aidan,Roche,aidan@roche.test,,9 Pine Road,Bray,A98 F2X1,Ireland',
    ];
    const csv = (rows: string[]) => Buffer.from(`\uFEFF${[header, ...rows].join('\r\n')}\r\n`);

    const page = await officePage(browser, base, 1440);
    await page.getByLabel('E-mail').fill('siobhan@liffey-plumbing.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Customers', exact: true }).click();
    await page.getByRole('link', { name: 'Import customers', exact: true }).click();
    const upload = page.getByRole('region', { name: 'Upload a file' });
    await upload
      .locator('input[type=file]')
      .setInputFiles({ name: 'jobber-clients.csv', mimeType: 'text/csv', buffer: csv([...good, ...bad]) });
    const batch = page.getByRole('region', { name: 'This import' });
    await batch.getByText('This looks like an export from Jobber.', { exact: false }).waitFor();
    await page.screenshot({ path: screenshotPath('office-import-columns'), fullPage: true });
    await batch.getByRole('button', { name: 'Check the file' }).click();

    // The dry run: three new customers, two rows to fix, each problem on the column it came from.
    await batch.getByText('Checked: ready to import').waitFor();
    const refused = batch.getByRole('table', { name: 'Cannot be imported' });
    await refused.getByText('E-mail (column “E-mails”) is not an e-mail address').waitFor();
    await refused.getByText('Billing postcode (column “Billing Zip code”) is empty').waitFor();
    await batch.getByRole('button', { name: 'Import 3 customers' }).waitFor();
    await page.screenshot({ path: screenshotPath('office-import-dry-run'), fullPage: true });
    const owner = await caller(base, 'siobhan@liffey-plumbing.test', PASSWORD);
    const listed = async () =>
      (await owner.call<{ items: { name: string }[] }>('GET', '/customers?q=Doyle')).body.items.length;
    expect(await listed()).toBe(0);

    // The office fixes the two rows in its spreadsheet and brings the file again.
    await batch.getByRole('button', { name: 'Close' }).click();
    await upload.locator('input[type=file]').setInputFiles({
      name: 'jobber-clients-fixed.csv',
      mimeType: 'text/csv',
      buffer: csv([...good, ...fixed]),
    });
    await batch.getByRole('button', { name: 'Check the file' }).click();
    await batch.getByRole('button', { name: 'Import 5 customers' }).click();
    await batch.getByText('5 customers created').waitFor();
    await page.screenshot({ path: screenshotPath('office-import-done'), fullPage: true });
    expect(await listed()).toBe(1);

    // Then the jobs already booked in Jobber: one for a customer just imported, one for nobody known here.
    const kinds = (await owner.call<{ items: { name: string }[] }>('GET', '/job-types')).body.items;
    const day = new Date(Date.now() + 5 * 86_400_000);
    const dmy = `${String(day.getUTCDate()).padStart(2, '0')}/${String(day.getUTCMonth() + 1).padStart(2, '0')}/${day.getUTCFullYear()}`;
    const visits = [
      'Job #,Client name,Title,Date,Start time,End time,Job Type',
      `J-77,Harbour Bakery,Service the hot water cylinder,${dmy},10:00 AM,12:00 PM,${kinds[0]?.name}`,
      `J-78,Someone Unknown,Clear a blocked drain,${dmy},2:00 PM,3:00 PM,${kinds[0]?.name}`,
    ];
    await batch.getByRole('button', { name: 'Close' }).click();
    await upload.getByText('Booked jobs', { exact: true }).click();
    await upload.locator('input[type=file]').setInputFiles({
      name: 'jobber-visits.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${visits.join('\r\n')}\r\n`),
    });
    await batch.getByText('This looks like an export from Jobber.', { exact: false }).waitFor();
    await batch.getByRole('button', { name: 'Check the file' }).click();
    await batch
      .getByRole('table', { name: 'Cannot be imported' })
      .getByText('is no customer of yours: “Someone Unknown”', { exact: false })
      .waitFor();
    await page.screenshot({ path: screenshotPath('office-import-jobs-dry-run'), fullPage: true });
    await batch.getByRole('button', { name: 'Import 1 booked job' }).click();
    await batch.getByText('1 booked job created').waitFor();
    const bakery = (await owner.call<{ items: { id: string }[] }>('GET', '/customers?q=Harbour')).body
      .items[0];
    const theirJobs = await owner.call<{ items: { scope: string; windowStart: string }[] }>(
      'GET',
      `/jobs?customerId=${bakery?.id}`,
    );
    expect(theirJobs.body.items.map((j) => j.scope)).toEqual(['Service the hot water cylinder']);

    // Booked, the imported customer is sent the confirmation at the address the file gave.
    const found = (
      await owner.call<{ items: { id: string; sites: { id: string }[] }[] }>('GET', '/customers?q=Byrne')
    ).body.items[0];
    const types = (await owner.call<{ items: { id: string }[] }>('GET', '/job-types')).body.items;
    const start = new Date(Date.now() + 3 * 86_400_000);
    start.setUTCHours(9, 0, 0, 0);
    const booked = await owner.call('POST', '/jobs', {
      customerId: found?.id,
      siteId: found?.sites[0]?.id,
      jobTypeId: types[0]?.id,
      scope: 'Leaking kitchen tap',
      windowStart: start.toISOString(),
      windowEnd: new Date(start.getTime() + 2 * 3_600_000).toISOString(),
    });
    expect(booked.status).toBe(201);
    const mail = await newestMail(mailDir, /Liffey Plumbing: your visit on/);
    expect(mail).toContain('rachel@byrne.test');

    const small = await officePage(browser, base, 390);
    await small.getByLabel('E-mail').fill('siobhan@liffey-plumbing.test');
    await small.getByLabel('Password').fill(PASSWORD);
    await small.getByRole('button', { name: 'Sign in' }).click();
    await small.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    await small.evaluate(() => (window.location.hash = '#/import'));
    await small.getByRole('table', { name: 'Imports' }).getByText('jobber-clients-fixed.csv').click();
    await small.getByRole('region', { name: 'This import' }).getByText('5 customers created').waitFor();
    await small.screenshot({ path: screenshotPath('office-import-390'), fullPage: true });
    await small.close();
    await page.close();
  });

  it('connects texts: the owner sees the account, its limits and use; a booked customer is texted and the job shows it delivered', async () => {
    const twilio = await startFakeTwilio();
    try {
      const page = await officePage(browser, base, 1440);
      await page.getByLabel('E-mail').fill('siobhan@liffey-plumbing.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: 'Customer messages' }).click();
      const card = page.getByRole('region', { name: 'Texts to customers' });
      const form = card.getByRole('form', { name: 'Connect texts' });
      await form.getByLabel('Twilio account SID').fill('AC12');
      await form.getByLabel('Send from').fill('086 111 0000');
      await form.getByRole('button', { name: 'Connect texts' }).click();
      await form.getByText('a Twilio account SID: AC and 32 hexadecimal characters').waitFor();
      await form.getByText(/a number such as \+353861234567/).waitFor();
      await page.screenshot({ path: screenshotPath('office-texts-connect'), fullPage: true });

      // Connected through the API, pointed at the fake (the screen has no field for another Twilio).
      const owner = await caller(base, 'siobhan@liffey-plumbing.test', PASSWORD);
      const connected = await owner.call('PUT', '/organization/sms', {
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        sender: twilio.sender,
        apiBaseUrl: twilio.url,
        monthlyCap: 200,
        // Quiet hours away from now (Dublin keeps UTC in winter), so the confirmation goes at once.
        quietStart: (new Date().getUTCHours() + 6) % 24,
        quietEnd: (new Date().getUTCHours() + 9) % 24,
      });
      expect(connected.status).toBe(200);
      await page.reload();
      await page.getByRole('tab', { name: 'Customer messages' }).click();
      await card.getByText(/Texts go from \+353861110000/).waitFor();
      const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
      const now = new Date().getUTCHours();
      await card.getByText(`never between ${hh(now + 6)} and ${hh(now + 9)}`, { exact: false }).waitFor();
      await card.getByText('0 of 200 texts this month').waitFor();

      const found = (
        await owner.call<{ items: { id: string; sites: { id: string }[] }[] }>('GET', '/customers?q=Byrne')
      ).body.items[0];
      const types = (await owner.call<{ items: { id: string }[] }>('GET', '/job-types')).body.items;
      const start = new Date(Date.now() + 4 * 86_400_000);
      start.setUTCHours(11, 0, 0, 0);
      const booked = await owner.call<{ id: string }>('POST', '/jobs', {
        customerId: found?.id,
        siteId: found?.sites[0]?.id,
        jobTypeId: types[0]?.id,
        scope: 'Radiator valve replaced',
        windowStart: start.toISOString(),
        windowEnd: new Date(start.getTime() + 2 * 3_600_000).toISOString(),
      });
      expect(booked.status).toBe(201);
      for (let i = 0; i < 100 && twilio.texts.length === 0; i++) await new Promise((r) => setTimeout(r, 200));
      expect(twilio.texts[0]).toMatchObject({ to: '+353875550101' });
      expect(twilio.texts[0]?.body).toMatch(
        /^Liffey Plumbing: your visit is booked for .* Reply STOP to opt out\.$/,
      );
      expect((await twilio.report(twilio.texts[0]?.sid ?? '', 'delivered')).status).toBe(200);

      await page.evaluate((id) => (window.location.hash = `#/jobs/${id}`), booked.body.id);
      const notices = page.getByRole('region', { name: 'Visit notices' });
      await notices.getByText('By text to +353875550101', { exact: false }).waitFor();
      await notices.getByText('Delivered').waitFor();
      await page.screenshot({ path: screenshotPath('office-job-texts'), fullPage: true });
      await page.close();

      // On a phone: the texts card as the owner reads it there.
      const small = await officePage(browser, base, 390);
      await small.getByLabel('E-mail').fill('siobhan@liffey-plumbing.test');
      await small.getByLabel('Password').fill(PASSWORD);
      await small.getByRole('button', { name: 'Sign in' }).click();
      await small.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
      await small.evaluate(() => (window.location.hash = '#/settings'));
      await small.getByRole('tab', { name: 'Customer messages' }).click();
      await small
        .getByRole('region', { name: 'Texts to customers' })
        .getByText('1 of 200 texts this month')
        .waitFor();
      await small.screenshot({ path: screenshotPath('office-texts-390'), fullPage: true });
      // Stopping texts says so, above the connect form that replaces the connected block.
      const smallCard = small.getByRole('region', { name: 'Texts to customers' });
      await smallCard.getByRole('button', { name: 'Stop texts' }).click();
      await smallCard.getByText('Texts are stopped: customers get e-mail only').waitFor();
      await smallCard.getByRole('form', { name: 'Connect texts' }).waitFor();
      expect((await owner.call<{ connected: boolean }>('GET', '/organization/sms')).body.connected).toBe(
        false,
      );
      await small.close();
    } finally {
      await twilio.close();
    }
  });

  it('one account in several businesses: the owner opens a second one; a bookkeeper with an account joins and switches', async () => {
    const page = await officePage(browser, base, 1440);
    await page.getByLabel('E-mail').fill('siobhan@liffey-plumbing.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const account = page.getByRole('button', { name: /^Account:/ });
    await account.click();
    await page.getByRole('menuitem', { name: 'Open another organization' }).click();
    const open = page.getByRole('form', { name: 'Open another organization' });
    await open.getByRole('button', { name: 'Open it' }).click();
    await open.getByText('Required').waitFor();
    await open.getByLabel('Business name').fill('Liffey Heating');
    await page.screenshot({ path: screenshotPath('office-open-another-organization'), fullPage: true });
    await open.getByRole('button', { name: 'Open it' }).click();
    // The new business starts in its own wizard, with nothing of the first one's.
    await page.getByRole('heading', { name: 'Set up Liffey Heating' }).waitFor();
    await account.click();
    await page.getByRole('menuitem', { name: 'Switch to Liffey Plumbing' }).waitFor();
    await page.screenshot({ path: screenshotPath('office-account-menu-organizations'), fullPage: true });
    await page.getByRole('menuitem', { name: 'Switch to Liffey Plumbing' }).click();
    await page.getByRole('region', { name: 'Finish setting up' }).waitFor();
    await account.click();
    await page.getByRole('menuitem', { name: 'Switch to Liffey Heating' }).waitFor();
    await page.keyboard.press('Escape');

    // Brightwater's bookkeeper keeps Liffey's books too: invited to the address they sign in with.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Users and roles' }).click();
    const invite = page.getByRole('form', { name: 'Invite someone' });
    await invite.getByLabel('Full name').fill('Brian Murphy');
    await invite.getByLabel('Their e-mail').fill('billing@demo.closeout.test');
    // The roles field shows its choices as pills: open it where it shows, then toggle the options.
    await invite.locator('.mantine-MultiSelect-input').click();
    await page.getByRole('option', { name: 'Billing' }).click();
    await page.getByRole('option', { name: 'Technician' }).click();
    await page.keyboard.press('Escape');
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('An invitation is on its way to billing@demo.closeout.test.').waitFor();
    await page.close();

    const mail = await newestMail(mailDir, /Liffey Plumbing invites you to Closeout/);
    expect(mail).toMatch(/join with the Closeout password you already use/);
    const link = /(http:\/\/\S+#\/accept-invitation\?token=\S+)/.exec(mail)?.[1];
    if (!link) throw new Error(`no link in the e-mail: ${mail.slice(0, 400)}`);
    const phone = await officePage(browser, base, 390);
    await phone.goto(link);
    const join = phone.getByRole('form', { name: 'Join with your account' });
    await join.getByText(/You already have a Closeout account as billing@demo.closeout.test/).waitFor();
    await join.getByLabel('Your Closeout password').fill('not-the-password');
    await join.getByRole('button', { name: 'Sign in and join' }).click();
    await join.getByText('E-mail or password is wrong').waitFor();
    await join.getByLabel('Your Closeout password').fill('closeout-demo-2026');
    await phone.screenshot({ path: screenshotPath('office-join-with-account-390'), fullPage: true });
    await join.getByRole('button', { name: 'Sign in and join' }).click();
    const menu = phone.getByRole('button', { name: /^Account:/ });
    await menu.click();
    await phone
      .getByRole('menu')
      .getByText(/Brian Murphy · Billing.*Liffey Plumbing/)
      .waitFor();
    await phone.getByRole('menuitem', { name: 'Switch to Brightwater Heating & Plumbing' }).waitFor();
    // The menu fades in: shot once it is opaque.
    await expect.poll(() => phone.getByRole('menu').evaluate((m) => getComputedStyle(m).opacity)).toBe('1');
    await phone.screenshot({ path: screenshotPath('office-account-menu-390'), fullPage: true });
    await phone.getByRole('menuitem', { name: 'Switch to Brightwater Heating & Plumbing' }).click();
    // Back at Brightwater with Brightwater's own work: its invoices are there, Liffey's customers are not.
    await phone.getByRole('link', { name: 'Invoices', exact: true }).click();
    await phone.getByRole('heading', { name: 'Invoices' }).waitFor();
    await menu.click();
    await phone.getByRole('menuitem', { name: 'Switch to Liffey Plumbing' }).waitFor();
    await phone.close();

    // The same through the API: the bookkeeper's two memberships, billing in both.
    const books = await caller(base, 'billing@demo.closeout.test', 'closeout-demo-2026');
    const me = (
      await books.call<{ organization: { name: string }; organizations: { name: string }[] }>('GET', '/me')
    ).body;
    expect(me.organization.name).toBe('Brightwater Heating & Plumbing');
    expect(me.organizations.map((o) => o.name)).toEqual([
      'Brightwater Heating & Plumbing',
      'Liffey Plumbing',
    ]);
  });
});
