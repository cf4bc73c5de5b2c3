import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { BILLING_FACTS } from '../../src/contracts/jobs';
import { drainQueues } from '../../src/worker/handlers';
import { as, type Session, signIn, type TestApp } from '../support/app';
import { type OrgFixture, PASSWORD, requirements } from '../support/factories';

export const SELLER = {
  vatId: 'IE6388047V',
  companyId: 'IE-CRO-123456',
  iban: 'IE29AIBK93115212345678',
  address: { line1: '12 Harbour Road', city: 'Dublin', postalCode: 'D02 XY45', country: 'IE' },
};

/** Seller identifiers every EN 16931 invoice needs, set through the API. */
export const setSeller = async (t: TestApp, owner: Session, extra: Record<string, unknown> = {}) => {
  const res = await t.app.inject({
    method: 'PATCH',
    url: '/api/v1/organization/billing',
    headers: as(owner, true),
    payload: { ...SELLER, ...extra },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

/** A job type asking for no proof and no approvals: its closeouts are invoice-ready at once. */
export const plainJobType = async (t: TestApp, owner: Session, code = 'PLAIN') => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/job-types',
    headers: as(owner, true),
    payload: {
      code,
      name: 'Plain service',
      trade: 'plumbing',
      defaultDurationMinutes: 60,
      billingMode: 'time_and_materials',
      closeoutRequirements: requirements(),
      approvalRules: [],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
};

const owners = new WeakMap<TestApp, Map<string, Session>>();
/** The organization's owner, signed in once per test app. */
export const ownerOf = async (t: TestApp, org: OrgFixture): Promise<Session> => {
  const byOrg = owners.get(t) ?? new Map<string, Session>();
  owners.set(t, byOrg);
  const known = byOrg.get(org.organizationId);
  if (known) return known;
  const session = await signIn(t.app, org.users.owner.email, PASSWORD);
  byOrg.set(org.organizationId, session);
  return session;
};

/**
 * Books a job as the dispatcher; one that carries billing facts (a deposit, a discount, a PO …) is booked by
 * the owner, as a dispatcher may not set them.
 */
export const newJob = async (
  t: TestApp,
  org: OrgFixture,
  dispatcher: Session,
  jobTypeId: string,
  extra: Record<string, unknown> = {},
) => {
  const billed = BILLING_FACTS.some((k) => extra[k] !== undefined && extra[k] !== null && extra[k] !== false);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/jobs',
    headers: as(billed ? await ownerOf(t, org) : dispatcher, true),
    payload: {
      customerId: org.customerId,
      siteId: org.siteId,
      jobTypeId,
      scope: 'Replace the pump',
      windowStart: '2026-11-18T10:00:00.000Z',
      windowEnd: '2026-11-18T12:00:00.000Z',
      crew: [org.users.technician.id],
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; number: string };
};

export const closeOut = async (
  t: TestApp,
  org: OrgFixture,
  tech: Session,
  jobId: string,
  overrides: Record<string, unknown> = {},
) => {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/jobs/${jobId}/closeouts`,
    headers: as(tech, true),
    payload: {
      submissionId: randomUUID(),
      workPerformed: { checklist: [], notes: 'Pump replaced and tested.' },
      labor: [{ technicianId: org.users.technician.id, hours: '2.5' }],
      parts: [{ description: 'Circulator pump', quantity: '1', unitPrice: '189.99' }],
      adjustments: [{ kind: 'trip_charge', amount: '35.00' }],
      deviceTime: '2026-11-18T11:50:00.000Z',
      gps: { latitude: 53.3498, longitude: -6.2603, accuracy: 10 },
      ...overrides,
    },
  });
  expect([201, 422], res.body).toContain(res.statusCode);
  return res.json();
};

/**
 * Runs `fn` with the organization asking for deposits by payment request (no tax), then back to advance
 * invoices, whatever `fn` does.
 */
export const underPaymentRequests = async (t: TestApp, owner: Session, fn: () => Promise<void>) => {
  const model = async (depositModel: string) => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization/billing',
      headers: as(owner, true),
      payload: { depositModel },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  await model('payment_request');
  try {
    await fn();
  } finally {
    await model('advance_invoice');
  }
};

/** Runs everything queued (drafts, issuing, packets, e-mail) and fails the test on a handler error. */
export const drain = async (t: TestApp, mayFail: string[] = []) => {
  const out = await drainQueues(t.boss, t.deps);
  const failed = out.filter((o) => !o.ok && !mayFail.includes(o.name));
  expect(failed, JSON.stringify(failed)).toEqual([]);
  return out;
};

export const invoicesOfJob = async (t: TestApp, billing: Session, jobId: string) => {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/invoices?jobId=${jobId}`,
    headers: as(billing),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as InvoiceJson[];
};

export type InvoiceJson = {
  id: string;
  kind: string;
  profile?: string | null;
  currency: string;
  exchangeRate: string;
  taxCurrency: { code: string; rate: string; rateDate: string; taxTotal: string } | null;
  status: string;
  number: string | null;
  totals: Record<string, string>;
  lines: { position: number; netAmount: string; quantity: string; description: string }[];
  holdReasons: { code: string }[];
  outstanding: string;
  amountCredited: string;
  issueDate: string | null;
  dueDate: string | null;
  customerId: string | null;
  jobNumbers: string[];
  exceptions: string[];
  version: number;
};
