import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { as, type Session } from './app';

/**
 * A local stand-in for Xero and QuickBooks Online, written for the tests: OAuth2 token refresh with rotating
 * refresh tokens, contacts/customers and invoices, idempotency keys (Xero's header, QuickBooks' requestid)
 * enforced, every request recorded, and scripted failures (429 with Retry-After, 5xx, slow answers, 401).
 */
export type Recorded = {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
};
export type Scripted = {
  status: number;
  retryAfter?: number;
  delayMs?: number;
  body?: unknown;
  afterCreate?: boolean;
};

export type FakeAccounting = {
  url: string;
  requests: Recorded[];
  /** Invoices by our number: how many times each was created (must end at 1). */
  creates: Map<string, number>;
  contacts: Map<string, { id: string; name: string }>;
  /** Queue failures for a route key such as "PUT /xero/Invoices" or "POST /qbo/invoice". */
  script(route: string, ...responses: Scripted[]): void;
  /** Answer every request of a route with this until cleared. */
  always(route: string, response: Scripted | null): void;
  /** Invalidate the current access token: the next call gets 401 until a refresh. */
  expireToken(): void;
  /** Wait this long after creating an invoice before answering (a window for crashes). */
  createDelayMs: number;
  refreshToken: string;
  /** Off: the fake forgets idempotency keys (as a provider does once its window passed). */
  honorIdempotency: boolean;
  /**
   * The currencies the organization at the provider has set up (its base first): Xero refuses an invoice in
   * any other with a ValidationException, as the real one does.
   */
  currencies: Set<string>;
  close(): Promise<void>;
};

