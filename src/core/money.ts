import currencyCodes from 'currency-codes';
import Decimal from 'decimal.js';

// decimal.js rounds every product and quotient to 20 significant digits by default: 3 × 1.01 ÷ 6 = 0.505
// came out a hair below .5, and a 21-digit amount lost its cents. 40 digits hold any product of our
// inputs (quantities and prices of 14+6 digits) exactly, so rounding to cents happens once, at the end.
Decimal.set({ precision: 40 });

/** The largest amount a document carries (in absolute value): what NUMERIC(18,4) holds with room for sums. */
export const MAX_AMOUNT = new Decimal('9999999999999.99');

/** ISO 4217 minor units (JPY 0, EUR 2, BHD 3); undefined for a code ISO 4217 does not list. */
export const isoMinorUnits = (currency: string): number | undefined => currencyCodes.code(currency)?.digits;

export const isCurrency = (currency: string): boolean => isoMinorUnits(currency) !== undefined;

/**
 * EN 16931 allows at most two decimals on every amount (BR-DEC-*), so an e-invoice rounds to the
 * currency's minor unit capped at two: JPY to 0, EUR to 2, BHD to 2 (whole tens of fils). US sales tax
 * invoices are not EN 16931 documents and keep the full ISO minor unit.
 */
export const amountDecimals = (currency: string, en16931: boolean): number => {
  const digits = isoMinorUnits(currency);
  if (digits === undefined) throw new Error(`unknown currency ${currency}`);
  return en16931 ? Math.min(digits, 2) : digits;
};

/** The one rounding function for money: half away from zero (the usual commercial rule EN 16931 examples use). */
export const roundMoney = (value: Decimal.Value, decimals: number): Decimal =>
  new Decimal(value).toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP);

/**
 * An amount as the API, the UBL and the PDF print it: exactly `decimals` places, never exponent notation,
 * and never a negative zero ("-0.00" is not a valid xsd:decimal amount a reader or validator accepts as zero).
 */
export const formatAmount = (value: Decimal.Value, decimals: number): string => {
  const rounded = new Decimal(value).toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP);
  return (rounded.isZero() ? rounded.abs() : rounded).toFixed(decimals);
};

/** The exact sum of decimal strings. */
export const sumDecimals = (xs: Decimal.Value[]): Decimal =>
  xs.reduce<Decimal>((s, x) => s.plus(x), new Decimal(0));

/**
 * An amount's digits, thousands grouped, with its own decimals and the given separators, never through a
 * float: ("1234.5", ',', '.') → "1,234.5". The sign is the caller's: `negative` says whether there is one.
 */
export const groupedDigits = (amount: string, group: string, point: string) => {
  const d = new Decimal(amount);
  const [whole = '0', frac] = d
    .abs()
    .toFixed(amount.split('.')[1]?.length ?? 0)
    .split('.');
  return {
    negative: d.isNeg() && !d.isZero(),
    digits: `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, group)}${frac ? `${point}${frac}` : ''}`,
  };
};

/** An amount as a reader reads it: the currency code, thousands grouped, the document's decimals ("EUR 1,234.50"). */
export const printAmount = (amount: string, currency: string): string => {
  const { negative, digits } = groupedDigits(amount, ',', '.');
  return `${negative ? '-' : ''}${currency} ${digits}`;
};
