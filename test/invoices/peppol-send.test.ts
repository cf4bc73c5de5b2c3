import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverInvoice, PEPPOL_SEND_TRIES, trackPeppol } from '../../src/app/invoicing/peppol';
import { PEPPOL_BILLING_PROCESS, PEPPOL_DOCUMENT_TYPES } from '../../src/app/invoicing/peppol-port';
import type { Mailer } from '../../src/app/ports';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';
import { type FakeAccessPoint, startFakeAccessPoint } from '../support/fake-access-point';
import { closeOut, drain, type InvoiceJson, invoicesOfJob, newJob, plainJobType, setSeller } from './helpers';

type Sent = Parameters<Mailer['send']>[0];
type Event = { action: string; reason: string | null; changes: Record<string, unknown> };

const SELLER_ID = '0088:5790000435944';
const BUYER_ID = '0088:5790000435951';

/**
 * Peppol as the customer's channel (#23), through the access-point port against a loopback fake of
 * Storecove's API that keeps state and fails as an access point does: a Peppol document goes over the
 * network exactly once whatever the retries, lost answers and sends again; a receiver not on the network gets
 * the e-mail instead; a refusal or a provider that stays down lands in the needs-review lane and reprocess
 * sends it; the receiving side's confirmation is written to the history.
 */
