import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { type Api, caller } from '../support/api-caller';
import { hasChromium, launch, newestMail, officePage, screenshotPath, signedIn } from '../support/browser';
import { type Spawned, startCloseout } from '../support/processes';

const NEW_PASSWORD = 'river-stone-lantern-7';

/**
 * Account protections in the office (#27): "forgot password" by e-mail, two-step sign-in with an
 * authenticator app and recovery codes, the owner's rule that makes owners and billing use it, the sign-in
 * history, and signing out everywhere else.
 */
describe.runIf(hasChromium())('account security in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-account-web-'));
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

  it('lets a dispatcher who forgot the password choose a new one from the e-mailed link, on a phone', async () => {
    const page = await officePage(browser, base, 390);
    await page.getByLabel('E-mail').fill('dispatch@demo.closeout.test');
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    const form = page.getByRole('form', { name: 'Forgot password' });
    await expect(form.getByLabel('E-mail').inputValue()).resolves.toBe('dispatch@demo.closeout.test');
    await form.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText(/an e-mail with a link to choose a new password is on its way/).waitFor();
    await page.screenshot({ path: screenshotPath('office-forgot-password-390'), fullPage: true });

    const mail = await newestMail(mailDir, /Choose a new Closeout password/);
    const link = /(http:\/\/\S+#\/reset-password\?token=\S+)/.exec(mail)?.[1];
    if (!link) throw new Error(`no link in the e-mail: ${mail.slice(0, 400)}`);
    // PUBLIC_URL, which defaults to this server on localhost.
    expect(new URL(link.replace('#/', '')).port).toBe(new URL(base).port);
    await page.goto(link);
    const reset = page.getByRole('form', { name: 'Choose a new password' });
    await reset.getByLabel('New password').fill('short');
    await reset.getByText(/must be at least 12 characters/).waitFor();
    await reset.getByLabel('New password').fill(NEW_PASSWORD);
    await reset.getByLabel('The same again').fill(NEW_PASSWORD);
    await page.screenshot({ path: screenshotPath('office-reset-password-390'), fullPage: true });
    await reset.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByText(/Your password is changed/).waitFor();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('E-mail').fill('dispatch@demo.closeout.test');
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    // The link worked once.
    const again = await fetch(`${base}/api/v1/auth/password-reset/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: new URL(link.replace('#/', '')).searchParams.get('token'),
        password: `${NEW_PASSWORD}x`,
      }),
    });
    expect(again.status).toBe(400);
    await page.close();
  });

  it('has the owner invite a technician, who joins from the e-mailed link with a password of their own', async () => {
    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/settings', 1440);
    await page.getByRole('tab', { name: 'Users and roles' }).click();
    const invite = page.getByRole('form', { name: 'Invite someone' });
    await invite.getByLabel('Full name').fill('Tadhg New');
    await invite.getByLabel('Their e-mail').fill('tadhg@demo.closeout.test');
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('An invitation is on its way to tadhg@demo.closeout.test.').waitFor();
    const open = page.getByRole('region', { name: 'Invite your team' });
    await open.getByText('Waiting for them').waitFor();
    await page.screenshot({ path: screenshotPath('office-invitations-1440'), fullPage: true });

    const mail = await newestMail(mailDir, /invites you to Closeout/);
    expect(mail).toMatch(
      /Orla Byrne invites you to join Brightwater Heating & Plumbing on Closeout as technician/,
    );
    const link = /(http:\/\/\S+#\/accept-invitation\?token=\S+)/.exec(mail)?.[1];
    if (!link) throw new Error('no link in the invitation');
    const phone = await officePage(browser, base, 390);
    await phone.goto(link);
    const join = phone.getByRole('form', { name: 'Join your team' });
    await join.getByText(/invites you to Closeout as technician/).waitFor();
    expect(await join.getByLabel('Your name').inputValue()).toBe('Tadhg New');
    await join.getByLabel('Choose a password').fill(NEW_PASSWORD);
    await phone.screenshot({ path: screenshotPath('office-accept-invitation-390'), fullPage: true });
    await join.getByRole('button', { name: 'Join and sign in' }).click();
    await phone.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    await phone.close();
    // Joined: no longer open; listed among the users.
    await page.reload();
    await page.getByRole('tab', { name: 'Users and roles' }).click();
    await page.getByRole('table', { name: 'Users' }).getByText('tadhg@demo.closeout.test').waitFor();
    expect(await page.getByText('Waiting for them').count()).toBe(0);
    await page.close();
  });

  it('turns on two-step sign-in for the owner, who then requires it of billing; billing sets it up first', async () => {
    const other: Api = await caller(base, 'owner@demo.closeout.test');
    const page = await signedIn(browser, base, 'owner@demo.closeout.test', '#/account', 1440);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    // Two places signed in: this browser and the API caller.
    const sessions = page.getByRole('region', { name: 'Where you are signed in' });
    await sessions.getByText('This device').waitFor();
    expect(await sessions.getByRole('button', { name: /^Sign out .* from / }).count()).toBeGreaterThanOrEqual(
      1,
    );

    const card = page.getByRole('region', { name: 'Two-step sign-in' });
    await card.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    await card.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
    const key = (await card.getByLabel('Key to type').innerText()).replaceAll(' ', '');
    const app = new TOTP({ secret: Secret.fromBase32(key) });
    await card.getByLabel('Code from the app').fill('000000');
    await card.getByRole('button', { name: 'Turn on' }).click();
    await card.getByText(/does not match/).waitFor();
    await card.getByLabel('Code from the app').fill(app.generate());
    await card.getByRole('button', { name: 'Turn on' }).click();
    const codes = card.getByLabel('Recovery codes', { exact: true });
    await codes.waitFor();
    const recovery = (await codes.locator('code').allInnerTexts()).map((c) => c.trim());
    expect(recovery).toHaveLength(10);
    await card.getByText('On', { exact: true }).waitFor();
    await page.screenshot({ path: screenshotPath('office-two-step-on-1440'), fullPage: true });

    // Sign out everywhere else: the API caller's session ends.
    await sessions.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await sessions.getByText(/Signed out everywhere else/).waitFor();
    expect((await other.call('GET', '/me')).status).toBe(401);

    // The owner requires it of owners and billing, and sees the sign-ins.
    await page.evaluate(() => (window.location.hash = '#/settings'));
    await page.getByRole('tab', { name: 'Security' }).click();
    const rule = page.getByRole('region', { name: 'Two-step sign-in rule' });
    await rule
      .getByLabel('Owners and billing staff must sign in with a code from their phone')
      .click({ force: true });
    await rule.getByText('Two-step sign-in is now required of owners and billing.').waitFor();
    const history = page.getByRole('region', { name: 'Sign-in history' });
    await history.getByText('Signed in').first().waitFor();
    await page.screenshot({ path: screenshotPath('office-sign-in-history-1440'), fullPage: true });

    // Signing in again asks for the code; a recovery code works.
    await page.getByRole('button', { name: /^Account/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByLabel('E-mail').fill('owner@demo.closeout.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const step = page.getByRole('form', { name: 'Two-step sign-in' });
    await step.getByLabel('Code').fill(recovery[0] ?? '');
    await step.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    await page.close();

    // Billing, without a second factor: only the setup is open, on a phone.
    const billing = await officePage(browser, base, 390);
    await billing.getByLabel('E-mail').fill('billing@demo.closeout.test');
    await billing.getByLabel('Password').fill(DEMO_PASSWORD);
    await billing.getByRole('button', { name: 'Sign in' }).click();
    const required = billing.getByRole('main', { name: 'Set up two-step sign-in' });
    await required.getByText(/Your organization asks owners and billing staff/).waitFor();
    expect(await billing.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await required.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    const billingKey = (await required.getByLabel('Key to type').innerText()).replaceAll(' ', '');
    await billing.screenshot({ path: screenshotPath('office-two-step-required-390'), fullPage: true });
    await required
      .getByLabel('Code from the app')
      .fill(new TOTP({ secret: Secret.fromBase32(billingKey) }).generate());
    await required.getByRole('button', { name: 'Turn on' }).click();
    await required.getByLabel('Recovery codes', { exact: true }).waitFor();
    await required.getByRole('button', { name: 'I have kept my codes: continue' }).click();
    await billing.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    await billing.close();
  });
});
