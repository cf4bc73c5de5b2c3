import Decimal from 'decimal.js';

/**
 * Splits an amount over signed weights in whole minor units, largest remainder first: the parts always
 * add up to the amount exactly, and each part has its weight's sign (a VAT total spread over the lines
 * of its group, for a provider that wants tax per line: a discount row carries negative VAT).
 */
export const allocate = (amount: string, weights: string[], decimals: number): string[] => {
  if (weights.length === 0) return [];
  const unit = new Decimal(10).pow(-decimals);
  const total = new Decimal(amount);
  const sum = weights.reduce((s, w) => s.plus(w), new Decimal(0));
  if (sum.isZero() || total.isZero())
    return weights.map((_, i) => (i === 0 ? total : new Decimal(0)).toFixed(decimals));
  const exact = weights.map((w) => total.times(w).div(sum));
  const floors = exact.map((e) => e.div(unit).floor().times(unit));
  let rest = total
    .minus(floors.reduce((s, f) => s.plus(f), new Decimal(0)))
    .div(unit)
    .round()
    .toNumber();
  const order = exact
    .map((e, i) => ({ i, r: e.minus(floors[i] ?? 0) }))
    .sort((a, b) => b.r.comparedTo(a.r) || a.i - b.i);
  const parts = [...floors];
  for (const { i } of order) {
    if (rest <= 0) break;
    parts[i] = (parts[i] ?? new Decimal(0)).plus(unit);
    rest--;
  }
  return parts.map((p) => p.toFixed(decimals));
};
