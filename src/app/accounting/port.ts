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
  kind: 'item' | 'charge' | 'allowance' | 'deposit';
  /**
   * Where the line is booked: sales revenue, or the customer deposits the organization holds (a liability):
   * a payment request's amount, and the final invoice's line taking back what was paid on it.
   */
  account: 'revenue' | 'deposit';
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
  /** US sales tax (our `us_sales_tax` profile): taxed or not per line, one tax for the whole invoice. */
  salesTax: boolean;
  taxTotal: string;
  /** What the provider's document totals: tax inclusive, less deposits paid on payment requests. */
  total: string;
};

/**
 * Money that moved on a document, as a provider books it: a payment received on an invoice, or a refund paid
 * out on a credit note. The document is the one our push created there (its provider ID).
 */
export type AccountingPayment = {
  id: string;
  on: 'invoice' | 'credit_note';
  documentExternalId: string;
  documentNumber: string;
  contactExternalId: string;
  date: string;
  amount: string;
  currency: string;
  /** How the money came; a write-off is no money: the balance booked against the write-off account. */
  method: 'card' | 'bank_transfer' | 'cash' | 'check' | 'other' | 'write_off';
  /** The bank's or card processor's reference, as the office recorded it. */
  reference: string | null;
  /**
   * A document in a foreign currency: the rate the payment is booked at (the document's, as Closeout counts
   * it), so the provider books no exchange difference Closeout does not; null in the organization's currency.
   */
  exchangeRate: string | null;
};

/** A payment pushed earlier (its provider ID) that is to be removed. */
export type AccountingRemoval = {
  externalId: string;
  /** A payment on an invoice, or a refund paid out on a credit note. */
  on: 'invoice' | 'credit_note';
  documentNumber: string;
  amount: string;
};

/** A credit note applied to the invoice it corrects, for the part that invoice still owed when it was issued. */
export type AccountingAllocation = {
  /** Our credit note's ID: what the provider's record is found by after an unknown outcome. */
  id: string;
  creditNoteExternalId: string;
  creditNoteNumber: string;
  invoiceExternalId: string;
  invoiceNumber: string;
  contactExternalId: string;
  date: string;
  amount: string;
  currency: string;
};

/** Our PDF, attached to the document at the provider so the accountant sees the proof where they work. */
export type AccountingAttachment = {
  on: 'invoice' | 'credit_note';
  documentExternalId: string;
  fileName: string;
  bytes: Buffer;
};

export type Problem = { field: string; message: string };

/**
 * A contact the provider already has under our customer's name and with the same e-mail: perhaps the same
 * customer, kept from before Closeout. It is linked (or a new contact made) only when someone says so.
 */
export type ContactMatch = { customerId: string; id: string; name: string; email: string | null };

/** A provider's failure: retryable (rate limit, 5xx, timeout) or not (validation, auth), with its code. */
export class ConnectorError extends Error {
  readonly retryable: boolean;
  readonly providerCode: string | null;
  readonly status: number | null;
  /** The request may have reached the provider (timeout, 5xx after sending): look before creating again. */
  readonly outcomeUnknown: boolean;
  /** The contact that may be our customer, when that is why the step stopped (`contact_match`). */
  readonly contactMatch: ContactMatch | null;

  constructor(
    message: string,
    opts: {
      retryable: boolean;
      providerCode?: string | null;
      status?: number | null;
      outcomeUnknown?: boolean;
      contactMatch?: ContactMatch;
    },
  ) {
    super(message);
    this.name = 'ConnectorError';
    this.retryable = opts.retryable;
    this.providerCode = opts.providerCode ?? null;
    this.status = opts.status ?? null;
    this.outcomeUnknown = opts.outcomeUnknown ?? false;
    this.contactMatch = opts.contactMatch ?? null;
  }
}

