import Decimal from 'decimal.js';
import { z } from 'zod';
import {
  type AccountingConnector,
  type AccountingInvoice,
  type AccountingPayment,
  type AccountingRemoval,
  ConnectorError,
  type Problem,
  type RefreshGuard,
} from '../../app/accounting/port';
import type { Http } from '../../app/ports';
import { type ConnectorMappings, type Credentials, taxKey, taxKeyText } from '../../contracts/connectors';
import { type ErrorReader, gateFor, oauthClient } from './http';
import { contactMatchError, disambiguated, sameEmail } from './names';

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
const Made = z
  .object({ Id: z.string().min(1), TotalAmt: z.number().optional(), DocNumber: z.string().optional() })
  .loose();
const InvoiceReply = z.object({ Invoice: Made }).loose();
const CreditMemoReply = z.object({ CreditMemo: Made }).loose();
const UploadReply = z
  .object({
    AttachableResponse: z.array(
      z.object({ Attachable: z.object({ Id: z.string().min(1) }).loose() }).loose(),
    ),
  })
  .loose();
const PaymentReply = z.object({ Payment: z.object({ Id: z.string().min(1) }).loose() }).loose();
const JournalEntryReply = z.object({ JournalEntry: z.object({ Id: z.string().min(1) }).loose() }).loose();
const PaymentWithToken = z
  .object({ Payment: z.object({ Id: z.string().min(1), SyncToken: z.string().min(1) }).loose() })
  .loose();
/** QuickBooks answers a deleted (or never made) object with fault 610, "Object Not Found". */
const gone = (err: unknown) => err instanceof ConnectorError && err.providerCode === '610';
const Txn = z
  .object({
    Id: z.string(),
    CustomerRef: z.object({ value: z.string() }).loose().optional(),
    TotalAmt: z.number().optional(),
    PrivateNote: z.string().optional(),
    DocNumber: z.string().optional(),
  })
  .loose();
