import Decimal from 'decimal.js';

/** A stored NUMERIC as the API shows it: no trailing zeros beyond minScale ("85.0000" -> "85.00"). */
export const decimalString = (value: string, minScale = 2): string => {
  const d = new Decimal(value);
  return d.decimalPlaces() < minScale ? d.toFixed(minScale) : d.toFixed();
};

export const nullableDecimal = (value: string | null, minScale = 2): string | null =>
  value === null ? null : decimalString(value, minScale);
