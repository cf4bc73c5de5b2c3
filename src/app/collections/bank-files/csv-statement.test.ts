import { describe, expect, it } from 'vitest';
import type { CsvMapping } from '../../../contracts/bank';
import { AppError } from '../../../core/errors';
import { parseCsvStatement, previewCsv } from './csv-statement';

const base: CsvMapping = {
  delimiter: ',',
  skipLines: 0,
  hasHeader: true,
  date: 0,
  dateFormat: 'YYYY-MM-DD',
  amount: 1,
  credit: null,
  debit: null,
  decimalMark: '.',
  text: [2],
  name: null,
  iban: null,
  reference: null,
  currency: 'EUR',
  account: 'Main',
};
const problem = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof AppError ? e.fields[0]?.message : String(e);
  }
  return null;
};

describe('bank CSV exports', () => {
  it.each([
    ['1,234.56', '.', '1234.56'],
    ['-1,234.56', '.', '-1234.56'],
    ['(12.00)', '.', '-12.00'],
    ['"1.234,56"', ',', '1234.56'],
    ['12,50 EUR', ',', '12.50'],
    ['12.50-', '.', '-12.50'],
  ])('reads %s with "%s" as the decimal mark as %s', (raw, mark, amount) => {
    const f = parseCsvStatement(`Date;Amount;Text\n2026-12-01;${raw};x`, {
      ...base,
      delimiter: ';',
      decimalMark: mark as '.' | ',',
    });
    expect(f.entries[0]?.amount).toBe(amount);
  });

  it('reads money in and out from two columns, with a title line before the header', () => {
    const csv =
      'Account statement Main\nDate,Paid in,Paid out,Details\n01/12/2026,120.00,,INV-1\n02/12/2026,,30.00,fuel';
    const f = parseCsvStatement(csv, {
      ...base,
      skipLines: 1,
      dateFormat: 'DD/MM/YYYY',
      amount: null,
      credit: 1,
      debit: 2,
      text: [3],
    });
    expect(f.entries.map((e) => [e.bookedOn, e.amount, e.remittance])).toEqual([
      ['2026-12-01', '120.00', 'INV-1'],
      ['2026-12-02', '-30.00', 'fuel'],
    ]);
    expect([f.from, f.to]).toEqual(['2026-12-01', '2026-12-02']);
  });

  it('tells equal lines apart by their place, and the same file always the same way', () => {
    const csv = 'Date,Amount,Text\n2026-12-01,5.00,tip\n2026-12-01,5.00,tip';
    const a = parseCsvStatement(csv, base);
    const b = parseCsvStatement(csv, base);
    expect(new Set(a.entries.map((e) => e.ref)).size).toBe(2);
    expect(a.entries.map((e) => e.ref)).toEqual(b.entries.map((e) => e.ref));
    expect(a.reference).toBe(b.reference);
  });

  it('refuses a line that does not read, naming it', () => {
    expect(problem(() => parseCsvStatement('Date,Amount,Text\n2026-02-30,5.00,x', base))).toBe(
      'line 2: "2026-02-30" is not a date written YYYY-MM-DD',
    );
    expect(problem(() => parseCsvStatement('Date,Amount,Text\n2026-02-03,five,x', base))).toBe(
      'line 2: "five" is not an amount with "." as the decimal mark',
    );
    expect(problem(() => parseCsvStatement('Date,Amount,Text', base))).toBe('The file has no transactions');
  });

  it('guesses a German export: semicolons, day-first dates, comma decimals, who paid', () => {
    const p = previewCsv(
      'Buchungstag;Auftraggeber;IBAN;Verwendungszweck;Betrag\n03.12.2026;Acme;DE89370400440532013000;INV-1;1.234,50',
      'EUR',
    );
    expect(p.guess).toMatchObject({
      delimiter: ';',
      dateFormat: 'DD.MM.YYYY',
      decimalMark: ',',
      date: 0,
      name: 1,
      iban: 2,
      text: [3],
      amount: 4,
    });
  });
});
