import { z } from 'zod';
import {
  type AccountingConnector,
  type AccountingInvoice,
  ConnectorError,
  type Problem,
} from '../../app/accounting/port';
import type { Http } from '../../app/ports';
import { type ConnectorMappings, type Credentials, taxKey } from '../../contracts/connectors';
import { type ClientOptions, type ErrorReader, gateFor, oauthClient } from './http';

/** QuickBooks Online: 500 requests a minute and 10 at once per company; DocNumber at most 21 characters. */
export const QUICKBOOKS = {
  apiBaseUrl: 'https://quickbooks.api.intuit.com/',
  tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  minorVersion: '75',
  concurrent: 10,
  perMinute: 500,
  maxDocNumber: 21,
  /** requestid: Intuit documents at most 50 characters. */
  maxRequestId: 50,
};

const CompanyInfoReply = z
  .object({ CompanyInfo: z.object({ CompanyName: z.string().min(1) }).loose() })
  .loose();
const CustomerReply = z.object({ Customer: z.object({ Id: z.string().min(1) }).loose() }).loose();
const InvoiceReply = z.object({ Invoice: z.object({ Id: z.string().min(1) }).loose() }).loose();
const CreditMemoReply = z.object({ CreditMemo: z.object({ Id: z.string().min(1) }).loose() }).loose();
const QueryReply = z
  .object({
    QueryResponse: z
      .object({
        Invoice: z.array(z.object({ Id: z.string() }).loose()).optional(),
        CreditMemo: z.array(z.object({ Id: z.string() }).loose()).optional(),
      })
      .loose(),
  })
  .loose();

/** Intuit's faults: Fault.Error[].{code, Message, Detail}. */
const readError: ErrorReader = (status, body) => {
  const errors = (
    body as { Fault?: { Error?: { code?: string; Message?: string; Detail?: string }[] } } | null
  )?.Fault?.Error;
  const first = errors?.[0];
  return {
    code: first?.code ?? null,
    message: first
      ? `${first.Message ?? ''}${first.Detail ? `: ${first.Detail}` : ''}`
      : typeof body === 'string'
        ? body.slice(0, 300)
        : `HTTP ${status}`,
  };
};

const parse = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new ConnectorError(`QuickBooks' reply to ${what} is not what its API documents`, {
      retryable: false,
      providerCode: 'bad_reply',
    });
  return r.data;
};

/** QuickBooks' JSON wants numbers: our decimal strings are converted at this boundary and nowhere else. */
const num = (s: string) => Number(s);

