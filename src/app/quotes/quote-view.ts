import { decimalString, nullableDecimal } from '../../core/decimal';
import { effectiveQuoteStatus } from '../../core/quote-lifecycle';
import { type QuoteVersionRow, statusOf } from './quote-store';

/**
 * A version's fields as the API shows them, the same for the office and the customer's page: stored NUMERICs
 * as decimal strings, a version past its validity shown expired, instants as ISO strings.
 */
export const versionView = (v: QuoteVersionRow, today: string) => ({
  version: v.version,
  status: effectiveQuoteStatus(statusOf(v), v.validUntil, today),
  currency: v.currency,
  lines: v.lines.map((l) => ({
    id: l.id,
    sku: l.sku ?? null,
    description: l.description,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    taxCodeId: l.taxCodeId ?? null,
    tax: l.tax,
    option: l.option ?? null,
    optional: l.optional ?? false,
  })),
  discountPercent: nullableDecimal(v.discountPercent, 0),
  deposit: v.deposit,
  depositBeforeWork: v.depositBeforeWork,
  validUntil: v.validUntil,
  visitStart: v.visitStart?.toISOString() ?? null,
  visitEnd: v.visitEnd?.toISOString() ?? null,
  message: v.message,
  terms: v.terms,
  poNumber: v.poNumber,
  total: decimalString(v.total),
  choice: v.choice,
  acceptedTotal: nullableDecimal(v.acceptedTotal),
  depositDue: nullableDecimal(v.depositDue),
  signerName: v.signature?.name ?? null,
  declineReason: v.declineReason,
  answeredAt: v.answeredAt?.toISOString() ?? null,
});
