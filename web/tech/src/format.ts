import { amountDecimals, formatAmount, printAmount } from '../../../src/core/money';

/** A date or time on the organization's clock, 24-hour. */
export const fmt = (iso: string, timeZone: string, opts: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat('en-IE', { timeZone, hourCycle: 'h23', ...opts }).format(new Date(iso));

/** An amount as the customer reads it, "EUR 1,284.12": decimal arithmetic, the currency's decimals. */
export const money = (amount: string, currency: string) =>
  printAmount(formatAmount(amount, amountDecimals(currency, true)), currency);
