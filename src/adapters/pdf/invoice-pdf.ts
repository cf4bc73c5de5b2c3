import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Decimal from 'decimal.js';
import { create, type Font } from 'fontkit';
import PDFDocument from 'pdfkit';
import type { Proof, ServiceReport } from '../../app/documents-port';
import {
  type Address,
  exchangeText,
  type InvoiceDocument,
  type IssuedHeader,
} from '../../core/invoice-document';
import { printAmount } from '../../core/money';
import { printDate, printDateTime } from '../../core/time';
import { unitText } from '../../core/units';

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

type Fonts = { regular: Font; bold: Font };
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
const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';

/** A document in the fonts its text needs; `texts` is everything it prints. */
const newPdf = (options: PDFKit.PDFDocumentOptions, texts: unknown): PDFKit.PDFDocument => {
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

/** EN 16931 VAT categories in words, for the VAT column and breakdown. */
const CATEGORY_WORDS: Record<string, string> = {
  S: 'Standard',
  Z: 'Zero rated',
  E: 'Exempt',
  AE: 'Reverse charge',
  K: 'Intra-EU supply',
  G: 'Export',
  O: 'Outside the scope of VAT',
  L: 'IGIC (Canary Islands)',
  M: 'IPSI (Ceuta and Melilla)',
  B: 'Split payment',
};
/** Proof photo categories as a reader names them. */
const PHOTO_HEADINGS: Record<string, string> = {
  before: 'Before the work',
  after: 'After the work',
  serial_plate: 'Serial plates',
  document: 'Documents',
  other: 'Other photos',
};

const categoryText = (category: string): string => CATEGORY_WORDS[category] ?? category;

const TITLES = {
  invoice: 'INVOICE',
  deposit_invoice: 'DEPOSIT INVOICE',
  credit_note: 'CREDIT NOTE',
} as const;
/** A payment request is not a tax invoice, and says so in its title. */
const titleOf = (doc: InvoiceDocument) =>
  doc.profile === 'payment_request' ? 'PAYMENT REQUEST' : TITLES[doc.kind];

/** Unit prices keep their own precision but show at least two decimals: 80 -> 80.00, 0.125 -> 0.125. */
const priceText = (price: string): string => {
  const d = new Decimal(price);
  return d.toFixed(Math.max(2, d.decimalPlaces()));
};

const addressLines = (a: Address): string[] =>
  [a.line1, a.line2, `${a.postalCode} ${a.city}`.trim(), a.region, a.country].filter((s): s is string => !!s);

const collect = (doc: PDFKit.PDFDocument): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

const PAGE = { left: 50, right: 545, bottom: 780 };

/** "INV-2026-00042 · Page 2 of 3" at the foot of every page (the document buffers its pages for this). */
const numberPages = (pdf: PDFKit.PDFDocument, label: string) => {
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    // Writing below the bottom margin would start a new page: lift the margin for the footer.
    pdf.page.margins.bottom = 0;
    pdf
      .font(REGULAR)
      .fontSize(8)
      .fillColor('gray')
      .text(`${label} · Page ${i + 1} of ${range.count}`, PAGE.left, 805, {
        width: PAGE.right - PAGE.left,
        align: 'center',
        lineBreak: false,
      });
  }
};

