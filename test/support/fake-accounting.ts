import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Decimal from 'decimal.js';
import type { FastifyInstance } from 'fastify';
import { as, type Session } from './app';

/**
 * A local stand-in for Xero and QuickBooks Online, written for the tests: OAuth2 token refresh with rotating
 * refresh tokens (a spent refresh token is refused with invalid_grant), contacts/customers, invoices, credit
 * notes, payments and credit allocations that keep balances and refuse what the real ones refuse (paying or
 * applying more than is due), look-ups, idempotency keys (Xero's header, QuickBooks' requestid) enforced,
 * every request recorded, and scripted failures (429 with Retry-After, 5xx, slow answers, 401).
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

/** A document the fake holds: ours once pushed, or a foreign one planted by a test. */
export type FakeDocument = {
  id: string;
  number: string;
  /** Xero's types; QuickBooks' invoices and credit memos map onto ACCREC and ACCRECCREDIT. */
  type: 'ACCREC' | 'ACCRECCREDIT' | 'ACCPAY';
  contactId: string;
  reference: string;
  total: Decimal;
  taxTotal: Decimal;
  /** Net booked per account (Xero's AccountCode, QuickBooks' ItemRef): where revenue and deposits went. */
  byAccount: Record<string, Decimal>;
  /** What is still owed on an invoice, or still unused on a credit note. */
  open: Decimal;
  /** The document's date (QuickBooks' TxnDate), when it was sent. */
  date?: string;
};
export type FakePayment = {
  id: string;
  documentId: string;
  amount: Decimal;
  reference: string;
  account: string;
  memo: string;
  /** Removed (Xero: Status DELETED; QuickBooks: deleted): what it paid is open again. */
  deleted?: boolean;
};
/** A QuickBooks journal entry that pays a refund out: the customer's receivable debited, a bank credited. */
export type FakeJournal = {
  id: string;
  contactId: string;
  amount: Decimal;
  /** The account credited (the bank the refund left from). */
  account: string;
  memo: string;
  txnDate: string;
  /** What is not yet settled against a credit memo. */
  open: Decimal;
};
export type FakeAllocation = {
  id: string;
  creditNoteId: string;
  invoiceId: string;
  amount: Decimal;
  memo: string;
};

export type FakeAccounting = {
  url: string;
  docs: Map<string, FakeDocument>;
  payments: FakePayment[];
  allocations: FakeAllocation[];
  /** QuickBooks journal entries (refunds of credit memos). */
  journals: Map<string, FakeJournal>;
  /** Files attached to documents: whether they were PDFs, and how often one was sent again (replaced). */
  attachments: { id: string; documentId: string; fileName: string; pdf: boolean; replaced: number }[];
  /** A document of someone else's with our number (a bill, a manual invoice): a look-up must not take it. */
  plant(doc: Omit<FakeDocument, 'id' | 'open' | 'taxTotal' | 'byAccount'>): FakeDocument;
  /** Per contact: what the provider's ledger says is receivable (open invoices less unused credit). */
  receivable(contactId: string): Decimal;
  /** How many times the token endpoint was asked, and refused. */
  tokenGrants: { ok: number; refused: number };
  /**
   * The authorization server: the organisations a grant reaches (Xero's /connections), the company a
   * QuickBooks redirect names, whether the user says no, and the refresh tokens revoked.
   */
  oauth: {
    tenants: { id: string; name: string }[];
    realmId: string | null;
    deny: boolean;
    revoked: string[];
  };
  requests: Recorded[];
  /** Invoices by our number: how many times each was created (must end at 1). */
  creates: Map<string, number>;
  /** Contacts (Xero) or customers (QuickBooks): a test may plant one of its own, kept from before Closeout. */
  contacts: Map<string, { id: string; name: string; number: string; email?: string }>;
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
   * QuickBooks' "custom transaction numbers": off, it numbers invoices and credit memos itself (1001, 1002…)
   * and drops the DocNumber sent, as a company with the setting off does.
   */
  customNumbers: boolean;
  /**
   * The currencies the organization at the provider has set up (its base first): Xero refuses an invoice in
   * any other with a ValidationException, as the real one does.
   */
  currencies: Set<string>;
  /**
   * Xero: the accounts a payment may be booked to (bank accounts, and others with "Enable payments to this
   * account" ticked); null accepts any. A payment to another is refused with Xero's ValidationException.
   */
  payableAccounts: Set<string> | null;
  close(): Promise<void>;
};

