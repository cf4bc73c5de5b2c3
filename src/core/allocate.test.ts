import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { allocate } from './allocate';

describe('allocate', () => {
  it.each([
    ['0.23', ['0.33', '0.33', '0.33'], 2, ['0.08', '0.08', '0.07']],
    ['10.00', ['1', '1', '1'], 2, ['3.34', '3.33', '3.33']],
    ['100', ['50', '25', '25'], 0, ['50', '25', '25']],
    ['0.00', ['5', '5'], 2, ['0.00', '0.00']],
    ['4.50', ['0', '0'], 2, ['4.50', '0.00']],
    // A discount row carries negative tax: 23 % of (54.00 − 9.19 + 45.99) = 20.88, split by signed net.
    ['20.88', ['54.00', '-9.19', '45.99'], 2, ['12.42', '-2.11', '10.57']],
    ['-2.30', ['-12', '2'], 2, ['-2.76', '0.46']],
  ])('%s over %j', (amount, weights, decimals, expected) => {
    const parts = allocate(amount, weights, decimals);
    expect(parts).toEqual(expected);
    expect(parts.reduce((s, p) => s.plus(p), new Decimal(0)).eq(amount)).toBe(true);
  });
});
