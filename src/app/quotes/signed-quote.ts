import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator } from '../../core/i18n';
import { priceQuote } from '../../core/quote-pricing';
import { versionsWithParties } from '../../db/queries/quotes';
import { quoteVersions } from '../../db/schema';
import { sha256Hex } from '../auth/secrets';
import type { Deps } from '../ports';
import { statusOf } from './quote-store';
import { addressText } from './quote-view';

const notSigned = () =>
  new AppError(
    'invalid_transition',
    'This quote is not signed yet: the signed copy exists once it is accepted',
    {
      fields: [{ field: 'status', message: 'not accepted' }],
    },
  );

/**
 * The signed PDF of an accepted quote: the version the customer accepted, rendered from its frozen lines
 * and answer (the same every time), with the signature they drew. For the office by the quote's ID, for the
 * customer by their link.
 */
export const signedQuotePdf = async (
  deps: Deps,
  by: { organizationId: string; quoteId: string } | { token: string },
): Promise<{ number: string; pdf: Buffer }> => {
  const db = deps.database.db;
  const rows = await versionsWithParties(
    db,
    'token' in by
      ? eq(quoteVersions.linkHash, sha256Hex(by.token))
      : and(eq(quoteVersions.organizationId, by.organizationId), eq(quoteVersions.quoteId, by.quoteId)),
  );
  // Another organization's quote, or none, is not found; one of ours not accepted yet is not signed.
  if (rows.length === 0) throw notFound('quote');
  const row = rows.find((r) => statusOf(r.version) === 'accepted');
  if (!row) throw notSigned();
  const v = row.version;
  if (statusOf(v) !== 'accepted' || !v.choice || !v.signature || !v.answeredAt) throw notSigned();
  const priced = priceQuote(
    v.lines,
    {
      currency: v.currency,
      scheme: row.org.taxScheme,
      discountPercent: v.discountPercent,
      deposit: v.deposit,
    },
    v.choice,
  );
  if (!priced.ok) throw new Error(`accepted quote ${row.quote.number} no longer prices`);
  const w = customerTranslator(row.customer.language, row.org.language);
  const pdf = await (await deps.renderers()).signedQuotePdf({
    language: w.language,
    seller: { name: row.org.name, color: row.org.brandColor },
    number: row.quote.number,
    version: v.version,
    title: row.quote.title,
    customer: row.customer.name,
    site: `${row.site.name}, ${addressText(row.site.address)}`,
    currency: v.currency,
    lines: priced.lines.map((l, i) => ({
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      taxRate: l.tax.rate,
      net: priced.calc.lines[i]?.netAmount ?? '0',
    })),
    totals: {
      net: priced.calc.totals.taxExclusive,
      tax: priced.calc.totals.taxTotal,
      payable: priced.calc.totals.payable,
      deposit: priced.depositDue,
    },
    // Retainage is a term of the contract the customer signed: printed with the others.
    terms:
      [
        v.repeat
          ? w.t('quote.repeats', {
              every: w.t(`quote.every.${v.repeat.every}`),
              howLong: v.repeat.visits
                ? w.t('quote.visitsInAll', { count: v.repeat.visits })
                : w.t('quote.untilEnded'),
            })
          : null,
        v.laterVisits.length > 0 && v.visitStart && v.visitEnd
          ? w.t('quote.overVisits', {
              count: v.laterVisits.length + 1,
              plan: [{ start: v.visitStart, end: v.visitEnd }, ...v.laterVisits]
                .map((x, i) =>
                  w.t('quote.visit', { number: i + 1, window: w.window(x.start, x.end, row.org.timeZone) }),
                )
                .join('; '),
            })
          : null,
        v.retainagePercent
          ? w.t('quote.retainage', { percent: w.percent(new Decimal(v.retainagePercent).toFixed()) })
          : null,
        v.terms,
      ]
        .filter(Boolean)
        .join('\n\n') || null,
    message: v.message,
    validUntil: v.validUntil,
    signature: {
      image: await deps.storage.get(v.signature.imageKey),
      name: v.signature.name,
      signedAt: v.answeredAt.toISOString(),
      ip: v.signature.ip,
      userAgent: v.signature.userAgent,
    },
    timeZone: row.org.timeZone,
    createdAt: v.answeredAt,
  });
  return { number: row.quote.number, pdf };
};
