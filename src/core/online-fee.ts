import Decimal from 'decimal.js';
import { calculate, type TaxTreatment } from './invoice-calc';
import { amountDecimals, roundMoney } from './money';

/**
 * The convenience fee for paying online (#23), where the organization charges one: a percent of what is
 * paid, taxed with the tax code it chose, and invoiced on its own document when the money arrives. What the
 * customer is shown before paying is that document's amount due, worked out by the same calculator.
 */

/** The most a fee may be: card surcharges are capped (3 % in most US states that allow them, 4 % by Visa). */
export const MAX_FEE_PERCENT = '4';

export type OnlineFeeRule = {
  /** Percent of the amount paid, e.g. "2.9". */
  percent: string;
  tax: TaxTreatment;
  scheme: 'vat' | 'us_sales_tax';
};

export type OnlineFee = {
  /** The fee before tax: the fee invoice's one line. */
  net: string;
  /** What the customer pays for it: the fee invoice's amount due. */
  payable: string;
};

/** The fee for paying `amount` online, or null when there is none (no rule, nothing to pay, rounds to 0). */
export const onlineFee = (
  rule: OnlineFeeRule | null,
  amount: Decimal.Value,
  currency: string,
): OnlineFee | null => {
  if (!rule || !new Decimal(amount).gt(0)) return null;
  const decimals = amountDecimals(currency, true);
  const net = roundMoney(new Decimal(amount).times(rule.percent).div(100), decimals);
  if (!net.gt(0)) return null;
  const result = calculate({
    currency,
    scheme: rule.scheme,
    kind: 'invoice',
    lines: [{ quantity: '1', unitPrice: net.toFixed(decimals), tax: rule.tax }],
  });
  if (!result.ok) throw new Error(`online fee: ${result.problems.map((p) => p.message).join('; ')}`);
  return { net: net.toFixed(decimals), payable: result.value.totals.payable };
};
