import type { Translator } from '../../../src/core/i18n';
import { amountDecimals, formatAmount } from '../../../src/core/money';

/**
 * An amount as the customer reads it, in the page's language: its currency, grouped, to the currency's
 * decimals (a tax-inclusive document's, as the invoice prints them).
 */
export const moneyIn = (
  w: Pick<Translator, 'amount'>,
  of: { currency: string; scheme?: 'vat' | 'us_sales_tax' },
  amount: string,
) => w.amount(formatAmount(amount, amountDecimals(of.currency, (of.scheme ?? 'vat') === 'vat')), of.currency);
