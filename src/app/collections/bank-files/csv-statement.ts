import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import Decimal from 'decimal.js';
import type { CsvMapping } from '../../../contracts/bank';
import type { BankFile, ParsedEntry } from '../../../core/bank-matching';
import { invalid } from '../../../core/errors';

/**
 * A bank's CSV export read with the column mapping the office saved for that bank (#24). Every line must read as
 * a date and an amount; one that does not refuses the file with its line number and why. A line without the
 * bank's transaction ID is identified by its content and its place among equal lines, so the same export
 * imported again adds nothing.
 */

const rowsOf = (content: string, delimiter: string, skipLines = 0) => {
  try {
    return parse(content.replace(/^\uFEFF/, ''), {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      from_line: skipLines + 1,
      trim: true,
      bom: true,
    }) as string[][];
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    throw invalid('file', `line ${err.lines ?? '?'}: ${err.message ?? 'not a CSV file'}`);
  }
};

const dateOf = (raw: string, format: CsvMapping['dateFormat']): string | null => {
  const m =
    format === 'YYYY-MM-DD'
      ? /^(\d{4})-(\d{2})-(\d{2})/.exec(raw)?.slice(1, 4)
      : format === 'YYYYMMDD'
        ? /^(\d{4})(\d{2})(\d{2})$/.exec(raw)?.slice(1, 4)
        : (() => {
            const p = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(raw);
            if (!p) return undefined;
            const [, a, b, y] = p;
            return format === 'MM/DD/YYYY' ? [y, a, b] : [y, b, a];
          })();
  if (!m) return null;
  const [y, mo, d] = m.map((x) => Number(x));
  if (y === undefined || mo === undefined || d === undefined) return null;
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return t.toISOString().slice(0, 10);
};

/** "1.234,56", "-1,234.56", "(12.00)", "12,50 EUR": a decimal, or null when it is not an amount. */
const amountOf = (raw: string, mark: '.' | ','): Decimal | null => {
  let s = raw.replace(/[^\d.,()+-]/g, '');
  const negative = /^\(.*\)$/.test(s) || s.startsWith('-') || s.endsWith('-');
  s = s.replace(/[()+-]/g, '');
  const group = mark === ',' ? '.' : ',';
  s = s.split(group).join('');
  if (mark === ',') s = s.replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const v = new Decimal(s);
  return negative ? v.neg() : v;
};

export const parseCsvStatement = (content: string, mapping: CsvMapping): BankFile => {
  const rows = rowsOf(content, mapping.delimiter, mapping.skipLines);
  const first = mapping.skipLines + (mapping.hasHeader ? 2 : 1);
  const data = mapping.hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw invalid('file', 'The file has no transactions');
  const seen = new Map<string, number>();
  const entries: ParsedEntry[] = data.map((row, i) => {
    const line = first + i;
    const cell = (c: number | null) => (c === null ? '' : (row[c] ?? ''));
    const bookedOn = dateOf(cell(mapping.date), mapping.dateFormat);
    if (!bookedOn)
      throw invalid(
        'file',
        `line ${line}: "${cell(mapping.date)}" is not a date written ${mapping.dateFormat}`,
      );
    let amount: Decimal | null;
    if (mapping.amount !== null) amount = amountOf(cell(mapping.amount), mapping.decimalMark);
    else {
      const credit = cell(mapping.credit)
        ? amountOf(cell(mapping.credit), mapping.decimalMark)
        : new Decimal(0);
      const debit = cell(mapping.debit) ? amountOf(cell(mapping.debit), mapping.decimalMark) : new Decimal(0);
      amount = credit && debit ? credit.abs().minus(debit.abs()) : null;
    }
    if (!amount)
      throw invalid(
        'file',
        `line ${line}: "${cell(mapping.amount ?? mapping.credit)}" is not an amount with "${mapping.decimalMark}" as the decimal mark`,
      );
    const remittance = mapping.text
      .map((c) => cell(c))
      .filter(Boolean)
      .join(' ')
      .replace(/\s+/g, ' ');
    const content = [bookedOn, amount.toFixed(2), remittance, cell(mapping.name), cell(mapping.iban)].join(
      '|',
    );
    const n = (seen.get(content) ?? 0) + 1;
    seen.set(content, n);
    const own = cell(mapping.reference);
    return {
      ref: own || `csv:${createHash('sha256').update(`${content}|${n}`).digest('hex').slice(0, 32)}`,
      bookedOn,
      amount: amount.toFixed(2),
      currency: mapping.currency,
      counterpartyName: cell(mapping.name) || null,
      counterpartyIban: cell(mapping.iban).replace(/\s/g, '') || null,
      remittance,
      structuredRef: null,
      endToEndId: null,
      charges: null,
      reversal: false,
    };
  });
  const dates = entries.map((e) => e.bookedOn).sort();
  return {
    format: 'csv',
    reference: `csv:${createHash('sha256').update(content).digest('hex').slice(0, 32)}`,
    account: mapping.account,
    currency: mapping.currency,
    from: dates[0] ?? null,
    to: dates[dates.length - 1] ?? null,
    opening: null,
    closing: null,
    entries,
  };
};