export const quickbooksConnector = (args: {
  http: Http;
  realmId: string;
  apiBaseUrl: string;
  tokenUrl: string;
  credentials: Credentials;
  onRotate: ClientOptions['onRotate'];
  mappings: ConnectorMappings;
  timeoutMs?: number | undefined;
}): AccountingConnector => {
  const client = oauthClient(
    {
      http: args.http,
      baseUrl: args.apiBaseUrl,
      tokenUrl: args.tokenUrl,
      credentials: args.credentials,
      onRotate: args.onRotate,
      ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
      gate: gateFor(`quickbooks:${args.realmId}`, QUICKBOOKS.concurrent, QUICKBOOKS.perMinute),
    },
    readError,
  );
  const m = args.mappings;
  const base = `v3/company/${encodeURIComponent(args.realmId)}`;
  const query = (requestId?: string) => ({
    minorversion: QUICKBOOKS.minorVersion,
    ...(requestId ? { requestid: requestId.slice(0, QUICKBOOKS.maxRequestId) } : {}),
  });
  const itemRef = (sku: string | null) => (sku ? (m.items[sku] ?? m.defaultItem) : m.defaultItem);

  const lines = (inv: AccountingInvoice) =>
    inv.lines.map((l, i) => ({
      LineNum: i + 1,
      Description: l.description,
      Amount: num(l.amount),
      DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: {
        ItemRef: { value: itemRef(l.sku) },
        Qty: num(l.kind === 'allowance' ? '1' : l.quantity),
        UnitPrice: num(l.kind === 'allowance' ? l.amount : l.unitPrice),
        TaxCodeRef: { value: m.taxTypes[taxKey(l.tax)] },
      },
    }));

  return {
    provider: 'quickbooks',
    preflight(inv) {
      const problems: Problem[] = [];
      if (inv.number.length > QUICKBOOKS.maxDocNumber)
        problems.push({
          field: 'number',
          message: `QuickBooks DocNumber is at most ${QUICKBOOKS.maxDocNumber} characters (${inv.number.length})`,
        });
      inv.lines.forEach((l, i) => {
        if (!itemRef(l.sku))
          problems.push({
            field: `lines.${i}.sku`,
            message: `no QuickBooks item for ${l.sku ?? 'lines without a SKU'}: map it or set a default item`,
          });
      });
      for (const k of [...new Set(inv.lines.map((l) => taxKey(l.tax)).filter((k) => !m.taxTypes[k]))])
        problems.push({ field: `mappings.taxTypes.${k}`, message: `no QuickBooks tax code for ${k}` });
      if (!inv.contact.email)
        problems.push({
          field: 'contact.email',
          message: 'QuickBooks invoices are e-mailed: the customer needs an e-mail address',
        });
      return problems;
    },
    async ensureContact(contact, idempotencyKey) {
      if (contact.externalId) return contact.externalId;
      const reply = await client.call('POST', `${base}/customer`, {
        query: query(idempotencyKey),
        body: {
          DisplayName: `${contact.name} [${contact.customerId.slice(0, 8)}]`,
          CompanyName: contact.name,
          ...(contact.email ? { PrimaryEmailAddr: { Address: contact.email } } : {}),
        },
      });
      return parse(CustomerReply, reply, 'POST customer').Customer.Id;
    },
    async pushInvoice(inv, contactId, idempotencyKey) {
      const body = {
        DocNumber: inv.number,
        TxnDate: inv.issueDate,
        ...(inv.dueDate && inv.kind !== 'credit_note' ? { DueDate: inv.dueDate } : {}),
        CustomerRef: { value: contactId },
        CurrencyRef: { value: inv.currency },
        // QuickBooks counts home-currency units per unit of the invoice's, as we do.
        ...(inv.exchangeRate ? { ExchangeRate: Number(inv.exchangeRate) } : {}),
        PrivateNote: inv.reference,
        Line: lines(inv),
        ...(inv.contact.email ? { BillEmail: { Address: inv.contact.email } } : {}),
      };
      if (inv.kind === 'credit_note') {
        const reply = await client.call('POST', `${base}/creditmemo`, { query: query(idempotencyKey), body });
        return parse(CreditMemoReply, reply, 'POST creditmemo').CreditMemo.Id;
      }
      const reply = await client.call('POST', `${base}/invoice`, { query: query(idempotencyKey), body });
      return parse(InvoiceReply, reply, 'POST invoice').Invoice.Id;
    },
    async checkConnection() {
      const reply = await client.call('GET', `${base}/companyinfo/${encodeURIComponent(args.realmId)}`, {});
      return { name: parse(CompanyInfoReply, reply, 'GET /companyinfo').CompanyInfo.CompanyName };
    },
    async findInvoice(inv) {
      const entity = inv.kind === 'credit_note' ? 'CreditMemo' : 'Invoice';
      const reply = await client.call('GET', `${base}/query`, {
        query: {
          ...query(),
          query: `select Id from ${entity} where DocNumber = '${inv.number.replaceAll("'", "\\'")}'`,
        },
      });
      const r = parse(QueryReply, reply, 'query').QueryResponse;
      return (entity === 'Invoice' ? r.Invoice : r.CreditMemo)?.[0]?.Id ?? null;
    },
  };
};
