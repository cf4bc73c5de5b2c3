import { z } from 'zod';
import type { TaxTreatment } from '../../core/invoice-calc';

/** What a connector needs of an issued invoice: our document, flattened into amounts and references. */
export type AccountingLine = {
  description: string;
  quantity: string;
  unitPrice: string;
  /** Net of the line (what the provider should show). */
  amount: string;
  /** This line's share of its tax group's VAT, so the provider's total equals ours to the cent. */
  taxAmount: string;
  sku: string | null;
  tax: TaxTreatment;
  kind: 'item' | 'charge' | 'allowance';
};

export type AccountingInvoice = {
  id: string;
  kind: 'invoice' | 'deposit_invoice' | 'credit_note';
  number: string;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  /**
   * A document in a currency other than the organization's: units of the organization's currency per unit
   * of `currency`, as recorded on the document; null when it is in the organization's currency.
   */
  exchangeRate: string | null;
  /** The job number(s): Reference in Xero, the memo in QuickBooks. */
  reference: string;
  contact: { customerId: string; name: string; email: string | null; externalId: string | null };
  lines: AccountingLine[];
  taxTotal: string;
  total: string;
};

/** How our price book and tax codes map onto the provider's items, accounts and tax types. */
export const ConnectorMappings = z.strictObject({
  /** Our SKU -> the provider's item code (Xero ItemCode) or item ID (QuickBooks ItemRef). */
  items: z.record(z.string(), z.string().min(1)).default({}),
  /** Item used for lines without a SKU or without a mapping of their own. */
  defaultItem: z.string().min(1).optional(),
  /** Revenue account code (Xero AccountCode). */
  accountCode: z.string().min(1).optional(),
  /** "S:23", "Z:0", "E:0" … -> the provider's tax type (Xero TaxType) or tax code (QuickBooks TaxCodeRef). */
  taxTypes: z.record(z.string(), z.string().min(1)).default({}),
});
export type ConnectorMappings = z.infer<typeof ConnectorMappings>;

export const taxKey = (t: TaxTreatment) => `${t.category ?? t.jurisdiction ?? 'TAX'}:${t.rate}`;

export type Problem = { field: string; message: string };

/** A provider's failure: retryable (rate limit, 5xx, timeout) or not (validation, auth), with its code. */
export class ConnectorError extends Error {
  readonly retryable: boolean;
  readonly providerCode: string | null;
  readonly status: number | null;
  /** The request may have reached the provider (timeout, 5xx after sending): look before creating again. */
  readonly outcomeUnknown: boolean;

  constructor(
    message: string,
    opts: {
      retryable: boolean;
      providerCode?: string | null;
      status?: number | null;
      outcomeUnknown?: boolean;
    },
  ) {
    super(message);
    this.name = 'ConnectorError';
    this.retryable = opts.retryable;
    this.providerCode = opts.providerCode ?? null;
    this.status = opts.status ?? null;
    this.outcomeUnknown = opts.outcomeUnknown ?? false;
  }
}

/** The port every accounting system implements. */
export type AccountingConnector = {
  provider: 'xero' | 'quickbooks';
  /** The provider's rules checked before any call: the problems, or none. */
  preflight(invoice: AccountingInvoice): Problem[];
  /** The provider's contact ID for our customer, created when the customer has none yet. */
  ensureContact(contact: AccountingInvoice['contact'], idempotencyKey: string): Promise<string>;
  pushInvoice(invoice: AccountingInvoice, contactId: string, idempotencyKey: string): Promise<string>;
  /** One harmless read with the stored credentials (the settings' Test button): the organisation's name. */
  checkConnection(): Promise<{ name: string }>;
  /** Finds an invoice by our number, to settle an attempt whose outcome is unknown. */
  findInvoice?(invoice: AccountingInvoice): Promise<string | null>;
};

/** Sealed connector credentials (OAuth2 client and tokens). */
export const Credentials = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  accessToken: z.string().nullable(),
  refreshToken: z.string().min(1),
  /** Epoch milliseconds when the access token expires. */
  expiresAt: z.number().int(),
});
export type Credentials = z.infer<typeof Credentials>;
