import { describe, expect, it } from 'vitest';
import { onlineFee } from './online-fee';

const vat = { percent: '2.5', tax: { category: 'S' as const, rate: '23' }, scheme: 'vat' as const };

describe('the convenience fee for paying online', () => {
  it('is the percent of what is paid, rounded half up to the cent, with its tax on top', () => {
    // 2.5 % of 187.95 = 4.69875 → 4.70; 23 % VAT of 4.70 = 1.081 → 1.08.
    expect(onlineFee(vat, '187.95', 'EUR')).toEqual({ net: '4.70', payable: '5.78' });
  });

  it('is untaxed under a zero-rated US sales-tax code, and in yen has no decimals', () => {
    const us = { percent: '3', tax: { category: null, rate: '0' }, scheme: 'us_sales_tax' as const };
    expect(onlineFee(us, '1234.56', 'USD')).toEqual({ net: '37.04', payable: '37.04' });
    expect(onlineFee({ ...us, scheme: 'vat', tax: { category: 'S', rate: '10' } }, '15001', 'JPY')).toEqual({
      net: '450',
      payable: '495',
    });
  });

  it('is nothing without a rule, on nothing to pay, or when it rounds to zero', () => {
    expect(onlineFee(null, '100', 'EUR')).toBeNull();
    expect(onlineFee(vat, '0', 'EUR')).toBeNull();
    expect(onlineFee(vat, '0.10', 'EUR')).toBeNull();
  });
});