const HEADER_WORDS: Record<
  'date' | 'amount' | 'credit' | 'debit' | 'text' | 'name' | 'iban' | 'reference',
  RegExp
> = {
  date: /date|datum|booking|posted|fecha/i,
  amount: /^amount|betrag|montant|importe|value$/i,
  credit: /credit|paid in|money in|haben|eingang/i,
  debit: /debit|paid out|money out|soll|ausgang/i,
  text: /descr|details|memo|reference|purpose|verwendung|narrative|remittance|libell/i,
  name: /name|payer|counterparty|auftraggeber|beneficiary|party/i,
  iban: /iban|account number/i,
  reference: /transaction id|bank ref|^id$|fitid/i,
};

/** The first lines of a CSV and a guess at how it reads, for the mapping step. */
export const previewCsv = (content: string, currency: string) => {
  const firstLine = content.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  const delimiter = ([';', '\t', '|', ','] as const).reduce((best, d) =>
    firstLine.split(d).length > firstLine.split(best).length ? d : best,
  );
  const rows = rowsOf(content, delimiter).slice(0, 8);
  const header = rows[0] ?? [];
  const col = (k: keyof typeof HEADER_WORDS, not: number[] = []) => {
    const i = header.findIndex((h, j) => HEADER_WORDS[k].test(h) && !not.includes(j));
    // A mapping names at most 100 columns; a header wider than that is read no further.
    return i >= 0 && i < 100 ? i : null;
  };
  const sample = rows[1] ?? [];
  const dateCol = col('date') ?? 0;
  const rawDate = sample[dateCol] ?? '';
  const dateFormat = /^\d{4}-/.test(rawDate)
    ? 'YYYY-MM-DD'
    : /^\d{8}$/.test(rawDate)
      ? 'YYYYMMDD'
      : /^\d{1,2}\.\d{1,2}\./.test(rawDate)
        ? 'DD.MM.YYYY'
        : 'DD/MM/YYYY';
  const amount = col('amount');
  const credit = amount === null ? col('credit') : null;
  const debit = amount === null ? col('debit') : null;
  const name = col('name', [dateCol]);
  const reference = col('reference');
  const text = col('text', [dateCol, ...(reference === null ? [] : [reference])]);
  const money = sample[amount ?? credit ?? 1] ?? '';
  const decimalMark: ',' | '.' = /,\d{2}$/.test(money) || delimiter === ';' ? ',' : '.';
  return {
    rows,
    guess: {
      delimiter,
      skipLines: 0,
      hasHeader: header.some((h) => /[a-z]{3}/i.test(h)) && !header.some((h) => dateOf(h, dateFormat)),
      date: dateCol,
      dateFormat,
      amount: amount ?? (credit === null ? 1 : null),
      credit,
      debit,
      decimalMark,
      text: [text ?? Math.min(2, Math.max(0, header.length - 1))],
      name,
      iban: col('iban'),
      reference,
      currency,
      account: 'Bank account',
    } satisfies CsvMapping,
  };
};
