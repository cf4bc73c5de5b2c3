import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { zonedToInstant } from '../../src/core/time';
import { png } from './files';

/**
 * A signed-in API caller against a running server (session cookie + CSRF token), as the technician app, an
 * office user or an integrator would be: what browser tests use to arrange data and to check what arrived.
 */
export const caller = async (base: string, email: string, password = DEMO_PASSWORD) => {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status}`);
  const me = (await res.json()) as { csrfToken: string; user: { id: string } };
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const call = async <T>(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': me.csrfToken,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (r.status === 204 ? null : await r.json()) as T };
  };
  /** A file the server sends (CSV, PDF, iCalendar) as this user: the raw response. */
  const file = (url: string) => fetch(new URL(url, base), { headers: { cookie } });
  /** A body of another kind (a multipart upload), with its own headers: the status. */
  const send = async (
    method: string,
    url: string,
    body: { payload: Buffer; headers: Record<string, string> },
  ) =>
    (
      await fetch(`${base}/api/v1${url}`, {
        method,
        headers: { cookie, 'x-csrf-token': me.csrfToken, ...body.headers },
        body: new Uint8Array(body.payload),
      })
    ).status;
  return { call, file, send, userId: me.user.id };
};
export type Api = Awaited<ReturnType<typeof caller>>;

/** A demo customer's ID and first site, by name. */
export const demoSite = async (owner: Api, customerName: string) => {
  const customers = await owner.call<{ items: { id: string; name: string; sites: { id: string }[] }[] }>(
    'GET',
    '/customers?limit=200',
  );
  const c = customers.body.items.find((x) => x.name === customerName);
  if (!c?.sites[0]) throw new Error(`no demo customer ${customerName} with a site`);
  return { customerId: c.id, siteId: c.sites[0].id };
};

/**
 * A job type (time and materials unless said) made for one flow through the API: no proof required except what
 * `requirements` adds, with the given approval rules and custom fields. Returns its ID.
 */
export const jobTypeVia = async (
  owner: Api,
  code: string,
  opts: {
    name: string;
    trade: string;
    requirements?: object;
    approvalRules?: object[];
    customFields?: object[];
    billingMode?: 'fixed' | 'time_and_materials';
  },
): Promise<string> => {
  const r = await owner.call<{ id: string }>('POST', '/job-types', {
    code,
    name: opts.name,
    trade: opts.trade,
    defaultDurationMinutes: 60,
    billingMode: opts.billingMode ?? 'time_and_materials',
    closeoutRequirements: {
      checklist: [],
      photos: [],
      signature: false,
      serialNumbers: false,
      partNumbers: false,
      notes: false,
      ...opts.requirements,
    },
    approvalRules: opts.approvalRules ?? [],
    customFields: opts.customFields ?? [],
  });
  if (r.status !== 201) throw new Error(`job type ${code}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
};

/** A one-hour job booked through the API at `hour` on `day` (in `timeZone`) for one technician. */
export const bookVia = async <J extends { id: string }>(
  owner: Api,
  at: { customerId: string; siteId: string },
  opts: {
    jobTypeId: string;
    day: string;
    hour: string;
    timeZone: string;
    technicianId: string;
    scope: string;
    extra?: Record<string, unknown>;
  },
): Promise<J> => {
  const start = zonedToInstant(opts.day, opts.hour, opts.timeZone);
  const r = await owner.call<J>('POST', '/jobs', {
    customerId: at.customerId,
    siteId: at.siteId,
    jobTypeId: opts.jobTypeId,
    scope: opts.scope,
    windowStart: start.toISOString(),
    windowEnd: new Date(start.getTime() + 3_600_000).toISOString(),
    crew: [opts.technicianId],
    ...opts.extra,
  });
  if (r.status !== 201) throw new Error(`booking failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/**
 * The customer accepts the quote behind a link (the first version, its default choice) with a typed name and
 * a drawn signature, as their page would: the server's answer.
 */
export const acceptByLink = async (base: string, link: string, signerName: string) =>
  fetch(`${base}/api/v1/public/quotes/${link.slice(link.lastIndexOf('/') + 1)}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      version: 1,
      choice: { options: {}, addOns: [] },
      signerName,
      signature: `data:image/png;base64,${(await png(4)).toString('base64')}`,
    }),
  });
