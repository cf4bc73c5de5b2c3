import type { ConnectorMappings, Credentials } from '../../contracts/connectors';
import type { TaxTreatment } from '../../core/invoice-calc';

/**
 * The accounting port: what the application asks of an accounting system (Xero, QuickBooks Online), owned
 * here and implemented in src/adapters/accounting. The application never imports an adapter.
 */

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

/** What a provider's connector is built from: our stored connector row, its credentials and mappings. */
export type ConnectArgs = {
  http: typeof fetch;
  /** Xero's tenant, QuickBooks' realm. */
  tenantId: string;
  apiBaseUrl: string;
  tokenUrl: string;
  credentials: Credentials;
  /** Called with the new credentials as soon as a refresh rotated them: they must be stored at once. */
  onRotate: (c: Credentials) => Promise<void>;
  mappings: ConnectorMappings;
  timeoutMs?: number | undefined;
};

export type AccountingProvider = {
  /** The provider's production endpoints, used when a connector names none. */
  defaults: { apiBaseUrl: string; tokenUrl: string };
  connect(args: ConnectArgs): AccountingConnector;
};

export type AccountingProviders = Record<AccountingConnector['provider'], AccountingProvider>;
