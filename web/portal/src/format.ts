import type { PublicQuote } from '../../../src/contracts/quotes';
import { amountDecimals, formatAmount, printAmount } from '../../../src/core/money';

/** An amount of a quote as the customer reads it: its currency, grouped, to the currency's decimals. */
export const money = (q: Pick<PublicQuote, 'currency' | 'scheme'>, amount: string) =>
  printAmount(formatAmount(amount, amountDecimals(q.currency, q.scheme === 'vat')), q.currency);
