import { z } from 'zod';
import type { TaxTreatment } from '../core/invoice-calc';
import { vatCategoryText } from '../core/tax';

/** How our price book and tax codes map onto an accounting provider's items, accounts and tax types. */
export const ConnectorMappings = z.strictObject({
  /** Our SKU -> the provider's item code (Xero ItemCode) or item ID (QuickBooks ItemRef). */
  items: z.record(z.string(), z.string().min(1)).default({}),
  /** Item used for lines without a SKU or without a mapping of their own. */
  defaultItem: z.string().min(1).optional(),
  /** Revenue account code (Xero AccountCode). */
  accountCode: z.string().min(1).optional(),
  /** "S:23", "Z:0", "E:0" … -> the provider's tax type (Xero TaxType) or tax code (QuickBooks TaxCodeRef). */
  taxTypes: z.record(z.string(), z.string().min(1)).default({}),
  /**
   * Where deposits asked for by payment request are held until the final invoice (a liability such as
   * "Customer deposits"): Xero's account code, QuickBooks' item booked to it. Only needed when the
   * organization asks for deposits by payment request.
   */
  depositAccount: z.string().min(1).optional(),
  /** QuickBooks: the account discounts are booked to (a DiscountLineDetail); without it, a negative line. */
  discountAccount: z.string().min(1).optional(),
  /**
   * Where money received is booked, per payment method ("card", "bank_transfer", "cash", "check", "other"),
   * with "default" for the rest: Xero's bank account code; QuickBooks' DepositToAccountRef (optional there:
   * without it QuickBooks books to Undeposited Funds). "write_off" is where written-off balances go (Xero: an
   * expense account such as Bad Debts with payments enabled); it never falls back to "default".
   */
  paymentAccounts: z
    .partialRecord(
      z.enum(['card', 'bank_transfer', 'cash', 'check', 'other', 'write_off', 'default']),
      z.string().min(1),
    )
    .default({}),
  /**
   * Attach the job's work-completed report (with its photos and signature) to each invoice at the provider,
   * beside the invoice PDF, so the accountant sees the proof where they work.
   */
  attachWorkReport: z.boolean().optional(),
});
export type ConnectorMappings = z.infer<typeof ConnectorMappings>;

/** Each accounting system's name as people know it, for messages and screens. */
export const PROVIDER_NAMES: Record<string, string> = { xero: 'Xero', quickbooks: 'QuickBooks' };

export const taxKey = (t: TaxTreatment) => `${t.category ?? t.jurisdiction ?? 'TAX'}:${t.rate}`;
/** A tax key as a person reads it: "S:13.5" → "Standard 13.5 %", "NY:4" → "NY 4 %". */
export const taxKeyText = (key: string): string => {
  const at = key.lastIndexOf(':');
  const [group, rate] = at < 0 ? [key, ''] : [key.slice(0, at), key.slice(at + 1)];
  return `${vatCategoryText(group)}${rate ? ` ${Number(rate)} %` : ''}`;
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
