import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalateOverdue } from '../../src/app/approvals/approvals';
import { insertUser } from '../../src/app/directory/users';
import { as, createTestApp, problemOf, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, requirements } from '../support/factories';

type Rule = { code: string; threshold: string | null; approverRole: string; slaHours: number };

describe.each(testDrivers())('exception-only approvals on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let tech: Session;
  let owner: Session;
  let approver: Session;
  let dispatcher: Session;

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'appr');
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    approver = await signIn(t.app, org.users.approver.email, PASSWORD);
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/catalog-items',
      headers: as(owner, true),
      payload: {
        sku: 'VALVE',
        name: 'Valve',
        kind: 'part',
        unitCode: 'C62',
        unitPrice: '1450.00',
        taxCodeId: org.taxCodeId,
      },
    });
  });
  afterAll(() => t?.close());

  /** A job type with exactly these rules and no proof requirements, so each test isolates one rule. */
  const jobTypeWith = async (rules: Rule[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: `R-${randomUUID().slice(0, 8).toUpperCase()}`,
        name: 'Rule test',
        trade: 'plumbing',
        defaultDurationMinutes: 60,
        billingMode: 'fixed',
        closeoutRequirements: requirements({ partNumbers: true }),
        approvalRules: rules,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const newJob = async (
    jobTypeId: string,
    extra: Record<string, unknown> = {},
    crew = [org.users.technician.id],
  ) =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        // Billing facts (a discount, an estimate …) are set by the owner; a dispatcher books the rest.
        headers: as(Object.keys(extra).length > 0 ? owner : dispatcher, true),
        payload: {
          customerId: org.customerId,
          siteId: org.siteId,
          jobTypeId,
          scope: 'Rule test',
          windowStart: '2026-11-18T09:00:00.000Z',
          windowEnd: '2026-11-18T17:00:00.000Z',
          crew,
          ...extra,
        },
      })
    ).json() as { id: string };
  const closeOut = (jobId: string, overrides: Record<string, unknown> = {}, who = tech) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${jobId}/closeouts`,
      headers: as(who, true),
      payload: {
        submissionId: randomUUID(),
        workPerformed: { checklist: [], notes: 'Done' },
        parts: [{ description: 'Fitting', quantity: '1', unitPrice: '100.00' }],
        deviceTime: '2026-11-18T16:00:00.000Z',
        ...overrides,
      },
    });

  it('lets a routine job skip approval', async () => {
    const jt = await jobTypeWith([
      { code: 'invoice_total_above', threshold: '5000', approverRole: 'approver', slaHours: 24 },
    ]);
    const job = await newJob(jt);
    const res = await closeOut(job.id);
    expect(res.json()).toMatchObject({
      outcome: 'accepted',
      approval: null,
      job: { billingStatus: 'invoice_ready' },
    });
  });

  const est = (sku: string | null, quantity: string, unitPrice: string) => ({
    sku,
    description: 'Estimate line',
    quantity,
    unitPrice,
  });
  const labor = (hours: string) => [{ technicianId: org.users.technician.id, hours }];
  const cases: [
    string,
    Rule,
    () => [Record<string, unknown>, Record<string, unknown>],
    () => [Record<string, unknown>, Record<string, unknown>],
  ][] = [
    [
      'discount_above_percent',
      { code: 'discount_above_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
      () => [{ discountPercent: '9.99' }, {}],
      () => [{ discountPercent: '10' }, {}],
    ],
    [
      'labor_hours_over_estimate',
      { code: 'labor_hours_over_estimate', threshold: '2', approverRole: 'approver', slaHours: 24 },
      () => [{ estimateLines: [est('LAB-STD', '3', '80.00')] }, { labor: labor('4.99') }],
      () => [{ estimateLines: [est('LAB-STD', '3', '80.00')] }, { labor: labor('5') }],
    ],
    [
      'overtime_hours_above',
      { code: 'overtime_hours_above', threshold: '1', approverRole: 'approver', slaHours: 24 },
      () => [{}, { labor: labor('8.99') }],
      () => [{}, { labor: labor('9') }],
    ],
    [
      'parts_over_estimate_percent',
      { code: 'parts_over_estimate_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
      () => [
        { estimateLines: [est(null, '1', '100.00')] },
        { parts: [{ description: 'Fitting', quantity: '1', unitPrice: '109.99' }] },
      ],
      () => [
        { estimateLines: [est(null, '1', '100.00')] },
        { parts: [{ description: 'Fitting', quantity: '1', unitPrice: '110.00' }] },
      ],
    ],
    [
      'total_over_estimate_percent',
      { code: 'total_over_estimate_percent', threshold: '10', approverRole: 'owner', slaHours: 24 },
      () => [
        { estimateLines: [est(null, '2', '50.00')] },
        { parts: [{ description: 'Fitting', quantity: '1', unitPrice: '109.99' }] },
      ],
      () => [
        { estimateLines: [est(null, '2', '50.00')] },
        { parts: [{ description: 'Fitting', quantity: '1', unitPrice: '110.00' }] },
      ],
    ],
    [
      'missing_signature',
      { code: 'missing_signature', threshold: null, approverRole: 'approver', slaHours: 24 },
      () => [{}, {}],
      () => [{}, { signatureException: { reasonCode: 'customer_refused', text: 'Refused to sign' } }],
    ],
    [
      'warranty_or_no_charge',
      { code: 'warranty_or_no_charge', threshold: null, approverRole: 'owner', slaHours: 48 },
      () => [{}, {}],
      () => [{}, { exceptionFlags: ['warranty'] }],
    ],
    [
      'price_below_price_book',
      { code: 'price_below_price_book', threshold: null, approverRole: 'approver', slaHours: 24 },
      () => [{}, { parts: [{ sku: 'VALVE', quantity: '1', unitPrice: '1450.00' }] }],
      () => [{}, { parts: [{ sku: 'VALVE', quantity: '1', unitPrice: '1449.99' }] }],
    ],
    [
      'invoice_total_above',
      { code: 'invoice_total_above', threshold: '1000', approverRole: 'owner', slaHours: 24 },
      () => [{}, { parts: [{ description: 'Boiler', quantity: '1', unitPrice: '999.99' }] }],
      () => [{}, { parts: [{ description: 'Boiler', quantity: '1', unitPrice: '1000.00' }] }],
    ],
  ];

  it.each(cases)('%s fires at its threshold and not below it', async (code, rule, below, at) => {
    const jt = await jobTypeWith([rule]);
    const [jobBelow, closeBelow] = below();
    const under = await closeOut((await newJob(jt, jobBelow)).id, closeBelow);
    expect(under.json(), under.body).toMatchObject({
      approval: null,
      job: { billingStatus: 'invoice_ready' },
    });
    const [jobAt, closeAt] = at();
    const fired = await closeOut((await newJob(jt, jobAt)).id, closeAt);
    expect(fired.statusCode, fired.body).toBe(201);
    expect(fired.json().job.billingStatus).toBe('needs_approval');
    expect(fired.json().approval.rules.map((r: { code: string }) => r.code)).toEqual([code]);
    expect(fired.json().approval.rules[0].threshold).toBe(rule.threshold);
  });

  it('approve makes the job invoice-ready; reject needs a comment and sends the job back with it', async () => {
    const jt = await jobTypeWith([
      { code: 'invoice_total_above', threshold: '50', approverRole: 'approver', slaHours: 24 },
    ]);
    const a = (await closeOut((await newJob(jt)).id)).json();
    const b = (await closeOut((await newJob(jt)).id)).json();
    const inbox = (
      await t.app.inject({ method: 'GET', url: '/api/v1/approvals', headers: as(approver) })
    ).json().items;
    expect(inbox.map((r: { id: string }) => r.id)).toEqual(
      expect.arrayContaining([a.approval.id, b.approval.id]),
    );
    const decide = (id: string, payload: object, who = approver) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/approvals/${id}/decision`,
        headers: as(who, true),
        payload,
      });

    const approved = await decide(a.approval.id, { decision: 'approve', comment: 'Agreed with customer' });
    expect(approved.json()).toMatchObject({
      status: 'approved',
      decidedBy: org.users.approver.id,
      comment: 'Agreed with customer',
    });
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${a.job.id}`, headers: as(dispatcher) })).json()
        .billingStatus,
    ).toBe('invoice_ready');
    const again = await decide(a.approval.id, { decision: 'reject', comment: 'changed my mind' });
    expect(again.statusCode).toBe(409);

    const bare = await decide(b.approval.id, { decision: 'reject' });
    expect(bare.statusCode).toBe(400);
    expect(problemOf(bare).errors[0]?.field).toBe('body.comment');
    const rejected = await decide(b.approval.id, {
      decision: 'reject',
      comment: 'Price needs the PO number',
    });
    expect(rejected.json().status).toBe('rejected');
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${b.job.id}`, headers: as(tech) })
    ).json();
    expect(job.billingStatus).toBe('needs_info');
    const comments = (
      await t.app.inject({ method: 'GET', url: `/api/v1/jobs/${b.job.id}/comments`, headers: as(tech) })
    ).json().items;
    expect(comments.at(-1)).toMatchObject({
      kind: 'info_request',
      body: 'Approval rejected: Price needs the PO number',
    });
  });

  it('refuses self-approval, even to someone who holds the approver role', async () => {
    const both = await t.database.transaction((tx) =>
      insertUser(tx, t.deps, org.organizationId, {
        email: 'lead@appr.test',
        name: 'Lead tech',
        password: PASSWORD,
        roles: ['technician', 'approver'],
        hourlyRate: '90.00',
      }),
    );
    const lead = await signIn(t.app, 'lead@appr.test', PASSWORD);
    const jt = await jobTypeWith([
      { code: 'invoice_total_above', threshold: '50', approverRole: 'approver', slaHours: 24 },
    ]);
    const job = await newJob(jt, {}, [both.id]);
    const res = (await closeOut(job.id, {}, lead)).json();
    const self = await t.app.inject({
      method: 'POST',
      url: `/api/v1/approvals/${res.approval.id}/decision`,
      headers: as(lead, true),
      payload: { decision: 'approve' },
    });
    expect(self.statusCode).toBe(403);
    expect(problemOf(self).detail).toMatch(/own submission/);
  });

  it('escalates an overdue request to the owner once, with the clock moved past its SLA', async () => {
    const jt = await jobTypeWith([
      { code: 'invoice_total_above', threshold: '50', approverRole: 'approver', slaHours: 4 },
    ]);
    const res = (await closeOut((await newJob(jt)).id)).json();
    expect((await escalateOverdue(t.deps)).escalated).toBe(0);
    t.clock.advance(4 * 3_600_000 + 60_000);
    await escalateOverdue(t.deps);
    expect((await escalateOverdue(t.deps)).escalated).toBe(0); // once
    const fresh = await signIn(t.app, org.users.owner.email, PASSWORD);
    const request = (
      await t.app.inject({ method: 'GET', url: `/api/v1/approvals/${res.approval.id}`, headers: as(fresh) })
    ).json();
    expect(request.overdue).toBe(true);
    expect(request.escalatedAt).not.toBeNull();
    const inbox = (
      await t.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: as(fresh) })
    ).json().items;
    expect(
      inbox.some(
        (n: { kind: string; body: string }) =>
          n.kind === 'approval' && /no decision on its approval in the time allowed/.test(n.body),
      ),
    ).toBe(true);
    const queue = (
      await t.app.inject({ method: 'GET', url: '/api/v1/jobs?exceptions=true', headers: as(fresh) })
    ).json().items;
    expect(queue.some((j: { id: string }) => j.id === res.job.id)).toBe(true);
  });

  it('applies the organization’s default rules unless the job type sets the same code itself', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/organization/approval-rules',
      headers: as(owner, true),
      payload: {
        rules: [{ code: 'invoice_total_above', threshold: '500', approverRole: 'owner', slaHours: 24 }],
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: '/api/v1/organization/approval-rules',
          headers: as(approver, true),
          payload: { rules: [] },
        })
      ).statusCode,
    ).toBe(403);
    const big = [{ description: 'Boiler', quantity: '1', unitPrice: '600.00' }];
    const inherits = await jobTypeWith([]);
    const fired = (await closeOut((await newJob(inherits)).id, { parts: big })).json();
    expect(
      fired.approval.rules.map((r: { code: string; threshold: string }) => [r.code, r.threshold]),
    ).toEqual([['invoice_total_above', '500']]);
    const overrides = await jobTypeWith([
      { code: 'invoice_total_above', threshold: '5000', approverRole: 'owner', slaHours: 24 },
    ]);
    expect((await closeOut((await newJob(overrides)).id, { parts: big })).json().approval).toBeNull();
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/organization/approval-rules',
      headers: as(owner, true),
      payload: { rules: [] },
    });
  });

  it('refuses rules with unknown codes or out-of-range parameters', async () => {
    for (const rule of [
      { code: 'vibes', threshold: '1', approverRole: 'approver', slaHours: 24 },
      { code: 'discount_above_percent', threshold: '-5', approverRole: 'approver', slaHours: 24 },
      { code: 'discount_above_percent', threshold: '5', approverRole: 'technician', slaHours: 24 },
      { code: 'discount_above_percent', threshold: '5', approverRole: 'approver', slaHours: 0 },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/job-types',
        headers: as(owner, true),
        payload: {
          code: 'BADRULE',
          name: 'x',
          trade: 'hvac',
          defaultDurationMinutes: 60,
          billingMode: 'fixed',
          closeoutRequirements: requirements(),
          approvalRules: [rule],
        },
      });
      expect(res.statusCode, JSON.stringify(rule)).toBe(400);
      expect(problemOf(res).errors[0]?.field).toMatch(/^body\.approvalRules\.0\./);
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('approval decisions racing on PostgreSQL', () => {
  let t: TestApp;
  let org: OrgFixture;
  afterAll(() => t?.close());

  it('two approvers deciding at once: exactly one wins, the other gets 409', async () => {
    t = await createTestApp('postgres');
    org = await makeOrganization(t.deps, 'race-appr');
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const approver = await signIn(t.app, org.users.approver.email, PASSWORD);
    const tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    const dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    const jt = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: 'RACE',
        name: 'Race',
        trade: 'plumbing',
        defaultDurationMinutes: 60,
        billingMode: 'fixed',
        closeoutRequirements: requirements({ partNumbers: true }),
        approvalRules: [
          { code: 'invoice_total_above', threshold: '1', approverRole: 'approver', slaHours: 24 },
        ],
      },
    });
    const job = await t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: as(dispatcher, true),
      payload: {
        customerId: org.customerId,
        siteId: org.siteId,
        jobTypeId: jt.json().id,
        scope: 'Race',
        windowStart: '2026-11-18T09:00:00.000Z',
        windowEnd: '2026-11-18T10:00:00.000Z',
        crew: [org.users.technician.id],
      },
    });
    const closed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${job.json().id}/closeouts`,
      headers: as(tech, true),
      payload: {
        submissionId: randomUUID(),
        workPerformed: { checklist: [], notes: '' },
        parts: [{ description: 'Seal', quantity: '1', unitPrice: '10.00' }],
        deviceTime: '2026-11-18T10:00:00.000Z',
      },
    });
    const id = closed.json().approval.id;
    const [a, b] = await Promise.all([
      t.app.inject({
        method: 'POST',
        url: `/api/v1/approvals/${id}/decision`,
        headers: as(approver, true),
        payload: { decision: 'approve' },
      }),
      t.app.inject({
        method: 'POST',
        url: `/api/v1/approvals/${id}/decision`,
        headers: as(owner, true),
        payload: { decision: 'reject', comment: 'No' },
      }),
    ]);
    expect([a?.statusCode, b?.statusCode].sort()).toEqual([200, 409]);
    const { rows } = await t.database.raw.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE aggregate_id = $1 AND action IN ('approval.approved', 'approval.rejected')`,
      [id],
    );
    expect(rows[0]?.n).toBe(1);
  });
});