export const startFakeAccounting = async (): Promise<FakeAccounting> => {
  const requests: Recorded[] = [];
  const creates = new Map<string, number>();
  const contacts = new Map<string, { id: string; name: string; number: string; email?: string }>();
  const docs = new Map<string, FakeDocument>();
  const payments: FakePayment[] = [];
  const allocations: FakeAllocation[] = [];
  const journals = new Map<string, FakeJournal>();
  /** QuickBooks' Accounts Receivable accounts, one per currency, and the bank accounts refunds may leave. */
  const receivableAccounts = [
    { Id: '84', AccountType: 'Accounts Receivable', CurrencyRef: { value: 'EUR' } },
    { Id: '85', AccountType: 'Accounts Receivable', CurrencyRef: { value: 'GBP' } },
  ];
  const attachments: FakeAccounting['attachments'] = [];
  const tokenGrants = { ok: 0, refused: 0 };
  const codes = new Map<string, { redirectUri: string; clientId: string; challenge: string | null }>();
  const oauth: FakeAccounting['oauth'] = {
    tenants: [{ id: 'tenant-oauth', name: 'Fake Xero Org' }],
    realmId: null,
    deny: false,
    revoked: [],
  };
  const byNumber = (number: string, type?: FakeDocument['type']) =>
    [...docs.values()].filter((d) => d.number === number && (!type || d.type === type));
  const xeroRefusal = (message: string) => ({
    ErrorNumber: 10,
    Type: 'ValidationException',
    Message: 'A validation exception occurred',
    Elements: [{ ValidationErrors: [{ Message: message }] }],
  });
  const qboFault = (code: string, message: string) => ({
    Fault: { Error: [{ code, Message: message, Detail: message }], type: 'ValidationFault' },
  });
  const guidIn = (where: string | undefined) => /guid\("([^"]+)"\)/.exec(where ?? '')?.[1] ?? '';
  const quotedIn = (where: string | undefined) => /=="([^"]*)"/.exec(where ?? '')?.[1] ?? '';
  const xeroDoc = (d: FakeDocument) => ({
    Type: d.type,
    Contact: { ContactID: d.contactId },
    Total: Number(d.total),
    Reference: d.reference,
    Status: 'AUTHORISED',
  });
  const replays = new Map<string, { status: number; body: unknown }>();
  const scripts = new Map<string, Scripted[]>();
  const constant = new Map<string, Scripted>();
  let seq = 0;
  let accessToken = 'access-0';
  const state = { refreshToken: 'refresh-0', createDelayMs: 0, honorIdempotency: true, customNumbers: true };
  const currencies = new Set(['EUR']);
  let payableAccounts: Set<string> | null = null;

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
        // Answered: `lostAfter() ?? send(…)` must not answer twice.
        return true;
      };
      const route = `${req.method} ${url.pathname.replace(/\/v3\/company\/[^/]+/, '')}`;

      // The authorization server: the user "consents" at once and is sent back with a code.
      if (url.pathname === '/authorize') {
        const redirect = new URL(query.redirect_uri ?? '');
        if (oauth.deny) {
          redirect.searchParams.set('error', 'access_denied');
        } else {
          const code = `code-${++seq}`;
          codes.set(code, {
            redirectUri: query.redirect_uri ?? '',
            clientId: query.client_id ?? '',
            challenge: query.code_challenge ?? null,
          });
          redirect.searchParams.set('code', code);
          if (oauth.realmId) redirect.searchParams.set('realmId', oauth.realmId);
        }
        redirect.searchParams.set('state', query.state ?? '');
        res.writeHead(302, { location: redirect.toString() });
        return res.end();
      }
      if (url.pathname === '/revoke') {
        const token = new URLSearchParams(raw).get('token') ?? '';
        oauth.revoked.push(token);
        if (token === state.refreshToken) state.refreshToken = `dead-${++seq}`;
        return send(200, {});
      }
      if (url.pathname === '/connections') {
        if (req.headers.authorization !== `Bearer ${accessToken}`)
          return send(401, { Title: 'Unauthorized' });
        return send(
          200,
          oauth.tenants.map((t) => ({
            id: `conn-${t.id}`,
            tenantId: t.id,
            tenantName: t.name,
            tenantType: 'ORGANISATION',
          })),
        );
      }
      if (url.pathname === '/token' && new URLSearchParams(raw).get('grant_type') === 'authorization_code') {
        const form = new URLSearchParams(raw);
        const issued = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier');
        const proved =
          !issued?.challenge ||
          (verifier !== null &&
            createHash('sha256').update(verifier).digest('base64url') === issued.challenge);
        if (!issued || issued.redirectUri !== form.get('redirect_uri') || !proved) {
          tokenGrants.refused++;
          return send(400, { error: 'invalid_grant' });
        }
        tokenGrants.ok++;
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
      if (url.pathname === '/token') {
        const form = new URLSearchParams(raw);
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== state.refreshToken) {
          tokenGrants.refused++;
          return send(400, { error: 'invalid_grant' });
        }
        tokenGrants.ok++;
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
      const createDoc = async (
        d: Omit<FakeDocument, 'id' | 'open'>,
        reply: (id: string, total: number) => unknown,
        sentNumber = d.number,
      ) => {
        const id = `inv-${docs.size + 1}`;
        docs.set(id, { ...d, id, open: d.total });
        creates.set(sentNumber, (creates.get(sentNumber) ?? 0) + 1);
        const payload = reply(id, Number(d.total));
        remember(200, payload);
        if (state.createDelayMs) await new Promise((r) => setTimeout(r, state.createDelayMs));
        if (scripted?.afterCreate) {
          if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
          return send(scripted.status, scripted.body ?? { Message: 'scripted after create' });
        }
        return send(200, payload);
      };
      const perAccount = (lines: { account: string; net: number }[]) => {
        const out: Record<string, Decimal> = {};
        for (const l of lines) out[l.account] = (out[l.account] ?? new Decimal(0)).plus(l.net);
        return out;
      };
      const sumXero = (
        lines: { LineAmount?: number; TaxAmount?: number; AccountCode?: string }[] | undefined,
      ) => {
        const net = (lines ?? []).reduce((t, l) => t.plus(l.LineAmount ?? 0), new Decimal(0));
        const tax = (lines ?? []).reduce((t, l) => t.plus(l.TaxAmount ?? 0), new Decimal(0));
        return {
          total: net.plus(tax),
          taxTotal: tax,
          byAccount: perAccount(
            (lines ?? []).map((l) => ({ account: l.AccountCode ?? '', net: l.LineAmount ?? 0 })),
          ),
        };
      };
      /** Pays or applies `amount` against documents, refusing what is not open: as the providers do. */
      const settle = (moves: { id: string; amount: Decimal; type?: string }[]) => {
        const held = (m: { id: string; type?: string }) =>
          m.type === 'JournalEntry' ? journals.get(m.id) : docs.get(m.id);
        for (const m of moves) {
          const d = held(m);
          if (!d) return `${m.type === 'JournalEntry' ? 'journal entry' : 'document'} ${m.id} does not exist`;
          if (m.amount.gt(d.open)) return `amount ${m.amount} exceeds the ${d.open} outstanding on ${m.id}`;
        }
        for (const m of moves) {
          const d = held(m) as { open: Decimal };
          d.open = d.open.minus(m.amount);
        }
        return null;
      };

      // The connection checks behind the settings' Test buttons.
      if (route === 'GET /xero/Organisation')
        return send(200, { Organisations: [{ Name: 'Fake Xero Org' }] });
      if (route.startsWith('GET /qbo/companyinfo/'))
        return send(200, { CompanyInfo: { CompanyName: 'Fake QuickBooks Company' } });

      // Xero
      if (route === 'GET /xero/Contacts') {
        const value = quotedIn(query.where);
        const byName = /^\s*Name==/.test(query.where ?? '');
        return send(200, {
          Contacts: [...contacts.values()]
            .filter((c) => (byName ? c.name === value : c.number === value))
            .map((c) => ({
              ContactID: c.id,
              Name: c.name,
              ContactNumber: c.number,
              ...(c.email ? { EmailAddress: c.email } : {}),
            })),
        });
      }
      if (route === 'PUT /xero/Contacts') {
        const c = (body as { Contacts: { Name: string; ContactNumber?: string; EmailAddress?: string }[] })
          .Contacts[0];
        if ([...contacts.values()].some((x) => x.name === c?.Name))
          return send(
            400,
            xeroRefusal(
              `The contact name ${c?.Name} is already assigned to another contact. The contact name must be unique across all active contacts.`,
            ),
          );
        const id = `contact-${contacts.size + 1}`;
        contacts.set(id, {
          id,
          name: c?.Name ?? '',
          number: c?.ContactNumber ?? '',
          ...(c?.EmailAddress ? { email: c.EmailAddress } : {}),
        });
        const payload = { Contacts: [{ ContactID: id, Name: c?.Name }] };
        remember(200, payload);
        // Made, but the answer is lost.
        if (scripted?.afterCreate)
          return send(scripted.status, scripted.body ?? { Message: 'scripted after create' });
        return send(200, payload);
      }
      type XeroDocBody = {
        InvoiceNumber?: string;
        CreditNoteNumber?: string;
        CurrencyCode?: string;
        Contact: { ContactID: string };
        Reference?: string;
        LineItems?: { LineAmount?: number; TaxAmount?: number }[];
      };
      if (route === 'PUT /xero/Invoices') {
        const inv = (body as { Invoices: XeroDocBody[] }).Invoices[0];
        if (inv?.CurrencyCode && !currencies.has(inv.CurrencyCode))
          return send(
            400,
            xeroRefusal(`The currency ${inv.CurrencyCode} has not been set up for this organisation`),
          );
        const number = inv?.InvoiceNumber ?? '';
        return createDoc(
          {
            number,
            type: 'ACCREC',
            contactId: inv?.Contact.ContactID ?? '',
            reference: inv?.Reference ?? '',
            ...sumXero(inv?.LineItems),
          },
          (id, total) => ({ Invoices: [{ InvoiceID: id, InvoiceNumber: number, Total: total }] }),
        );
      }
      if (route === 'PUT /xero/CreditNotes') {
        const cn = (body as { CreditNotes: XeroDocBody[] }).CreditNotes[0];
        const number = cn?.CreditNoteNumber ?? '';
        return createDoc(
          {
            number,
            type: 'ACCRECCREDIT',
            contactId: cn?.Contact.ContactID ?? '',
            reference: cn?.Reference ?? '',
            ...sumXero(cn?.LineItems),
          },
          (id, total) => ({ CreditNotes: [{ CreditNoteID: id, Total: total }] }),
        );
      }
      if (route === 'GET /xero/Invoices') {
        const found = byNumber(query.InvoiceNumbers ?? '').filter((d) => d.type !== 'ACCRECCREDIT');
        return send(200, {
          Invoices: found.map((d) => ({ InvoiceID: d.id, InvoiceNumber: d.number, ...xeroDoc(d) })),
        });
      }
      if (route === 'GET /xero/CreditNotes') {
        const found = byNumber(quotedIn(query.where), 'ACCRECCREDIT');
        return send(200, {
          CreditNotes: found.map((d) => ({ CreditNoteID: d.id, CreditNoteNumber: d.number, ...xeroDoc(d) })),
        });
      }
      const creditNote = /^GET \/xero\/CreditNotes\/([^/]+)$/.exec(route);
      if (creditNote) {
        const d = docs.get(decodeURIComponent(creditNote[1] ?? ''));
        if (!d) return send(404, { Message: 'The resource you are looking for cannot be found' });
        return send(200, {
          CreditNotes: [
            {
              CreditNoteID: d.id,
              ...xeroDoc(d),
              Allocations: allocations
                .filter((a) => a.creditNoteId === d.id)
                .map((a) => ({
                  AllocationID: a.id,
                  Amount: Number(a.amount),
                  Invoice: { InvoiceID: a.invoiceId },
                })),
            },
          ],
        });
      }
      const allocate = /^PUT \/xero\/CreditNotes\/([^/]+)\/Allocations$/.exec(route);
      if (allocate) {
        const creditNoteId = decodeURIComponent(allocate[1] ?? '');
        const a = (body as { Allocations: { Amount: number; Invoice: { InvoiceID: string } }[] })
          .Allocations[0];
        const amount = new Decimal(a?.Amount ?? 0);
        const refused = settle([
          { id: creditNoteId, amount },
          { id: a?.Invoice.InvoiceID ?? '', amount },
        ]);
        if (refused) return send(400, xeroRefusal(refused));
        const id = `alloc-${allocations.length + 1}`;
        allocations.push({ id, creditNoteId, invoiceId: a?.Invoice.InvoiceID ?? '', amount, memo: '' });
        const payload = { Allocations: [{ AllocationID: id, Amount: a?.Amount }] };
        remember(200, payload);
        return send(200, payload);
      }
      const attach = /^(POST|GET) \/xero\/(Invoices|CreditNotes)\/([^/]+)\/Attachments(?:\/([^/]+))?$/.exec(
        route,
      );
      if (attach) {
        const documentId = decodeURIComponent(attach[3] ?? '');
        if (!docs.has(documentId))
          return send(404, { Message: 'The resource you are looking for cannot be found' });
        if (attach[1] === 'GET')
          return send(200, {
            Attachments: attachments
              .filter((a) => a.documentId === documentId)
              .map((a) => ({ AttachmentID: a.id, FileName: a.fileName })),
          });
        const fileName = decodeURIComponent(attach[4] ?? '');
        // Xero's POST by name creates or replaces.
        const same = attachments.find((a) => a.documentId === documentId && a.fileName === fileName);
        const a = same ?? {
          id: `att-${attachments.length + 1}`,
          documentId,
          fileName,
          pdf: false,
          replaced: 0,
        };
        a.pdf = String(raw).startsWith('%PDF');
        if (same) same.replaced++;
        else attachments.push(a);
        return send(200, { Attachments: [{ AttachmentID: a.id, FileName: fileName }] });
      }
      if (route === 'POST /qbo/upload') {
        const meta = /\{"AttachableRef".*?"ContentType":"application\/pdf"\}/s.exec(String(raw))?.[0];
        const parsed = meta
          ? (JSON.parse(meta) as { AttachableRef: { EntityRef: { value: string } }[]; FileName: string })
          : null;
        const documentId = parsed?.AttachableRef[0]?.EntityRef.value ?? '';
        if (!docs.has(documentId)) return send(400, qboFault('2500', 'Invalid Reference Id'));
        const a = {
          id: `${9000 + attachments.length}`,
          documentId,
          fileName: parsed?.FileName ?? '',
          pdf: String(raw).includes('%PDF'),
          replaced: 0,
        };
        attachments.push(a);
        const payload = { AttachableResponse: [{ Attachable: { Id: a.id, FileName: a.fileName } }] };
        remember(200, payload);
        return send(200, payload);
      }
      if (route === 'PUT /xero/Payments') {
        const p = (
          body as {
            Payments: {
              Invoice?: { InvoiceID: string };
              CreditNote?: { CreditNoteID: string };
              Account: { Code: string };
              Amount: number;
              Reference?: string;
            }[];
          }
        ).Payments[0];
        const documentId = p?.Invoice?.InvoiceID ?? p?.CreditNote?.CreditNoteID ?? '';
        const amount = new Decimal(p?.Amount ?? 0);
        if (payableAccounts && !payableAccounts.has(p?.Account.Code ?? ''))
          return send(
            400,
            xeroRefusal(
              "Payments can only be made to BANK accounts or accounts that have 'Enable payments to this account' ticked",
            ),
          );
        const refused = settle([{ id: documentId, amount }]);
        if (refused) return send(400, xeroRefusal(refused));
        const id = `pay-${payments.length + 1}`;
        payments.push({
          id,
          documentId,
          amount,
          reference: p?.Reference ?? '',
          account: p?.Account.Code ?? '',
          memo: '',
        });
        const payload = { Payments: [{ PaymentID: id, Amount: p?.Amount, Status: 'AUTHORISED' }] };
        remember(200, payload);
        return send(200, payload);
      }
      /** Removes a payment as the providers do: what it paid is owed again. */
      const removePayment = (x: FakePayment) => {
        x.deleted = true;
        const d = docs.get(x.documentId);
        if (d) d.open = d.open.plus(x.amount);
      };
      const lostAfter = () =>
        scripted?.afterCreate
          ? send(scripted.status, scripted.body ?? { Message: 'scripted after create' })
          : null;
      const xeroPayment = /^(GET|POST) \/xero\/Payments\/([^/]+)$/.exec(route);
      if (xeroPayment) {
        const x = payments.find((y) => y.id === xeroPayment[2]);
        if (!x) return send(404, { Title: 'Not Found', Status: 404 });
        const view = () => ({
          Payments: [
            { PaymentID: x.id, Amount: Number(x.amount), Status: x.deleted ? 'DELETED' : 'AUTHORISED' },
          ],
        });
        if (xeroPayment[1] === 'GET') return send(200, view());
        if ((body as { Status?: string }).Status !== 'DELETED')
          return send(400, xeroRefusal('Only Status DELETED is accepted'));
        if (x.deleted) return send(400, xeroRefusal('This payment has already been deleted'));
        removePayment(x);
        remember(200, view());
        return lostAfter() ?? send(200, view());
      }
      if (route === 'GET /xero/Payments') {
        const documentId = guidIn(query.where);
        return send(200, {
          Payments: payments
            .filter((x) => x.documentId === documentId)
            .map((x) => ({
              PaymentID: x.id,
              Amount: Number(x.amount),
              Reference: x.reference,
              Status: x.deleted ? 'DELETED' : 'AUTHORISED',
            })),
        });
      }
      // QuickBooks Online
      if (route === 'POST /qbo/customer') {
        const id = `${contacts.size + 1}`;
        const {
          DisplayName: name,
          Notes: notes,
          PrimaryEmailAddr: mail,
        } = body as { DisplayName: string; Notes?: string; PrimaryEmailAddr?: { Address: string } };
        if ([...contacts.values()].some((c) => c.name === name))
          return send(
            400,
            qboFault('6240', `Duplicate Name Exists Error: The name supplied already exists. : ${name}`),
          );
        contacts.set(id, { id, name, number: notes ?? '', ...(mail ? { email: mail.Address } : {}) });
        const payload = { Customer: { Id: id } };
        remember(200, payload);
        return send(200, payload);
      }
      type QboDocBody = {
        TxnTaxDetail?: { TotalTax?: number };
        DocNumber: string;
        CustomerRef: { value: string };
        PrivateNote?: string;
        Line: {
          Amount: number;
          DetailType?: string;
          SalesItemLineDetail?: { ItemRef?: { value: string } };
          DiscountLineDetail?: { DiscountAccountRef: { value: string } };
        }[];
      };
      const qboTotal = (b: QboDocBody) => {
        // Without our stated tax the fake computes none, as a company without that tax code would.
        // A discount line states a positive amount that the document takes off.
        const signed = b.Line.map((l) => ({
          account:
            l.SalesItemLineDetail?.ItemRef?.value ?? l.DiscountLineDetail?.DiscountAccountRef.value ?? '',
          net: l.DetailType === 'DiscountLineDetail' ? -l.Amount : l.Amount,
        }));
        const net = signed.reduce((t, l) => t.plus(l.net), new Decimal(0));
        const tax = new Decimal(b.TxnTaxDetail?.TotalTax ?? 0);
        return { total: net.plus(tax), taxTotal: tax, byAccount: perAccount(signed) };
      };
      if (route === 'POST /qbo/invoice' || route === 'POST /qbo/creditmemo') {
        const b = body as QboDocBody & { TxnDate?: string };
        const credit = route === 'POST /qbo/creditmemo';
        const number = state.customNumbers ? b.DocNumber : `${1001 + docs.size}`;
        return createDoc(
          {
            number,
            type: credit ? 'ACCRECCREDIT' : 'ACCREC',
            contactId: b.CustomerRef.value,
            reference: b.PrivateNote ?? '',
            ...(b.TxnDate ? { date: b.TxnDate } : {}),
            ...qboTotal(b),
          },
          (id, total) =>
            credit
              ? { CreditMemo: { Id: id, DocNumber: number, TotalAmt: total } }
              : { Invoice: { Id: id, DocNumber: number, TotalAmt: total } },
          b.DocNumber,
        );
      }
      if (route === 'POST /qbo/journalentry') {
        type JeLine = {
          Amount: number;
          JournalEntryLineDetail: {
            PostingType: 'Debit' | 'Credit';
            AccountRef: { value: string };
            Entity?: { Type: string; EntityRef: { value: string } };
          };
        };
        const b = body as { TxnDate: string; PrivateNote?: string; Line: JeLine[] };
        const side = (t: string) =>
          b.Line.filter((l) => l.JournalEntryLineDetail.PostingType === t).reduce(
            (sum, l) => sum.plus(l.Amount),
            new Decimal(0),
          );
        // QuickBooks' own refusals: an unbalanced entry, and a receivable line without its customer.
        if (!side('Debit').eq(side('Credit')))
          return send(400, qboFault('6010', 'Debits and credits must be equal'));
        const ar = b.Line.find((l) =>
          receivableAccounts.some((a) => a.Id === l.JournalEntryLineDetail.AccountRef.value),
        );
        if (ar && ar.JournalEntryLineDetail.Entity?.Type !== 'Customer')
          return send(400, qboFault('6000', 'When you use Accounts Receivable, you must choose a customer'));
        const bank = b.Line.find((l) => l !== ar && l.JournalEntryLineDetail.PostingType === 'Credit');
        const id = `je-${journals.size + 1}`;
        const amount = ar ? new Decimal(ar.Amount) : new Decimal(0);
        journals.set(id, {
          id,
          contactId: ar?.JournalEntryLineDetail.Entity?.EntityRef.value ?? '',
          amount,
          account: bank?.JournalEntryLineDetail.AccountRef.value ?? '',
          memo: b.PrivateNote ?? '',
          txnDate: b.TxnDate,
          open: amount,
        });
        const payload = { JournalEntry: { Id: id, PrivateNote: b.PrivateNote } };
        remember(200, payload);
        return lostAfter() ?? send(200, payload);
      }
      const qboPayment = /^GET \/qbo\/payment\/([^/]+)$/.exec(route);
      if (qboPayment) {
        const x = payments.find((y) => y.id === qboPayment[1] && !y.deleted);
        if (!x) return send(400, qboFault('610', 'Object Not Found'));
        return send(200, { Payment: { Id: x.id, SyncToken: '0', TotalAmt: Number(x.amount) } });
      }
      if (route === 'POST /qbo/payment' && query.operation === 'delete') {
        const b = body as { Id: string; SyncToken: string };
        const x = payments.find((y) => y.id === b.Id && !y.deleted);
        if (!x) return send(400, qboFault('610', 'Object Not Found'));
        if (b.SyncToken !== '0') return send(400, qboFault('5010', 'Stale Object Error'));
        removePayment(x);
        const payload = { Payment: { Id: x.id, status: 'Deleted' } };
        remember(200, payload);
        return lostAfter() ?? send(200, payload);
      }
      if (route === 'POST /qbo/payment') {
        const b = body as {
          CustomerRef: { value: string };
          TotalAmt: number;
          PrivateNote?: string;
          PaymentRefNum?: string;
          DepositToAccountRef?: { value: string };
          Line: { Amount: number; LinkedTxn: { TxnId: string; TxnType: string }[] }[];
        };
        const moves = b.Line.flatMap((l) =>
          l.LinkedTxn.map((t) => ({ id: t.TxnId, amount: new Decimal(l.Amount), type: t.TxnType })),
        );
        const refused = settle(moves);
        if (refused) return send(400, qboFault('6000', refused));
        const id = `${payments.length + allocations.length + 1}`;
        const memo = b.PrivateNote ?? '';
        const credit = moves.find((m) => m.type === 'CreditMemo');
        const invoice = moves.find((m) => m.type === 'Invoice');
        const journal = moves.find((m) => m.type === 'JournalEntry');
        if (credit && journal) {
          // A refund's journal entry settled against the credit memo: the money left that credit.
          const je = journals.get(journal.id) as FakeJournal;
          payments.push({
            id,
            documentId: credit.id,
            amount: journal.amount,
            reference: '',
            account: je.account,
            memo,
          });
        } else if (credit && invoice)
          allocations.push({
            id,
            creditNoteId: credit.id,
            invoiceId: invoice.id,
            amount: credit.amount,
            memo,
          });
        else
          payments.push({
            id,
            documentId: invoice?.id ?? '',
            amount: new Decimal(b.TotalAmt),
            reference: b.PaymentRefNum ?? '',
            account: b.DepositToAccountRef?.value ?? '',
            memo,
          });
        const payload = {
          Payment: { Id: id, CustomerRef: b.CustomerRef, TotalAmt: b.TotalAmt, PrivateNote: memo },
        };
        remember(200, payload);
        return lostAfter() ?? send(200, payload);
      }
      if (route === 'GET /qbo/query') {
        const q = query.query ?? '';
        const value = /= '((?:[^'\\]|\\.)*)'/.exec(q)?.[1]?.replaceAll("\\'", "'") ?? '';
        if (/from Attachable/.test(q))
          return send(200, {
            QueryResponse: {
              Attachable: attachments
                .filter((a) => a.documentId === value)
                .map((a) => ({ Id: a.id, FileName: a.fileName })),
            },
          });
        if (/from Account/.test(q)) return send(200, { QueryResponse: { Account: receivableAccounts } });
        if (/from JournalEntry/.test(q))
          return send(200, {
            QueryResponse: {
              JournalEntry: [...journals.values()]
                .filter((j) => j.txnDate === value)
                .map((j) => ({ Id: j.id, PrivateNote: j.memo, TotalAmt: Number(j.amount) })),
            },
          });
        if (/from Customer/.test(q))
          return send(200, {
            QueryResponse: {
              Customer: [...contacts.values()]
                .filter((c) => c.name === value)
                .map((c) => ({
                  Id: c.id,
                  Notes: c.number,
                  DisplayName: c.name,
                  ...(c.email ? { PrimaryEmailAddr: { Address: c.email } } : {}),
                })),
            },
          });
        if (/from Payment/.test(q)) {
          const rows = [
            ...payments
              .filter((x) => !x.deleted)
              .map((x) => ({
                Id: x.id,
                TotalAmt: Number(x.amount),
                PrivateNote: x.memo,
                contact: docs.get(x.documentId)?.contactId,
              })),
            ...allocations.map((x) => ({
              Id: x.id,
              TotalAmt: 0,
              PrivateNote: x.memo,
              contact: docs.get(x.invoiceId)?.contactId,
            })),
          ].filter((x) => x.contact === value);
          return send(200, {
            QueryResponse: {
              Payment: rows.map(({ contact, ...x }) => ({ ...x, CustomerRef: { value: contact } })),
            },
          });
        }
        const entity = /from (Invoice|CreditMemo)/.exec(q)?.[1];
        const type = entity === 'CreditMemo' ? 'ACCRECCREDIT' : 'ACCREC';
        const onDay = /CustomerRef = '([^']*)' and TxnDate = '([^']*)'/.exec(q);
        const found = (
          onDay
            ? [...docs.values()].filter(
                (d) => d.type === type && d.contactId === onDay[1] && d.date === onDay[2],
              )
            : byNumber(value, type)
        ).map((d) => ({
          Id: d.id,
          DocNumber: d.number,
          CustomerRef: { value: d.contactId },
          TotalAmt: Number(d.total),
          PrivateNote: d.reference,
        }));
        return send(200, { QueryResponse: found.length ? { [entity ?? 'Invoice']: found } : {} });
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
    get payableAccounts() {
      return payableAccounts;
    },
    set payableAccounts(v: Set<string> | null) {
      payableAccounts = v;
    },
    docs,
    payments,
    allocations,
    journals,
    attachments,
    tokenGrants,
    oauth,
    plant(doc) {
      const id = `foreign-${docs.size + 1}`;
      const d = { ...doc, id, open: doc.total, taxTotal: new Decimal(0), byAccount: {} };
      docs.set(id, d);
      return d;
    },
    receivable(contactId) {
      // Open invoices less credit not yet used (a refund paid out used it), and refunds not yet settled.
      const docsOpen = [...docs.values()]
        .filter((d) => d.contactId === contactId)
        .reduce(
          (t, d) => (d.type === 'ACCREC' ? t.plus(d.open) : d.type === 'ACCRECCREDIT' ? t.minus(d.open) : t),
          new Decimal(0),
        );
      return [...journals.values()]
        .filter((j) => j.contactId === contactId)
        .reduce((t, j) => t.plus(j.open), docsOpen);
    },
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
    get customNumbers() {
      return state.customNumbers;
    },
    set customNumbers(v: boolean) {
      state.customNumbers = v;
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

/** Connects an organization to the fake's provider through the API (as its owner); answers the connector's ID. */
const connectFake = async (
  provider: 'xero' | 'quickbooks',
  app: FastifyInstance,
  owner: Session,
  fake: FakeAccounting,
  tenantId: string,
  mappings: object,
): Promise<string> => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/connectors',
    headers: as(owner, true),
    payload: {
      provider,
      tenantId,
      clientId: 'client',
      clientSecret: 'secret',
      refreshToken: fake.refreshToken,
      apiBaseUrl: `${fake.url}/${provider === 'xero' ? 'xero' : 'qbo'}/`,
      tokenUrl: `${fake.url}/token`,
      mappings,
    },
  });
  if (res.statusCode !== 201)
    throw new Error(`connecting the fake ${provider} failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
};

export const connectFakeXero = (
  app: FastifyInstance,
  owner: Session,
  fake: FakeAccounting,
  tenantId: string,
  mappings: object = { items: {}, accountCode: '200', taxTypes: { 'S:23': 'OUTPUT2' } },
) => connectFake('xero', app, owner, fake, tenantId, mappings);

export const connectFakeQuickBooks = (
  app: FastifyInstance,
  owner: Session,
  fake: FakeAccounting,
  realmId: string,
  mappings: object,
) => connectFake('quickbooks', app, owner, fake, realmId, mappings);
