import type { SignedQuote } from '../../app/documents-port';
import { printAmount } from '../../core/money';
import { printDate, printDateTime } from '../../core/time';
import { BOLD, collect, newPdf, numberPages, PAGE, priceText, REGULAR, row } from './pdf-kit';

/**
 * The signed quote: the accepted version as the customer saw it (the lines they chose, the totals, the
 * message and terms) and the signature block with who signed, when, from which address and browser.
 */
export const renderSignedQuotePdf = async (q: SignedQuote): Promise<Buffer> => {
  const pdf = newPdf(
    {
      size: 'A4',
      margin: 50,
      bufferPages: true,
      info: { Title: `Quote ${q.number}, signed`, Author: q.seller.name, CreationDate: q.createdAt },
    },
    [q.title, q.customer, q.site, q.lines, q.terms, q.message, q.signature.name, q.signature.userAgent],
  );
  const done = collect(pdf);
  const money = (a: string) => printAmount(a, q.currency);
  pdf.font(BOLD).fontSize(16).fillColor(q.seller.color).text(q.seller.name, PAGE.left, 50);
  pdf.fontSize(18).text('QUOTE, ACCEPTED', 300, 50, { width: 245, align: 'right' });
  pdf.fillColor('black').font(REGULAR).fontSize(9);
  pdf.text(
    [
      `Quote ${q.number}${q.version > 1 ? ` (version ${q.version})` : ''}`,
      `For ${q.customer}`,
      q.site,
      `Valid until ${printDate(q.validUntil)}`,
    ].join('\n'),
    PAGE.left,
    90,
    { width: 300 },
  );
  pdf
    .font(BOLD)
    .fontSize(12)
    .text(q.title, PAGE.left, pdf.y + 14, { width: PAGE.right - PAGE.left });
  if (q.message)
    pdf
      .font(REGULAR)
      .fontSize(9)
      .text(q.message, { width: PAGE.right - PAGE.left });
  let y = pdf.y + 12;
  y = row(
    pdf,
    y,
    [
      { text: 'Description', x: PAGE.left, width: 250 },
      { text: 'Qty', x: 305, width: 45, align: 'right' },
      { text: 'Unit price', x: 355, width: 70, align: 'right' },
      { text: 'VAT / tax', x: 430, width: 40, align: 'right' },
      { text: 'Amount', x: 475, width: 70, align: 'right' },
    ],
    true,
  );
  for (const l of q.lines)
    y = row(pdf, y, [
      { text: l.description, x: PAGE.left, width: 250 },
      { text: l.quantity, x: 305, width: 45, align: 'right' },
      { text: priceText(l.unitPrice), x: 355, width: 70, align: 'right' },
      { text: `${l.taxRate} %`, x: 430, width: 40, align: 'right' },
      { text: money(l.net), x: 475, width: 70, align: 'right' },
    ]);
  y += 6;
  for (const [label, amount, bold] of [
    ['Net', q.totals.net, false],
    ['Tax', q.totals.tax, false],
    ['Total', q.totals.payable, true],
    ...(q.totals.deposit ? [['Deposit due on acceptance', q.totals.deposit, false] as const] : []),
  ] as const)
    y = row(
      pdf,
      y,
      [
        { text: label, x: 330, width: 140, align: 'right' },
        { text: money(amount), x: 475, width: 70, align: 'right' },
      ],
      bold,
    );
  if (q.terms) {
    pdf
      .font(BOLD)
      .fontSize(10)
      .text('Terms', PAGE.left, y + 14);
    pdf
      .font(REGULAR)
      .fontSize(9)
      .text(q.terms, { width: PAGE.right - PAGE.left });
    y = pdf.y;
  }
  if (y + 150 > PAGE.bottom) {
    pdf.addPage();
    y = 50;
  } else y += 20;
  pdf.font(BOLD).fontSize(10).text('Accepted and signed', PAGE.left, y);
  y += 14;
  if (q.signature.image) {
    try {
      pdf.image(q.signature.image, PAGE.left, y, { fit: [200, 70] });
    } catch {
      pdf.rect(PAGE.left, y, 200, 70).stroke();
    }
    y += 74;
  }
  pdf
    .font(REGULAR)
    .fontSize(9)
    .text(
      [
        `Signed by ${q.signature.name} on ${printDateTime(q.signature.signedAt, q.timeZone)}`,
        `From the address ${q.signature.ip}, with ${q.signature.userAgent || 'an unnamed browser'}`,
      ].join('\n'),
      PAGE.left,
      y,
      { width: PAGE.right - PAGE.left },
    );
  numberPages(pdf, `Quote ${q.number}`);
  pdf.end();
  return done;
};
