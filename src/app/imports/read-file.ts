import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { readSheet } from 'read-excel-file/node';
import { invalid } from '../../core/errors';

/**
 * A spreadsheet as rows of text, whatever the old tool wrote: CSV in UTF-8 (with or without a byte-order
 * mark), UTF-16 or Windows-1252 (Excel's "CSV" on Windows), separated by commas, semicolons or tabs; or an
 * XLSX workbook's first sheet. Limits keep a hostile file from taking the machine: size, rows, columns,
 * cell length, and an XLSX's unpacked size (a zip bomb stops before it is inflated).
 */

export const IMPORT_LIMITS = {
  csvBytes: 20 * 1024 * 1024,
  xlsxBytes: 10 * 1024 * 1024,
  xlsxUnpackedBytes: 150 * 1024 * 1024,
  rows: 100_000,
  columns: 200,
  cellChars: 10_000,
};

export type SheetFormat = 'csv' | 'xlsx';

export const formatOf = (bytes: Buffer): SheetFormat =>
  bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
    ? 'xlsx'
    : 'csv';

/** The text of a CSV file and the encoding it was read in. */
export const decodeText = (bytes: Buffer): { text: string; encoding: string } => {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
};

const delimiterOf = (text: string) => {
  const head = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const counts = [',', ';', '\t'].map((d) => [d, head.split(d).length] as const);
  return counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
};

/** The text in slices of about 64 KB, never splitting a character made of two UTF-16 units (an emoji). */
function* slices(text: string) {
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + 65_536);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield text.slice(i, end);
    i = end;
  }
}

const binaryProblem = (text: string) => text.slice(0, 4096).includes('\u0000');

export type Sheet = {
  format: SheetFormat;
  encoding: string;
  columns: string[];
  /** Data rows in order, each with its line in the file, by column name. */
  rows(): AsyncGenerator<{ line: number; cells: Record<string, string> }>;
};

const cellText = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10);
  return String(v);
};

const headerOf = (raw: readonly string[]) => {
  const columns = raw.map((c, i) => c.trim() || `Column ${i + 1}`);
  if (columns.length > IMPORT_LIMITS.columns)
    throw invalid('file', `more than ${IMPORT_LIMITS.columns} columns`);
  // Two columns of one name would read one of them twice: the second gets its position.
  const seen = new Set<string>();
  return columns.map((c, i) => {
    const name = seen.has(c) ? `${c} (${i + 1})` : c;
    seen.add(name);
    return name;
  });
};

const recordOf = (columns: readonly string[], values: readonly string[]) => {
  const cells: Record<string, string> = {};
  columns.forEach((c, i) => {
    cells[c] = values[i] ?? '';
  });
  return cells;
};

const csvSheet = (bytes: Buffer): Sheet => {
  if (bytes.length > IMPORT_LIMITS.csvBytes)
    throw invalid('file', `larger than ${IMPORT_LIMITS.csvBytes / 1024 / 1024} MB; split it`);
  const { text, encoding } = decodeText(bytes);
  if (binaryProblem(text)) throw invalid('file', 'not a CSV or XLSX file');
  const options = {
    delimiter: delimiterOf(text),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: IMPORT_LIMITS.cellChars * 4,
  };
  const nl = text.search(/\r?\n/);
  let head: string[];
  try {
    // The header alone, with the same rules (a quoted name may hold the separator).
    head = (parseSync(text.slice(0, nl === -1 ? text.length : nl), options) as string[][])[0] ?? [];
  } catch {
    throw invalid('file', 'line 1: the header row cannot be read');
  }
  const columns = headerOf(head);
  return {
    format: 'csv',
    encoding,
    columns,
    async *rows() {
      let first = true;
      try {
        // Streamed: the text goes in 64 KB at a time as records are taken out (a whole string given to the
        // parser at once would have every record of the file waiting in its buffer).
        const source = Readable.from(slices(text));
        for await (const { record, info } of source.pipe(parse({ ...options, info: true })) as AsyncIterable<{
          record: string[];
          info: { lines: number };
        }>) {
          if (first) {
            first = false;
            continue;
          }
          yield { line: info.lines, cells: recordOf(columns, record) };
        }
      } catch (e) {
        const err = e as { lines?: number; message?: string };
        throw invalid('file', `line ${err.lines ?? '?'}: ${err.message ?? 'not a CSV file'}`);
      }
    },
  };
};

const xlsxSheet = async (bytes: Buffer): Promise<Sheet> => {
  if (bytes.length > IMPORT_LIMITS.xlsxBytes)
    throw invalid(
      'file',
      `larger than ${IMPORT_LIMITS.xlsxBytes / 1024 / 1024} MB; split it or save it as CSV`,
    );
  let unpacked = 0;
  try {
    // Only the sizes are read here: the filter refuses every entry, so nothing is inflated.
    unzipSync(new Uint8Array(bytes), {
      filter: (f) => {
        unpacked += f.originalSize;
        return false;
      },
    });
  } catch {
    throw invalid('file', 'not a readable XLSX workbook');
  }
  if (unpacked > IMPORT_LIMITS.xlsxUnpackedBytes) throw invalid('file', 'the workbook unpacks too large');
  let data: unknown[][];
  try {
    data = (await readSheet(bytes, { parseNumber: (s: string) => s })) as unknown[][];
  } catch {
    throw invalid('file', 'not a readable XLSX workbook');
  }
  const [head, ...body] = data;
  const columns = headerOf((head ?? []).map(cellText));
  return {
    format: 'xlsx',
    encoding: 'xlsx',
    columns,
    async *rows() {
      let line = 1;
      for (const r of body) {
        line++;
        const values = r.map(cellText);
        if (values.every((v) => v.trim() === '')) continue;
        yield { line, cells: recordOf(columns, values) };
      }
    },
  };
};

/** Opens a file as a sheet; a file that cannot be read is a problem naming `file`. */
export const openSheet = async (bytes: Buffer): Promise<Sheet> => {
  if (bytes.length === 0) throw invalid('file', 'the file is empty');
  const sheet = formatOf(bytes) === 'xlsx' ? await xlsxSheet(bytes) : csvSheet(bytes);
  if (sheet.columns.length === 0) throw invalid('file', 'no header row');
  return sheet;
};

/** The first rows, for the mapping screen. */
export const sampleOf = async (sheet: Sheet, n = 5) => {
  const sample: string[][] = [];
  for await (const { cells } of sheet.rows()) {
    sample.push(sheet.columns.map((c) => (cells[c] ?? '').slice(0, 200)));
    if (sample.length >= n) break;
  }
  return sample;
};