const QueryReply = z
  .object({
    QueryResponse: z
      .object({
        Invoice: z.array(Txn).optional(),
        CreditMemo: z.array(Txn).optional(),
        Payment: z.array(Txn).optional(),
        Customer: z
          .array(
            z
              .object({
                Id: z.string(),
                Notes: z.string().optional(),
                DisplayName: z.string().optional(),
                PrimaryEmailAddr: z.object({ Address: z.string().optional() }).loose().optional(),
              })
              .loose(),
          )
          .optional(),
        Attachable: z.array(z.object({ Id: z.string(), FileName: z.string().optional() }).loose()).optional(),
        JournalEntry: z.array(Txn).optional(),
        Account: z
          .array(
            z
              .object({
                Id: z.string(),
                AccountType: z.string().optional(),
                Active: z.boolean().optional(),
                CurrencyRef: z.object({ value: z.string() }).loose().optional(),
              })
              .loose(),
          )
          .optional(),
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
  /** The taxed lines' tax keys: a US invoice has one sales tax (its jurisdiction's code or group). */
  const salesTaxKeys = (inv: AccountingInvoice) => [
    ...new Set(inv.lines.filter((l) => new Decimal(l.tax.rate).gt(0)).map((l) => taxKey(l.tax))),
  ];
  const salesTaxCode = (inv: AccountingInvoice) => {
    const [only] = inv.salesTax ? salesTaxKeys(inv) : [];
    return only ? m.taxTypes[only] : undefined;
  };
  const ask = async (q: string) =>
    parse(QueryReply, await client.call('GET', `${base}/query`, { query: { ...query(), query: q } }), 'query')
      .QueryResponse;
  const quoted = (v: string) => `'${v.replaceAll("'", "\\'")}'`;
  // QuickBooks forbids colons in names, and DisplayName is unique: ours, tagged on a clash.
  const plainName = (c: AccountingInvoice['contact']) =>
    c.name.replaceAll(':', ' ').replace(/\s+/g, ' ').trim();
  /** Our ID in the memo QuickBooks keeps private: how a payment or an application is found again. */
  const memoOf = (what: string, id: string) => `Closeout ${what} ${id}`;
  const itemRef = (sku: string | null) => (sku ? (m.items[sku] ?? m.defaultItem) : m.defaultItem);

  /** The bank account money comes into for this method, or a refund goes out of. */
  const refundAccount = (p: AccountingPayment) => m.paymentAccounts[p.method] ?? m.paymentAccounts.default;
  const findMemo = async (entity: 'Payment', p: AccountingPayment, memo: string) =>
    (await ask(`select * from ${entity} where CustomerRef = ${quoted(p.contactExternalId)}`))[entity]?.find(
      (x) => x.PrivateNote === memo,
    )?.Id ?? null;
  const findJournal = async (p: AccountingPayment) =>
    (await ask(`select * from JournalEntry where TxnDate = ${quoted(p.date)}`)).JournalEntry?.find(
      (x) => x.PrivateNote === memoOf('refund', p.id),
    )?.Id ?? null;
  /** The company's Accounts Receivable account in the document's currency (one per currency in QuickBooks). */
  const receivableAccount = async (currency: string) => {
    const all = (await ask(`select * from Account where AccountType = 'Accounts Receivable'`)).Account ?? [];
    const found = all.find((a) => a.Active !== false && (a.CurrencyRef?.value ?? currency) === currency);
    if (!found)
      throw new ConnectorError(
        `QuickBooks has no Accounts Receivable account in ${currency}: add one there, then reprocess`,
        { retryable: false, providerCode: 'no_receivable_account' },
      );
    return found.Id;
  };
  /**
   * A credit memo's money paid back: QuickBooks has no refund of a credit memo in its API, so the money goes
   * out as a journal entry (the customer's receivable debited, the bank credited) that a payment of nothing
   * then settles against the credit memo, as its own "write a cheque, apply the credit" does. Each step is
   * found by its memo before it is made again, so a retry after a lost answer makes neither twice.
   */
  const pushRefund = async (p: AccountingPayment, idempotencyKey: string) => {
    const bank = refundAccount(p);
    if (!bank) throw new ConnectorError('no refund account', { retryable: false, providerCode: 'preflight' });
    const journalKey = `${idempotencyKey}-je`;
    const journal =
      (await findJournal(p)) ??
      parse(
        JournalEntryReply,
        await client.call('POST', `${base}/journalentry`, {
          // The journal entry's own request ID (a template literal inside `query(…)` reads as SQL to the
          // parameterized-SQL check).
          query: query(journalKey),
          body: {
            TxnDate: p.date,
            CurrencyRef: { value: p.currency },
            ...(p.exchangeRate ? { ExchangeRate: Number(p.exchangeRate) } : {}),
            PrivateNote: memoOf('refund', p.id),
            Line: [
              {
                Description: `Refund of ${p.documentNumber}`,
                Amount: num(p.amount),
                DetailType: 'JournalEntryLineDetail',
                JournalEntryLineDetail: {
                  PostingType: 'Debit',
                  AccountRef: { value: await receivableAccount(p.currency) },
                  Entity: { Type: 'Customer', EntityRef: { value: p.contactExternalId } },
                },
              },
              {
                Description: `Refund of ${p.documentNumber}${p.reference ? ` (${p.reference})` : ''}`,
                Amount: num(p.amount),
                DetailType: 'JournalEntryLineDetail',
                JournalEntryLineDetail: { PostingType: 'Credit', AccountRef: { value: bank } },
              },
            ],
          },
        }),
        'POST journalentry',
      ).JournalEntry.Id;
    if (!(await findMemo('Payment', p, memoOf('refund applied', p.id))))
      await client.call('POST', `${base}/payment`, {
        query: query(idempotencyKey),
        body: {
          CustomerRef: { value: p.contactExternalId },
          TotalAmt: 0,
          TxnDate: p.date,
          CurrencyRef: { value: p.currency },
          ...(p.exchangeRate ? { ExchangeRate: Number(p.exchangeRate) } : {}),
          PrivateNote: memoOf('refund applied', p.id),
          Line: [
            { Amount: num(p.amount), LinkedTxn: [{ TxnId: journal, TxnType: 'JournalEntry' }] },
            { Amount: num(p.amount), LinkedTxn: [{ TxnId: p.documentExternalId, TxnType: 'CreditMemo' }] },
          ],
        },
      });
    return journal;
  };

  const madeOf = (made: z.infer<typeof Made>) => ({
    id: made.Id,
    total: made.TotalAmt === undefined ? null : String(made.TotalAmt),
    number: made.DocNumber ?? null,
  });
  /** A refund is a journal entry and its application there: taking one back is done in QuickBooks. */
  const refundStays = (r: AccountingRemoval) =>
    new ConnectorError(
      `QuickBooks holds the refund of ${r.documentNumber} as a journal entry applied to the credit memo: delete both there, then mark this resolved`,
      { retryable: false, providerCode: 'refund_removal' },
    );
  const lines = (inv: AccountingInvoice) =>
    inv.lines.map((l, i) =>
      // A discount is QuickBooks' own discount line, booked to the organization's discount account.
      l.kind === 'allowance' && m.discountAccount
        ? {
            LineNum: i + 1,
            Description: l.description,
            Amount: num(new Decimal(l.amount).neg().toFixed()),
            DetailType: 'DiscountLineDetail',
            DiscountLineDetail: { PercentBased: false, DiscountAccountRef: { value: m.discountAccount } },
          }
        : {
            LineNum: i + 1,
            Description: l.description,
            Amount: num(l.amount),
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: {
              ItemRef: { value: l.account === 'deposit' ? m.depositAccount : itemRef(l.sku) },
              Qty: num(l.kind === 'allowance' ? '1' : l.quantity),
              UnitPrice: num(l.kind === 'allowance' ? l.amount : l.unitPrice),
              // A US company takes TAX or NON per line and the rate from the invoice's one sales tax.
              TaxCodeRef: {
                value: inv.salesTax
                  ? new Decimal(l.tax.rate).gt(0)
                    ? 'TAX'
                    : 'NON'
                  : m.taxTypes[taxKey(l.tax)],
              },
            },
          },
    );

  return {
    provider: 'quickbooks',
    preflight(inv) {
      const problems: Problem[] = [];
      if (inv.number.length > QUICKBOOKS.maxDocNumber)
        problems.push({
          field: 'number',
          message: `QuickBooks DocNumber is at most ${QUICKBOOKS.maxDocNumber} characters (${inv.number.length})`,
        });
      if (inv.lines.some((l) => l.account === 'deposit') && !m.depositAccount)
        problems.push({
          field: 'mappings.depositAccount',
          message:
            'QuickBooks needs the item deposits are held in (booked to a liability such as Customer deposits)',
        });
      inv.lines.forEach((l, i) => {
        if (l.account === 'revenue' && !itemRef(l.sku))
          problems.push({
            field: `lines.${i}.sku`,
            message: `no QuickBooks item for ${l.sku ?? 'lines without a SKU'}: map it or set a default item`,
          });
      });
      if (inv.salesTax) {
        const keys = salesTaxKeys(inv);
        if (keys.length > 1)
          problems.push({
            field: 'lines',
            message: `QuickBooks takes one sales tax per invoice; this one has ${keys.map(taxKeyText).join(', ')}`,
          });
        for (const k of keys.filter((k) => !m.taxTypes[k]))
          problems.push({
            field: `mappings.taxTypes.${k}`,
            message: `${taxKeyText(k)} has no QuickBooks sales tax code: choose one in the connector's mappings`,
          });
      } else
        for (const k of [...new Set(inv.lines.map((l) => taxKey(l.tax)).filter((k) => !m.taxTypes[k]))])
          problems.push({
            field: `mappings.taxTypes.${k}`,
            message: `${taxKeyText(k)} has no QuickBooks tax code: choose one in the connector's mappings`,
          });
      return problems;
    },
    async ensureContact(contact, idempotencyKey, lookFirst, newConfirmed) {
      if (contact.externalId) return contact.externalId;
      const names = [plainName(contact), disambiguated({ ...contact, name: plainName(contact) })];
      if (lookFirst) {
        // Ours is the one whose memo carries our customer ID, under either name.
        for (const n of names) {
          const found = (await ask(`select * from Customer where DisplayName = ${quoted(n)}`)).Customer?.find(
            (c) => c.Notes === memoOf('customer', contact.customerId),
          )?.Id;
          if (found) return found;
        }
      }
      const create = async (name: string, k: string) =>
        parse(
          CustomerReply,
          await client.call('POST', `${base}/customer`, {
            query: query(k),
            body: {
              DisplayName: name,
              CompanyName: contact.name,
              Notes: memoOf('customer', contact.customerId),
              ...(contact.email ? { PrimaryEmailAddr: { Address: contact.email } } : {}),
            },
          }),
          'POST customer',
        ).Customer.Id;
      try {
        return await create(names[0] as string, idempotencyKey);
      } catch (err) {
        if (!(err instanceof ConnectorError) || err.providerCode !== '6240') throw err;
        // The name is taken: by our customer from before Closeout (same e-mail), a person decides.
        const holder = (await ask(`select * from Customer where DisplayName = ${quoted(names[0] as string)}`))
          .Customer?.[0];
        if (holder && sameEmail(holder.PrimaryEmailAddr?.Address, contact.email) && !(await newConfirmed()))
          throw contactMatchError('QuickBooks', contact, {
            id: holder.Id,
            name: holder.DisplayName ?? (names[0] as string),
            email: holder.PrimaryEmailAddr?.Address ?? null,
          });
        return create(names[1] as string, `${idempotencyKey}-named`);
      }
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
        // The job numbers, and our number: how the document is found again where QuickBooks numbers it itself.
        PrivateNote: `${inv.reference} · ${memoOf(inv.kind === 'credit_note' ? 'credit note' : 'invoice', inv.number)}`,
        Line: lines(inv),
        // Our tax, stated: QuickBooks must neither recompute it nor read our net amounts as gross.
        GlobalTaxCalculation: 'TaxExcluded',
        TxnTaxDetail: {
          ...(salesTaxCode(inv) ? { TxnTaxCodeRef: { value: salesTaxCode(inv) } } : {}),
          TotalTax: num(inv.taxTotal),
        },
        ...(inv.contact.email ? { BillEmail: { Address: inv.contact.email } } : {}),
      };
      if (inv.kind === 'credit_note') {
        const reply = await client.call('POST', `${base}/creditmemo`, { query: query(idempotencyKey), body });
        const made = parse(CreditMemoReply, reply, 'POST creditmemo').CreditMemo;
        return madeOf(made);
      }
      const reply = await client.call('POST', `${base}/invoice`, { query: query(idempotencyKey), body });
      return madeOf(parse(InvoiceReply, reply, 'POST invoice').Invoice);
    },
    async checkConnection() {
      const reply = await client.call('GET', `${base}/companyinfo/${encodeURIComponent(args.realmId)}`, {});
      return { name: parse(CompanyInfoReply, reply, 'GET /companyinfo').CompanyInfo.CompanyName };
    },
    async findInvoice(inv, contactId) {
      const entity = inv.kind === 'credit_note' ? 'CreditMemo' : 'Invoice';
      const r = await ask(`select * from ${entity} where DocNumber = ${quoted(inv.number)}`);
      const hits = (entity === 'Invoice' ? r.Invoice : r.CreditMemo) ?? [];
      const sameTotal = (h: z.infer<typeof Txn>) =>
        h.TotalAmt === undefined || new Decimal(h.TotalAmt).eq(inv.total);
      if (hits.length === 0) {
        // QuickBooks with custom transaction numbers off gave it a number of its own: ours is the one of this
        // customer and day whose memo carries our number.
        const memo = memoOf(inv.kind === 'credit_note' ? 'credit note' : 'invoice', inv.number);
        const day = await ask(
          `select * from ${entity} where CustomerRef = ${quoted(contactId)} and TxnDate = ${quoted(inv.issueDate)}`,
        );
        const mine = ((entity === 'Invoice' ? day.Invoice : day.CreditMemo) ?? []).find(
          (h) => (h.PrivateNote ?? '').endsWith(memo) && sameTotal(h),
        );
        return mine ? { id: mine.Id, number: mine.DocNumber ?? null } : null;
      }
      const ours = hits.find((h) => h.CustomerRef?.value === contactId && sameTotal(h));
      if (ours) return { id: ours.Id, number: ours.DocNumber ?? inv.number };
      throw new ConnectorError(
        `QuickBooks already holds a ${entity} numbered ${inv.number} for ${hits[0]?.CustomerRef?.value === contactId ? `a total of ${hits[0]?.TotalAmt}` : 'another customer'}: rename or void it in QuickBooks, then reprocess`,
        { retryable: false, providerCode: 'number_conflict' },
      );
    },
    paymentPreflight(p) {
      if (p.method === 'write_off')
        return [
          {
            field: 'payment',
            message:
              'QuickBooks books a write-off as a credit memo to your bad-debt item, entered in QuickBooks: apply one there for this balance, then mark this resolved',
          },
        ];
      if (p.on === 'invoice' || refundAccount(p)) return [];
      return [
        {
          field: `mappings.paymentAccounts.${p.method}`,
          message:
            'QuickBooks pays a refund out of a bank account: choose the account for this payment method (or a default) in the connector’s mappings',
        },
      ];
    },
    async pushPayment(p, idempotencyKey) {
      if (p.on === 'credit_note') return pushRefund(p, idempotencyKey);
      const account = refundAccount(p);
      const reply = await client.call('POST', `${base}/payment`, {
        query: query(idempotencyKey),
        body: {
          CustomerRef: { value: p.contactExternalId },
          TotalAmt: num(p.amount),
          TxnDate: p.date,
          CurrencyRef: { value: p.currency },
          ...(p.exchangeRate ? { ExchangeRate: Number(p.exchangeRate) } : {}),
          ...(p.reference ? { PaymentRefNum: p.reference.slice(0, 21) } : {}),
          ...(account ? { DepositToAccountRef: { value: account } } : {}),
          PrivateNote: memoOf('payment', p.id),
          Line: [{ Amount: num(p.amount), LinkedTxn: [{ TxnId: p.documentExternalId, TxnType: 'Invoice' }] }],
        },
      });
      return parse(PaymentReply, reply, 'POST payment').Payment.Id;
    },
    async findPayment(p) {
      if (p.on === 'credit_note') {
        // A refund is there once applied to its credit memo; its ID is the journal entry's.
        const applied = await findMemo('Payment', p, memoOf('refund applied', p.id));
        return applied ? findJournal(p) : null;
      }
      const memo = memoOf('payment', p.id);
      const r = await ask(`select * from Payment where CustomerRef = ${quoted(p.contactExternalId)}`);
      return r.Payment?.find((x) => x.PrivateNote === memo)?.Id ?? null;
    },
    async removePayment(r, idempotencyKey) {
      if (r.on === 'credit_note') throw refundStays(r);
      // QuickBooks deletes by ID and the current SyncToken; the invoice it paid is open again.
      const current = await client
        .call('GET', `${base}/payment/${encodeURIComponent(r.externalId)}`, { query: query() })
        .catch((err: unknown) => {
          if (gone(err)) return null;
          throw err;
        });
      if (current === null) return;
      const { SyncToken } = parse(PaymentWithToken, current, 'GET payment').Payment;
      await client.call('POST', `${base}/payment`, {
        query: { ...query(idempotencyKey), operation: 'delete' },
        body: { Id: r.externalId, SyncToken },
      });
    },
    async paymentRemoved(r) {
      if (r.on === 'credit_note') throw refundStays(r);
      try {
        await client.call('GET', `${base}/payment/${encodeURIComponent(r.externalId)}`, { query: query() });
        return false;
      } catch (err) {
        if (gone(err)) return true;
        throw err;
      }
    },
    async pushAllocation(a, idempotencyKey) {
      // QuickBooks applies a credit memo to an invoice with a payment of nothing that links both.
      const reply = await client.call('POST', `${base}/payment`, {
        query: query(idempotencyKey),
        body: {
          CustomerRef: { value: a.contactExternalId },
          TotalAmt: 0,
          TxnDate: a.date,
          CurrencyRef: { value: a.currency },
          PrivateNote: memoOf('credit applied', a.id),
          Line: [
            { Amount: num(a.amount), LinkedTxn: [{ TxnId: a.invoiceExternalId, TxnType: 'Invoice' }] },
            { Amount: num(a.amount), LinkedTxn: [{ TxnId: a.creditNoteExternalId, TxnType: 'CreditMemo' }] },
          ],
        },
      });
      return parse(PaymentReply, reply, 'POST payment').Payment.Id;
    },
    async attach(a, idempotencyKey) {
      // QuickBooks' upload: a multipart form of the Attachable (linked to the document) and the file.
      const form = new FormData();
      form.append(
        'file_metadata_01',
        new Blob(
          [
            JSON.stringify({
              AttachableRef: [
                {
                  EntityRef: {
                    type: a.on === 'credit_note' ? 'CreditMemo' : 'Invoice',
                    value: a.documentExternalId,
                  },
                },
              ],
              FileName: a.fileName,
              ContentType: 'application/pdf',
            }),
          ],
          { type: 'application/json' },
        ),
        'attachment.json',
      );
      form.append(
        'file_content_01',
        new Blob([new Uint8Array(a.bytes)], { type: 'application/pdf' }),
        a.fileName,
      );
      const reply = await client.call('POST', `${base}/upload`, {
        query: query(idempotencyKey),
        raw: { body: form },
      });
      const made = parse(UploadReply, reply, 'POST upload').AttachableResponse[0]?.Attachable;
      if (!made)
        throw new ConnectorError('QuickBooks attached nothing', {
          retryable: false,
          providerCode: 'bad_reply',
        });
      return made.Id;
    },
    async findAttachment(a) {
      const r = await ask(
        `select * from Attachable where AttachableRef.EntityRef.value = ${quoted(a.documentExternalId)}`,
      );
      return r.Attachable?.find((x) => x.FileName === a.fileName)?.Id ?? null;
    },
    async findAllocation(a) {
      const memo = memoOf('credit applied', a.id);
      const r = await ask(`select * from Payment where CustomerRef = ${quoted(a.contactExternalId)}`);
      return r.Payment?.find((x) => x.PrivateNote === memo)?.Id ?? null;
    },
  };
};
