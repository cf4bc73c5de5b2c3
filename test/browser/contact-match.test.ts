import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, caller } from '../support/api-caller';
import { hasChromium, launch, screenshotPath, signedIn } from '../support/browser';
import { type FakeAccounting, startFakeAccounting } from '../support/fake-accounting';
import { type Spawned, startCloseout } from '../support/processes';

type Invoice = { id: string; number: string | null; kind: string; customerId: string | null };
type Customer = { id: string; name: string; email: string | null };
type Failure = {
  id: string;
  invoiceId: string | null;
  providerCode: string | null;
  contactMatch: { name: string; email: string | null; decision: string | null } | null;
};

const until = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
};

/**
 * A business that kept its customers in QuickBooks connects it (#21): a customer already there under the
 * same name and e-mail is not duplicated; the office links it from the review lane with one click.
 */
describe.runIf(hasChromium())('linking a customer to the contact QuickBooks already has, in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-contact-match-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let owner: Api;
  let fake: FakeAccounting;

  beforeAll(async () => {
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir }));
    browser = await launch();
    owner = await caller(base, 'owner@demo.closeout.test');
    fake = await startFakeAccounting();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the push on the customer kept in QuickBooks, and links it from the review lane', async () => {
    // A demo customer with an e-mail and an issued invoice, kept in QuickBooks from before (e-mail in capitals).
    const issued = await owner.call<{ items: Invoice[] }>('GET', '/invoices?limit=200');
    let target: { customer: Customer; invoice: Invoice } | null = null;
    for (const invoice of issued.body.items.filter((i) => i.kind === 'invoice' && i.number && i.customerId)) {
      const customer = (await owner.call<Customer>('GET', `/customers/${invoice.customerId}`)).body;
      if (customer.email && !customer.name.includes(':')) {
        target = { customer, invoice };
        break;
      }
    }
    if (!target)
      throw new Error(
        `the demo has no issued invoice of a customer with an e-mail: ${JSON.stringify(issued.body.items.slice(0, 3))}`,
      );
    const { customer, invoice } = target;
    fake.contacts.set('kept-1', {
      id: 'kept-1',
      name: customer.name,
      number: '',
      email: (customer.email as string).toUpperCase(),
    });
    const connected = await owner.call<{ id: string }>('POST', '/connectors', {
      provider: 'quickbooks',
      tenantId: 'realm-kept',
      clientId: 'client',
      clientSecret: 'secret',
      refreshToken: fake.refreshToken,
      apiBaseUrl: `${fake.url}/qbo/`,
      tokenUrl: `${fake.url}/token`,
      mappings: {
        defaultItem: '1',
        depositAccount: '9',
        taxTypes: { 'S:23': '7', 'S:13.5': '8', 'S:9': '11', 'Z:0': '9', 'E:0': '12', 'TAX:0': '10' },
        paymentAccounts: { default: '35' },
      },
    });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    // Everything issued so far goes to QuickBooks.
    const backfill = await owner.call('POST', `/connectors/${connected.body.id}/backfill`, {
      since: '2000-01-01',
      dryRun: false,
    });
    expect(backfill.status, JSON.stringify(backfill.body)).toBe(200);
    const stopped = await until('the push to stop on the kept contact', async () =>
      (
        await owner.call<{ items: Failure[] }>('GET', '/integration-errors?status=open&limit=200')
      ).body.items.find((f) => f.invoiceId === invoice.id && f.providerCode === 'contact_match'),
    );
    expect(stopped.contactMatch).toEqual({
      name: customer.name,
      email: (customer.email as string).toUpperCase(),
      decision: null,
    });
    expect([...fake.docs.values()].some((d) => d.number === invoice.number)).toBe(false);

    const link = `Link to “${customer.name}”`;
    const phone = await signedIn(browser, base, 'owner@demo.closeout.test', '#/exceptions', 390);
    await phone.getByRole('button', { name: link }).first().waitFor();
    await phone.screenshot({ path: screenshotPath('contact-match-phone'), fullPage: true });
    await phone.close();

    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/exceptions', 1440);
    const button = page.getByRole('button', { name: link }).first();
    await button.waitFor();
    await expect(
      page
        .getByText(/already has a contact named/)
        .first()
        .isVisible(),
    ).resolves.toBe(true);
    await page.getByRole('button', { name: 'Make a new contact' }).first().waitFor();
    await page.screenshot({ path: screenshotPath('contact-match'), fullPage: true });
    await button.click();
    await page.getByText(`Linked to “${customer.name}”: the invoice goes to it now`).waitFor();
    await page.close();

    // The invoice reaches QuickBooks on the kept contact, which is now the customer's; none was made twice.
    const there = await until('the invoice at QuickBooks', async () =>
      [...fake.docs.values()].find((d) => d.number === invoice.number),
    );
    expect(there.contactId).toBe('kept-1');
    const after = await owner.call<{ externalIds: Record<string, string> }>(
      'GET',
      `/customers/${customer.id}`,
    );
    expect(after.body.externalIds.quickbooks).toBe('kept-1');
    expect([...fake.contacts.values()].filter((c) => c.name.startsWith(customer.name))).toHaveLength(1);
    const open = await owner.call<{ items: Failure[] }>('GET', '/integration-errors?status=open&limit=200');
    expect(open.body.items.filter((f) => f.providerCode === 'contact_match')).toEqual([]);
  });
});
