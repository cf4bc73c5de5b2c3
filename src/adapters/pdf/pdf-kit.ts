import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Decimal from 'decimal.js';
import { create, type Font } from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { type Translator, translator } from '../../core/i18n';
import type { Address } from '../../core/invoice-document';

/**
 * The PDF's fonts. The standard PDF font (Helvetica) covers WinAnsi only (Latin-1, €, curly quotes), so a
 * customer named Ŝtefan Đorđević, Ωμέγα Ltd or Москва Сервис printed as garbage. A document with any
 * character outside WinAnsi is set in DejaVu Sans (the dejavu-fonts-ttf package), embedded and subset by
 * pdfkit to the glyphs it uses; every other document keeps Helvetica, which needs no embedding: an
 * embedded, shaped TrueType font costs ~3x the render time (B3), and most invoices are WinAnsi.
 */
const WIN_ANSI_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ']);
/** Every character of the text is printable with a standard PDF font (WinAnsiEncoding). */
export const isWinAnsi = (text: string): boolean => {
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0x0a || c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff)) continue;
    if (!WIN_ANSI_EXTRA.has(ch)) return false;
  }
  return true;
};

export type Fonts = { regular: Font; bold: Font };
const faceOf = (path: string): Font => {
  const font = create(readFileSync(path));
  // A collection (.ttc) holds several faces: the first is the regular one.
  const face = 'fonts' in font ? font.fonts[0] : font;
  if (!face || !('layout' in face)) throw new Error(`${path} has no usable font face`);
  return face;
};
/** A value made on first use, then kept for the process (fonts are parsed once, not per document). */
const once = <T>(make: () => T): (() => T) => {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
};
/** DejaVu, parsed once per process and shared by every document (parsing per document cost 10x the render). */
const unicodeFonts = once((): Fonts => {
  const dir = createRequire(import.meta.url)
    .resolve('dejavu-fonts-ttf/package.json')
    .replace(/package\.json$/, 'ttf/');
  return { regular: faceOf(`${dir}DejaVuSans.ttf`), bold: faceOf(`${dir}DejaVuSans-Bold.ttf`) };
});
/**
 * DejaVu has no Chinese, Japanese or Korean. A machine with one of these system fonts (Debian's
 * fonts-wqy-microhei or fonts-noto-cjk) sets a document that needs them in it; without one, such
 * characters print as empty boxes, and the README says which package to install.
 */
const CJK_FONT_FILES = [
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
];
const cjkFonts = once((): Fonts | null => {
  const path = CJK_FONT_FILES.find((f) => existsSync(f));
  const face = path ? faceOf(path) : null;
  return face ? { regular: face, bold: face } : null;
});
const covers = (font: Font, text: string): boolean => {
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c > 0x20 && !font.hasGlyphForCodePoint(c)) return false;
  }
  return true;
};
// The names the drawing code uses; a document that needs Unicode registers DejaVu under them (pdfkit looks
// registered names up before its standard fonts), so the drawing code never knows which it got.
export const REGULAR = 'Helvetica';
export const BOLD = 'Helvetica-Bold';

/** A document in the fonts its text needs; `texts` is everything it prints. */
export const newPdf = (options: PDFKit.PDFDocumentOptions, texts: unknown): PDFKit.PDFDocument => {
  const text = JSON.stringify(texts);
  if (isWinAnsi(text)) return new PDFDocument(options);
  const dejavu = unicodeFonts();
  const cjk = covers(dejavu.regular, text) ? null : cjkFonts();
  const f = cjk && covers(cjk.regular, text) ? cjk : dejavu;
  // pdfkit takes a fontkit font object as a source (PDFFontFactory.open); its types say Buffer | string.
  const pdf = new PDFDocument({ ...options, font: f.regular as unknown as string });
  pdf.registerFont(REGULAR, f.regular as unknown as Buffer);
  pdf.registerFont(BOLD, f.bold as unknown as Buffer);
  return pdf.font(REGULAR);
};

/** Unit prices keep their own precision but show at least two decimals: 80 -> 80.00, 0.125 -> 0.125. */
export const priceText = (price: string): string => {
  const d = new Decimal(price);
  return d.toFixed(Math.max(2, d.decimalPlaces()));
};

export const addressLines = (a: Address): string[] =>
  [a.line1, a.line2, `${a.postalCode} ${a.city}`.trim(), a.region, a.country].filter((s): s is string => !!s);

export const collect = (doc: PDFKit.PDFDocument): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

export const PAGE = { left: 50, right: 545, bottom: 780 };

/** "INV-2026-00042 · Page 2 of 3" at the foot of every page (the document buffers its pages for this). */
export const numberPages = (pdf: PDFKit.PDFDocument, label: string, w: Translator = translator()) => {
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    // Writing below the bottom margin would start a new page: lift the margin for the footer.
    pdf.page.margins.bottom = 0;
    pdf
      .font(REGULAR)
      .fontSize(8)
      .fillColor('gray')
      .text(w.t('invoice.page', { label, page: i + 1, pages: range.count }), PAGE.left, 805, {
        width: PAGE.right - PAGE.left,
        align: 'center',
        lineBreak: false,
      });
  }
};

/** Draws a table row; returns the y below it, starting a new page when the row would not fit. */
export const row = (
  pdf: PDFKit.PDFDocument,
  y: number,
  cells: { text: string; x: number; width: number; align?: 'left' | 'right' }[],
  bold = false,
): number => {
  pdf.font(bold ? BOLD : REGULAR).fontSize(9);
  const height = Math.max(...cells.map((c) => pdf.heightOfString(c.text, { width: c.width }))) + 4;
  let top = y;
  if (top + height > PAGE.bottom) {
    pdf.addPage();
    top = 50;
  }
  for (const c of cells) pdf.text(c.text, c.x, top, { width: c.width, align: c.align ?? 'left' });
  return top + height;
};

/**
 * A QR code drawn as vector squares (sharp at any zoom, a few hundred bytes), `size` points wide with its
 * four-module quiet zone inside; error correction M, as payment QR codes use.
 */
export const drawQr = (pdf: PDFKit.PDFDocument, text: string, x: number, y: number, size: number) => {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const cell = size / (modules.size + 8);
  pdf.save().fillColor('black');
  for (let r = 0; r < modules.size; r++)
    for (let c = 0; c < modules.size; c++)
      if (modules.get(r, c)) pdf.rect(x + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
  pdf.fill().restore();
};
