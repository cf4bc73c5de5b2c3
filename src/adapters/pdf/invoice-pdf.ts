import type { Proof } from '../../app/documents-port';
import { printRf, rfReference } from '../../core/bank-matching';
import { type Translator, translator } from '../../core/i18n';
import { exchangeText, type InvoiceDocument, type IssuedHeader } from '../../core/invoice-document';

import {
  addressLines,
  BOLD,
  priceText as basePriceText,
  collect,
  drawQr,
  newPdf,
  numberPages,
  PAGE,
  REGULAR,
  row,
} from './pdf-kit';
import { renderProofPages } from './service-report-pdf';

export { renderServiceReportPdf } from './service-report-pdf';

/**
 * How the customer pays this document, each printed with its QR code: online at its pay link
 * (src/app/portal/pay-links.ts), and by bank transfer with the EPC code a banking app scans (euro, SEPA).
 */
export type PayLink = { url: string | null; transferQr: string | null };
/** The pay link's QR code, in points (about 3 cm: a phone reads it from arm's length). */
const QR_SIZE = 96;

/** A payment request is not a tax invoice, and says so in its title. */
const titleOf = (doc: InvoiceDocument, w: Translator) =>
  w.t(`invoice.title.${doc.profile === 'payment_request' ? 'payment_request' : doc.kind}`);

/**
 * The invoice PDF (pdfkit, standard fonts, no browser): seller and buyer, job, service date and site,
 * technicians, lines, VAT breakdown, totals, deposit, terms and due date, memo, page numbers; then the
 * proof pages (the approval log stays in the internal packet). CreationDate is the issue time, so a re-render gives the same bytes.
 * With a pay link (the organization takes payments online), the footer prints it and its QR code: a phone's
 * camera opens the page that pays this document.
 */
