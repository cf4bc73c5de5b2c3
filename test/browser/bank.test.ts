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
  currency: string;
};
type Forecast = { weeks: { items: { kind: string; id: string }[] }[] };

/** A CAMT.053 of two credits from payers nobody knows, quoting nothing: the office has to decide both. */
const camt = (credits: { amount: string; name: string }[]) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BROWSER-1</MsgId><CreDtTm>2026-12-04T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>BROWSER-STMT-1</Id>
      <FrToDt><FrDtTm>2026-12-04T00:00:00</FrDtTm><ToDtTm>2026-12-04T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><IBAN>IE29AIBK93115212345678</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">18250.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-04</Dt></Dt></Bal>
      ${credits
        .map(
          (c, i) => `<Ntry>
        <Amt Ccy="EUR">${c.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-12-04</Dt></BookgDt><AcctSvcrRef>BROWSER-${i + 1}</AcctSvcrRef>
        <NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>${c.name}</Nm></Pty></Dbtr></RltdPties>
          <RmtInf><Ustrd>thanks for the visit</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>`,
        )
        .join('\n')}
    </Stmt>
  </BkToCstmrStmt>
</Document>`;

/**
 * Bank reconciliation in the office (#24): billing imports a statement whose two payments quote nothing, accepts
 * the suggested match of each in the review queue, and sees the invoices paid and gone from the cash forecast.
 */
describe.runIf(hasChromium())('bank reconciliation in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-bank-web-'));
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

  it('imports a statement, accepts two suggested matches, and the invoices are paid and leave the forecast', async () => {
    const open = await billing.call<{ items: Invoice[] }>('GET', '/invoices?open=true&limit=200');
    // Two open invoices of different amounts. The demo bills alike work alike, so any other open invoice owing
    // the same is part-paid first: the amount then points at each of the two alone.
    const eur = open.body.items.filter((i) => i.kind === 'invoice' && i.currency === 'EUR');
    const one = eur[0];
    const two = eur.find((i) => i.outstanding !== one?.outstanding);
    if (!one || !two) throw new Error('the demo has no two open invoices of distinct amounts');
    for (const other of eur.filter(
      (x) => x.id !== one.id && x.id !== two.id && [one.outstanding, two.outstanding].includes(x.outstanding),
    )) {
      const paid = await billing.call('POST', '/payments', {
        invoiceId: other.id,
        amount: '1.00',
        receivedOn: new Date().toISOString().slice(0, 10),
        method: 'card',
      });
      expect(paid.status).toBe(201);
    }
    const forecastIds = async () =>
      (await billing.call<Forecast>('GET', '/cash-forecast')).body.weeks.flatMap((w) =>
        w.items.filter((x) => x.kind === 'invoice').map((x) => x.id),
      );
    const before = await forecastIds();
    expect(before).toEqual(expect.arrayContaining([one.id, two.id]));

    const page = await signedIn(browser, base, 'billing@demo.closeout.test', '#/bank', 1440);
    await page.getByRole('region', { name: 'Import a bank file' }).waitFor();
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Bank file' }).click();
    await (await chooser).setFiles({
      name: 'statement-4-december.xml',
      mimeType: 'application/xml',
      buffer: Buffer.from(
        camt([
          { amount: one.outstanding, name: 'R. Quinn' },
          { amount: two.outstanding, name: 'M. Okafor' },
        ]),
      ),
    });
    await page.getByText(/statement-4-december\.xml: 2 new entries, 2 to review\./).waitFor();
    const queue = page.getByRole('region', { name: 'Bank entries' });
    for (const [inv, payer] of [
      [one, 'R. Quinn'],
      [two, 'M. Okafor'],
    ] as const) {
      const card = queue.locator(`[aria-label="Bank entry ${payer}"]`);
      const suggestion = card.getByLabel('Suggested match').filter({ hasText: inv.number });
      await suggestion.getByText('Only the amount fits: check the payer').waitFor();
      if (inv === one) await page.screenshot({ path: screenshotPath('office-bank-review'), fullPage: true });
      await suggestion.getByRole('button', { name: 'Accept' }).click();
      await card.waitFor({ state: 'detached' });
    }
    // The demo's own statement still waits: a payer nobody knows, and the owner's transfer from savings.
    await queue.locator('[aria-label="Bank entry P. Brennan"]').waitFor();
    await queue.getByText('Applied', { exact: true }).click();
    await queue.getByText(`Paid ${one.number}`, { exact: false }).waitFor();
    await page.screenshot({ path: screenshotPath('office-bank-applied'), fullPage: true });

    for (const inv of [one, two]) {
      const now = await billing.call<Invoice>('GET', `/invoices/${inv.id}`);
      expect([inv.number, now.body.status, now.body.outstanding]).toEqual([inv.number, 'paid', '0.00']);
    }
    const after = await forecastIds();
    expect(after).not.toContain(one.id);
    expect(after).not.toContain(two.id);
    expect(after.length).toBe(before.length - 2);

    // The owner's transfer from savings is no customer's payment: set aside, with why.
    await queue.getByText(/^To review/).click();
    const savings = queue.locator('[aria-label="Bank entry Brightwater savings"]');
    await savings.getByRole('button', { name: 'Not a customer payment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Not a customer payment' });
    await dialog.getByLabel('Reason').fill('Owner moved money in for payroll');
    await dialog.getByRole('button', { name: 'Set aside' }).click();
    await savings.waitFor({ state: 'detached' });
    await queue.getByText('Set aside', { exact: true }).click();
    await queue.getByText('Set aside: Owner moved money in for payroll').waitFor();

    // The payer nobody knows: billing chooses the invoice by hand, pays part, and keeps the rest as credit.
    await queue.getByText(/^To review/).click();
    const brennan = queue.locator('[aria-label="Bank entry P. Brennan"]');
    await brennan.getByRole('button', { name: 'Choose invoices…' }).click();
    const choose = page.getByRole('dialog');
    // One not part-paid above, so what it owes is as listed.
    const target = eur.find(
      (i) => i !== one && i !== two && ![one.outstanding, two.outstanding].includes(i.outstanding),
    );
    if (!target) throw new Error('no third open invoice');
    await choose.getByLabel('Invoice', { exact: true }).first().click();
    await page.getByRole('option', { name: new RegExp(`^${target.number} `) }).click();
    await choose.getByLabel('Amount', { exact: true }).first().fill('10.00');
    await choose.getByLabel(/^Keep the remaining/).click();
    await page.getByRole('option').first().click();
    await choose.getByRole('button', { name: 'Apply' }).click();
    await brennan.waitFor({ state: 'detached' });
    const part = await billing.call<Invoice>('GET', `/invoices/${target.id}`);
    expect(part.body.outstanding).toBe((Number(target.outstanding) - 10).toFixed(2));

    // The demo customer who rounded up holds the rest as credit: on their page, with the way to apply it.
    const credit = await billing.call<{ items: { customer: { id: string }; credit: string }[] }>(
      'GET',
      '/bank/entries?status=credit',
    );
    const holder = credit.body.items[0];
    if (!holder) throw new Error('the demo has no customer credit');
    await page.goto(`${base}/#/customers/${holder.customer.id}`);
    const card = page.getByRole('region', { name: 'Credit on account' });
    await card.getByText(/paid and not yet applied to an invoice/).waitFor();
    // A customer may hold more than one payment as credit; each has its own way to apply it.
    await card.getByRole('button', { name: 'Apply the credit…' }).first().waitFor();
    await card.screenshot({ path: screenshotPath('office-customer-credit') });

    await page.goto(`${base}/#/bank`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page
      .getByRole('region', { name: 'Statements imported' })
      .getByText('statement-4-december.xml')
      .waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('office-bank-phone'), fullPage: true });
    await page.close();
  });
});
