import { decimalString, nullableDecimal } from '../../core/decimal';
import { effectiveQuoteStatus } from '../../core/quote-lifecycle';
import type { PostalAddress } from '../../db/schema/operations';
import { type QuoteVersionRow, statusOf } from './quote-store';

/** A site's address on one line as the customer's page and the signed copy print it: "24 Church Street, D03 X2Y2 Dublin". */
export const addressText = (a: PostalAddress) =>
  [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');

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
  retainagePercent: nullableDecimal(v.retainagePercent, 0),
  repeat: v.repeat ? { every: v.repeat.every, visits: v.repeat.visits ?? null } : null,
  validUntil: v.validUntil,
  visitStart: v.visitStart?.toISOString() ?? null,
  visitEnd: v.visitEnd?.toISOString() ?? null,
  laterVisits: v.laterVisits,
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
