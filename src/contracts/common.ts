import DecimalJs from 'decimal.js';
import { z } from 'zod';
import { APP_ERROR_CODES } from '../core/errors';
import { peppolEndpointProblem, vatIdProblem } from '../core/identifiers';
import { isCurrency } from '../core/money';

export const Uuid = z.uuid();
export const IdParams = z.strictObject({ id: z.uuid() });

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** RFC 9457 problem details, with the fields that were wrong and the request they belong to. */
export const Problem = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    /** What happened, for clients to branch on (never on the wording); `internal` is a fault on our side. */
    code: z.enum([...APP_ERROR_CODES, 'internal']),
    requestId: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })),
  })
  .meta({ id: 'Problem' });

/** Decimal amounts travel as strings, never as JSON numbers. */
export const Decimal = z.string().regex(/^-?\d{1,14}(\.\d{1,4})?$/, 'must be a decimal string like "12.50"');

/**
 * A decimal string as a number, or null when it is not one. zod runs a refinement even after the string's
 * pattern failed, so a refinement must not throw on garbage (a 500 the fuzzer found).
 */
export const decimalOf = (v: string): DecimalJs | null => {
  try {
    const d = new DecimalJs(v);
    return d.isFinite() ? d : null;
  } catch {
    return null;
  }
};

/** True for a decimal string that is zero ("0", "-0.00"): a refinement safe on any string. */
export const isZeroDecimal = (v: string): boolean => decimalOf(v)?.isZero() ?? false;

/** Cash rounding of an amount due (BT-114): "0.05" (CHF), "1" (SEK cash). */
export const RoundingIncrement = z.string().regex(/^\d{1,4}(\.\d{1,4})?$/, 'an increment like "0.05" or "1"');

/** Unit prices keep up to six decimals (utility-style prices like "0.00101"); amounts are rounded from them. */
export const UnitPrice = z
  .string()
  .regex(/^-?\d{1,14}(\.\d{1,6})?$/, 'must be a decimal string like "12.50", at most six decimals');

/** A unit price or rate of zero or more. */
export const NonNegativeUnitPrice = UnitPrice.refine(
  (v) => !(decimalOf(v)?.isNeg() ?? false),
  'must not be negative',
);

/** A discount: a percent from 0 to 100 (a larger one would put a negative amount on the invoice). */
export const DiscountPercent = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,4})?$/, 'must be a percent like "10" or "12.5"')
  .refine((v) => decimalOf(v)?.lte(100) ?? true, 'at most 100');

/** Retainage: the percent of each progress invoice held back until the work is complete (0 < r ≤ 50). */
export const RetainagePercent = z
  .string()
  .regex(/^\d{1,2}(\.\d{1,2})?$/, 'must be a percent like "5" or "7.5"')
  .refine((v) => {
    const d = decimalOf(v);
    return d ? d.gt(0) && d.lte(50) : true;
  }, 'must be above 0 and at most 50');

/** An amount above zero (a deposit asked for: a negative or zero one bills nothing). */
export const PositiveAmount = Decimal.refine((v) => decimalOf(v)?.gt(0) ?? true, 'must be above 0');

/** An amount of zero or more. */
export const NonNegativeAmount = Decimal.refine(
  (v) => !(decimalOf(v)?.isNeg() ?? false),
  'must not be negative',
);

/** An ISO 4217 currency code that ISO lists (GBP, EUR, JPY). */
export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'a three-letter ISO 4217 code like "GBP"')
  .refine((v) => !/^[A-Z]{3}$/.test(v) || isCurrency(v), 'not an ISO 4217 currency code');

/** An exchange rate: units of one currency per unit of another, above zero, up to ten decimals. */
export const ExchangeRateValue = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,10})?$/, 'a rate like "1.1712"')
  .refine((v) => decimalOf(v)?.gt(0) ?? true, 'must be above 0');

const inYears = (v: string): boolean => {
  const year = Number(v.slice(0, 4));
  return !Number.isFinite(year) || (year >= 1900 && year <= 2199);
};

/** Instants travel as ISO 8601 strings in UTC. */
export const Instant = z.iso.datetime().refine((v) => inYears(v), 'a time between the years 1900 and 2199');

/**
 * A calendar date, YYYY-MM-DD, between 1900 and 2199: far enough for any record, near enough that the
 * date arithmetic and the database never meet year 0 or 10000 (9999-12-31 answered 500 on the board).
 */
export const Day = z.iso.date().refine((v) => inYears(v), 'a date between the years 1900 and 2199');

/** A Peppol participant ID `scheme:identifier`, its check digits verified as the Peppol rules do. */
export const PeppolEndpoint = z
  .string()
  .trim()
  .regex(/^\d{4}:[A-Za-z0-9.:-]{1,100}$/, 'scheme:identifier, e.g. 0088:5790000435951')
  .superRefine((v, ctx) => {
    const problem = peppolEndpointProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A VAT identifier with its country prefix (BR-CO-09). */
export const VatId = z
  .string()
  .trim()
  .max(40)
  .superRefine((v, ctx) => {
    const problem = vatIdProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A drawn signature: a PNG data URL (a quote's acceptance, a change order's approval). */
export const SignatureImage = z
  .string()
  .max(400_000)
  .regex(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/, 'a PNG image of the signature');

/** A photo as a small (320 px JPEG) thumbnail, or as kept. */
export const PhotoSizeQuery = z.strictObject({ size: z.enum(['small', 'large']).default('large') });
