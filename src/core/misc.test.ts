import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { decimalString } from './decimal';
import { formatAmount, printAmount } from './money';
import { decodeCursor, encodeCursor, pageOf } from './pagination';
import { passwordProblems } from './password-policy';

describe('canonical JSON', () => {
  it('does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 'x', u: undefined })).toBe('{"a":"x","b":1}');
  });
});

describe('decimal strings', () => {
  it.each([
    ['85.0000', 2, '85.00'],
    ['12.5000', 2, '12.50'],
    ['0.1250', 2, '0.125'],
    ['23.0000', 0, '23'],
    ['13.5000', 0, '13.5'],
  ])('%s shows as %s with min scale %i', (stored, scale, shown) => {
    expect(decimalString(stored, scale as number)).toBe(shown);
  });
});

describe('amounts', () => {
  it.each([
    ['-0.0000001', 2, '0.00'],
    ['-0.004', 2, '0.00'],
    ['-0.005', 2, '-0.01'],
    ['0.005', 2, '0.01'],
    ['-0', 0, '0'],
    ['1234.5', 2, '1234.50'],
  ])('%s rounds to %s places as %s, never a negative zero', (value, decimals, shown) => {
    expect(formatAmount(value, decimals as number)).toBe(shown);
  });

  it('prints a zero without a minus sign', () => {
    expect(printAmount('-0.00', 'EUR')).toBe('EUR 0.00');
    expect(printAmount('-1234.50', 'EUR')).toBe('-EUR 1,234.50');
  });
});

describe('cursors', () => {
  it('round-trips and rejects what it did not make', () => {
    const c = encodeCursor(['2026-11-16T08:00:00.000Z', 'a-b']);
    expect(decodeCursor(c)).toEqual(['2026-11-16T08:00:00.000Z', 'a-b']);
    expect(decodeCursor('not-base64-json')).toBeNull();
    expect(decodeCursor(encodeCursor([]).replace('W', 'e30'))).toBeNull();
  });

  it('offers a next cursor only when there are more rows', () => {
    expect(pageOf([1, 2, 3], 2, (n) => [n])).toEqual({ items: [1, 2], nextCursor: encodeCursor([2]) });
    expect(pageOf([1, 2], 2, (n) => [n]).nextCursor).toBeNull();
  });
});

describe('password policy', () => {
  it.each([
    ['short', false],
    ['aaaaaaaaaaaaaaaa', false],
    ['correct-horse-battery-9', true],
    ['ana-is-my-name-2026', false],
  ])('%s acceptable: %s', (pw, ok) => {
    expect(passwordProblems(pw, 'ana@example.com').length === 0).toBe(ok);
  });
});
