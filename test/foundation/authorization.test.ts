import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/app/accounting/connectors';
import { requestApproval } from '../../src/app/approvals/approvals';
import { createApiKey } from '../../src/app/auth/api-keys';
import { createChangeOrder } from '../../src/app/change-orders/create-change-order';
import { importBankFile } from '../../src/app/collections/bank-import';
import { uploadImport } from '../../src/app/imports/batches';
import { recordIntegrationError } from '../../src/app/integrations/integration-errors';
import { createSubscription } from '../../src/app/integrations/webhooks';
import { startCycleRun } from '../../src/app/invoicing/cycle-runs';
import { prepareJobInvoices } from '../../src/app/invoicing/prepare-job-invoices';
import { lockJob } from '../../src/app/jobs/job-store';
import { connectPayments } from '../../src/app/payments/payment-connections';
import { createQuote } from '../../src/app/quotes/draft-quote';
import { ConnectorMappings } from '../../src/contracts/connectors';
import { type Access, can } from '../../src/core/permissions';
import { ROLES, type Role } from '../../src/core/roles';
import { registerAuth } from '../../src/http/auth';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, requirements } from '../support/factories';
import { multipart, png } from '../support/files';

const RANDOM_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const JOB_TYPE_BODY = {
  code: 'SVC',
  name: 'Service',
  trade: 'hvac',
  defaultDurationMinutes: 60,
  billingMode: 'fixed',
  closeoutRequirements: requirements(),
  approvalRules: [],
};
const CLOSEOUT_BODY = {
  submissionId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c',
  workPerformed: { checklist: [], notes: 'x' },
  deviceTime: '2026-11-18T10:00:00.000Z',
};
/** Queries the lists need to answer 200. */
const LIST_QUERIES: Record<string, string> = {
  '/api/v1/board': '?date=2026-11-18&days=7',
  '/api/v1/connectors/oauth/callback': '?state=unknown&code=x',
  '/api/v1/exports/invoices.csv': '?format=xero&from=2026-01-01&to=2026-12-31',
  '/api/v1/metrics': '?from=2026-11-01&to=2026-11-30',
  '/api/v1/metrics/export.csv': '?from=2026-11-01&to=2026-11-30',
  '/api/v1/metrics/drilldown': '?from=2026-11-01&to=2026-11-30&metric=completed',
};
/** Reads that answer other than 200 to an allowed caller. */
const SPECIAL_READS: Record<string, number> = {
  // The provider's redirect back sends the browser on to Settings (here: an unknown state, said there).
  '/api/v1/connectors/oauth/callback': 302,
};
/** Collection writes that an empty body does not refuse, and what they answer instead. */
const ALLOWED_COLLECTION_WRITES: Record<string, number | Partial<Record<Role, number>>> = {
  // A calendar feed needs nothing but the caller, who must be a technician (anyone else is told so: 400).
  'POST /api/v1/calendar-feeds': { technician: 201 },
  // A patch that changes nothing is answered with the settings as they are.
  'PATCH /api/v1/organization/billing': 200,
  'PATCH /api/v1/organization/details': 200,
  'PATCH /api/v1/organization/customer-messages': 200,
  // The logo is an upload: JSON is the wrong kind of body.
  'PUT /api/v1/organization/logo': 415,
  'POST /api/v1/imports': 415,
  // Stopping texts or Peppol the organization never connected: there is nothing to stop.
  'DELETE /api/v1/organization/sms': 404,
  'DELETE /api/v1/organization/peppol': 404,
  // Matching the review queue again takes no body: an empty queue is matched at once.
  'POST /api/v1/bank/match': 200,
  // Signing out one's other sessions and starting an authenticator setup need nothing but the caller.
  'POST /api/v1/me/sessions/sign-out-others': 200,
  'POST /api/v1/me/two-factor/setup': 200,
};
/** Long-lived streams are tested in their own file. */
const STREAMS = new Set(['/api/v1/events']);

