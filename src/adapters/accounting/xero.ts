import Decimal from 'decimal.js';
import {
  type AccountingConnector,
  type AccountingInvoice,
  type AccountingPayment,
  ConnectorError,
  type Problem,
  type RefreshGuard,
} from '../../app/accounting/port';
import type { Http } from '../../app/ports';
import { type ConnectorMappings, type Credentials, taxKey, taxKeyText } from '../../contracts/connectors';
import { gateFor, oauthClient } from './http';
import { contactMatchError, disambiguated, sameEmail } from './names';
import {
  Allocations,
  AttachmentList,
  ContactList,
  Contacts,
  CreditNotes,
  Invoices,
  Organisations,
  Payments,
  parse,
  readError,
} from './xero-replies';

/** Xero: 60 calls a minute and 5 at once per tenant; Idempotency-Key at most 128 characters. */
export const XERO = {
  apiBaseUrl: 'https://api.xero.com/api.xro/2.0/',
  tokenUrl: 'https://identity.xero.com/connect/token',
  concurrent: 5,
  perMinute: 60,
  maxIdempotencyKey: 128,
};

/** Our unit prices keep up to four decimals: without `unitdp=4` Xero rounds them to two. */
const UNIT_DECIMALS = { unitdp: '4' };

/**
 * Xero states a rate as units of the invoice's currency per unit of the organization's base currency (its
 * "1 EUR = 0.8538 GBP"), the inverse of ours, to six decimals as Xero keeps them.
 */
export const xeroRate = (rate: string): number =>
  Number(new Decimal(1).div(rate).toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toFixed());

