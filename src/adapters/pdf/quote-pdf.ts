import type { SignedQuote } from '../../app/documents-port';
import { translator } from '../../core/i18n';
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
  const w = translator(q.language);
  const money = (a: string) => w.amount(a, q.currency);
  pdf.font(BOLD).fontSize(16).fillColor(q.seller.color).text(q.seller.name, PAGE.left, 50);
  pdf.fontSize(18).text(w.t('quote.title'), 300, 50, { width: 245, align: 'right' });
  pdf.fillColor('black').font(REGULAR).fontSize(9);
  pdf.text(
    [
      `${w.t('quote.number', { number: q.number })}${q.version > 1 ? ` ${w.t('quote.version', { version: q.version })}` : ''}`,
      w.t('quote.for', { customer: q.customer }),
      q.site,
      w.t('quote.validUntil', { date: w.date(q.validUntil) }),
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
      { text: w.t('invoice.columns.description'), x: PAGE.left, width: 250 },
      { text: w.t('invoice.columns.quantity'), x: 305, width: 45, align: 'right' },
      { text: w.t('invoice.columns.unitPrice'), x: 355, width: 70, align: 'right' },
      { text: w.t('quote.taxColumn'), x: 430, width: 40, align: 'right' },
      { text: w.t('invoice.columns.amount'), x: 475, width: 70, align: 'right' },
    ],
    true,
  );
  for (const l of q.lines)
    y = row(pdf, y, [
      { text: l.description, x: PAGE.left, width: 250 },
      { text: w.decimal(l.quantity), x: 305, width: 45, align: 'right' },
      { text: w.decimal(priceText(l.unitPrice)), x: 355, width: 70, align: 'right' },
      { text: w.percent(l.taxRate), x: 430, width: 40, align: 'right' },
      { text: money(l.net), x: 475, width: 70, align: 'right' },
    ]);
  y += 6;
  for (const [label, amount, bold] of [
    [w.t('quote.net'), q.totals.net, false],
    [w.t('quote.tax'), q.totals.tax, false],
    [w.t('quote.total'), q.totals.payable, true],
    ...(q.totals.deposit ? [[w.t('quote.depositDue'), q.totals.deposit, false] as const] : []),
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
      .text(w.t('quote.terms'), PAGE.left, y + 14);
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
  pdf.font(BOLD).fontSize(10).text(w.t('quote.signed'), PAGE.left, y);
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
        w.t('quote.signedBy', { name: q.signature.name, at: w.dateTime(q.signature.signedAt, q.timeZone) }),
        w.t('quote.signedFrom', {
          ip: q.signature.ip,
          browser: q.signature.userAgent || w.t('quote.unnamedBrowser'),
        }),
      ].join('\n'),
      PAGE.left,
      y,
      { width: PAGE.right - PAGE.left },
    );
  numberPages(pdf, w.t('quote.number', { number: q.number }), w);
  pdf.end();
  return done;
};
