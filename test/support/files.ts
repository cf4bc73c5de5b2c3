import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import jsQR from 'jsqr';
import sharp from 'sharp';

/** A real JPEG with EXIF capture time and GPS (Dublin), made on the spot. */
export const jpegWithExif = (seed = 1) =>
  sharp({
    create: { width: 640, height: 480, channels: 3, background: { r: (seed * 37) % 255, g: 120, b: 90 } },
  })
    .jpeg()
    .withExif({
      IFD0: { Make: 'Closeout', Model: 'Test camera' },
      IFD2: { DateTimeOriginal: '2026:11:18 10:30:00' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '53/1 20/1 30/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '6/1 15/1 0/1',
      },
    })
    .toBuffer();

export const png = (seed = 1) =>
  sharp({
    create: {
      width: 200,
      height: 80,
      channels: 4,
      background: { r: 0, g: 0, b: (seed * 53) % 255, alpha: 1 },
    },
  })
    .png()
    .toBuffer();

/** A signature as a drawing pad makes it: dark ink on a transparent background. */
export const inkPng = () =>
  sharp({ create: { width: 200, height: 80, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([
      {
        input: {
          create: { width: 120, height: 6, channels: 4, background: { r: 20, g: 20, b: 60, alpha: 1 } },
        },
        top: 37,
        left: 40,
      },
    ])
    .png()
    .toBuffer();

export const pdf = () =>
  Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  );

/** A multipart/form-data body with a category field and one file. */
export const multipart = (
  fields: Record<string, string>,
  file: { name: string; type: string; bytes: Buffer } | null,
) => {
  const boundary = `----closeout${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
};

/**
 * A decompression bomb: a real small PNG whose header says 20,000 × 20,000 pixels (400 megapixels), its
 * header checksum right, so a reader trusts it until it tries to decode.
 */
export const pngBomb = async () => {
  const bytes = Buffer.from(await png(1));
  // IHDR's data (width, height) starts at byte 16; its CRC covers the chunk type and data (bytes 12 to 29).
  bytes.writeUInt32BE(20_000, 16);
  bytes.writeUInt32BE(20_000, 20);
  bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
  return bytes;
};

/** A JPEG that is also an HTML page: markup and script hidden in a comment segment (COM, 0xFFFE). */
export const jpegHtmlPolyglot = async () => {
  const jpeg = await jpegWithExif(11);
  const html = Buffer.from('<html><body><script>document.title="pwned"</script></body></html>');
  const com = Buffer.alloc(4);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(html.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), com, html, jpeg.subarray(2)]);
};

/** A PDF that runs JavaScript when opened, in plain sight or inside a compressed object stream. */
export const pdfWithJavaScript = (hidden: boolean) => {
  if (!hidden)
    return Buffer.from(
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    );
  const objects = deflateSync(Buffer.from('3 0 <</S/J#61vaScript/JS(app.alert(1))>>'));
  return Buffer.concat([
    Buffer.from(
      `%PDF-1.5\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n4 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length ${objects.length}>>stream\n`,
    ),
    objects,
    Buffer.from('\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'),
  ]);
};

/**
 * A minimal XLSX workbook (one sheet, shared strings, numbers as numbers), the way Excel and the exports
 * of Xero and QuickBooks lay one out, for import tests.
 */
export const xlsxOf = (rows: (string | number)[][], sheetName = 'Sheet1') => {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const column = (i: number) => {
    let s = '';
    for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
    return s;
  };
  const cell = (v: string | number, ref: string) => {
    if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`;
    let k = index.get(v);
    if (k === undefined) {
      k = strings.length;
      strings.push(v);
      index.set(v, k);
    }
    return `<c r="${ref}" t="s"><v>${k}</v></c>`;
  };
  const sheetData = rows
    .map(
      (r, ri) => `<row r="${ri + 1}">${r.map((v, ci) => cell(v, `${column(ci)}${ri + 1}`)).join('')}</row>`,
    )
    .join('');
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const pkg = 'http://schemas.openxmlformats.org/package/2006/relationships';
  const ct = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
  const files: Record<string, string> = {
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="${ct}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="${ct}.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="${ct}.sharedStrings+xml"/></Types>`,
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${pkg}"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${ns}" xmlns:r="${rel}"><sheets><sheet name="${esc(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${pkg}"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${ns}"><sheetData>${sheetData}</sheetData></worksheet>`,
    'xl/sharedStrings.xml': `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${ns}" count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t xml:space="preserve">${esc(s)}</t></si>`).join('')}</sst>`,
  };
  return Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
};

/** Poppler's tools (pdftotext, pdftoppm) are here: CI installs them; elsewhere the PDF read-backs skip, saying so. */
export const hasPoppler = (() => {
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    console.info('poppler-utils (pdftotext, pdftoppm) not installed: PDF read-back tests are skipped');
    return false;
  }
})();

const inTemp = <T>(bytes: Buffer, fn: (file: string, dir: string) => T): T => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 'd.pdf'), bytes);
    return fn(path.join(dir, 'd.pdf'), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** A PDF's text as pdftotext lays it out. */
export const pdfText = (bytes: Buffer) =>
  inTemp(bytes, (file) => execFileSync('pdftotext', ['-layout', file, '-']).toString());

/** What the one QR code of an image (PNG, JPEG, SVG) says, read at 400 pixels wide; null when none reads. */
export const imageQrCode = async (bytes: Buffer) => {
  const { data, info } = await sharp(bytes)
    .resize({ width: 400 })
    .flatten({ background: '#ffffff' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return (
    jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height)?.data ??
    null
  );
};

/** What the QR codes on a PDF's first page say, read from the page rendered at 150 dpi (as a phone would). */
export const pdfQrCodes = async (bytes: Buffer): Promise<string[]> => {
  const image = inTemp(bytes, (file, dir) => {
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '150',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      file,
      path.join(dir, 'p'),
    ]);
    return fs.readFileSync(path.join(dir, 'p.png'));
  });
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  // jsQR reads one code per image and none where two stand side by side: read the page, then strips of it
  // wide enough for one code (about 200 pixels here), and keep each text once, roughly left to right.
  const found = new Map<string, number>();
  const strip = 420;
  const windows = [{ x: 0, width: info.width }];
  for (let x = 0; x + strip / 2 <= info.width; x += strip / 6)
    windows.push({ x, width: Math.min(strip, info.width - x) });
  for (const { x, width } of windows) {
    const rows = Buffer.alloc(width * info.height * 4);
    for (let y = 0; y < info.height; y++)
      data.copy(rows, y * width * 4, (y * info.width + x) * 4, (y * info.width + x + width) * 4);
    const code = jsQR(new Uint8ClampedArray(rows.buffer, rows.byteOffset, rows.length), width, info.height);
    const at = code ? x + code.location.topLeftCorner.x : 0;
    // (A strip that cuts a code may read as an empty one: only what says something counts.)
    if (code?.data) found.set(code.data, Math.min(found.get(code.data) ?? at, at));
  }
  return [...found].sort((p, q) => p[1] - q[1]).map(([text]) => text);
};
