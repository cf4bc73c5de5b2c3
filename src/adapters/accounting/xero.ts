import Decimal from 'decimal.js';
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

/** Xero: 60 calls a minute and 5 at once per tenant; Idempotency-Key at most 128 characters. */
export const XERO = {
  apiBaseUrl: 'https://api.xero.com/api.xro/2.0/',
  tokenUrl: 'https://identity.xero.com/connect/token',
  concurrent: 5,
  perMinute: 60,
  maxIdempotencyKey: 128,
};

/**
 * Xero states a rate as units of the invoice's currency per unit of the organization's base currency (its
 * "1 EUR = 0.8538 GBP"), the inverse of ours, to six decimals as Xero keeps them.
 */
export const xeroRate = (rate: string): number =>
  Number(new Decimal(1).div(rate).toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toFixed());

const Contacts = z
  .object({ Contacts: z.array(z.object({ ContactID: z.string().min(1) }).loose()).min(1) })
  .loose();
const Organisations = z
  .object({ Organisations: z.array(z.object({ Name: z.string().min(1) }).loose()).min(1) })
  .loose();
const Invoices = z.object({ Invoices: z.array(z.object({ InvoiceID: z.string().min(1) }).loose()) }).loose();
const CreditNotes = z
  .object({ CreditNotes: z.array(z.object({ CreditNoteID: z.string().min(1) }).loose()) })
  .loose();

/** Xero answers validation failures with Elements[].ValidationErrors[].Message. */
const readError: ErrorReader = (status, body) => {
  const b = body as {
    Type?: string;
    Message?: string;
    Detail?: string;
    Title?: string;
    Elements?: { ValidationErrors?: { Message?: string }[] }[];
  } | null;
  const validation = b?.Elements?.flatMap((e) => e.ValidationErrors ?? [])
    .map((v) => v.Message)
    .filter(Boolean);
  return {
    code: b?.Type ?? (status === 400 ? 'ValidationException' : null),
    message: validation?.length
      ? validation.join('; ')
      : (b?.Message ??
        b?.Detail ??
        b?.Title ??
        (typeof body === 'string' ? body.slice(0, 300) : `HTTP ${status}`)),
  };
};

const parse = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new ConnectorError(`Xero's reply to ${what} is not what its API documents`, {
      retryable: false,
      providerCode: 'bad_reply',
    });
  return r.data;
};

export const xeroConnector = (args: {
  http: Http;
  tenantId: string;
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
      gate: gateFor(`xero:${args.tenantId}`, XERO.concurrent, XERO.perMinute),
      extraHeaders: { 'xero-tenant-id': args.tenantId },
    },
    readError,
  );
  const m = args.mappings;
  const itemCode = (sku: string | null) => (sku ? (m.items[sku] ?? m.defaultItem) : m.defaultItem);
  const key = (k: string) => k.slice(0, XERO.maxIdempotencyKey);

  const lineItems = (inv: AccountingInvoice) =>
    inv.lines.map((l) => ({
      Description: l.description,
      Quantity: Number(l.quantity),
      UnitAmount: Number(l.unitPrice),
      LineAmount: Number(l.amount),
      TaxAmount: Number(l.taxAmount),
      ...(itemCode(l.sku) ? { ItemCode: itemCode(l.sku) } : {}),
      AccountCode: m.accountCode,
      TaxType: m.taxTypes[taxKey(l.tax)],
    }));

  return {
    provider: 'xero',
    preflight(inv) {
      const problems: Problem[] = [];
      if (!m.accountCode)
        problems.push({
          field: 'mappings.accountCode',
          message: 'Xero needs a revenue AccountCode for every line',
        });
      const missingTax = [...new Set(inv.lines.map((l) => taxKey(l.tax)).filter((k) => !m.taxTypes[k]))];
      for (const k of missingTax)
        problems.push({ field: `mappings.taxTypes.${k}`, message: `no Xero TaxType for ${k}` });
      if (inv.number.length > 255)
        problems.push({ field: 'number', message: 'Xero InvoiceNumber is at most 255 characters' });
      if (inv.reference.length > 255)
        problems.push({ field: 'reference', message: 'Xero Reference is at most 255 characters' });
      if (!inv.contact.name.trim())
        problems.push({ field: 'contact.name', message: 'Xero contacts need a name' });
      return problems;
    },
    async ensureContact(contact, idempotencyKey) {
      if (contact.externalId) return contact.externalId;
      const reply = await client.call('PUT', 'Contacts', {
        headers: { 'Idempotency-Key': key(idempotencyKey) },
        // ContactNumber carries our customer ID: the contact is ours by ID, never by name.
        body: {
          Contacts: [
            {
              Name: contact.name,
              ContactNumber: contact.customerId,
              ...(contact.email ? { EmailAddress: contact.email } : {}),
            },
          ],
        },
      });
      return parse(Contacts, reply, 'PUT /Contacts').Contacts[0]?.ContactID as string;
    },
    async pushInvoice(inv, contactId, idempotencyKey) {
      const common = {
        Contact: { ContactID: contactId },
        Date: inv.issueDate,
        LineAmountTypes: 'Exclusive',
        Reference: inv.reference,
        CurrencyCode: inv.currency,
        ...(inv.exchangeRate ? { CurrencyRate: xeroRate(inv.exchangeRate) } : {}),
        Status: 'AUTHORISED',
        LineItems: lineItems(inv),
      };
      if (inv.kind === 'credit_note') {
        const reply = await client.call('PUT', 'CreditNotes', {
          headers: { 'Idempotency-Key': key(idempotencyKey) },
          body: { CreditNotes: [{ ...common, Type: 'ACCRECCREDIT', CreditNoteNumber: inv.number }] },
        });
        return parse(CreditNotes, reply, 'PUT /CreditNotes').CreditNotes[0]?.CreditNoteID as string;
      }
      const reply = await client.call('PUT', 'Invoices', {
        headers: { 'Idempotency-Key': key(idempotencyKey) },
        body: {
          Invoices: [
            {
              ...common,
              Type: 'ACCREC',
              InvoiceNumber: inv.number,
              ...(inv.dueDate ? { DueDate: inv.dueDate } : {}),
            },
          ],
        },
      });
      const id = parse(Invoices, reply, 'PUT /Invoices').Invoices[0]?.InvoiceID;
      if (!id)
        throw new ConnectorError('Xero created no invoice', { retryable: false, providerCode: 'bad_reply' });
      return id;
    },
    async checkConnection() {
      const reply = await client.call('GET', 'Organisation', {});
      return { name: parse(Organisations, reply, 'GET /Organisation').Organisations[0]?.Name ?? '' };
    },
    async findInvoice(inv) {
      if (inv.kind === 'credit_note') {
        const reply = await client.call('GET', 'CreditNotes', {
          query: { where: `CreditNoteNumber=="${inv.number}"` },
        });
        return parse(CreditNotes, reply, 'GET /CreditNotes').CreditNotes[0]?.CreditNoteID ?? null;
      }
      const reply = await client.call('GET', 'Invoices', { query: { InvoiceNumbers: inv.number } });
      return parse(Invoices, reply, 'GET /Invoices').Invoices[0]?.InvoiceID ?? null;
    },
  };
};
