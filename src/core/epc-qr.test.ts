import { describe, expect, it } from 'vitest';
import { printRf, rfReference } from './bank-matching';
import { epcApplies, epcPayload } from './epc-qr';

const base = {
  beneficiary: 'Brightwater Plumbing & Heating Ltd',
  iban: 'IE29 AIBK 9311 5212 3456 78',
  amount: '187.95',
  currency: 'EUR',
  creditorReference: printRf(rfReference('INV-2026-00042')),
};

describe('EPC QR code (EPC069-12 version 002)', () => {
  it('writes the lines a banking app reads, the reference structured and nothing after it', () => {
    const text = epcPayload(base);
    expect(text?.split('\n')).toEqual([
      'BCD',
      '002',
      '1',
      'SCT',
      '',
      'Brightwater Plumbing & Heating Ltd',
      'IE29AIBK93115212345678',
      'EUR187.95',
      '',
      rfReference('INV-2026-00042'),
    ]);
    expect(text?.endsWith('\n')).toBe(false);
  });

  it('rounds to the cent and keeps two decimals', () => {
    expect(epcPayload({ ...base, amount: '12.3' })).toContain('\nEUR12.30\n');
    expect(epcPayload({ ...base, amount: '0.005' })).toContain('\nEUR0.01\n');
  });

  it('is only for euro, a positive amount in range and an account in the SEPA area', () => {
    expect(epcApplies(base)).toBe(true);
    expect(epcPayload({ ...base, currency: 'USD' })).toBeNull();
    expect(epcPayload({ ...base, amount: '0' })).toBeNull();
    expect(epcPayload({ ...base, amount: '1000000000.00' })).toBeNull();
    // A US account number is no IBAN a SEPA transfer reaches; a Swiss or British one is.
    expect(epcPayload({ ...base, iban: 'US64SVBKUS6S3300958879' })).toBeNull();
    expect(epcPayload({ ...base, iban: 'CH9300762011623852957' })).not.toBeNull();
    expect(epcPayload({ ...base, iban: 'GB29NWBK60161331926819' })).not.toBeNull();
  });

  it('cuts the name to 70 characters (not bytes) and stays within 331 bytes', () => {
    const text = epcPayload({ ...base, beneficiary: `Ølvirke ${'Å'.repeat(100)}\nLine two` });
    const name = text?.split('\n')[5] ?? '';
    expect([...name]).toHaveLength(70);
    expect(name.startsWith('Ølvirke ÅÅ')).toBe(true);
    expect(Buffer.byteLength(text ?? '', 'utf8')).toBeLessThanOrEqual(331);
  });
});
