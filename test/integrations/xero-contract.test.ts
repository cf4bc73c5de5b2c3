import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reversePaymentIn } from '../../src/app/invoicing/reverse-payment';
import { SYSTEM_ACTOR } from '../../src/core/principal';
import { closeOut, drain, invoicesOfJob, newJob, plainJobType, setSeller } from '../invoices/helpers';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';
import { type FakeAccounting, startFakeAccounting } from '../support/fake-accounting';
import { normalizedSpec, startPrism } from '../support/prism';

/**
 * The Xero connector against Xero's own published contract: a Prism mock server started from
 * ../shared/xero/xero_accounting.yaml (normalized so Prism validates request bodies), so every request we
 * send is checked against the spec. Prism answers with the spec's examples.
 */
const SPEC = path.resolve(__dirname, '../../../shared/xero/xero_accounting.yaml');
const present = fs.existsSync(SPEC);
if (!present) {
  if (process.env.CI) throw new Error(`CI must run the Xero contract tests; ${SPEC} is missing`);
  console.info(`Xero contract tests skipped: ${SPEC} is absent`);
}

describe.skipIf(!present)(
  'the Xero connector against the published Xero Accounting API contract (Prism)',
  () => {
    let prism: Awaited<ReturnType<typeof startPrism>>;
    let tokens: FakeAccounting;
    let t: TestApp;
    let org: OrgFixture;
    let owner: Session;
    let billing: Session;

    beforeAll(async () => {
      prism = await startPrism(
        await normalizedSpec(SPEC, [
          '/Contacts',
          '/Invoices',
          '/CreditNotes',
          '/Payments',
          '/Payments/{PaymentID}',
          '/CreditNotes/{CreditNoteID}/Allocations',
          // Not the attachment paths: the spec types their octet-stream body `format: byte`, which Prism reads
          // as base64 text, while Xero (and its own SDK, xero-node) send and take the file's raw bytes.
        ]),
      );
      tokens = await startFakeAccounting();
      t = await createTestApp('pglite');
      org = await makeOrganization(t.deps, 'contract');
      owner = await signIn(t.app, org.users.owner.email, PASSWORD);
      billing = await signIn(t.app, org.users.billing.email, PASSWORD);
      await setSeller(t, owner);
      await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/customers/${org.customerId}`,
        headers: as(owner, true),
        payload: { email: 'ap@customer.test' },
      });
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/connectors',
        headers: as(owner, true),
        payload: {
          provider: 'xero',
          tenantId: '0f7bb38e-2ffb-4d53-85a5-2ec5a3d7b5f6',
          clientId: 'client',
          clientSecret: 'secret',
          refreshToken: tokens.refreshToken,
          apiBaseUrl: `${prism.url}/`,
          // Prism mocks the Accounting API only; the token endpoint is the test's.
          tokenUrl: `${tokens.url}/token`,
          mappings: {
            items: {},
            defaultItem: 'SERVICE',
            accountCode: '200',
            taxTypes: { 'S:23': 'OUTPUT2' },
            paymentAccounts: { default: '090' },
          },
        },
      });
      expect(res.statusCode, res.body).toBe(201);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await tokens?.close();
      await prism?.stop();
    });

    it('has a mock that rejects what the contract forbids (so its 2xx means something)', async () => {
      const put = (headers: Record<string, string>, body: unknown) =>
        fetch(`${prism.url}/Invoices`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: 'Bearer x', ...headers },
          body: JSON.stringify(body),
        });
      const bad = await put(
        { 'xero-tenant-id': 't' },
        { Invoices: [{ Type: 'ACCREC', LineItems: 'not-an-array' }] },
      );
      expect(bad.status).toBe(400);
      expect(bad.headers.get('sl-violations')).toContain('LineItems must be array');
      const wrongType = await put(
        { 'xero-tenant-id': 't' },
        { Invoices: [{ Type: 'ACCREC', LineItems: [{ Quantity: 'two' }] }] },
      );
      expect(wrongType.status).toBe(400);
      const noTenant = await put({}, { Invoices: [{ Type: 'ACCREC' }] });
      expect(noTenant.status).toBeGreaterThanOrEqual(400);
    });

    it('pushes an issued invoice and a credit note with contract-valid requests', async () => {
      const logStart = prism.log().length;
      const dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
      const tech = await signIn(t.app, org.users.technician.email, PASSWORD);
      const jobTypeId = await plainJobType(t, owner);
      const j = await newJob(t, org, dispatcher, jobTypeId, { discountPercent: '5' });
      await closeOut(t, org, tech, j.id);
      await drain(t);
      const [inv] = await invoicesOfJob(t, billing, j.id);
      const status = async (id: string) =>
        (
          await t.app.inject({
            method: 'GET',
            url: `/api/v1/invoices/${id}/accounting`,
            headers: as(billing),
          })
        ).json().items[0] as { status: string; externalId: string; lastError: string | null };
      const pushed = await status(inv?.id as string);
      expect(pushed, prism.log().slice(-3000)).toMatchObject({ status: 'done', lastError: null });
      expect(pushed.externalId).toMatch(/^[0-9a-f-]{36}$/);

      const credit = await t.app.inject({
        method: 'POST',
        url: `/api/v1/invoices/${inv?.id}/credit-notes`,
        headers: as(billing, true),
        payload: { reason: 'goodwill', lines: [{ position: 1, quantity: '0.5' }] },
      });
      expect(credit.statusCode, credit.body).toBe(201);
      await drain(t);
      expect(await status(credit.json().id), prism.log().slice(-3000)).toMatchObject({
        status: 'done',
        lastError: null,
      });
      // The credit is applied to the invoice it corrects (an Allocation), and a payment is recorded on it.
      const applied = (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/invoices/${credit.json().id}/accounting`,
          headers: as(billing),
        })
      ).json().items as { entity: string; status: string; lastError: string | null }[];
      expect(
        applied.find((x) => x.entity === 'allocation'),
        prism.log().slice(-3000),
      ).toMatchObject({
        status: 'done',
        lastError: null,
      });
      const paid = await t.app.inject({
        method: 'POST',
        url: '/api/v1/payments',
        headers: as(billing, true),
        payload: {
          invoiceId: inv?.id,
          amount: '10.00',
          receivedOn: '2026-11-20',
          method: 'card',
          reference: 'CARD-1',
        },
      });
      expect(paid.statusCode, paid.body).toBe(201);
      await drain(t);
      const payment = (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/invoices/${inv?.id}/accounting`,
          headers: as(billing),
        })
      )
        .json()
        .items.find((x: { entity: string }) => x.entity === 'payment');
      expect(payment, prism.log().slice(-3000)).toMatchObject({ status: 'done', lastError: null });
      // The customer's bank takes that payment back (a chargeback): it is deleted at Xero.
      await t.deps.database.transaction((tx) =>
        reversePaymentIn(
          tx,
          t.deps,
          org.organizationId,
          { paymentId: payment.subjectId, amount: '10.00', on: '2026-11-25', reference: 'dp_contract' },
          SYSTEM_ACTOR,
        ),
      );
      await drain(t);
      const removed = (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/invoices/${inv?.id}/accounting`,
          headers: as(billing),
        })
      )
        .json()
        .items.find((x: { entity: string }) => x.entity === 'reversal');
      expect(removed, prism.log().slice(-3000)).toMatchObject({ status: 'done', lastError: null });
      // Prism logged no violation for anything we sent.
      const ours = prism.log().slice(logStart);
      // (Attachment uploads excepted: the spec types their raw body as base64 text, see above.)
      let request = '';
      const violations: string[] = [];
      for (const line of ours.split('\n')) {
        if (/\[HTTP SERVER\]/.test(line)) request = line;
        else if (/violation/i.test(line) && !/attachments/i.test(request))
          violations.push(`${request}\n${line}`);
      }
      expect(violations).toEqual([]);
      expect(ours).toMatch(/post \/Invoices\/[^/ ]+\/Attachments\/[^ ]+\.pdf/i);
      expect(ours).toMatch(/put \/Invoices/i);
      expect(ours).toMatch(/put \/Payments/i);
      expect(ours).toMatch(/put \/CreditNotes\/[^/ ]+\/Allocations/i);
      expect(ours).toMatch(/post \/Payments\/[^/ ]+/i);
    });
  },
);
