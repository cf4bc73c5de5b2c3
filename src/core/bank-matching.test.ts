import { describe, expect, it } from 'vitest';
import {
  isRfReference,
  type KnownPayers,
  matchEntry,
  nameKey,
  type OpenItem,
  type ParsedEntry,
  printRf,
  rfReference,
} from './bank-matching';
import { transferWords } from './invoice-email';

const item = (
  n: number,
  customerId: string,
  outstanding: string,
  dueDate = `2026-11-${String(n).padStart(2, '0')}`,
): OpenItem => ({
  invoiceId: `inv-${n}`,
  number: `INV-2026-${String(n).padStart(5, '0')}`,
  customerId,
  customerName:
    customerId === 'c-acme' ? 'Acme Plumbing Ltd' : customerId === 'c-bell' ? 'Bell & Sons' : 'Carol Diaz',
  currency: 'EUR',
  outstanding,
  dueDate,
});
const OPEN = [
  item(1, 'c-acme', '120.00'),
  item(2, 'c-acme', '80.00'),
  item(3, 'c-bell', '120.00'),
  item(4, 'c-carol', '45.50'),
  item(5, 'c-acme', '200.00'),
];
const entry = (over: Partial<ParsedEntry>): ParsedEntry => ({
  ref: 'R1',
  bookedOn: '2026-12-01',
  amount: '120.00',
  currency: 'EUR',
  counterpartyName: null,
  counterpartyIban: null,
  remittance: '',
  structuredRef: null,
  endToEndId: null,
  charges: null,
  reversal: false,
  ...over,
});
const NOBODY: KnownPayers = { byIban: new Map(), byName: new Map() };

describe('ISO 11649 creditor references', () => {
  it.each([['INV-2026-00042'], ['CN-2026-00001'], ['539007547034']])(
    'makes a valid reference of %s, which a changed character breaks',
    (n) => {
      const rf = rfReference(n);
      expect(isRfReference(rf)).toBe(true);
      expect(isRfReference(printRf(rf))).toBe(true);
      const broken = `${rf.slice(0, -1)}${rf.endsWith('9') ? '8' : '9'}`;
      expect(isRfReference(broken)).toBe(false);
    },
  );
  it('agrees with the standard’s example', () => {
    expect(rfReference('539007547034')).toBe('RF18539007547034');
    expect(printRf('RF18539007547034')).toBe('RF18 5390 0754 7034');
  });
});

