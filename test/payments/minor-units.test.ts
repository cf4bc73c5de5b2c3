import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromMinor, toMinor } from '../../src/app/payments/start-checkout';
import { amountDecimals } from '../../src/core/money';

/** Currencies of every exponent ISO 4217 has: two, none (JPY, CLP, ISK) and three (KWD, BHD, JOD). */
const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY', 'CLP', 'ISK', 'KWD', 'BHD', 'JOD'] as const;

describe('minor units at the payment provider', () => {
  it('sends every document amount as a whole number of minor units and reads it back unchanged', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CURRENCIES), fc.bigInt({ min: 1n, max: 10n ** 12n }), (currency, n) => {
        // An amount as a document holds it: at most two decimals (EN 16931), none for JPY.
        const amount = new Decimal(n.toString()).div(10 ** amountDecimals(currency, true));
        const minor = toMinor(amount, currency);
        expect(Number.isInteger(minor)).toBe(true);
        expect(new Decimal(fromMinor(minor, currency)).eq(amount)).toBe(true);
      }),
    );
  });

  it('counts as the provider counts: cents, yen, and thousandths of a dinar', () => {
    expect(toMinor('123.45', 'EUR')).toBe(12345);
    expect(toMinor('1500', 'JPY')).toBe(1500);
    expect(toMinor('1.25', 'KWD')).toBe(1250);
    expect(fromMinor(1250, 'KWD')).toBe('1.25');
    expect(fromMinor(1500, 'JPY')).toBe('1500');
    expect(() => toMinor('10.5', 'JPY')).toThrow(/more decimals/);
  });
});
