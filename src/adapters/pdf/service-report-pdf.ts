import type { Proof, ServiceReport } from '../../app/documents-port';
import { PHOTO_CATEGORY_WORDS } from '../../core/job-type-templates';
import { printDateTime } from '../../core/time';
import { unitText } from '../../core/units';

import { addressLines, BOLD, collect, newPdf, numberPages, PAGE, REGULAR, row } from './pdf-kit';

/** Proof photo categories as a reader names them. */
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
        .text(
          `${PHOTO_CATEGORY_WORDS[category as keyof typeof PHOTO_CATEGORY_WORDS] ?? 'Other photos'} (${photos.length})`,
          PAGE.left,
          y,
        );
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
