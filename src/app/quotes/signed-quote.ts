import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { priceQuote } from '../../core/quote-pricing';
import { customers, organizations, quotes, quoteVersions, sites } from '../../db/schema';
import { sha256Hex } from '../auth/secrets';
import type { Deps } from '../ports';
import { statusOf } from './quote-store';

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
  const [row] = await db
    .select({ quote: quotes, version: quoteVersions, org: organizations, customer: customers, site: sites })
    .from(quoteVersions)
    .innerJoin(
      quotes,
      and(eq(quotes.organizationId, quoteVersions.organizationId), eq(quotes.id, quoteVersions.quoteId)),
    )
    .innerJoin(organizations, eq(organizations.id, quotes.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, quotes.organizationId), eq(customers.id, quotes.customerId)),
    )
    .innerJoin(sites, and(eq(sites.organizationId, quotes.organizationId), eq(sites.id, quotes.siteId)))
    .where(
      'token' in by
        ? eq(quoteVersions.linkHash, sha256Hex(by.token))
        : and(
            eq(quoteVersions.organizationId, by.organizationId),
            eq(quoteVersions.quoteId, by.quoteId),
            eq(quoteVersions.status, 'accepted'),
          ),
    );
  if (!row) throw 'token' in by ? notFound('quote') : notSigned();
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
  const a = row.site.address;
  const pdf = await (await deps.renderers()).signedQuotePdf({
    seller: { name: row.org.name, color: row.org.brandColor },
    number: row.quote.number,
    version: v.version,
    title: row.quote.title,
    customer: row.customer.name,
    site: [row.site.name, a.line1, [a.postalCode, a.city].filter(Boolean).join(' ')]
      .filter(Boolean)
      .join(', '),
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
    terms: v.terms,
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
