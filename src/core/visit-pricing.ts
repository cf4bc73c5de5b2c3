import Decimal from 'decimal.js';
import {
  type CalcLine,
  type CalcLineInput,
  type DocumentAdjustmentInput,
  discountAllowances,
  grossOf,
  type TaxTreatment,
} from './invoice-calc';
import type { DocumentLine } from './invoice-document';

/** A billable closeout line of one visit (a job), with its tax already decided. */
export type VisitLine = {
  kind: 'labor' | 'part' | 'adjustment';
  description: string;
  sku: string | null;
  unitCode: string;
  quantity: string;
  unitPrice: string;
  /** The price book's price, when the line was priced below it (shown as BT-148/BT-147). */
  listPrice?: string | null | undefined;
  tax: TaxTreatment;
};

export type Visit = {
  jobNumber: string;
  serviceDate: string | null;
  discountPercent: string | null;
  lines: VisitLine[];
};

export type PricedVisits = {
  lines: CalcLineInput[];
  meta: Omit<DocumentLine, keyof CalcLine>[];
  allowances: DocumentAdjustmentInput[];
  charges: DocumentAdjustmentInput[];
};

/**
 * The one way work is priced onto an invoice, whether it bills one job or a billing cycle's visits: each
 * visit's items as lines; its trip charges and disposal fees as document charges (BG-21); its discount as
 * an allowance per VAT group, a percent of that visit's own lines. A cycle invoice is then exactly the
 * visits' invoices side by side, so billing the same work per visit or per cycle comes to the same net
 * (the VAT, computed once per document on the summed base, BR-CO-17, may differ by a cent per visit).
 */
export const priceVisits = (visits: Visit[]): PricedVisits => {
  const cycle = visits.length > 1;
  const out: PricedVisits = { lines: [], meta: [], allowances: [], charges: [] };
  for (const v of visits) {
    const suffix = cycle ? ` (${v.jobNumber})` : '';
    const first = out.lines.length;
    for (const l of v.lines) {
      if (l.kind === 'adjustment') {
        out.charges.push({
          amount: grossOf(l.quantity, l.unitPrice).toFixed(),
          reason: `${l.description}${suffix}`,
          tax: l.tax,
        });
        continue;
      }
      const below = l.listPrice != null && new Decimal(l.listPrice).gt(l.unitPrice);
      out.lines.push({
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        tax: l.tax,
        ...(below ? { grossPrice: new Decimal(l.listPrice as string).toFixed() } : {}),
      });
      out.meta.push({
        position: out.lines.length,
        description: l.description,
        sku: l.sku,
        unitCode: l.unitCode,
        kind: cycle ? 'visit' : l.kind,
        jobNumber: v.jobNumber,
        serviceDate: v.serviceDate,
      });
    }
    // The visit's discount is of its own lines: the calculator takes the percent of exactly those.
    const own = out.lines.map((_, i) => i).slice(first);
    for (const a of discountAllowances(v.discountPercent, out.lines, own))
      out.allowances.push({ ...a, reason: `${a.reason}${suffix}` });
  }
  return out;
};
