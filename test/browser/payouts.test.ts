import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, caller } from '../support/api-caller';
import { hasChromium, launch, screenshotPath, signedIn } from '../support/browser';
import { type FakeStripe, startFakeStripe } from '../support/fake-stripe';
import { type Spawned, startCloseout } from '../support/processes';

type Invoice = { id: string; number: string; kind: string; outstanding: string; customerId: string };

/**
 * A Stripe payout on the Bank page (#24): a demo invoice paid online, Stripe pays out (its event over real
 * HTTP, signed), billing imports the statement whose credit is the payout, and finds it under Payouts with the
 * invoice it settles and the fees, the invoice still paid once.
 */
describe.runIf(hasChromium())('payouts in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-payouts-web-'));
  let server: Spawned;
  let browser: Browser;
  let base: string;
  let owner: Api;
  let billing: Api;
  let stripe: FakeStripe;

  beforeAll(async () => {
    stripe = await startFakeStripe();
    // The fake provider listens on this machine: a self-hosted server may be allowed to call it.
    ({ base, server } = await startCloseout({ DATA_DIR: dataDir, ALLOW_PRIVATE_TARGETS: 'true' }));
    browser = await launch();
    owner = await caller(base, 'owner@demo.closeout.test');
    billing = await caller(base, 'billing@demo.closeout.test');
    const made = await owner.call<{ eventsUrl: string }>('POST', '/payment-connections', {
      provider: 'stripe',
      secretKey: stripe.secretKey,
      webhookSecret: stripe.webhookSecret,
      apiBaseUrl: stripe.url,
    });
    expect(made.status).toBe(200);
    stripe.endpoint = made.body.eventsUrl;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    await stripe?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the payout reconciled with its bank credit, the invoice it settles and the fees', async () => {
    const open = await billing.call<{ items: Invoice[] }>('GET', '/invoices?open=true&limit=200');
    const inv = open.body.items.find((i) => i.kind === 'invoice' && i.customerId);
    if (!inv) throw new Error('the demo has no open invoice');
    const link = await billing.call<{ url: string }>('POST', `/customers/${inv.customerId}/portal-link`, {});
    const token = link.body.url.split('/').at(-1);
    const checkout = await fetch(`${base}/api/v1/public/portal/${token}/documents/${inv.id}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(checkout.status).toBe(200);
    const session = [...stripe.sessions.values()].find((s) => s.metadata.invoiceId === inv.id);
    await stripe.pay(session?.id ?? '');
    const payout = await stripe.payout();
    expect(JSON.parse(stripe.deliveries.at(-1)?.body ?? '{}').outcome).toMatch(/^payout of/);
    const euros = new Decimal(payout.amount).div(100).toFixed(2);
    const day = new Date().toISOString().slice(0, 10);

    const page = await signedIn(browser, base, 'billing@demo.closeout.test', '#/bank', 1440);
    await page.getByRole('region', { name: 'Import a bank file' }).waitFor();
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Bank file' }).click();
    await (await chooser).setFiles({
      name: 'stripe-payout.xml',
      mimeType: 'application/xml',
      buffer: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>PAYOUT-1</MsgId><CreDtTm>${day}T22:00:00</CreDtTm></GrpHdr>
<Stmt><Id>PAYOUT-STMT-1</Id><Acct><Id><IBAN>IE29AIBK93115212345678</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">${euros}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>${day}</Dt></BookgDt><AcctSvcrRef>PAYOUT-1-1</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>STRIPE PAYMENTS EUROPE LTD</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>STRIPE ${payout.id}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>`),
    });
    await page.getByText(/stripe-payout\.xml: 1 new entry, 1 Stripe payout reconciled\./).waitFor();
    const queue = page.getByRole('region', { name: 'Bank entries' });
    await queue.getByText('Payouts', { exact: true }).click();
    const card = queue.locator('[aria-label="Bank entry STRIPE PAYMENTS EUROPE LTD"]');
    const details = card.getByLabel('Payout');
    await details
      .getByText(/^Stripe payout of .*: €[\d,.]+ of online payments, less €[\d.]+ Stripe fees\./)
      .waitFor();
    await details.getByRole('link', { name: inv.number }).waitFor();
    await page.screenshot({ path: screenshotPath('office-bank-payout'), fullPage: true });
    const payments = await billing.call<{ items: unknown[] }>('GET', `/invoices/${inv.id}/payments`);
    expect(payments.body.items).toHaveLength(1);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('region', { name: 'Bank entries' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  });
});
