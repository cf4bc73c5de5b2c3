import Decimal from 'decimal.js';
import type { FieldProblem } from './errors';
import type { TaxSubtotal, TaxTreatment } from './invoice-calc-types';

/**
 * Progress (milestone) billing of a fixed-price job (#22): the agreed contract is billed in steps as the
 * work advances, each step to a cumulative percent complete. A step bills, per VAT group of the contract,
 * the cumulative target to the cent less what the earlier steps billed, so the steps of any sequence add up
 * to the contract exactly and the VAT over them is the contract's at each rate. The final invoice bills the
 * whole contract and deducts the steps as advances (build-job-documents: advancesOf). Pure: it runs in the
 * browser for the live amount.
 */

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