export const startFakeAccounting = async (): Promise<FakeAccounting> => {
  const requests: Recorded[] = [];
  const creates = new Map<string, number>();
  const contacts = new Map<string, { id: string; name: string }>();
  const invoices = new Map<string, { id: string; number: string }>();
  const replays = new Map<string, { status: number; body: unknown }>();
  const scripts = new Map<string, Scripted[]>();
  const constant = new Map<string, Scripted>();
  let seq = 0;
  let accessToken = 'access-0';
  const state = { refreshToken: 'refresh-0', createDelayMs: 0, honorIdempotency: true };
  const currencies = new Set(['EUR']);

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams);
      let body: unknown = raw;
      try {
        body = raw && req.headers['content-type']?.includes('json') ? JSON.parse(raw) : raw;
      } catch {
        // keep the raw text
      }
      requests.push({ method: req.method ?? '', path: url.pathname, query, headers: req.headers, body });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const route = `${req.method} ${url.pathname.replace(/\/v3\/company\/[^/]+/, '')}`;

      if (url.pathname === '/token') {
        const form = new URLSearchParams(raw);
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== state.refreshToken) {
          return send(400, { error: 'invalid_grant' });
        }
        seq++;
        accessToken = `access-${seq}`;
        state.refreshToken = `refresh-${seq}`;
        return send(200, {
          access_token: accessToken,
          refresh_token: state.refreshToken,
          expires_in: 1800,
          token_type: 'Bearer',
        });
      }
      if (req.headers.authorization !== `Bearer ${accessToken}`)
        return send(401, { Title: 'Unauthorized', Detail: 'token expired' });

      const scripted = scripts.get(route)?.shift() ?? constant.get(route);
      if (scripted && !scripted.afterCreate) {
        if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
        if (scripted.status === 200) {
          // a slow success: fall through to the real handler
        } else {
          return send(
            scripted.status,
            scripted.body ?? { Message: `scripted ${scripted.status}` },
            scripted.retryAfter === undefined ? {} : { 'retry-after': String(scripted.retryAfter) },
          );
        }
      }
      const idemKey = (req.headers['idempotency-key'] as string | undefined) ?? query.requestid;
      const replayKey = idemKey && state.honorIdempotency ? `${route}|${idemKey}` : null;
      if (replayKey && replays.has(replayKey)) {
        const r = replays.get(replayKey) as { status: number; body: unknown };
        return send(r.status, r.body);
      }
      const remember = (status: number, payload: unknown) => {
        if (replayKey) replays.set(replayKey, { status, body: payload });
      };
      const createInvoice = async (number: string, reply: (id: string) => unknown) => {
        const id = `inv-${invoices.size + 1}`;
        invoices.set(number, { id, number });
        creates.set(number, (creates.get(number) ?? 0) + 1);
        const payload = reply(id);
        remember(200, payload);
        if (state.createDelayMs) await new Promise((r) => setTimeout(r, state.createDelayMs));
        if (scripted?.afterCreate) {
          if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
          return send(scripted.status, scripted.body ?? { Message: 'scripted after create' });
        }
        return send(200, payload);
      };

      // The connection checks behind the settings' Test buttons.
      if (route === 'GET /xero/Organisation')
        return send(200, { Organisations: [{ Name: 'Fake Xero Org' }] });
      if (route.startsWith('GET /qbo/companyinfo/'))
        return send(200, { CompanyInfo: { CompanyName: 'Fake QuickBooks Company' } });

      // Xero
      if (route === 'PUT /xero/Contacts') {
        const c = (body as { Contacts: { Name: string }[] }).Contacts[0];
        const id = `contact-${contacts.size + 1}`;
        contacts.set(id, { id, name: c?.Name ?? '' });
        const payload = { Contacts: [{ ContactID: id, Name: c?.Name }] };
        remember(200, payload);
        return send(200, payload);
      }
      if (route === 'PUT /xero/Invoices') {
        const inv = (body as { Invoices: { InvoiceNumber: string; CurrencyCode?: string }[] }).Invoices[0];
        if (inv?.CurrencyCode && !currencies.has(inv.CurrencyCode))
          return send(400, {
            ErrorNumber: 10,
            Type: 'ValidationException',
            Message: 'A validation exception occurred',
            Elements: [
              {
                ValidationErrors: [
                  { Message: `The currency ${inv.CurrencyCode} has not been set up for this organisation` },
                ],
              },
            ],
          });
        return createInvoice(inv?.InvoiceNumber ?? '', (id) => ({
          Invoices: [{ InvoiceID: id, InvoiceNumber: inv?.InvoiceNumber }],
        }));
      }
      if (route === 'PUT /xero/CreditNotes') {
        const cn = (body as { CreditNotes: { CreditNoteNumber: string }[] }).CreditNotes[0];
        return createInvoice(cn?.CreditNoteNumber ?? '', (id) => ({ CreditNotes: [{ CreditNoteID: id }] }));
      }
      if (route === 'GET /xero/Invoices') {
        const found = invoices.get(query.InvoiceNumbers ?? '');
        return send(200, { Invoices: found ? [{ InvoiceID: found.id, InvoiceNumber: found.number }] : [] });
      }
      // QuickBooks Online
      if (route === 'POST /qbo/customer') {
        const id = `${contacts.size + 1}`;
        contacts.set(id, { id, name: (body as { DisplayName: string }).DisplayName });
        const payload = { Customer: { Id: id } };
        remember(200, payload);
        return send(200, payload);
      }
      if (route === 'POST /qbo/invoice') {
        const number = (body as { DocNumber: string }).DocNumber;
        return createInvoice(number, (id) => ({ Invoice: { Id: id, DocNumber: number } }));
      }
      if (route === 'GET /qbo/query') {
        const number = /DocNumber = '([^']+)'/.exec(query.query ?? '')?.[1] ?? '';
        const found = invoices.get(number);
        return send(200, { QueryResponse: found ? { Invoice: [{ Id: found.id }] } : {} });
      }
      return send(404, { Message: `no route ${route}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    creates,
    contacts,
    currencies,
    script(route, ...responses) {
      scripts.set(route, [...(scripts.get(route) ?? []), ...responses]);
    },
    always(route, response) {
      if (response) constant.set(route, response);
      else constant.delete(route);
    },
    expireToken() {
      accessToken = `revoked-${Date.now()}`;
    },
    get createDelayMs() {
      return state.createDelayMs;
    },
    set createDelayMs(ms: number) {
      state.createDelayMs = ms;
    },
    get honorIdempotency() {
      return state.honorIdempotency;
    },
    set honorIdempotency(v: boolean) {
      state.honorIdempotency = v;
    },
    get refreshToken() {
      return state.refreshToken;
    },
    set refreshToken(t: string) {
      state.refreshToken = t;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Connects an organization to the fake's Xero through the API (as its owner); answers the connector's ID. */
export const connectFakeXero = async (
  app: FastifyInstance,
  owner: Session,
  fake: FakeAccounting,
  tenantId: string,
  mappings: object = { items: {}, accountCode: '200', taxTypes: { 'S:23': 'OUTPUT2' } },
): Promise<string> => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/connectors',
    headers: as(owner, true),
    payload: {
      provider: 'xero',
      tenantId,
      clientId: 'client',
      clientSecret: 'secret',
      refreshToken: fake.refreshToken,
      apiBaseUrl: `${fake.url}/xero/`,
      tokenUrl: `${fake.url}/token`,
      mappings,
    },
  });
  if (res.statusCode !== 201)
    throw new Error(`connecting the fake Xero failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
};