export const xeroConnector = (args: {
  http: Http;
  tenantId: string;
  apiBaseUrl: string;
  tokenUrl: string;
  credentials: Credentials;
  refreshGuard: RefreshGuard;
  mappings: ConnectorMappings;
  timeoutMs?: number | undefined;
}): AccountingConnector => {
  const client = oauthClient(
    {
      http: args.http,
      baseUrl: args.apiBaseUrl,
      tokenUrl: args.tokenUrl,
      credentials: args.credentials,
      refreshGuard: args.refreshGuard,
      ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
      gate: gateFor(`xero:${args.tenantId}`, XERO.concurrent, XERO.perMinute),
      extraHeaders: { 'xero-tenant-id': args.tenantId },
    },
    readError,
  );
  const m = args.mappings;
  /** The account money of this kind is booked to; a write-off only ever to its own account. */
  const accountOf = (method: AccountingPayment['method']) =>
    method === 'write_off'
      ? m.paymentAccounts.write_off
      : (m.paymentAccounts[method] ?? m.paymentAccounts.default);
  const itemCode = (sku: string | null) => (sku ? (m.items[sku] ?? m.defaultItem) : m.defaultItem);
  const key = (k: string) => k.slice(0, XERO.maxIdempotencyKey);

  const lineItems = (inv: AccountingInvoice) =>
    inv.lines.map((l) => ({
      Description: l.description,
      Quantity: Number(l.quantity),
      UnitAmount: Number(l.unitPrice),
      LineAmount: Number(l.amount),
      TaxAmount: Number(l.taxAmount),
      ...(l.account === 'revenue' && itemCode(l.sku) ? { ItemCode: itemCode(l.sku) } : {}),
      AccountCode: l.account === 'deposit' ? m.depositAccount : m.accountCode,
      TaxType: m.taxTypes[taxKey(l.tax)],
    }));

  return {
    provider: 'xero',
    preflight(inv) {
      const problems: Problem[] = [];
      if (!m.accountCode)
        problems.push({
          field: 'mappings.accountCode',
          message: "Xero needs the revenue account sales go to: choose it in the connector's mappings",
        });
      if (inv.lines.some((l) => l.account === 'deposit') && !m.depositAccount)
        problems.push({
          field: 'mappings.depositAccount',
          message:
            "Xero needs the account deposits are held in (a liability such as Customer deposits): choose it in the connector's mappings",
        });
      const missingTax = [...new Set(inv.lines.map((l) => taxKey(l.tax)).filter((k) => !m.taxTypes[k]))];
      for (const k of missingTax)
        problems.push({
          field: `mappings.taxTypes.${k}`,
          message: `${taxKeyText(k)} has no Xero tax type: choose one in the connector's mappings`,
        });
      if (inv.number.length > 255)
        problems.push({ field: 'number', message: 'Xero InvoiceNumber is at most 255 characters' });
      if (inv.reference.length > 255)
        problems.push({ field: 'reference', message: 'Xero Reference is at most 255 characters' });
      if (!inv.contact.name.trim())
        problems.push({ field: 'contact.name', message: 'Xero contacts need a name' });
      return problems;
    },
    async ensureContact(contact, idempotencyKey, lookFirst, newConfirmed) {
      if (contact.externalId) return contact.externalId;
      if (lookFirst) {
        // A create whose answer was lost may have made the contact: ours carries our customer ID.
        const found = await client.call('GET', 'Contacts', {
          query: { where: `ContactNumber=="${contact.customerId}"` },
        });
        const id = parse(ContactList, found, 'GET /Contacts').Contacts[0]?.ContactID;
        if (id) return id;
      }
      const create = async (name: string, k: string) =>
        parse(
          Contacts,
          await client.call('PUT', 'Contacts', {
            headers: { 'Idempotency-Key': key(k) },
            // ContactNumber carries our customer ID: the contact is ours by ID, never by name.
            body: {
              Contacts: [
                {
                  Name: name,
                  ContactNumber: contact.customerId,
                  ...(contact.email ? { EmailAddress: contact.email } : {}),
                },
              ],
            },
          }),
          'PUT /Contacts',
        ).Contacts[0]?.ContactID as string;
      try {
        return await create(contact.name, idempotencyKey);
      } catch (err) {
        // Xero's contact names are unique: a second customer of the same name gets our reference too,
        // unless the contact holding the name has our customer's e-mail: then a person decides.
        if (!(err instanceof ConnectorError) || !/already assigned to another contact/i.test(err.message))
          throw err;
        const holder = parse(
          ContactList,
          await client.call('GET', 'Contacts', {
            query: { where: `Name=="${contact.name.replaceAll('"', '')}"` },
          }),
          'GET /Contacts',
        ).Contacts[0];
        if (holder && sameEmail(holder.EmailAddress, contact.email) && !(await newConfirmed()))
          throw contactMatchError('Xero', contact, {
            id: holder.ContactID,
            name: holder.Name ?? contact.name,
            email: holder.EmailAddress ?? null,
          });
        return create(disambiguated(contact), `${idempotencyKey}-named`);
      }
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
          query: UNIT_DECIMALS,
          headers: { 'Idempotency-Key': key(idempotencyKey) },
          body: { CreditNotes: [{ ...common, Type: 'ACCRECCREDIT', CreditNoteNumber: inv.number }] },
        });
        const made = parse(CreditNotes, reply, 'PUT /CreditNotes').CreditNotes[0];
        if (!made)
          throw new ConnectorError('Xero created no credit note', {
            retryable: false,
            providerCode: 'bad_reply',
          });
        return {
          id: made.CreditNoteID,
          total: made.Total === undefined ? null : String(made.Total),
          number: inv.number,
        };
      }
      const reply = await client.call('PUT', 'Invoices', {
        query: UNIT_DECIMALS,
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
      const made = parse(Invoices, reply, 'PUT /Invoices').Invoices[0];
      if (!made)
        throw new ConnectorError('Xero created no invoice', { retryable: false, providerCode: 'bad_reply' });
      return {
        id: made.InvoiceID,
        total: made.Total === undefined ? null : String(made.Total),
        number: inv.number,
      };
    },
    async checkConnection() {
      const reply = await client.call('GET', 'Organisation', {});
      return { name: parse(Organisations, reply, 'GET /Organisation').Organisations[0]?.Name ?? '' };
    },
    async findInvoice(inv, contactId) {
      const credit = inv.kind === 'credit_note';
      const hits = credit
        ? parse(
            CreditNotes,
            await client.call('GET', 'CreditNotes', {
              query: { where: `CreditNoteNumber=="${inv.number.replaceAll('"', '')}"` },
            }),
            'GET /CreditNotes',
          ).CreditNotes.map((c) => ({ ...c, id: c.CreditNoteID }))
        : parse(
            Invoices,
            await client.call('GET', 'Invoices', { query: { InvoiceNumbers: inv.number } }),
            'GET /Invoices',
          ).Invoices.map((i) => ({ ...i, id: i.InvoiceID }));
      const live = hits.filter((h) => h.Status !== 'DELETED' && h.Status !== 'VOIDED');
      if (live.length === 0) return null;
      const type = credit ? 'ACCRECCREDIT' : 'ACCREC';
      const ours = live.find(
        (h) =>
          (h.Type === undefined || h.Type === type) &&
          h.Contact?.ContactID === contactId &&
          (h.Total === undefined || new Decimal(h.Total).eq(inv.total)) &&
          (h.Reference === undefined || h.Reference === inv.reference),
      );
      // Xero keeps the number we send.
      if (ours) return { id: ours.id, number: inv.number };
      const other = live[0];
      throw new ConnectorError(
        `Xero already holds a document numbered ${inv.number} that is not this one (${[
          other?.Type && other.Type !== type ? `a ${other.Type}` : null,
          other?.Contact?.ContactID !== contactId ? 'another contact' : null,
          other?.Total !== undefined && !new Decimal(other.Total).eq(inv.total)
            ? `total ${other.Total}`
            : null,
        ]
          .filter(Boolean)
          .join(', ')}): rename or void it in Xero, then reprocess`,
        { retryable: false, providerCode: 'number_conflict' },
      );
    },
    paymentPreflight(p) {
      if (accountOf(p.method)) return [];
      return [
        {
          field: `mappings.paymentAccounts.${p.method}`,
          message:
            p.method === 'write_off'
              ? 'Xero needs the account written-off balances go to (e.g. Bad Debts, with payments enabled)'
              : `Xero needs the bank account that ${p.method.replace('_', ' ')} payments go to`,
        },
      ];
    },
    async pushPayment(p, idempotencyKey) {
      const reply = await client.call('PUT', 'Payments', {
        headers: { 'Idempotency-Key': key(idempotencyKey) },
        body: {
          Payments: [
            {
              // A refund is a payment on the credit note: Xero books it out of the bank account.
              ...(p.on === 'credit_note'
                ? { CreditNote: { CreditNoteID: p.documentExternalId } }
                : { Invoice: { InvoiceID: p.documentExternalId } }),
              Account: { Code: accountOf(p.method) },
              Date: p.date,
              Amount: Number(p.amount),
              ...(p.exchangeRate ? { CurrencyRate: xeroRate(p.exchangeRate) } : {}),
              ...(p.reference ? { Reference: p.reference } : {}),
            },
          ],
        },
      });
      const id = parse(Payments, reply, 'PUT /Payments').Payments[0]?.PaymentID;
      if (!id)
        throw new ConnectorError('Xero recorded no payment', { retryable: false, providerCode: 'bad_reply' });
      return id;
    },
    async findPayment(p, known) {
      const reply = await client.call('GET', 'Payments', {
        query: { where: `Invoice.InvoiceID==guid("${p.documentExternalId}")` },
      });
      const hit = parse(Payments, reply, 'GET /Payments').Payments.find(
        (x) =>
          x.Status !== 'DELETED' &&
          !known.includes(x.PaymentID) &&
          x.Amount !== undefined &&
          new Decimal(x.Amount).eq(p.amount) &&
          (x.Reference ?? '') === (p.reference ?? ''),
      );
      return hit?.PaymentID ?? null;
    },
    async removePayment(r, idempotencyKey) {
      // Xero's way to take a payment back: the payment itself is marked deleted; the invoice owes again.
      const reply = await client.call('POST', `Payments/${encodeURIComponent(r.externalId)}`, {
        headers: { 'Idempotency-Key': key(idempotencyKey) },
        body: { Status: 'DELETED' },
      });
      const status = parse(Payments, reply, 'POST /Payments/{id}').Payments[0]?.Status;
      if (status !== 'DELETED')
        throw new ConnectorError(
          `Xero kept the payment of ${r.amount} on ${r.documentNumber} (${status ?? 'no status'})`,
          {
            retryable: false,
            providerCode: 'bad_reply',
          },
        );
    },
    async paymentRemoved(r) {
      const reply = await client.call('GET', `Payments/${encodeURIComponent(r.externalId)}`);
      return parse(Payments, reply, 'GET /Payments/{id}').Payments[0]?.Status === 'DELETED';
    },
    async pushAllocation(a, idempotencyKey) {
      const reply = await client.call(
        'PUT',
        `CreditNotes/${encodeURIComponent(a.creditNoteExternalId)}/Allocations`,
        {
          headers: { 'Idempotency-Key': key(idempotencyKey) },
          body: {
            Allocations: [
              { Amount: Number(a.amount), Date: a.date, Invoice: { InvoiceID: a.invoiceExternalId } },
            ],
          },
        },
      );
      const made = parse(Allocations, reply, 'PUT /CreditNotes/{id}/Allocations').Allocations[0];
      return made?.AllocationID ?? `${a.creditNoteExternalId}:${a.invoiceExternalId}`;
    },
    async attach(a, idempotencyKey) {
      // POST by file name creates or replaces: the same name again is the same attachment.
      const reply = await client.call(
        'POST',
        `${a.on === 'credit_note' ? 'CreditNotes' : 'Invoices'}/${encodeURIComponent(a.documentExternalId)}/Attachments/${encodeURIComponent(a.fileName)}`,
        {
          headers: { 'Idempotency-Key': key(idempotencyKey) },
          raw: { body: new Uint8Array(a.bytes), contentType: 'application/octet-stream' },
        },
      );
      const made = parse(AttachmentList, reply, 'POST /Attachments').Attachments[0];
      if (!made)
        throw new ConnectorError('Xero attached nothing', { retryable: false, providerCode: 'bad_reply' });
      return made.AttachmentID;
    },
    async findAttachment(a) {
      const reply = await client.call(
        'GET',
        `${a.on === 'credit_note' ? 'CreditNotes' : 'Invoices'}/${encodeURIComponent(a.documentExternalId)}/Attachments`,
        {},
      );
      return (
        parse(AttachmentList, reply, 'GET /Attachments').Attachments.find((x) => x.FileName === a.fileName)
          ?.AttachmentID ?? null
      );
    },
    async findAllocation(a) {
      const reply = await client.call('GET', `CreditNotes/${encodeURIComponent(a.creditNoteExternalId)}`, {});
      const found = parse(CreditNotes, reply, 'GET /CreditNotes/{id}').CreditNotes[0]?.Allocations?.find(
        (x) => x.Invoice.InvoiceID === a.invoiceExternalId && new Decimal(x.Amount).eq(a.amount),
      );
      return found ? (found.AllocationID ?? `${a.creditNoteExternalId}:${a.invoiceExternalId}`) : null;
    },
  };
};