describe('matching a bank credit to open invoices', () => {
  it('takes an invoice number quoted in the free text, with or without dashes, and is sure', () => {
    for (const text of ['Payment INV-2026-00003 thanks', 'inv 2026 00003', 'INV202600003']) {
      const [p] = matchEntry(entry({ remittance: text }), OPEN, NOBODY);
      expect(p).toMatchObject({ basis: 'reference', sure: true, customerId: 'c-bell', credit: '0.00' });
      expect(p?.allocations).toEqual([{ invoiceId: 'inv-3', amount: '120.00' }]);
    }
  });
  it('does not take a number that is only the start of a longer one', () => {
    expect(matchEntry(entry({ remittance: 'INV-2026-000031' }), OPEN, NOBODY)[0]?.basis).not.toBe(
      'reference',
    );
  });
  it('takes a structured RF reference', () => {
    const [p] = matchEntry(
      entry({ structuredRef: printRf(rfReference('INV-2026-00004')), amount: '45.50' }),
      OPEN,
      NOBODY,
    );
    expect(p).toMatchObject({ basis: 'reference', sure: true, customerId: 'c-carol' });
  });
  it('matches the creditor reference the invoice, its e-mail and its reminders print, copied with its spaces', () => {
    const printed = transferWords('IE29AIBK93115212345678', 'INV-2026-00002');
    const rf = /creditor reference (RF[\d A-Z]+?) as/.exec(printed)?.[1] ?? '';
    expect(isRfReference(rf)).toBe(true);
    const [p] = matchEntry(entry({ remittance: `${rf} thank you`, amount: '80.00' }), OPEN, NOBODY);
    expect(p).toMatchObject({ basis: 'reference', sure: true, allocations: [{ invoiceId: 'inv-2' }] });
  });
  it('splits one payment over the invoices it quotes, oldest first, and keeps an overpayment as credit', () => {
    const [p] = matchEntry(
      entry({ remittance: 'INV-2026-00002 and INV-2026-00001', amount: '230.00' }),
      OPEN,
      NOBODY,
    );
    expect(p?.allocations).toEqual([
      { invoiceId: 'inv-1', amount: '120.00' },
      { invoiceId: 'inv-2', amount: '80.00' },
    ]);
    expect(p?.credit).toBe('30.00');
    expect(p?.sure).toBe(true);
  });
  it('applies a partial payment to the quoted invoice', () => {
    const [p] = matchEntry(entry({ remittance: 'INV-2026-00005 part 1', amount: '50.00' }), OPEN, NOBODY);
    expect(p?.allocations).toEqual([{ invoiceId: 'inv-5', amount: '50.00' }]);
    expect(p?.credit).toBe('0.00');
  });
  it('settles in full when what arrived plus the bank’s charges is what was owed', () => {
    const [p] = matchEntry(
      entry({ remittance: 'INV-2026-00004', amount: '43.00', charges: '2.50' }),
      OPEN,
      NOBODY,
    );
    expect(p?.allocations).toEqual([{ invoiceId: 'inv-4', amount: '45.50' }]);
    expect(p?.charges).toBe('2.50');
  });
  it('is not sure when the quoted invoices belong to different customers', () => {
    const [p] = matchEntry(
      entry({ remittance: 'INV-2026-00001 INV-2026-00003', amount: '240.00' }),
      OPEN,
      NOBODY,
    );
    expect(p).toMatchObject({ sure: false, customerId: null });
  });
  it('finds the payer by a learned IBAN and is sure of the one invoice of that amount', () => {
    const known: KnownPayers = { byIban: new Map([['DE89370400440532013000', 'c-acme']]), byName: new Map() };
    const [p] = matchEntry(
      entry({ counterpartyIban: 'DE89 3704 0044 0532 0130 00', amount: '80.00' }),
      OPEN,
      known,
    );
    expect(p).toMatchObject({ basis: 'payer_and_amount', sure: true, customerId: 'c-acme' });
    expect(p?.allocations).toEqual([{ invoiceId: 'inv-2', amount: '80.00' }]);
  });
  it('finds the payer by name, legal form and word order aside, and suggests invoices summing to the amount', () => {
    const ps = matchEntry(entry({ counterpartyName: 'ACME PLUMBING', amount: '320.00' }), OPEN, NOBODY);
    expect(ps[0]?.basis).toBe('payer_and_amount');
    expect(ps[0]?.sure).toBe(false);
    expect(ps[0]?.allocations.map((a) => a.invoiceId).sort()).toEqual(['inv-1', 'inv-5']);
  });
  it('is sure when a known payer pays exactly everything they owe', () => {
    const ps = matchEntry(entry({ counterpartyName: 'Acme Plumbing Ltd', amount: '400.00' }), OPEN, NOBODY);
    expect(ps[0]).toMatchObject({ sure: true, credit: '0.00' });
    expect(ps[0]?.allocations).toHaveLength(3);
  });
  it('offers a known payer’s open invoices oldest first when the amount fits none', () => {
    const [p] = matchEntry(entry({ counterpartyName: 'Carol Diaz', amount: '60.00' }), OPEN, NOBODY);
    expect(p).toMatchObject({ basis: 'payer', sure: false, credit: '14.50' });
  });
  it('suggests, never applies, by the amount alone', () => {
    const ps = matchEntry(entry({ amount: '120.00', counterpartyName: 'Unknown person' }), OPEN, NOBODY);
    expect(ps.map((p) => [p.basis, p.sure, p.allocations[0]?.invoiceId])).toEqual([
      ['amount', false, 'inv-1'],
      ['amount', false, 'inv-3'],
    ]);
  });
  it('proposes nothing for money out, a return, another currency, or an amount nobody owes', () => {
    expect(matchEntry(entry({ amount: '-120.00' }), OPEN, NOBODY)).toEqual([]);
    expect(matchEntry(entry({ reversal: true }), OPEN, NOBODY)).toEqual([]);
    expect(matchEntry(entry({ currency: 'GBP', remittance: 'INV-2026-00001' }), OPEN, NOBODY)).toEqual([]);
    expect(matchEntry(entry({ amount: '999.99' }), OPEN, NOBODY)).toEqual([]);
  });
  it('compares names without legal forms, case, accents or word order', () => {
    expect(nameKey('Müller GmbH')).toBe(nameKey('MULLER'));
    expect(nameKey('Diaz, Carol')).toBe(nameKey('Carol Diaz'));
  });
});
