import Decimal from 'decimal.js';
import type { FieldProblem } from './errors';
import { calculate } from './invoice-calc';
import type { TaxSubtotal, TaxTreatment } from './invoice-calc-types';

/**
 * Progress (milestone) billing of a fixed-price job (#22): the agreed contract is billed in steps as the
 * work advances, each step to a cumulative percent complete. A step bills, per VAT group of the contract,
 * the cumulative target to the cent less what the earlier steps billed, so the steps of any sequence add up
 * to the contract exactly and the VAT over them is the contract's at each rate. The final invoice bills the
 * whole contract and deducts the steps as advances (build-job-documents: advancesOf). Pure: it runs in the
 * browser for the live amount.
 */

/** Why retainage is refused on work that is not fixed-price: only a fixed-price contract is billed in steps. */
export const RETAINAGE_FIXED_ONLY = 'only a fixed-price job is billed in steps, so only it holds retainage';

export type ContractGroup = { tax: TaxTreatment; net: string };
export type ProgressLine = { tax: TaxTreatment; net: string };

/** The contract's VAT groups as the final invoice would tax them: each group's taxable amount. */
export const contractGroupsOf = (subtotals: readonly TaxSubtotal[]): ContractGroup[] =>
  subtotals.map((s) => ({
    tax: {
      category: s.category,
      rate: s.rate,
      exemptionReason: s.exemptionReason,
      exemptionReasonCode: s.exemptionReasonCode,
      jurisdiction: s.jurisdiction,
    },
    net: s.taxableAmount,
  }));

const share = (amount: string, percent: string, decimals: number) =>
  new Decimal(amount).times(percent).div(100).toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP);

/** What a step from `before` % to `percent` % bills in each group (a group whose share is nothing is left out). */
export const progressLines = (
  groups: readonly ContractGroup[],
  before: string,
  percent: string,
  decimals: number,
): ProgressLine[] =>
  groups
    .map((g) => ({
      tax: g.tax,
      net: share(g.net, percent, decimals)
        .minus(share(g.net, before, decimals))
        .toFixed(decimals),
    }))
    .filter((l) => !new Decimal(l.net).isZero());

/**
 * Retainage held back from a step: per group, the retainage percent of what the step bills, to the cent.
 * It is a document allowance (BG-20) at the group's own tax treatment, so the VAT on what is held is charged
 * when the final invoice releases it (it deducts the step at its taxable amount, net of what was held).
 */
export const retainedLines = (
  lines: readonly ProgressLine[],
  retainagePercent: string | null,
  decimals: number,
) =>
  retainagePercent && !new Decimal(retainagePercent).isZero()
    ? lines
        .map((l) => ({ tax: l.tax, net: share(l.net, retainagePercent, decimals).toFixed(decimals) }))
        .filter((l) => !new Decimal(l.net).isZero())
    : [];

/** A step's calculator input: what it bills in each group as a line, what it holds back as an allowance. */
export const progressStepInput = (
  step: { lines: readonly ProgressLine[]; retained: readonly ProgressLine[] },
  retainagePercent: string | null,
) => ({
  lines: step.lines.map((l) => ({ quantity: '1', unitPrice: l.net, tax: l.tax })),
  allowances: step.retained.map((l) => ({
    amount: l.net,
    reason: `Retainage ${new Decimal(retainagePercent ?? '0').toFixed()} % held back until the work is complete`,
    tax: l.tax,
  })),
});

/**
 * What a step to `percent` asks, tax included, as the server's calculator prices it (null: not a valid step).
 * The browser shows it live.
 */
export const progressStepAmount = (
  p: {
    groups: readonly ContractGroup[];
    percentBilled: string;
    decimals: number;
    currency: string;
    scheme: 'vat' | 'us_sales_tax';
    retainagePercent: string | null;
  },
  percent: string,
): { gross: string; retained: string } | null => {
  if (!/^\d{1,2}(\.\d{1,2})?$/.test(percent) || progressProblem(p.percentBilled, percent)) return null;
  const lines = progressLines(p.groups, p.percentBilled, percent, p.decimals);
  if (lines.length === 0) return null;
  const retained = retainedLines(lines, p.retainagePercent, p.decimals);
  const r = calculate({
    currency: p.currency,
    scheme: p.scheme,
    kind: 'deposit_invoice',
    ...progressStepInput({ lines, retained }, p.retainagePercent),
  });
  if (!r.ok) return null;
  if (retained.length === 0) return { gross: r.value.totals.taxInclusive, retained: '0' };
  const whole = calculate({
    currency: p.currency,
    scheme: p.scheme,
    kind: 'deposit_invoice',
    ...progressStepInput({ lines, retained: [] }, null),
  });
  if (!whole.ok) return null;
  // What is held, tax included: what the step would ask without retainage, less what it asks.
  const held = new Decimal(whole.value.totals.taxInclusive).minus(r.value.totals.taxInclusive);
  return { gross: r.value.totals.taxInclusive, retained: held.toFixed(p.decimals) };
};

/**
 * Why a step to `percent` cannot be billed after steps up to `before`: it must move forward, and stop short
 * of 100 % (the rest is the final invoice, made when the job is closed out). Null: it can.
 */
export const progressProblem = (before: string, percent: string): FieldProblem | null => {
  const p = new Decimal(percent);
  if (p.lte(0) || p.gte(100))
    return { field: 'percent', message: 'must be above 0 and below 100: the final invoice bills the rest' };
  if (p.lte(before))
    return {
      field: 'percent',
      message: `must be above the ${new Decimal(before).toFixed()} % already billed`,
    };
  return null;
};