/** Draws a table row; returns the y below it, starting a new page when the row would not fit. */
const row = (
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
 * The invoice PDF (pdfkit, standard fonts, no browser): seller and buyer, job, service date and site,
 * technicians, lines, VAT breakdown, totals, deposit, terms and due date, memo, page numbers; then the
 * proof pages (the approval log stays in the internal packet). CreationDate is the issue time, so a re-render gives the same bytes.
 */
export const renderInvoicePdf = async (
  doc: InvoiceDocument,
  header: IssuedHeader & { issuedAt: Date },
  proof: Proof,
  logo: Buffer | null,
): Promise<Buffer> => {
  const pdf = newPdf(
    {
      size: 'A4',
      margin: 50,
      bufferPages: true,
      info: {
        Title: `${titleOf(doc)} ${header.number}`,
        Author: doc.seller.name,
        CreationDate: header.issuedAt,
      },
    },
    [doc, proof.signature?.signerName, proof.signatureException, proof.workPerformed, proof.approvals],
  );
  const done = collect(pdf);
  const cur = doc.calc.currency;
  const accent = doc.brand.color;

  // Header: logo or name in the accent color, the seller's details, the title block.
  if (logo) {
    try {
      pdf.image(logo, PAGE.left, 45, { fit: [140, 50] });
    } catch {
      pdf.font(BOLD).fontSize(16).fillColor(accent).text(doc.seller.name, PAGE.left, 50);
    }
  } else {
    pdf.font(BOLD).fontSize(16).fillColor(accent).text(doc.seller.name, PAGE.left, 50);
  }
  pdf.fillColor('black').font(REGULAR).fontSize(8);
  pdf.text(
    [
      doc.seller.legalName ?? doc.seller.name,
      ...addressLines(doc.seller.address),
      doc.seller.vatId ? `VAT ID ${doc.seller.vatId}` : null,
      doc.seller.companyId ? `Company ${doc.seller.companyId}` : null,
    ]
      .filter(Boolean)
      .join('\n'),
    PAGE.left,
    100,
    { width: 220 },
  );
  pdf.font(BOLD).fontSize(18).fillColor(accent).text(titleOf(doc), 330, 50, { width: 215, align: 'right' });
  pdf.fillColor('black').font(REGULAR).fontSize(9);
  const meta = [
    `Number ${header.number}`,
    `Issue date ${printDate(header.issueDate)}`,
    header.dueDate && doc.kind !== 'credit_note' ? `Due date ${printDate(header.dueDate)}` : null,
    doc.jobNumbers.length > 0 ? `Job ${doc.jobNumbers.join(', ')}` : null,
    doc.serviceDate ? `Service date ${printDate(doc.serviceDate)}` : null,
    doc.period ? `Billing period ${printDate(doc.period.start)} to ${printDate(doc.period.end)}` : null,
    doc.poNumber ? `PO number ${doc.poNumber}` : null,
    doc.preceding
      ? `Corrects invoice ${doc.preceding.number} of ${printDate(doc.preceding.issueDate)}`
      : null,
    doc.creditReason ? `Reason ${doc.creditReason.replaceAll('_', ' ')}` : null,
    doc.profile === 'payment_request' ? 'Not a tax invoice: tax is charged on the final invoice' : null,
  ].filter((s): s is string => !!s);
  pdf.text(meta.join('\n'), 330, 80, { width: 215, align: 'right' });

  // Parties and the site.
  let y = 190;
  pdf.font(BOLD).fontSize(9).text('Bill to', PAGE.left, y);
  pdf.text('Service site', 300, y);
  pdf.font(REGULAR).fontSize(9);
  pdf.text(
    [
      doc.buyer.legalName ?? doc.buyer.name,
      ...addressLines(doc.buyer.address),
      doc.buyer.vatId ? `VAT ID ${doc.buyer.vatId}` : null,
    ]
      .filter(Boolean)
      .join('\n'),
    PAGE.left,
    y + 12,
    { width: 230 },
  );
  const siteText = doc.site ? [doc.site.name, ...addressLines(doc.site.address)] : ['(see lines)'];
  if (doc.technicians.length > 0) siteText.push(`Technicians: ${doc.technicians.join(', ')}`);
  pdf.text(siteText.join('\n'), 300, y + 12, { width: 245 });
  y = Math.max(pdf.y, y + 80) + 16;

  // Lines.
  const cols = {
    desc: { x: PAGE.left, width: 215 },
    qty: { x: 270, width: 45 },
    unit: { x: 318, width: 30 },
    price: { x: 350, width: 70 },
    vat: { x: 422, width: 38 },
    amount: { x: 462, width: 83 },
  };
  y = row(
    pdf,
    y,
    [
      { text: 'Description', ...cols.desc },
      { text: 'Qty', ...cols.qty, align: 'right' },
      { text: 'Unit', ...cols.unit },
      { text: 'Unit price', ...cols.price, align: 'right' },
      { text: 'VAT', ...cols.vat, align: 'right' },
      { text: 'Amount', ...cols.amount, align: 'right' },
    ],
    true,
  );
  pdf
    .moveTo(PAGE.left, y - 2)
    .lineTo(PAGE.right, y - 2)
    .strokeColor(accent)
    .stroke();
  for (const l of doc.lines) {
    const adjustments = [
      ...l.allowances.map((a) => `less ${a.reason} ${printAmount(a.amount, cur)}`),
      ...l.charges.map((c) => `plus ${c.reason} ${printAmount(c.amount, cur)}`),
    ];
    const label = [
      doc.jobNumbers.length > 1 && l.jobNumber
        ? `${l.jobNumber} (${l.serviceDate ? printDate(l.serviceDate) : ''})`
        : null,
      l.description,
      l.sku ? `SKU ${l.sku}` : null,
      l.grossPrice && l.priceDiscount
        ? `List price ${priceText(l.grossPrice)}, less ${priceText(l.priceDiscount)}`
        : null,
      ...adjustments,
    ]
      .filter(Boolean)
      .join('\n');
    y = row(pdf, y, [
      { text: label, ...cols.desc },
      { text: l.quantity, ...cols.qty, align: 'right' },
      { text: unitText(l.unitCode), ...cols.unit },
      {
        text:
          l.baseQuantity === '1' ? priceText(l.unitPrice) : `${priceText(l.unitPrice)} / ${l.baseQuantity}`,
        ...cols.price,
        align: 'right',
      },
      {
        // The rate only: the breakdown below names each category in words.
        text: `${l.tax.rate}%`,
        ...cols.vat,
        align: 'right',
      },
      { text: printAmount(l.netAmount, cur), ...cols.amount, align: 'right' },
    ]);
  }
  for (const [label, list] of [
    ['Allowance', doc.calc.allowances],
    ['Charge', doc.calc.charges],
  ] as const) {
    for (const a of list) {
      y = row(pdf, y, [
        {
          text: `${label}: ${a.reason}${a.percent ? ` (${a.percent}% of ${printAmount(a.baseAmount ?? '0', cur)})` : ''}`,
          x: PAGE.left,
          width: 370,
        },
        {
          text: `${a.tax.rate}%`,
          ...cols.vat,
          align: 'right',
        },
        {
          text: `${label === 'Allowance' ? '-' : ''}${printAmount(a.amount, cur)}`,
          ...cols.amount,
          align: 'right',
        },
      ]);
    }
  }

  // VAT breakdown.
  y += 10;
  y = row(
    pdf,
    y,
    [
      { text: doc.profile === 'us_sales_tax' ? 'Sales tax' : 'VAT breakdown', x: PAGE.left, width: 200 },
      { text: 'Rate', x: 250, width: 60, align: 'right' },
      { text: 'Taxable', x: 320, width: 110, align: 'right' },
      { text: 'Tax', x: 435, width: 110, align: 'right' },
    ],
    true,
  );
  for (const t of doc.calc.taxSubtotals) {
    const name = t.category
      ? `${categoryText(t.category)}${t.exemptionReason || t.exemptionReasonCode ? `: ${t.exemptionReason ?? t.exemptionReasonCode}` : ''}`
      : (t.jurisdiction ?? '');
    y = row(pdf, y, [
      { text: name, x: PAGE.left, width: 200 },
      { text: `${t.rate}%`, x: 250, width: 60, align: 'right' },
      { text: printAmount(t.taxableAmount, cur), x: 320, width: 110, align: 'right' },
      { text: printAmount(t.taxAmount, cur), x: 435, width: 110, align: 'right' },
    ]);
  }

  // Totals (the labels are stable: the cross-view test reads them back with pdftotext).
  y += 10;
  const totals = doc.calc.totals;
  const totalRows: [string, string, boolean][] = [
    ['Line total', totals.lineTotal, false],
    ...(doc.calc.allowances.length
      ? ([['Allowances', totals.allowanceTotal, false]] as [string, string, boolean][])
      : []),
    ...(doc.calc.charges.length
      ? ([['Charges', totals.chargeTotal, false]] as [string, string, boolean][])
      : []),
    ['Total excl. tax', totals.taxExclusive, false],
    ['Tax total', totals.taxTotal, false],
    ['Total incl. tax', totals.taxInclusive, true],
    ...(Number(totals.prepaid) !== 0
      ? ([['Deposit paid', totals.prepaid, false]] as [string, string, boolean][])
      : []),
    ...(Number(totals.rounding) !== 0
      ? ([['Rounding', totals.rounding, false]] as [string, string, boolean][])
      : []),
    [doc.kind === 'credit_note' ? 'Amount credited' : 'Amount due', totals.payable, true],
  ];
  // BT-111: the VAT in the seller's currency, as EU VAT law asks of an invoice in another currency.
  const taxCurrency = doc.calc.taxCurrency ?? null;
  for (const [label, amount, bold] of totalRows) {
    y = row(
      pdf,
      y,
      [
        { text: label, x: 320, width: 110 },
        { text: printAmount(amount, cur), x: 435, width: 110, align: 'right' },
      ],
      bold,
    );
  }
  if (taxCurrency)
    y = row(pdf, y, [
      { text: `Tax total in ${taxCurrency.code}`, x: 320, width: 110 },
      { text: printAmount(taxCurrency.taxTotal, taxCurrency.code), x: 435, width: 110, align: 'right' },
    ]);

  // Terms, payment, memo, custom fields.
  y += 14;
  const footer = [
    doc.kind === 'credit_note'
      ? null
      : doc.paymentTermsDays > 0
        ? `Payment terms: ${doc.paymentTermsDays} days${header.dueDate ? `, due ${printDate(header.dueDate)}` : ''}.`
        : 'Payment terms: due on receipt.',
    doc.iban ? `Pay by bank transfer to IBAN ${doc.iban}, reference ${header.number}.` : null,
    doc.memo ? `Memo: ${doc.memo}` : null,
    ...doc.customFields.map((f) => `${f.label}: ${f.value}`),
    exchangeText(doc),
  ].filter((s): s is string => !!s);
  if (footer.length > 0) {
    if (y + 60 > PAGE.bottom) {
      pdf.addPage();
      y = 50;
    }
    pdf
      .font(REGULAR)
      .fontSize(9)
      .fillColor('black')
      .text(footer.join('\n'), PAGE.left, y, { width: PAGE.right - PAGE.left });
  }

  renderProofPages(pdf, proof, accent);

  numberPages(pdf, header.number);
  pdf.end();
  return done;
};

/** Proof of work: photos by category, the signature with signer and time, time and place, in the organization's zone. */
export const renderProofPages = (pdf: PDFKit.PDFDocument, proof: Proof, accent: string) => {
  const hasProof =
    proof.photos.length > 0 ||
    proof.signature ||
    proof.signatureException ||
    proof.completion ||
    proof.workPerformed;
  if (hasProof) {
    pdf.addPage();
    pdf.font(BOLD).fontSize(14).fillColor(accent).text('Proof of work', PAGE.left, 50);
    pdf.fillColor('black').font(REGULAR).fontSize(9);
    let y = 75;
    if (proof.completion) {
      const where =
        proof.completion.latitude !== null && proof.completion.longitude !== null
          ? ` at ${proof.completion.latitude.toFixed(5)}, ${proof.completion.longitude.toFixed(5)}`
          : '';
      pdf.text(
        `Completed ${proof.completion.at ? printDateTime(proof.completion.at, proof.timeZone) : 'at a time not recorded'}${where}`,
        PAGE.left,
        y,
      );
      y += 16;
    }
    if (proof.workPerformed) {
      const text = [
        ...proof.workPerformed.checklist.map((c) => `Done: ${c}`),
        proof.workPerformed.notes ? `Notes: ${proof.workPerformed.notes}` : null,
      ]
        .filter(Boolean)
        .join('\n');
      if (text) {
        pdf.text(text, PAGE.left, y, { width: PAGE.right - PAGE.left });
        y = pdf.y + 10;
      }
    }
    const byCategory = new Map<string, Proof['photos']>();
    for (const p of proof.photos) byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p]);
    for (const [category, photos] of byCategory) {
      if (y + 150 > PAGE.bottom) {
        pdf.addPage();
        y = 50;
      }
      pdf
        .font(BOLD)
        .fontSize(10)
        .text(`${PHOTO_HEADINGS[category] ?? 'Other photos'} (${photos.length})`, PAGE.left, y);
      y += 14;
      let x = PAGE.left;
      for (const photo of photos) {
        if (x + 120 > PAGE.right) {
          x = PAGE.left;
          y += 135;
        }
        if (y + 130 > PAGE.bottom) {
          pdf.addPage();
          y = 50;
        }
        try {
          pdf.image(photo.image, x, y, { fit: [115, 115] });
        } catch {
          pdf.rect(x, y, 115, 115).stroke();
        }
        pdf
          .font(REGULAR)
          .fontSize(7)
          .text(photo.capturedAt ? printDateTime(photo.capturedAt, proof.timeZone) : '', x, y + 117, {
            width: 115,
          });
        x += 123;
      }
      y += 135;
    }
    if (proof.signature || proof.signatureException) {
      if (y + 120 > PAGE.bottom) {
        pdf.addPage();
        y = 50;
      }
      pdf.font(BOLD).fontSize(10).text('Customer signature', PAGE.left, y);
      y += 14;
      if (proof.signature?.image) {
        try {
          pdf.image(proof.signature.image, PAGE.left, y, { fit: [200, 70] });
        } catch {
          pdf.rect(PAGE.left, y, 200, 70).stroke();
        }
        y += 74;
      }
      pdf.font(REGULAR).fontSize(9);
      pdf.text(
        proof.signature
          ? `Signed by ${proof.signature.signerName} on ${printDateTime(proof.signature.signedAt, proof.timeZone)}`
          : `No signature: ${proof.signatureException ?? ''}`,
        PAGE.left,
        y,
      );
    }
  }
  // The approval log is internal: it travels in the packet (approval-log.json), never on the customer's PDF.
};