export const renderInvoicePdf = async (
  doc: InvoiceDocument,
  header: IssuedHeader & { issuedAt: Date },
  proof: Proof,
  logo: Buffer | null,
  pay: PayLink | null = null,
): Promise<Buffer> => {
  // The customer's language: every word, date and amount on the document (absent on older ones: English).
  const w = translator(doc.language ?? 'en');
  const { t } = w;
  const printDate = w.date;
  const printAmount = w.amount;
  const priceText = (p: string) => w.decimal(basePriceText(p));
  const unitWords = w.unit;
  const categoryWords = w.vatCategory;
  const pdf = newPdf(
    {
      size: 'A4',
      margin: 50,
      bufferPages: true,
      info: {
        Title: `${titleOf(doc, w)} ${header.number}`,
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
      doc.seller.vatId ? t('invoice.vatId', { id: doc.seller.vatId }) : null,
      doc.seller.companyId ? t('invoice.companyId', { id: doc.seller.companyId }) : null,
    ]
      .filter(Boolean)
      .join('\n'),
    PAGE.left,
    100,
    { width: 220 },
  );
  pdf
    .font(BOLD)
    .fontSize(18)
    .fillColor(accent)
    .text(titleOf(doc, w), 330, 50, { width: 215, align: 'right' });
  pdf.fillColor('black').font(REGULAR).fontSize(9);
  const meta = [
    t('invoice.number', { number: header.number }),
    t('invoice.issueDate', { date: printDate(header.issueDate) }),
    header.dueDate && doc.kind !== 'credit_note'
      ? t('invoice.dueDate', { date: printDate(header.dueDate) })
      : null,
    doc.jobNumbers.length > 0 ? t('invoice.job', { numbers: doc.jobNumbers.join(', ') }) : null,
    doc.serviceDate ? t('invoice.serviceDate', { date: printDate(doc.serviceDate) }) : null,
    doc.period
      ? t('invoice.period', { start: printDate(doc.period.start), end: printDate(doc.period.end) })
      : null,
    doc.poNumber ? t('invoice.poNumber', { po: doc.poNumber }) : null,
    doc.preceding
      ? t('invoice.corrects', { number: doc.preceding.number, date: printDate(doc.preceding.issueDate) })
      : null,
    doc.creditReason ? t('invoice.reason', { reason: t(`creditReasons.${doc.creditReason}`) }) : null,
    doc.profile === 'payment_request' ? t('invoice.notTaxInvoice') : null,
  ].filter((s): s is string => !!s);
  pdf.text(meta.join('\n'), 330, 80, { width: 215, align: 'right' });

  // Parties and the site.
  let y = 190;
  pdf.font(BOLD).fontSize(9).text(t('invoice.billTo'), PAGE.left, y);
  pdf.text(t('invoice.serviceSite'), 300, y);
  pdf.font(REGULAR).fontSize(9);
  pdf.text(
    [
      doc.buyer.legalName ?? doc.buyer.name,
      ...addressLines(doc.buyer.address),
      doc.buyer.vatId ? t('invoice.vatId', { id: doc.buyer.vatId }) : null,
    ]
      .filter(Boolean)
      .join('\n'),
    PAGE.left,
    y + 12,
    { width: 230 },
  );
  const siteText = doc.site ? [doc.site.name, ...addressLines(doc.site.address)] : [t('invoice.seeLines')];
  if (doc.technicians.length > 0)
    siteText.push(t('invoice.technicians', { names: doc.technicians.join(', ') }));
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
      { text: t('invoice.columns.description'), ...cols.desc },
      { text: t('invoice.columns.quantity'), ...cols.qty, align: 'right' },
      { text: t('invoice.columns.unit'), ...cols.unit },
      { text: t('invoice.columns.unitPrice'), ...cols.price, align: 'right' },
      { text: t('invoice.columns.vat'), ...cols.vat, align: 'right' },
      { text: t('invoice.columns.amount'), ...cols.amount, align: 'right' },
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
      ...l.allowances.map((a) => t('invoice.less', { reason: a.reason, amount: printAmount(a.amount, cur) })),
      ...l.charges.map((c) => t('invoice.plus', { reason: c.reason, amount: printAmount(c.amount, cur) })),
    ];
    const label = [
      doc.jobNumbers.length > 1 && l.jobNumber
        ? `${l.jobNumber} (${l.serviceDate ? printDate(l.serviceDate) : ''})`
        : null,
      l.description,
      l.sku ? t('invoice.sku', { sku: l.sku }) : null,
      l.grossPrice && l.priceDiscount
        ? t('invoice.listPrice', { price: priceText(l.grossPrice), discount: priceText(l.priceDiscount) })
        : null,
      ...adjustments,
    ]
      .filter(Boolean)
      .join('\n');
    y = row(pdf, y, [
      { text: label, ...cols.desc },
      { text: w.decimal(l.quantity), ...cols.qty, align: 'right' },
      { text: unitWords(l.unitCode), ...cols.unit },
      {
        text:
          l.baseQuantity === '1'
            ? priceText(l.unitPrice)
            : `${priceText(l.unitPrice)} / ${w.decimal(l.baseQuantity)}`,
        ...cols.price,
        align: 'right',
      },
      {
        // The rate only: the breakdown below names each category in words.
        text: w.percent(l.tax.rate),
        ...cols.vat,
        align: 'right',
      },
      { text: printAmount(l.netAmount, cur), ...cols.amount, align: 'right' },
    ]);
  }
  for (const [label, list] of [
    ['invoice.allowance', doc.calc.allowances],
    ['invoice.charge', doc.calc.charges],
  ] as const) {
    for (const a of list) {
      y = row(pdf, y, [
        {
          text: `${t(label, { reason: a.reason })}${a.percent ? ` ${t('invoice.percentOf', { percent: w.percent(a.percent), base: printAmount(a.baseAmount ?? '0', cur) })}` : ''}`,
          x: PAGE.left,
          width: 370,
        },
        {
          text: w.percent(a.tax.rate),
          ...cols.vat,
          align: 'right',
        },
        {
          text: printAmount(label === 'invoice.allowance' ? `-${a.amount}` : a.amount, cur),
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
      {
        text: t(doc.profile === 'us_sales_tax' ? 'invoice.salesTax' : 'invoice.vatBreakdown'),
        x: PAGE.left,
        width: 200,
      },
      { text: t('invoice.rate'), x: 250, width: 60, align: 'right' },
      { text: t('invoice.taxable'), x: 320, width: 110, align: 'right' },
      { text: t('invoice.tax'), x: 435, width: 110, align: 'right' },
    ],
    true,
  );
  for (const s of doc.calc.taxSubtotals) {
    const name = s.category
      ? `${categoryWords(s.category)}${s.exemptionReason || s.exemptionReasonCode ? `: ${s.exemptionReason ?? s.exemptionReasonCode}` : ''}`
      : (s.jurisdiction ?? '');
    y = row(pdf, y, [
      { text: name, x: PAGE.left, width: 200 },
      { text: w.percent(s.rate), x: 250, width: 60, align: 'right' },
      { text: printAmount(s.taxableAmount, cur), x: 320, width: 110, align: 'right' },
      { text: printAmount(s.taxAmount, cur), x: 435, width: 110, align: 'right' },
    ]);
  }

  // Totals (the labels are stable: the cross-view test reads them back with pdftotext).
  y += 10;
  const totals = doc.calc.totals;
  const totalRows: [string, string, boolean][] = [
    [t('invoice.totals.lineTotal'), totals.lineTotal, false],
    ...(doc.calc.allowances.length
      ? ([[t('invoice.totals.allowances'), totals.allowanceTotal, false]] as [string, string, boolean][])
      : []),
    ...(doc.calc.charges.length
      ? ([[t('invoice.totals.charges'), totals.chargeTotal, false]] as [string, string, boolean][])
      : []),
    [t('invoice.totals.taxExclusive'), totals.taxExclusive, false],
    [t('invoice.totals.taxTotal'), totals.taxTotal, false],
    [t('invoice.totals.taxInclusive'), totals.taxInclusive, true],
    ...(Number(totals.prepaid) !== 0
      ? ([[t('invoice.totals.prepaid'), totals.prepaid, false]] as [string, string, boolean][])
      : []),
    ...(Number(totals.rounding) !== 0
      ? ([[t('invoice.totals.rounding'), totals.rounding, false]] as [string, string, boolean][])
      : []),
    [
      t(doc.kind === 'credit_note' ? 'invoice.totals.amountCredited' : 'invoice.totals.amountDue'),
      totals.payable,
      true,
    ],
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
      { text: t('invoice.taxTotalIn', { currency: taxCurrency.code }), x: 320, width: 110 },
      { text: printAmount(taxCurrency.taxTotal, taxCurrency.code), x: 435, width: 110, align: 'right' },
    ]);

  // Terms, payment, memo, custom fields.
  y += 14;
  const footer = [
    doc.kind === 'credit_note'
      ? null
      : doc.paymentTermsDays > 0
        ? header.dueDate
          ? t('invoice.termsDue', { days: doc.paymentTermsDays, date: printDate(header.dueDate) })
          : t('invoice.terms', { days: doc.paymentTermsDays })
        : t('invoice.termsOnReceipt'),
    doc.iban && doc.kind !== 'credit_note'
      ? t('invoice.transfer', {
          iban: doc.iban,
          number: header.number,
          reference: printRf(rfReference(header.number)),
        })
      : null,
    doc.memo ? t('invoice.memo', { memo: doc.memo }) : null,
    ...doc.customFields.map((f) => `${f.label}: ${f.value}`),
    exchangeText(doc, w),
  ].filter((s): s is string => !!s);
  if (pay?.url) footer.push(t('invoice.payOnline', { url: pay.url }));
  // Right to left: the pay link's code, then the banking app's.
  const codes = [
    pay?.url ? { label: t('invoice.scanToPay'), text: pay.url } : null,
    pay?.transferQr ? { label: t('invoice.scanInBank'), text: pay.transferQr } : null,
  ].filter((c): c is { label: string; text: string } => c !== null);
  if (footer.length > 0) {
    const qr = codes.length > 0 ? QR_SIZE + 14 : 0;
    if (y + Math.max(60, qr) > PAGE.bottom) {
      pdf.addPage();
      y = 50;
    }
    pdf
      .font(REGULAR)
      .fontSize(9)
      .fillColor('black')
      .text(footer.join('\n'), PAGE.left, y, {
        width: PAGE.right - PAGE.left - codes.length * (QR_SIZE + 16),
      });
    codes.forEach((code, i) => {
      const x = PAGE.right - QR_SIZE - i * (QR_SIZE + 16);
      pdf
        .font(BOLD)
        .fontSize(8)
        .fillColor(accent)
        .text(code.label, x - 8, y, { width: QR_SIZE + 16, align: 'center' });
      drawQr(pdf, code.text, x, y + 10, QR_SIZE);
    });
  }

  renderProofPages(pdf, proof, accent, w);

  numberPages(pdf, header.number, w);
  pdf.end();
  return done;
};
