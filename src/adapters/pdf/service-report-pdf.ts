import type { Proof, ServiceReport } from '../../app/documents-port';
import { type Translator, translator } from '../../core/i18n';
import { en } from '../../core/i18n/en';

import { addressLines, BOLD, collect, newPdf, numberPages, PAGE, REGULAR, row } from './pdf-kit';

/**
 * Proof of work, in the reader's language: photos by category, the signature with signer and time, time and
 * place, in the organization's zone.
 */
export const renderProofPages = (
  pdf: PDFKit.PDFDocument,
  proof: Proof,
  accent: string,
  w: Translator = translator(),
) => {
  const at = (instant: string) => w.dateTime(instant, proof.timeZone);
  const hasProof =
    proof.photos.length > 0 ||
    proof.signature ||
    proof.signatureException ||
    proof.completion ||
    proof.workPerformed;
  if (hasProof) {
    pdf.addPage();
    pdf.font(BOLD).fontSize(14).fillColor(accent).text(w.t('proof.title'), PAGE.left, 50);
    pdf.fillColor('black').font(REGULAR).fontSize(9);
    let y = 75;
    if (proof.completion) {
      const c = proof.completion;
      const when = c.at ? at(c.at) : w.t('proof.notRecorded');
      pdf.text(
        c.latitude !== null && c.longitude !== null
          ? w.t('proof.completedAt', {
              at: when,
              latitude: w.decimal(c.latitude.toFixed(5)),
              longitude: w.decimal(c.longitude.toFixed(5)),
            })
          : w.t('proof.completed', { at: when }),
        PAGE.left,
        y,
      );
      y += 16;
    }
    if (proof.workPerformed) {
      const text = [
        ...proof.workPerformed.checklist.map((c) => w.t('proof.done', { item: c })),
        proof.workPerformed.notes ? w.t('proof.notes', { notes: proof.workPerformed.notes }) : null,
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
          w.t('proof.photos', {
            category: w.t(
              `proof.categories.${category in en.proof.categories ? (category as keyof typeof en.proof.categories) : 'other'}`,
            ),
            count: photos.length,
          }),
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
          .text(photo.capturedAt ? at(photo.capturedAt) : '', x, y + 117, {
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
      pdf.font(BOLD).fontSize(10).text(w.t('proof.signature'), PAGE.left, y);
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
          ? w.t('proof.signedBy', { name: proof.signature.signerName, at: at(proof.signature.signedAt) })
          : w.t('proof.noSignature', { reason: proof.signatureException ?? '' }),
        PAGE.left,
        y,
      );
    }
  }
  // The approval log is internal: it travels in the packet (approval-log.json), never on the customer's PDF.
};

/** The work-completed report: what was done, with what parts, and the proof, billed or not (warranty, plans). */
export const renderServiceReportPdf = async (r: ServiceReport, proof: Proof): Promise<Buffer> => {
  const w = translator(r.language);
  const pdf = newPdf(
    {
      size: 'A4',
      margin: 50,
      bufferPages: true,
      info: {
        Title: w.t('serviceReport.documentTitle', { number: r.jobNumber }),
        Author: r.seller.name,
        CreationDate: r.createdAt,
      },
    },
    [r, proof.signature?.signerName, proof.signatureException, proof.workPerformed, proof.approvals],
  );
  const done = collect(pdf);
  pdf.font(BOLD).fontSize(16).fillColor(r.seller.color).text(r.seller.name, PAGE.left, 50);
  pdf.fontSize(18).text(w.t('serviceReport.title'), 330, 50, { width: 215, align: 'right' });
  pdf.fillColor('black').font(REGULAR).fontSize(9);
  pdf.text(
    [
      w.t('serviceReport.job', { number: r.jobNumber }),
      w.t('serviceReport.customer', { name: r.customer }),
      w.t('serviceReport.site', { name: r.site.name }),
      ...addressLines(r.site.address),
      w.t('serviceReport.technicians', { names: r.technicians.join(', ') || '-' }),
    ].join('\n'),
    PAGE.left,
    90,
    { width: 300 },
  );
  pdf.font(BOLD).text(w.t('serviceReport.scope'), PAGE.left, pdf.y + 12);
  pdf.font(REGULAR).text(r.scope, { width: PAGE.right - PAGE.left });
  let y = pdf.y + 12;
  y = row(
    pdf,
    y,
    [
      { text: w.t('serviceReport.workAndParts'), x: PAGE.left, width: 350 },
      { text: w.t('invoice.columns.quantity'), x: 410, width: 60, align: 'right' },
      { text: w.t('invoice.columns.unit'), x: 480, width: 60 },
    ],
    true,
  );
  for (const l of r.lines) {
    y = row(pdf, y, [
      {
        text:
          l.description +
          (l.serialNumbers.length
            ? `\n${w.t('serviceReport.serials', { serials: l.serialNumbers.join(', ') })}`
            : ''),
        x: PAGE.left,
        width: 350,
      },
      { text: w.decimal(l.quantity), x: 410, width: 60, align: 'right' },
      { text: w.unit(l.unitCode), x: 480, width: 60 },
    ]);
  }
  renderProofPages(pdf, proof, r.seller.color, w);
  numberPages(pdf, r.jobNumber, w);
  pdf.end();
  return done;
};