describe.each(testDrivers())('invoices sent over Peppol on %s', (driver) => {
  let t: TestApp;
  let ap: FakeAccessPoint;
  let org: OrgFixture;
  let owner: Session;
  let billing: Session;
  let dispatcher: Session;
  let tech: Session;
  let jobTypeId: string;
  const outbox: Sent[] = [];

  beforeAll(async () => {
    ap = await startFakeAccessPoint();
    t = await createTestApp(driver, { mailer: { send: async (m) => void outbox.push(m) } });
    org = await makeOrganization(t.deps, 'peppol');
    ({ owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org));
    await setSeller(t, owner, { peppolEndpoint: SELLER_ID });
    jobTypeId = await plainJobType(t, owner);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/customers/${org.customerId}`,
      headers: as(owner, true),
      payload: { peppolEndpoint: BUYER_ID, email: 'accounts@buyer.test' },
    });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await ap?.close();
  });

  const connect = (payload: object) =>
    t.app.inject({ method: 'PUT', url: '/api/v1/organization/peppol', headers: as(owner, true), payload });
  const post = (url: string, payload: object = {}) =>
    t.app.inject({ method: 'POST', url, headers: as(billing, true), payload });
  const history = async (invoiceId: string) =>
    (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/invoices/${invoiceId}/timeline`,
        headers: as(billing),
      })
    ).json().items as Event[];
  const openErrors = async () =>
    (
      await t.app.inject({
        method: 'GET',
        url: '/api/v1/integration-errors?status=open',
        headers: as(owner),
      })
    ).json().items as { id: string; kind: string; message: string; invoiceId: string | null }[];
  /** A job closed out and its invoice issued (not sent: the organization sends by hand here). */
  const issued = async (): Promise<InvoiceJson> => {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv?.status).toBe('issued');
    expect(inv?.profile).toBe('peppol');
    return inv as InvoiceJson;
  };
  const mailsFor = (number: string | null) => outbox.filter((m) => m.subject.includes(number ?? '?'));
  const submissionsOf = (number: string | null) =>
    ap.submissions.filter((s) => s.ubl.includes(`<cbc:ID>${number}</cbc:ID>`));

  it('connects the access point with the key sealed, refusing malformed settings and other roles', async () => {
    const bad = await connect({ apiKey: 'short', senderAccount: 'ACME' });
    expect(bad.statusCode).toBe(400);
    expect(
      problemOf(bad)
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['body.apiKey', 'body.senderAccount']);
    const res = await connect({ apiKey: ap.apiKey, senderAccount: ap.legalEntityId, apiBaseUrl: ap.url });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      connected: true,
      provider: 'storecove',
      keyHint: `…${ap.apiKey.slice(-4)}`,
      senderAccount: ap.legalEntityId,
      participantId: SELLER_ID,
    });
    expect(res.body).not.toContain(ap.apiKey);
    const other = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organization/peppol',
      headers: as(billing),
    });
    expect(other.statusCode).toBe(403);
  });

  it('sends a Peppol invoice over the network once, whatever the retries and sends again, and confirms delivery', async () => {
    ap.participants.set(BUYER_ID, new Set(['invoice', 'creditnote']));
    const inv = await issued();
    const mailsBefore = mailsFor(inv.number).length;
    expect((await post(`/api/v1/invoices/${inv.id}/send`)).statusCode).toBe(200);
    await drain(t);
    const [sub, ...more] = submissionsOf(inv.number);
    expect(more).toEqual([]);
    expect(sub).toMatchObject({
      receiver: BUYER_ID,
      legalEntityId: Number(ap.legalEntityId),
      documentTypeId: PEPPOL_DOCUMENT_TYPES.invoice,
      processId: PEPPOL_BILLING_PROCESS,
    });
    expect(sub?.ubl).toContain(`<cbc:EndpointID schemeID="0088">5790000435951</cbc:EndpointID>`);
    // Over Peppol instead of the inbox: no e-mail for it.
    expect(mailsFor(inv.number).length).toBe(mailsBefore);
    const sent = (await history(inv.id)).find((e) => e.action === 'invoice.peppol_sent');
    expect(sent?.changes).toMatchObject({
      receiver: BUYER_ID,
      provider: 'storecove',
      transmission: sub?.guid,
    });

    // The queue running the same send again (a worker that died after the hand-over) sends nothing twice.
    const { rows } = await t.database.raw.query<{ version: number }>(
      'SELECT version FROM invoices WHERE organization_id = $1 AND id = $2',
      [org.organizationId, inv.id],
    );
    const version = rows[0]?.version ?? 0;
    expect(await deliverInvoice(t.deps, org.organizationId, inv.id, version)).toEqual({ peppol: sub?.guid });
    expect(submissionsOf(inv.number)).toHaveLength(1);

    // The office sending it again: a copy by e-mail, never a second e-invoice to the buyer's books.
    expect((await post(`/api/v1/invoices/${inv.id}/send`)).statusCode).toBe(200);
    await drain(t);
    expect(submissionsOf(inv.number)).toHaveLength(1);
    expect(mailsFor(inv.number).length).toBe(mailsBefore + 1);

    // Delivery: asked again later while the receiver has not confirmed; written when it has.
    const { rows: tx } = await t.database.raw.query<{ id: string; status: string }>(
      'SELECT id, status FROM peppol_transmissions WHERE organization_id = $1 AND invoice_id = $2',
      [org.organizationId, inv.id],
    );
    const transmissionId = tx[0]?.id ?? '';
    expect(tx[0]?.status).toBe('accepted');
    expect(await trackPeppol(t.deps, org.organizationId, transmissionId, 0)).toEqual({ pending: 1 });
    if (sub) sub.evidence = 'delivered';
    expect(await trackPeppol(t.deps, org.organizationId, transmissionId, 1)).toEqual({
      delivered: sub?.guid,
    });
    expect((await history(inv.id)).map((e) => e.action)).toContain('invoice.peppol_delivered');
  });

  it('sends a credit note as a Peppol credit note', async () => {
    const inv = await issued();
    const credit = await post(`/api/v1/invoices/${inv.id}/credit-notes`, { reason: 'duplicate' });
    expect(credit.statusCode, credit.body).toBe(201);
    await drain(t);
    const note = credit.json() as InvoiceJson;
    expect((await post(`/api/v1/invoices/${note.id}/send`)).statusCode).toBe(200);
    await drain(t);
    const [sub, ...more] = submissionsOf(note.number);
    expect(more).toEqual([]);
    expect(sub?.documentTypeId).toBe(PEPPOL_DOCUMENT_TYPES.creditNote);
    expect(sub?.ubl).toContain('<CreditNote xmlns=');
  });

  it('keeps one submission when the access point took it but its answer was lost', async () => {
    const inv = await issued();
    ap.failNext.push('lose_answer');
    expect((await post(`/api/v1/invoices/${inv.id}/send`)).statusCode).toBe(200);
    await drain(t, ['invoice.send']);
    expect(submissionsOf(inv.number)).toHaveLength(1);
    // The retry asks with the same key and gets the same submission back.
    expect(await deliverInvoice(t.deps, org.organizationId, inv.id)).toEqual({
      peppol: submissionsOf(inv.number)[0]?.guid,
    });
    expect(submissionsOf(inv.number)).toHaveLength(1);
  });

  it('puts a send the access point keeps refusing to take in the lane, and reprocess sends it once', async () => {
    const inv = await issued();
    ap.failNext.push(...Array<'rate_limit'>(PEPPOL_SEND_TRIES).fill('rate_limit'));
    expect((await post(`/api/v1/invoices/${inv.id}/send`)).statusCode).toBe(200);
    await drain(t, ['invoice.send']);
    for (let i = 1; i < PEPPOL_SEND_TRIES; i++)
      await deliverInvoice(t.deps, org.organizationId, inv.id).catch(() => null);
    expect(ap.failNext).toEqual([]);
    expect(submissionsOf(inv.number)).toEqual([]);
    const entry = (await openErrors()).find((e) => e.invoiceId === inv.id);
    expect(entry).toMatchObject({ kind: 'peppol_send' });
    expect(entry?.message).toContain(`${inv.number} is not sent yet`);
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-errors/${entry?.id}/reprocess`,
      headers: as(owner, true),
      payload: {},
    });
    expect(again.statusCode, again.body).toBe(200);
    await drain(t);
    expect(submissionsOf(inv.number)).toHaveLength(1);
    expect((await openErrors()).find((e) => e.invoiceId === inv.id)).toBeUndefined();
  });

  it('e-mails the invoice to a buyer who is not on the network, and says so', async () => {
    ap.participants.delete(BUYER_ID);
    const inv = await issued();
    expect((await post(`/api/v1/invoices/${inv.id}/send`)).statusCode).toBe(200);
    await drain(t);
    expect(submissionsOf(inv.number)).toEqual([]);
    const [mail] = mailsFor(inv.number);
    expect(mail?.attachments?.map((a) => a.filename)).toEqual([`${inv.number}.pdf`, `${inv.number}.xml`]);
    const events = await history(inv.id);
    expect(events.find((e) => e.action === 'invoice.peppol_unreachable')?.reason).toBe(
      `${BUYER_ID} does not take invoices over Peppol`,
    );
    expect(events.map((e) => e.action)).toContain('invoice.emailed');
  });

  it('puts a document the access point refuses in the lane with its words, and sends it once the cause is fixed', async () => {
    ap.participants.set(BUYER_ID, new Set(['invoice', 'creditnote']));
    // The wrong sender account: Storecove answers 422 with what is wrong.
    expect((await connect({ apiKey: ap.apiKey, senderAccount: '999', apiBaseUrl: ap.url })).statusCode).toBe(
      200,
    );
    const inv = await issued();
    expect((await post(`/api/v1/invoices/${inv.id}/send`)).statusCode).toBe(200);
    await drain(t);
    expect(submissionsOf(inv.number)).toEqual([]);
    const entry = (await openErrors()).find((e) => e.invoiceId === inv.id);
    expect(entry?.message).toBe(
      `${inv.number} was not sent over Peppol: Storecove refused it: legalEntityId: Legal entity not found`,
    );
    expect((await history(inv.id)).map((e) => e.action)).toContain('invoice.peppol_refused');
    expect(
      (await connect({ apiKey: ap.apiKey, senderAccount: ap.legalEntityId, apiBaseUrl: ap.url })).statusCode,
    ).toBe(200);
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/integration-errors/${entry?.id}/reprocess`,
      headers: as(owner, true),
      payload: {},
    });
    expect(again.statusCode, again.body).toBe(200);
    await drain(t);
    expect(submissionsOf(inv.number)).toHaveLength(1);
  });

  it('sends by itself over Peppol when the organization sends at once, and by e-mail once disconnected', async () => {
    const setting = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization/billing',
      headers: as(owner, true),
      payload: { invoiceAutoSend: 'at_once' },
    });
    expect(setting.statusCode, setting.body).toBe(200);
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
    await drain(t);
    await drain(t);
    const [inv] = await invoicesOfJob(t, billing, j.id);
    expect(inv?.status).toBe('sent');
    expect(submissionsOf(inv?.number ?? null)).toHaveLength(1);

    const off = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/organization/peppol',
      headers: as(owner, true),
    });
    expect(off.json()).toMatchObject({ connected: false });
    const k = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, k.id);
    await drain(t);
    await drain(t);
    const [next] = await invoicesOfJob(t, billing, k.id);
    expect(submissionsOf(next?.number ?? null)).toEqual([]);
    expect(mailsFor(next?.number ?? null)).toHaveLength(1);
  });
});
