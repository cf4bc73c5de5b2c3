import Decimal from 'decimal.js';
import type { ApprovalRule } from './job-type-templates';

/** The billable facts of a closeout that approval rules look at. Amounts and quantities are decimal strings. */
export type ApprovalFacts = {
  discountPercent: string | null;
  lines: {
    kind: 'labor' | 'part' | 'adjustment';
    quantity: string;
    unitPrice: string;
    listPrice: string | null;
    billable: boolean;
    technicianId: string | null;
  }[];
  /** Labor hours per technician and business date. */
  laborHoursByTechDay: { technicianId: string; date: string; hours: string }[];
  estimate: { laborHours: string; partsTotal: string; total: string } | null;
  exceptionFlags: string[];
  signatureMissingWithReason: boolean;
};

export type FiredRule = {
  /** A configured rule, or the technician's own stated exception. */
  code: ApprovalRule['code'] | 'stated_exception' | 'possible_duplicate_charge';
  observed: string;
  threshold: string | null;
  approverRole: ApprovalRule['approverRole'];
  slaHours: number;
  message: string;
};

/** Hours beyond this in one day for one technician are overtime. */
export const REGULAR_HOURS_PER_DAY = 8;

const D = (v: string | number) => new Decimal(v);
const sum = (xs: Decimal[]) => xs.reduce((a, b) => a.plus(b), D(0));
const percentOver = (actual: Decimal, estimate: Decimal) => actual.minus(estimate).div(estimate).times(100);
const fmt = (d: Decimal, places = 2) => d.toDecimalPlaces(places, Decimal.ROUND_HALF_UP).toFixed();

/** Net of the billable lines after the job's discount: what the invoice will roughly total before tax. */
export const netTotal = (f: Pick<ApprovalFacts, 'lines' | 'discountPercent'>): Decimal => {
  const gross = sum(f.lines.filter((l) => l.billable).map((l) => D(l.quantity).times(l.unitPrice)));
  return f.discountPercent ? gross.times(D(100).minus(f.discountPercent)).div(100) : gross;
};

/**
 * Which rules a closeout breaks, each with what was observed and the threshold. A rule fires at its
 * threshold and above. Pure: the technician app can warn before submitting.
 */
