import type { Proof } from '../../app/documents-port';
import { exchangeText, type InvoiceDocument, type IssuedHeader } from '../../core/invoice-document';
import { transferWords } from '../../core/invoice-email';
import { printAmount } from '../../core/money';
import { vatCategoryText } from '../../core/tax';
import { printDate } from '../../core/time';
import { unitText } from '../../core/units';

import {
  addressLines,
  BOLD,
  collect,
  drawQr,
  newPdf,
  numberPages,
  PAGE,
  priceText,
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

const TITLES = {
  invoice: 'INVOICE',
  deposit_invoice: 'DEPOSIT INVOICE',
  credit_note: 'CREDIT NOTE',
} as const;
/** A payment request is not a tax invoice, and says so in its title. */
const titleOf = (doc: InvoiceDocument) =>
  doc.profile === 'payment_request' ? 'PAYMENT REQUEST' : TITLES[doc.kind];

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
      ? `${vatCategoryText(t.category)}${t.exemptionReason || t.exemptionReasonCode ? `: ${t.exemptionReason ?? t.exemptionReasonCode}` : ''}`
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
    doc.iban && doc.kind !== 'credit_note' ? transferWords(doc.iban, header.number) : null,
    doc.memo ? `Memo: ${doc.memo}` : null,
    ...doc.customFields.map((f) => `${f.label}: ${f.value}`),
    exchangeText(doc),
  ].filter((s): s is string => !!s);
  if (pay?.url) footer.push(`Pay online: ${pay.url}`);
  // Right to left: the pay link's code, then the banking app's.
  const codes = [
    pay?.url ? { label: 'Scan to pay', text: pay.url } : null,
    pay?.transferQr ? { label: 'Scan in your banking app', text: pay.transferQr } : null,
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

  renderProofPages(pdf, proof, accent);

  numberPages(pdf, header.number);
  pdf.end();
  return done;
};
