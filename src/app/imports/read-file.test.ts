import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors';
import { openSheet } from './read-file';

const rowsOf = async (bytes: Buffer) => {
  const sheet = await openSheet(bytes);
  const out: Record<string, string>[] = [];
  for await (const r of sheet.rows()) out.push(r.cells);
  return { sheet, out };
};

const problem = async (bytes: Buffer) => {
  try {
    await rowsOf(bytes);
  } catch (e) {
    if (e instanceof AppError) return e.fields?.[0];
    throw e;
  }
  return null;
};

describe('reading a spreadsheet whatever wrote it', () => {
  it('reads UTF-16 with its mark, quoted separators and line breaks inside a cell', async () => {
    const text = '\uFEFFName\tNotes\n"Ó Briain, Seán"\t"gate code 1234\nring twice"\n';
    const { sheet, out } = await rowsOf(Buffer.from(text, 'utf16le'));
    expect(sheet.encoding).toBe('utf-16le');
    expect(out).toEqual([{ Name: 'Ó Briain, Seán', Notes: 'gate code 1234\nring twice' }]);
  });

  it('keeps a character made of two UTF-16 units whole where the text is cut for the parser', async () => {
    // The emoji's first unit is the 65,536th of the text: the last of the first slice.
    const lines = `${'x'.repeat(99)}\n`.repeat(655);
    const text = `Name\n${lines}${'y'.repeat(30)}🔧 tools\n`;
    expect(text.charCodeAt(65_535)).toBe(0xd83d);
    const { out } = await rowsOf(Buffer.from(text, 'utf8'));
    expect(out.at(-1)?.Name).toBe(`${'y'.repeat(30)}🔧 tools`);
  });

  it('names two columns of one name apart, and refuses what is not a spreadsheet', async () => {
    const { sheet } = await rowsOf(Buffer.from('Phone,Phone,\n1,2,3\n'));
    expect(sheet.columns).toEqual(['Phone', 'Phone (2)', 'Column 3']);
    expect(await problem(Buffer.from([0x00, 0x01, 0x02, 0x03, 0x00]))).toEqual({
      field: 'file',
      message: 'not a CSV or XLSX file',
    });
    expect(await problem(Buffer.from('PK\u0003\u0004garbage'))).toEqual({
      field: 'file',
      message: 'not a readable XLSX workbook',
    });
  });

  it('refuses a workbook that unpacks too large before inflating it', async () => {
    const bomb = Buffer.from(
      zipSync({
        'xl/worksheets/sheet1.xml': new Uint8Array(160 * 1024 * 1024),
        '[Content_Types].xml': strToU8('<Types/>'),
      }),
    );
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(await problem(bomb)).toEqual({ field: 'file', message: 'the workbook unpacks too large' });
  });
});