export const firedRules = (rules: readonly ApprovalRule[], f: ApprovalFacts): FiredRule[] => {
  const fired: FiredRule[] = [];
  const fire = (r: ApprovalRule, observed: string, message: string) =>
    fired.push({
      code: r.code,
      observed,
      threshold: r.threshold,
      approverRole: r.approverRole,
      slaHours: r.slaHours,
      message,
    });
  const t = (r: ApprovalRule) => D(r.threshold ?? '0');
  const labor = sum(f.lines.filter((l) => l.kind === 'labor').map((l) => D(l.quantity)));
  const parts = sum(
    f.lines.filter((l) => l.kind === 'part' && l.billable).map((l) => D(l.quantity).times(l.unitPrice)),
  );
  const total = netTotal(f);
  for (const r of rules) {
    switch (r.code) {
      case 'discount_above_percent': {
        const d = D(f.discountPercent ?? '0');
        if (d.gt(0) && d.gte(t(r))) fire(r, fmt(d), `Discount ${fmt(d)} % (threshold ${r.threshold} %)`);
        break;
      }
      case 'labor_hours_over_estimate': {
        if (!f.estimate) break;
        const over = labor.minus(f.estimate.laborHours);
        if (over.gt(0) && over.gte(t(r)))
          fire(r, fmt(over), `${fmt(over)} labor hours over the estimate (threshold ${r.threshold})`);
        break;
      }
      case 'overtime_hours_above': {
        const overtime = sum(
          f.laborHoursByTechDay.map((d) => Decimal.max(0, D(d.hours).minus(REGULAR_HOURS_PER_DAY))),
        );
        const flagged = f.exceptionFlags.includes('overtime');
        if ((overtime.gt(0) && overtime.gte(t(r))) || (flagged && t(r).eq(0)))
          fire(r, fmt(overtime), `${fmt(overtime)} overtime hours (threshold ${r.threshold})`);
        break;
      }
      case 'parts_over_estimate_percent': {
        if (!f.estimate || D(f.estimate.partsTotal).lte(0)) break;
        const pct = percentOver(parts, D(f.estimate.partsTotal));
        if (pct.gt(0) && pct.gte(t(r)))
          fire(r, fmt(pct, 1), `Parts ${fmt(pct, 1)} % over the estimate (threshold ${r.threshold} %)`);
        break;
      }
      case 'total_over_estimate_percent': {
        if (!f.estimate || D(f.estimate.total).lte(0)) break;
        const pct = percentOver(total, D(f.estimate.total));
        if (pct.gt(0) && pct.gte(t(r)))
          fire(r, fmt(pct, 1), `Total ${fmt(pct, 1)} % over the estimate (threshold ${r.threshold} %)`);
        break;
      }
      case 'missing_signature':
        if (f.signatureMissingWithReason)
          fire(r, 'no signature', 'No customer signature (exception with a reason)');
        break;
      case 'warranty_or_no_charge': {
        const flags = f.exceptionFlags.filter((x) => x === 'warranty' || x === 'no_charge');
        const free = f.lines.filter((l) => !l.billable).length;
        if (flags.length > 0 || free > 0)
          fire(
            r,
            flags.length ? flags.join(', ') : `${free} non-billable line(s)`,
            'Warranty or no-charge work',
          );
        break;
      }
      case 'price_below_price_book': {
        const below = f.lines.filter((l) => l.listPrice !== null && D(l.unitPrice).lt(l.listPrice));
        if (below.length > 0)
          fire(r, `${below.length} line(s)`, `${below.length} line(s) priced below the price book`);
        break;
      }
      case 'invoice_total_above':
        if (total.gte(t(r))) fire(r, fmt(total), `Total ${fmt(total)} (threshold ${r.threshold})`);
        break;
    }
  }
  return fired;
};

/** The job type's rules, plus the organization's defaults for every code the job type does not set itself. */
export const effectiveApprovalRules = (
  jobType: readonly ApprovalRule[],
  defaults: readonly ApprovalRule[],
): ApprovalRule[] => [...jobType, ...defaults.filter((d) => !jobType.some((r) => r.code === d.code))];

/** A billed line as the duplicate check compares it. */
export type ChargedLine = {
  kind: string;
  sku: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
  serialNumbers: string[];
};

/**
 * Lines of a revision (add-on work) that repeat the original job's: the same serial number, or the same
 * item (SKU, else description and price) in the same quantity. Billing them again would charge the
 * customer twice for one piece of work, so the revision waits for a person instead of being invoiced.
 */
export const repeatedLines = (revision: ChargedLine[], original: ChargedLine[]): ChargedLine[] => {
  const same = (a: ChargedLine, b: ChargedLine) =>
    a.serialNumbers.some((s) => b.serialNumbers.includes(s)) ||
    (a.kind === b.kind &&
      D(a.quantity).eq(b.quantity) &&
      (a.sku && b.sku
        ? a.sku === b.sku
        : a.description.trim().toLowerCase() === b.description.trim().toLowerCase() &&
          D(a.unitPrice).eq(b.unitPrice)));
  return revision.filter((r) => original.some((o) => same(r, o)));
};

/** The rule a possible double charge fires: billing decides, with the repeated lines named. */
export const duplicateChargeRule = (repeats: ChargedLine[], originalNumber: string): FiredRule => ({
  code: 'possible_duplicate_charge',
  observed: `${repeats.length} line${repeats.length === 1 ? '' : 's'} already billed on ${originalNumber}`,
  threshold: null,
  approverRole: 'billing',
  slaHours: 24,
  message: `Possible double charge: ${repeats
    .map((r) => `${r.description} × ${D(r.quantity).toFixed()}`)
    .join(', ')} already billed on ${originalNumber}`,
});