/** The work-completed report: what was done, with what parts, and the proof, billed or not (warranty, plans). */
export const renderServiceReportPdf = async (r: ServiceReport, proof: Proof): Promise<Buffer> => {
  const pdf = newPdf(
    {
      size: 'A4',
      margin: 50,
      bufferPages: true,
      info: { Title: `Service report ${r.jobNumber}`, Author: r.seller.name, CreationDate: r.createdAt },
    },
    [r, proof.signature?.signerName, proof.signatureException, proof.workPerformed, proof.approvals],
  );
  const done = collect(pdf);
  pdf.font(BOLD).fontSize(16).fillColor(r.seller.color).text(r.seller.name, PAGE.left, 50);
  pdf.fontSize(18).text('SERVICE REPORT', 330, 50, { width: 215, align: 'right' });
  pdf.fillColor('black').font(REGULAR).fontSize(9);
  pdf.text(
    [
      `Job ${r.jobNumber}`,
      `Customer ${r.customer}`,
      `Site ${r.site.name}`,
      ...addressLines(r.site.address),
      `Technicians: ${r.technicians.join(', ') || '-'}`,
    ].join('\n'),
    PAGE.left,
    90,
    { width: 300 },
  );
  pdf.font(BOLD).text('Scope', PAGE.left, pdf.y + 12);
  pdf.font(REGULAR).text(r.scope, { width: PAGE.right - PAGE.left });
  let y = pdf.y + 12;
  y = row(
    pdf,
    y,
    [
      { text: 'Work and parts', x: PAGE.left, width: 350 },
      { text: 'Qty', x: 410, width: 60, align: 'right' },
      { text: 'Unit', x: 480, width: 60 },
    ],
    true,
  );
  for (const l of r.lines) {
    y = row(pdf, y, [
      {
        text: l.description + (l.serialNumbers.length ? `\nS/N ${l.serialNumbers.join(', ')}` : ''),
        x: PAGE.left,
        width: 350,
      },
      { text: l.quantity, x: 410, width: 60, align: 'right' },
      { text: unitText(l.unitCode), x: 480, width: 60 },
    ]);
  }
  renderProofPages(pdf, proof, r.seller.color);
  numberPages(pdf, r.jobNumber);
  pdf.end();
  return done;
};