describe.each(testDrivers())('authorization and tenancy on %s', (driver) => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  let bKeyId: string;
  let bSeriesId: string;
  let bAttachmentId: string;
  let bImportId: string;
  let bApprovalId: string;
  let bInvoiceId: string;
  let bConnectorId: string;
  let bSubscriptionId: string;
  let bErrorId: string;
  let bCycleRunId: string;
  let bQuoteId: string;
  let bChangeOrderId: string;
  let bPaymentConnectionId: string;
  let bDisputeId: string;
  let bUnplacedId: string;
  let bScheduleId: string;
  let bBankEntryId: string;
  let bWriteOffId: string;
  let bSessionId: string;
  let bInvitationId: string;
  let aOwnerKey: string;
  const sessions = {} as Record<Role, Session>;

  beforeAll(async () => {
    t = await createTestApp(driver);
    a = await makeOrganization(t.deps, 'alpha');
    b = await makeOrganization(t.deps, 'bravo');
    bKeyId = (
      await createApiKey(t.deps, {
        organizationId: b.organizationId,
        role: 'owner',
        name: 'b',
        createdBy: null,
      })
    ).apiKey.id;
    aOwnerKey = (
      await createApiKey(t.deps, {
        organizationId: a.organizationId,
        role: 'owner',
        name: 'a',
        createdBy: null,
      })
    ).key;
    for (const role of ROLES) sessions[role] = await signIn(t.app, a.users[role].email, PASSWORD);
    const bDispatcher = await signIn(t.app, b.users.dispatcher.email, PASSWORD);
    bSessionId =
      (
        await t.database.raw.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1 LIMIT 1', [
          b.users.dispatcher.id,
        ])
      ).rows[0]?.id ?? '';
    const bSeries = await t.app.inject({
      method: 'POST',
      url: '/api/v1/series',
      headers: as(bDispatcher, true),
      payload: {
        customerId: b.customerId,
        siteId: b.siteId,
        jobTypeId: b.jobTypeId,
        rrule: 'FREQ=WEEKLY;BYDAY=FR',
        startDate: '2026-12-04',
        startTime: '09:00',
        scope: 'Weekly service',
        billingRule: 'per_visit',
        horizonDays: 30,
      },
    });
    bSeriesId = bSeries.json().id;
    const file = multipart({ category: 'after' }, { name: 'a.png', type: 'image/png', bytes: await png(3) });
    const bTech = await signIn(t.app, b.users.technician.email, PASSWORD);
    const uploaded = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${b.jobId}/attachments`,
      headers: { ...as(bTech, true), ...file.headers },
      payload: file.payload,
    });
    bAttachmentId = uploaded.json().id;
    bImportId = (
      await uploadImport(
        t.deps,
        b.organizationId,
        { kind: 'customers', fileName: 'b.csv', bytes: Buffer.from('Name,Email\nB Customer,b@b.test\n') },
        { type: 'user', id: b.users.owner.id },
      )
    ).id;
    // An approval request of organization B, opened the way the closeout opens one.
    bApprovalId = (
      await t.database.transaction(async (tx) =>
        requestApproval(tx, t.deps, {
          job: await lockJob(tx, b.organizationId, b.jobId),
          submissionId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d',
          fired: [
            {
              code: 'invoice_total_above',
              observed: '99',
              threshold: '1',
              approverRole: 'approver',
              slaHours: 1,
              message: 'x',
            },
          ],
          actor: { type: 'user', id: b.users.technician.id },
        }),
      )
    ).id;
    // A draft invoice of organization B, made the way the queue makes one when a job is invoice-ready.
    await t.database.raw.query(
      `UPDATE jobs SET status = 'completed', billing_status = 'invoice_ready' WHERE id = $1`,
      [b.jobId],
    );
    await prepareJobInvoices(t.deps, b.organizationId, b.jobId);
    const system = { type: 'system' as const, id: null };
    bConnectorId = (
      await createConnector(
        t.deps,
        b.organizationId,
        {
          provider: 'xero',
          tenantId: 't',
          clientId: 'c',
          clientSecret: 's',
          refreshToken: 'r',
          mappings: ConnectorMappings.parse({}),
        },
        system,
      )
    ).id;
    bSubscriptionId = (
      await createSubscription(
        t.deps,
        b.organizationId,
        { url: 'https://b.example/hook', events: ['invoice.issued'] },
        system,
      )
    ).row.id;
    bCycleRunId = (
      await startCycleRun(
        t.deps,
        b.organizationId,
        { start: '2026-11-01', end: '2026-11-30', billingCycle: 'monthly' },
        system,
      )
    ).id;
    bQuoteId = (
      await createQuote(
        t.deps,
        b.organizationId,
        {
          customerId: b.customerId,
          siteId: b.siteId,
          jobTypeId: b.jobTypeId,
          title: 'Quote of B',
          lines: [{ sku: 'LAB-STD', quantity: '1' }],
          validUntil: '2026-12-31',
        },
        system,
      )
    ).quote.id;
    bChangeOrderId = (
      await createChangeOrder(
        t.deps,
        b.organizationId,
        b.jobId,
        { reason: 'Extra work of B', lines: [{ change: 'add', sku: 'LAB-STD', quantity: '1' }] },
        system,
      )
    ).order.id;
    bErrorId = (
      await t.database.transaction((tx) =>
        recordIntegrationError(tx, t.deps, {
          organizationId: b.organizationId,
          kind: 'webhook',
          subject: 'webhook:x',
          message: 'x',
          providerCode: null,
          attempts: 1,
          connectorId: null,
          invoiceId: null,
          jobId: null,
        }),
      )
    ).id;
    bPaymentConnectionId = (
      await connectPayments(
        t.deps,
        b.organizationId,
        {
          provider: 'stripe',
          secretKey: 'sk_test_ofbbbbbbbb',
          webhookSecret: 'whsec_ofbbbbbbbb',
          methods: ['card'],
        },
        system,
      )
    ).id;
    bInvoiceId = (
      await t.database.raw.query<{ id: string }>('SELECT id FROM invoices WHERE organization_id = $1', [
        b.organizationId,
      ])
    ).rows[0]?.id as string;
    bDisputeId = t.deps.ids.uuid();
    await t.database.raw.query(
      `INSERT INTO disputes (organization_id, id, invoice_id, customer_id, reason, comment, status, created_at)
       VALUES ($1, $2, $3, $4, 'wrong_amount', 'B disputes', 'open', now())`,
      [b.organizationId, bDisputeId, bInvoiceId, b.customerId],
    );
    // Money paid online to B that did not fit its invoice.
    bUnplacedId = t.deps.ids.uuid();
    await t.database.raw.query(
      `INSERT INTO payment_checkouts (organization_id, id, connection_id, invoice_id, provider_checkout_id, url,
         amount, currency, status, payment_ref, paid_amount, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'cs_b', 'https://pay.example/cs_b', 12, 'EUR', 'unplaced', 'pi_b', 12, now(), now())`,
      [b.organizationId, bUnplacedId, bPaymentConnectionId, bInvoiceId],
    );
    bScheduleId = (
      await t.database.raw.query<{ id: string }>(
        'SELECT id FROM reminder_schedules WHERE organization_id = $1 AND is_default',
        [b.organizationId],
      )
    ).rows[0]?.id as string;
    await importBankFile(
      t.deps,
      b.organizationId,
      {
        fileName: 'b.csv',
        content: 'Date,Amount,Text\n2026-12-01,12.00,B pays',
        mapping: {
          delimiter: ',',
          skipLines: 0,
          hasHeader: true,
          date: 0,
          dateFormat: 'YYYY-MM-DD',
          amount: 1,
          credit: null,
          debit: null,
          decimalMark: '.',
          text: [2],
          name: null,
          iban: null,
          reference: null,
          currency: 'EUR',
          account: 'B main',
        },
      },
      system,
    );
    bBankEntryId = (
      await t.database.raw.query<{ id: string }>('SELECT id FROM bank_entries WHERE organization_id = $1', [
        b.organizationId,
      ])
    ).rows[0]?.id as string;
    // A write-off waiting for B's owner, on B's invoice.
    bInvitationId = randomUUID();
    await t.database.raw.query(
      `INSERT INTO invitations (organization_id, id, email, name, roles, token_hash, created_at, sent_at, expires_at)
       VALUES ($1, $2, 'invited@bravo.test', 'B only', '{technician}', $3, now(), now(), now() + interval '7 days')`,
      [b.organizationId, bInvitationId, `hash-${bInvitationId}`],
    );
    bWriteOffId = randomUUID();
    await t.database.raw.query(
      `INSERT INTO write_offs (organization_id, id, invoice_id, amount, currency, reason, note, status,
         requested_by_type, requested_by_id, created_at)
       VALUES ($1, $2, $3, 1, 'EUR', 'small_balance', 'B only', 'pending', 'user', $4, now())`,
      [b.organizationId, bWriteOffId, bInvoiceId, b.users.owner.id],
    );
  });
  afterAll(() => t?.close());

  const call = (method: string, url: string, headers: Record<string, string>, payload: object = {}) =>
    t.app.inject({ method: method as 'GET', url, headers, ...(method === 'GET' ? {} : { payload }) });

  /** A valid body for each write on a record, so that only the record's organization decides the answer. */
  const validBody = (url: string): object | undefined => {
    const bodies: Record<string, object> = {
      '/api/v1/jobs/:id': { scope: 'Scope corrected' },
      '/api/v1/jobs/:id/reschedule': {
        windowStart: '2026-12-01T09:00:00.000Z',
        windowEnd: '2026-12-01T10:00:00.000Z',
        reason: 'customer asked',
      },
      '/api/v1/jobs/:id/assign': { add: [], remove: [] },
      '/api/v1/jobs/:id/dispatch': {},
      '/api/v1/jobs/:id/start': {},
      '/api/v1/jobs/:id/on-my-way': {},
      '/api/v1/jobs/:id/visit-done': {},
      '/api/v1/jobs/:id/visits': { windowStart: '2026-12-10T08:00:00Z', windowEnd: '2026-12-10T12:00:00Z' },
      '/api/v1/jobs/:id/visits/:visitId/move': {
        windowStart: '2026-12-10T08:00:00Z',
        windowEnd: '2026-12-10T12:00:00Z',
        reason: 'customer asked',
      },
      '/api/v1/jobs/:id/visits/:visitId/cancel': { reason: 'not needed' },
      '/api/v1/jobs/:id/progress-invoices': { percent: '30', milestone: 'Rough-in' },
      '/api/v1/connectors/:id/test': {},
      '/api/v1/connectors/:id/disconnect': {},
      '/api/v1/connectors/:id/backfill': { since: '2026-01-01' },
      '/api/v1/connectors/oauth/:id/finish': { tenantId: 'tenant-x' },
      '/api/v1/users/:id': { name: 'Renamed' },
      '/api/v1/users/:id/two-factor': {},
      '/api/v1/me/sessions/:id': {},
      '/api/v1/invitations/:id/resend': {},
      '/api/v1/invitations/:id/withdraw': {},
      '/api/v1/webhook-subscriptions/:id/test': {},
      '/api/v1/jobs/:id/cancel': { reason: 'customer canceled' },
      '/api/v1/quotes/:id': {
        expectedVersion: 1,
        title: 'Quote',
        lines: [{ sku: 'LAB-STD', quantity: '1' }],
        validUntil: '2026-12-31',
      },
      '/api/v1/quotes/:id/withdraw': { reason: 'customer went elsewhere' },
      '/api/v1/quotes/:id/send': {},
      '/api/v1/quotes/:id/revise': {},
      '/api/v1/quotes/:id/book': {
        windowStart: '2026-12-10T09:00:00.000Z',
        windowEnd: '2026-12-10T11:00:00.000Z',
      },
      '/api/v1/jobs/:id/quotes': {
        id: '7a8b2f8e-5d0c-4e43-9b36-3d7f2b9c1a11',
        title: 'Second bathroom',
        lines: [{ sku: 'LAB-STD', quantity: '1' }],
      },
      '/api/v1/jobs/:id/change-orders': {
        reason: 'A second radiator',
        lines: [{ change: 'add', sku: 'LAB-STD', quantity: '1' }],
      },
      '/api/v1/change-orders/:id/approve': {
        signerName: 'Pat Customer',
        signature: 'data:image/png;base64,iVBORw0KGgo=',
      },
      '/api/v1/change-orders/:id/decline': { reason: 'too dear' },
      '/api/v1/change-orders/:id/send': {},
      '/api/v1/change-orders/:id/withdraw': { reason: 'not needed after all' },
      '/api/v1/jobs/:id/no-show': { reason: 'nobody home' },
      '/api/v1/jobs/:id/close-not-billable': { reason: 'warranty' },
      '/api/v1/jobs/:id/rebuild-invoices': {},
      '/api/v1/jobs/:id/comments': { body: 'hello' },
      '/api/v1/jobs/:id/info-requests': { body: 'serial number?' },
      '/api/v1/api-keys/:id/revoke': {},
      '/api/v1/customers/:id': { phone: '+353 1 555 0100' },
      '/api/v1/customers/:id/merge': { duplicateId: b.customerId },
      '/api/v1/customers/:id/portal-link': {},
      '/api/v1/customers/:id/portal-link/revoke': {},
      '/api/v1/payment-connections/:id/disconnect': {},
      '/api/v1/payment-connections/:id/fee': { fee: null },
      '/api/v1/disputes/:id/resolve': { resolution: 'reply', reply: 'We checked the hours again.' },
      '/api/v1/customers/:id/sites/:siteId': { accessNotes: 'Key with the neighbour' },
      '/api/v1/customers/:id/external-ids/:connector': { externalId: 'XERO-123' },
      '/api/v1/customers/:id/sites': {
        name: 'Annex',
        address: { line1: '2 Main St', city: 'Dublin', postalCode: 'D02', country: 'IE' },
      },
      '/api/v1/tax-codes/:id': { code: 'S-STD', name: 'Standard', category: 'S', rate: '23' },
      '/api/v1/catalog-items/:id': {
        sku: 'LAB-STD',
        name: 'Labour',
        kind: 'labor',
        unitCode: 'HUR',
        unitPrice: '80.00',
        taxCodeId: b.taxCodeId,
      },
      '/api/v1/job-types/:id': JOB_TYPE_BODY,
      '/api/v1/series/:id/split': { fromDate: '2026-12-18', reason: 'new hours' },
      '/api/v1/series/:id/pause': { fromDate: '2026-12-18', reason: 'customer away' },
      '/api/v1/series/:id/end': { fromDate: '2026-12-18', reason: 'contract over' },
      '/api/v1/series/:id/resume': { fromDate: '2026-12-18' },
      '/api/v1/jobs/:id/closeouts': CLOSEOUT_BODY,
      '/api/v1/jobs/:id/closeout': { ...CLOSEOUT_BODY, reason: 'correction' },
      '/api/v1/jobs/:id/closeout-draft': { workPerformed: { notes: 'draft' } },
      '/api/v1/jobs/:id/timer/start': {},
      '/api/v1/jobs/:id/timer/stop': {},
      '/api/v1/jobs/:id/time-entries': {
        userId: RANDOM_ID,
        startedAt: '2026-11-18T09:00:00.000Z',
        endedAt: '2026-11-18T10:00:00.000Z',
      },
      '/api/v1/jobs/:id/attachments': {},
      '/api/v1/quotes/:id/photos': {},
      '/api/v1/quotes/:id/photos/:photoId': {},
      '/api/v1/imports/:id/check': {},
      '/api/v1/imports/:id/run': {},
      '/api/v1/imports/:id/undo': {},
      '/api/v1/approvals/:id/decision': { decision: 'approve' },
      '/api/v1/invoices/:id': { memo: 'hello' },
      '/api/v1/connectors/:id': { status: 'disabled' },
      '/api/v1/integration-errors/:id/reprocess': {},
      '/api/v1/integration-errors/:id/contact-match': { decision: 'link' },
      '/api/v1/webhook-subscriptions/:id': {},
      '/api/v1/jobs/:id/revisions': {
        scope: 'Add a second radiator',
        windowStart: '2026-12-01T09:00:00.000Z',
        windowEnd: '2026-12-01T10:00:00.000Z',
        reason: 'customer asked on site',
      },
      '/api/v1/invoices/:id/issue': {},
      '/api/v1/invoices/:id/send': {},
      '/api/v1/invoices/:id/reprocess': {},
      '/api/v1/invoices/:id/credit-notes': { reason: 'goodwill' },
      '/api/v1/invoices/:id/online-refunds': { amount: '1.00' },
      '/api/v1/unplaced-payments/:id/place': { action: 'refund' },
      '/api/v1/invoices/:id/reminders': {},
      '/api/v1/customers/:id/statement/send': {},
      '/api/v1/customers/:id/statement-preferences': { monthly: false },
      '/api/v1/customers/:id/reminders': {
        scheduleId: null,
        excluded: false,
        pausedUntil: null,
        pauseReason: null,
      },
      '/api/v1/reminder-schedules/:id': {
        name: 'Renamed',
        steps: [{ days: 7, tone: 'firm', subject: null, body: null }],
      },
      '/api/v1/series/:id/cycle-invoices': { periodStart: '2026-12-01', periodEnd: '2026-12-31' },
      '/api/v1/bank/entries/:id/apply': { suggestion: 0, version: 1 },
      '/api/v1/bank/entries/:id/undo': { reason: 'Wrong payer', version: 1 },
      '/api/v1/bank/entries/:id/ignore': { reason: 'Own transfer', version: 1 },
      '/api/v1/invoices/:id/write-offs': {
        amount: '1.00',
        reason: 'small_balance',
        note: 'Rounded down',
        version: 1,
      },
      '/api/v1/write-offs/:id/decision': { decision: 'approve' },
    };
    return bodies[url];
  };

  /**
   * The status the permission table gives a role on a route, called with an ID that does not exist and a
   * valid body: refused (403), or allowed and then answered by the route itself: a record it cannot find
   * (404), a list (200), or a write on a collection sent an empty body (400; people-only routes refuse keys).
   */
  const allowedTo = (access: Access | 'missing', role: Role) =>
    access === 'authenticated' || (access !== 'public' && access !== 'missing' && can([role], access));
  const expectedStatus = (r: { method: string; url: string; access: Access | 'missing' }, role: Role) => {
    if (!allowedTo(r.access, role)) return 403;
    if (r.url.includes(':')) return 404;
    if (r.method === 'GET') return SPECIAL_READS[r.url] ?? 200;
    const special = ALLOWED_COLLECTION_WRITES[`${r.method} ${r.url}`] ?? 400;
    return typeof special === 'number' ? special : (special[role] ?? 400);
  };

  /**
   * The matrix's rows: every operation of the OpenAPI document, with the permission-table entry of its route
   * ('missing' when it has none, which the first test refuses).
   */
  const documented = async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    return Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => {
          const method = m.toUpperCase();
          const url = path.replace(/\{(\w+)\}/g, ':$1');
          const entry = t.app.routeAccess.find((r) => r.method === method && r.url === url);
          return { method, url, access: entry?.access ?? ('missing' as const) };
        }),
    );
  };
  const protectedRoutes = async () =>
    (await documented()).filter((r) => r.access !== 'public' && r.url !== '/api/v1/auth/logout');

  it('has a permission-table entry for every API route, and refuses to register a route without one', async () => {
    expect(t.app.routeAccess.length).toBeGreaterThan(10);
    // The OpenAPI document and the permission table list the same operations.
    const ops = await documented();
    expect(ops.filter((o) => o.access === 'missing')).toEqual([]);
    const listed = new Set(ops.map((o) => `${o.method} ${o.url}`));
    expect(
      t.app.routeAccess
        .filter((r) => r.url.startsWith('/api/v1/') && !listed.has(`${r.method} ${r.url}`))
        .map((r) => `${r.method} ${r.url}`),
    ).toEqual([]);
    const bare = Fastify();
    registerAuth(bare, t.deps);
    await expect(
      bare.register(async (api) => {
        api.get('/api/v1/unlisted', async () => 'x');
      }),
    ).rejects.toThrow(/no entry in the permission table/);
  });

  /** A link token nobody was given: the routes that take one answer "not found" to anyone signed in. */
  const UNKNOWN_TOKEN = 'x'.repeat(43);

  it('refuses anonymous callers on every protected route', async () => {
    for (const r of await protectedRoutes()) {
      const res = await call(
        r.method,
        r.url
          .replace(':id', RANDOM_ID)
          .replace(':siteId', RANDOM_ID)
          .replace(':photoId', RANDOM_ID)
          .replace(':visitId', RANDOM_ID)
          .replace(':connector', 'xero')
          .replace(':token', UNKNOWN_TOKEN),
        {},
      );
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('gives each role exactly what the permission table gives it', async () => {
    const wrong: string[] = [];
    for (const r of await protectedRoutes()) {
      for (const role of ROLES) {
        const allowed = allowedTo(r.access, role);
        // An allowed stream never ends under inject; live.test.ts opens it for real.
        if (allowed && STREAMS.has(r.url)) continue;
        const url = r.url
          .replace(':id', RANDOM_ID)
          .replace(':siteId', RANDOM_ID)
          .replace(':photoId', RANDOM_ID)
          .replace(':visitId', RANDOM_ID)
          .replace(':connector', 'xero')
          .replace(':token', UNKNOWN_TOKEN);
        const onRecord = r.url.includes(':');
        const body = r.method === 'GET' ? {} : onRecord ? (validBody(r.url) ?? {}) : {};
        const query = r.method === 'GET' && !onRecord ? (LIST_QUERIES[r.url] ?? '') : '';
        const res = await call(r.method, `${url}${query}`, as(sessions[role], r.method !== 'GET'), body);
        const expected = expectedStatus(r, role);
        if (res.statusCode !== expected)
          wrong.push(
            `${role} ${r.method} ${r.url}: ${expected} expected, ${res.statusCode} ${res.body.slice(0, 120)}`,
          );
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers 404 for every resource of another organization, to its users and its API keys', async () => {
    // Keyed by the resource segment of the URL (/api/v1/<resource>/:id/...).
    const bIds: Record<string, string> = {
      users: b.users.owner.id,
      customers: b.customerId,
      jobs: b.jobId,
      'api-keys': bKeyId,
      'tax-codes': b.taxCodeId,
      'catalog-items': b.catalogItemId,
      'job-types': b.jobTypeId,
      series: bSeriesId,
      attachments: bAttachmentId,
      imports: bImportId,
      approvals: bApprovalId,
      invoices: bInvoiceId,
      connectors: bConnectorId,
      'webhook-subscriptions': bSubscriptionId,
      'integration-errors': bErrorId,
      'cycle-runs': bCycleRunId,
      quotes: bQuoteId,
      'change-orders': bChangeOrderId,
      'payment-connections': bPaymentConnectionId,
      disputes: bDisputeId,
      'unplaced-payments': bUnplacedId,
      'reminder-schedules': bScheduleId,
      bank: bBankEntryId,
      'write-offs': bWriteOffId,
      me: bSessionId,
      invitations: bInvitationId,
    };
    const ownIds: Record<string, string> = {
      users: a.users.owner.id,
      customers: a.customerId,
      jobs: a.jobId,
    };
    // The customer's routes open by an unguessable token, not an ID (test/payments checks them apart).
    const withId = t.app.routeAccess.filter((r) => r.url.includes(':id') && r.access !== 'public');
    for (const r of withId) {
      const resource = r.url.split('/')[3] ?? '';
      const id = bIds[resource];
      expect(id, `no other-organization fixture for ${r.url}: add one`).toBeDefined();
      const body = r.method === 'GET' ? {} : validBody(r.url);
      expect(body, `no valid body for ${r.method} ${r.url}: add one`).toBeDefined();
      for (const caller of [as(sessions.owner, r.method !== 'GET'), as({ apiKey: aOwnerKey })]) {
        const url = r.url
          .replace(':id', id ?? '')
          .replace(':siteId', b.siteId)
          .replace(':photoId', RANDOM_ID)
          .replace(':visitId', RANDOM_ID)
          .replace(':connector', 'xero')
          .replace(':token', UNKNOWN_TOKEN);
        const res = await call(r.method, url, caller, body);
        // A person's own account (/me/...) is no API key's: refused before any record is looked at.
        const peopleOnly = r.url.startsWith('/api/v1/me/') && 'authorization' in caller;
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(peopleOnly ? 403 : 404);
      }
      // The same read on the caller's own organization is found, so the 404 above is the tenancy check.
      const own = ownIds[resource];
      // (A draft exists only once someone saved one, a service report once a closeout was accepted.)
      const onlyAfterwards = ['/api/v1/jobs/:id/closeout-draft', '/api/v1/jobs/:id/service-report'];
      if (own && r.method === 'GET' && !onlyAfterwards.includes(r.url)) {
        const res = await call(r.method, r.url.replace(':id', own), as(sessions.owner));
        expect(res.statusCode, `${r.method} ${r.url} own`).toBe(200);
      }
    }
    // Writes that name a record in the body are checked the same way.
    const pay = await call('POST', '/api/v1/payments', as(sessions.owner, true), {
      invoiceId: bInvoiceId,
      amount: '1.00',
      receivedOn: '2026-11-20',
      method: 'cash',
    });
    expect(pay.statusCode).toBe(404);
    expect(pay.json().errors[0].field).toBe('body.invoiceId');
    const revokedB = await t.database.raw.query<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM api_keys WHERE id = $1',
      [bKeyId],
    );
    expect(revokedB.rows[0]?.revoked_at).toBeNull();
  });

  it('never lists another organization’s rows', async () => {
    const lists = t.app.routeAccess.filter(
      (r) => r.method === 'GET' && !r.url.includes(':') && r.access !== 'public' && !STREAMS.has(r.url),
    );
    const foreign = [
      b.organizationId,
      b.customerId,
      b.jobId,
      b.otherJobId,
      b.users.owner.id,
      b.siteId,
      'bravo',
    ];
    // A person's own work orders: an API key has none, and is told so.
    const peopleOnly = new Set(['/api/v1/my/work-orders', '/api/v1/me/sessions', '/api/v1/me/two-factor']);
    for (const r of lists) {
      for (const caller of [as(sessions.owner), as({ apiKey: aOwnerKey })]) {
        const res = await call('GET', `${r.url}${LIST_QUERIES[r.url] ?? ''}`, caller);
        const byKey = 'x-api-key' in caller || 'authorization' in caller;
        expect(res.statusCode, r.url).toBe(
          byKey && peopleOnly.has(r.url) ? 403 : (SPECIAL_READS[r.url] ?? 200),
        );
        for (const id of foreign) expect(res.body, `${r.url} leaks ${id}`).not.toContain(id);
      }
    }
  });

  it('shows technicians only the jobs they are assigned to', async () => {
    const mine = await call('GET', '/api/v1/jobs', as(sessions.technician));
    expect(mine.json().items.map((j: { id: string }) => j.id)).toEqual([a.jobId]);
    expect((await call('GET', `/api/v1/jobs/${a.jobId}`, as(sessions.technician))).statusCode).toBe(200);
    expect((await call('GET', `/api/v1/jobs/${a.otherJobId}`, as(sessions.technician))).statusCode).toBe(404);
    const all = await call('GET', '/api/v1/jobs', as(sessions.dispatcher));
    expect(
      all
        .json()
        .items.map((j: { id: string }) => j.id)
        .sort(),
    ).toEqual([a.jobId, a.otherJobId].sort());
  });
});
