import type { WorkOrdersT, WorkOrderT } from '../../../src/contracts/work-orders';
import { agreedScope } from '../../../src/core/change-orders';
import { type MissingItem, missingItems, type PhotoCategory } from '../../../src/core/closeout-rules';
import {
  type CalcLineInput,
  type Calculation,
  calculate,
  discountAllowances,
} from '../../../src/core/invoice-calc';
import type { Draft, OutboxItem, Photo } from './db';

const DECIMAL = /^\d{1,10}(\.\d{1,4})?$/;
export const isDecimal = (v: string) => DECIMAL.test(v.trim());

/** What this closeout still lacks: the same function the server runs on submit. */
/** The job type's fields the technician fills at closeout. */
export const closeoutFields = (w: WorkOrderT) =>
  w.jobType.customFields.filter((f) => f.capture === 'closeout');

/** Typed values as the API takes them: numbers as numbers, empty ones left out. */
const customValues = (w: WorkOrderT, d: Draft): Record<string, string | number> => {
  const out: Record<string, string | number> = {};
  for (const f of closeoutFields(w)) {
    const v = d.customFields?.[f.key]?.trim() ?? '';
    if (!v) continue;
    out[f.key] = f.type === 'number' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return out;
};

export const missingFor = (w: WorkOrderT, d: Draft, photos: Photo[]): MissingItem[] => {
  const counts: Partial<Record<PhotoCategory, number>> = {};
  for (const p of photos) if (d.photoIds.includes(p.id)) counts[p.category] = (counts[p.category] ?? 0) + 1;
  return missingItems(w.jobType.requirements, w.jobType.billingMode, {
    checklistDone: d.checklistDone,
    notes: d.notes,
    photos: counts,
    serialNumbers: d.parts.filter((p) => p.serial.trim()).length,
    hasSignature: d.signature !== null,
    hasSignatureException: d.signatureException !== null,
    partLines: d.parts.map((p) => ({
      sku: p.sku,
      description: p.description,
      quantity: isDecimal(p.quantity) ? p.quantity : null,
      unitPrice: isDecimal(p.unitPrice) ? p.unitPrice : null,
    })),
    laborHours: isDecimal(d.laborHours) ? Number(d.laborHours) : 0,
    missingCustomFields: closeoutFields(w)
      .filter((f) => f.required && (w.job.customFields[f.key] ?? '') === '' && !(f.key in customValues(w, d)))
      .map((f) => ({ key: f.key, label: f.label })),
  });
};

/**
 * The invoice totals of this closeout as the office will see them: the shared calculator, the line's tax
 * as the server resolves it, the job's discount per tax group and any deposit received as prepaid.
 */
export const totalsFor = (work: WorkOrdersT, w: WorkOrderT, d: Draft): Calculation | null => {
  const lines: CalcLineInput[] = [];
  const fallback = w.defaultTax;
  const taxOfSku = (sku: string | null | undefined) => {
    const item = sku ? work.priceBook.find((i) => i.sku === sku) : undefined;
    return (item && w.taxByCode[item.taxCodeId]) ?? fallback;
  };
  // A fixed-price job is billed at its agreed price (the estimate and the change orders the customer
  // approved), whatever time and parts are recorded.
  if (w.jobType.billingMode === 'fixed') {
    const approved = w.changeOrders.filter((c) => c.status === 'approved');
    for (const e of agreedScope(w.job.estimateLines, approved)) {
      const tax = (e.taxCodeId ? w.taxByCode[e.taxCodeId] : undefined) ?? taxOfSku(e.sku);
      if (tax) lines.push({ quantity: e.quantity, unitPrice: e.unitPrice, tax });
    }
    return totalsOf(work, w, lines);
  }
  // Labour as the server prices it: the job type's labour item, or the technician's rate where the
  // organization bills by technician (or the price book has no labour item for this work).
  const laborItem = w.jobType.laborSku ? work.priceBook.find((i) => i.sku === w.jobType.laborSku) : undefined;
  const byTechnician = work.organization.laborPricing === 'technician_rate';
  const rate = byTechnician
    ? (work.technician.hourlyRate ?? laborItem?.unitPrice)
    : (laborItem?.unitPrice ?? work.technician.hourlyRate);
  const laborTax = (laborItem && w.taxByCode[laborItem.taxCodeId]) ?? fallback;
  if (isDecimal(d.laborHours) && Number(d.laborHours) > 0 && rate && laborTax)
    lines.push({ quantity: d.laborHours, unitPrice: rate, tax: laborTax });
  for (const p of d.parts) {
    if (!isDecimal(p.quantity) || !isDecimal(p.unitPrice)) continue;
    const tax = taxOfSku(p.sku);
    if (tax) lines.push({ quantity: p.quantity, unitPrice: p.unitPrice, tax });
  }
  return totalsOf(work, w, lines);
};

/**
 * The supply's totals, with the deposit the customer paid as prepaid: what is still to pay over all the
 * job's documents, whichever way the organization bills deposits.
 */
const totalsOf = (work: WorkOrdersT, w: WorkOrderT, lines: CalcLineInput[]): Calculation | null => {
  if (lines.length === 0) return null;
  const result = calculate({
    currency: work.organization.currency,
    scheme: work.organization.taxScheme,
    kind: 'invoice',
    lines,
    allowances: discountAllowances(w.job.discountPercent, lines),
    ...(w.job.depositReceived ? { prepaid: w.job.depositReceived } : {}),
  });
  return result.ok ? result.value : null;
};

/** The closeout as the API takes it, less the attachment IDs the sync fills in after uploading. */
export const bodyOf = (
  work: WorkOrdersT,
  w: WorkOrderT,
  d: Draft,
  submissionId: string,
  gps: GeolocationCoordinates | null,
): NonNullable<OutboxItem['body']> => ({
  submissionId,
  jobVersion: w.job.version,
  workPerformed: {
    checklist: w.jobType.requirements.checklist.map((item) => ({
      item,
      done: d.checklistDone.includes(item),
    })),
    notes: d.notes,
  },
  labor:
    isDecimal(d.laborHours) && Number(d.laborHours) > 0
      ? [{ technicianId: work.technician.id, hours: d.laborHours.trim(), billable: true }]
      : [],
  parts: d.parts.map((p) => ({
    ...(p.sku ? { sku: p.sku } : {}),
    ...(p.description.trim() ? { description: p.description.trim() } : {}),
    quantity: p.quantity.trim(),
    ...(isDecimal(p.unitPrice) ? { unitPrice: p.unitPrice.trim() } : {}),
    serialNumbers: p.serial.trim() ? [p.serial.trim()] : [],
    billable: true,
  })),
  adjustments: [],
  ...(d.signatureException ? { signatureException: d.signatureException } : {}),
  deviceTime: new Date().toISOString(),
  ...(gps
    ? { gps: { latitude: gps.latitude, longitude: gps.longitude, accuracy: Math.min(100_000, gps.accuracy) } }
    : {}),
  exceptionFlags: [],
  customFields: customValues(w, d),
});

/** Hours on the timer, to two decimals, for the labor line. */
export const timerHours = (d: Draft, now = Date.now()): number => {
  const running = d.timer.startedAt ? now - new Date(d.timer.startedAt).getTime() : 0;
  return Math.round(((d.timer.elapsedMs + running) / 3_600_000) * 100) / 100;
};