/** The port every accounting system implements. */
export type AccountingConnector = {
  provider: 'xero' | 'quickbooks';
  /** The provider's rules checked before any call: the problems, or none. */
  preflight(invoice: AccountingInvoice): Problem[];
  /**
   * The provider's contact ID for our customer, created when the customer has none yet. After an attempt
   * whose outcome is unknown (`lookFirst`), the contact is looked up by our customer ID before creating it.
   */
  ensureContact(
    contact: AccountingInvoice['contact'],
    idempotencyKey: string,
    lookFirst: boolean,
    /**
     * Asked only when the name is taken by a contact with our customer's e-mail: whether someone decided
     * this customer gets a new contact of its own. Otherwise the step stops with `contact_match`.
     */
    newConfirmed: () => Promise<boolean>,
  ): Promise<string>;
  /**
   * Creates the document; answers its provider ID, the total the provider computed when it says, and the
   * number it carries there (QuickBooks with custom transaction numbers off numbers documents itself).
   */
  pushInvoice(
    invoice: AccountingInvoice,
    contactId: string,
    idempotencyKey: string,
  ): Promise<{ id: string; total: string | null; number: string | null }>;
  /** One harmless read with the stored credentials (the settings' Test button): the organisation's name. */
  checkConnection(): Promise<{ name: string }>;
  /**
   * Finds our document by its number (or, where the provider numbers documents itself, by the reference our
   * memo carries), to settle an attempt whose outcome is unknown: its ID and the number it has there. A
   * document with our number that is not ours (a bill, another contact, another total) is a conflict,
   * thrown, never taken.
   */
  findInvoice(
    invoice: AccountingInvoice,
    contactId: string,
  ): Promise<{ id: string; number: string | null } | null>;
  paymentPreflight(payment: AccountingPayment): Problem[];
  pushPayment(payment: AccountingPayment, idempotencyKey: string): Promise<string>;
  /**
   * Finds our payment after an unknown outcome: one on the document with its amount, date and reference that
   * is none of `known` (the provider IDs of our payments already confirmed).
   */
  findPayment(payment: AccountingPayment, known: string[]): Promise<string | null>;
  /**
   * Removes a payment we pushed that the customer's bank took back (a chargeback): Xero and QuickBooks both
   * delete it, which reopens what it paid. Removing one already gone is not an error.
   */
  removePayment(payment: AccountingRemoval, idempotencyKey: string): Promise<void>;
  /** Whether a pushed payment is gone at the provider (to settle a removal whose outcome is unknown). */
  paymentRemoved(payment: AccountingRemoval): Promise<boolean>;
  pushAllocation(allocation: AccountingAllocation, idempotencyKey: string): Promise<string>;
  /** Attaches a file to a document; the same name again is the same attachment. */
  attach(attachment: AccountingAttachment, idempotencyKey: string): Promise<string>;
  findAttachment(attachment: AccountingAttachment): Promise<string | null>;
  findAllocation(allocation: AccountingAllocation): Promise<string | null>;
};

/**
 * Serializes token refreshes per connector across processes: with rotating refresh tokens only one refresh
 * may use a given token. Called with the credentials the client holds and how to refresh; answers the
 * credentials to use (another run's fresh ones, or the result of refreshing the stored ones), stored.
 */
export type RefreshGuard = (
  stale: Credentials,
  refresh: (current: Credentials) => Promise<Credentials>,
) => Promise<Credentials>;

/** What a provider's connector is built from: our stored connector row, its credentials and mappings. */
export type ConnectArgs = {
  http: typeof fetch;
  /** Xero's tenant, QuickBooks' realm. */
  tenantId: string;
  apiBaseUrl: string;
  tokenUrl: string;
  credentials: Credentials;
  refreshGuard: RefreshGuard;
  mappings: ConnectorMappings;
  timeoutMs?: number | undefined;
};

/** Where a provider's OAuth 2.0 authorization-code flow happens. */
export type OAuthEndpoints = {
  authorizeUrl: string;
  tokenUrl: string;
  apiBaseUrl: string;
  /** RFC 7009 token revocation. */
  revokeUrl: string;
  /** Xero: the organisations a token reaches. */
  connectionsUrl?: string | undefined;
};

export type OAuthClient = { clientId: string; clientSecret: string };

export type AccountingProvider = {
  /** The provider's production endpoints, used when a connector names none. */
  defaults: { apiBaseUrl: string; tokenUrl: string };
  oauth: {
    defaults: OAuthEndpoints;
    scopes: string[];
    /** Whether the provider takes a PKCE code challenge (RFC 7636). */
    pkce: boolean;
    /** The authorization code for tokens (the PKCE verifier when there was a challenge). */
    exchangeCode(args: {
      http: typeof fetch;
      endpoints: OAuthEndpoints;
      client: OAuthClient;
      code: string;
      redirectUri: string;
      codeVerifier: string | null;
    }): Promise<Credentials>;
    /** The organisations (Xero tenants, the QuickBooks company) the tokens reach, to pick one. */
    tenants(args: {
      http: typeof fetch;
      endpoints: OAuthEndpoints;
      accessToken: string;
      /** QuickBooks names its company in the redirect. */
      realmId: string | null;
    }): Promise<{ id: string; name: string }[]>;
    /** Revokes a refresh token (disconnecting); a failure is reported, the local disconnect still holds. */
    revoke(args: {
      http: typeof fetch;
      endpoints: OAuthEndpoints;
      client: OAuthClient;
      token: string;
    }): Promise<void>;
  };
  connect(args: ConnectArgs): AccountingConnector;
};

export type AccountingProviders = Record<AccountingConnector['provider'], AccountingProvider>;
