import type { FieldProblem } from './errors';
import type { VatCategory } from './tax';

/** The calculator's input and output (EN 16931 semantic model; see invoice-calc.ts). */

export type TaxTreatment = {
  /** VAT category (UNCL5305 subset); null under US sales tax. */
  category: VatCategory | null;
  /** Percent, e.g. "23" or "8.875". */
  rate: string;
  exemptionReasonCode?: string | null | undefined;
  exemptionReason?: string | null | undefined;
  /** US sales tax: the jurisdiction whose rate applies. */
  jurisdiction?: string | null | undefined;
};

export type LineAdjustment = {
  /** A fixed amount, or a percent of the line's gross amount (quantity × net price). */
  amount?: string | undefined;
  percent?: string | undefined;
  reason: string;
  reasonCode?: string | undefined;
};

export type CalcLineInput = {
  quantity: string;
  unitPrice: string;
  /** BT-149: the quantity the unit price is for (price per 100 screws). */
  baseQuantity?: string | undefined;
  /**
   * BT-148: the list (gross) price when the net price (unitPrice, BT-146) is below it; the difference is the
   * price discount (BT-147). Shown on the document; the net price is what the line is priced at.
   */
  grossPrice?: string | undefined;
  currency?: string | undefined;
  allowances?: LineAdjustment[] | undefined;
  charges?: LineAdjustment[] | undefined;
  tax: TaxTreatment;
};

export type DocumentAdjustmentInput = {
  amount?: string | undefined;
  /** Percent of baseAmount, or of the lines of this tax treatment when no baseAmount is given. */
  percent?: string | undefined;
  baseAmount?: string | undefined;
  /**
   * The lines (indices into `lines`) a percent is of: one visit's lines on a cycle invoice, a job's own work
   * and not the advance it deducts. All the lines of the tax treatment when absent.
   */
  lines?: number[] | undefined;
  reason: string;
  reasonCode?: string | undefined;
  tax: TaxTreatment;
};

export type CalcInput = {
  currency: string;
  scheme: 'vat' | 'us_sales_tax';
  kind: 'invoice' | 'deposit_invoice' | 'credit_note';
  lines: CalcLineInput[];
  allowances?: DocumentAdjustmentInput[] | undefined;
  charges?: DocumentAdjustmentInput[] | undefined;
  /** BT-113: amounts already paid (deposits), tax inclusive. */
  prepaid?: string | undefined;
  /** Cash rounding of the payable amount (e.g. "0.05" for CHF); none when absent. */
  payableRoundingIncrement?: string | undefined;
  /**
   * BT-114 given outright, at most one minor unit either way: a deposit asked for as a tax-inclusive amount
   * that no net at the rate reaches to the cent (100.03 at 23 %) is the amount due all the same.
   */
  rounding?: string | undefined;
  /**
   * How many minor units `rounding` may be: 1 unless a final invoice brings what its advances and it ask
   * to the agreed contract exactly (each advance rounded its own VAT, up to half a unit per rate each).
   */
  roundingUnits?: number | undefined;
  /**
   * BT-6: the VAT accounting currency, when the invoice is in another currency (an Irish business billing a
   * UK customer in GBP states the VAT in EUR too). `rate` is how many units of it one unit of the invoice
   * currency is worth on `rateDate`, as the office recorded it.
   */
  taxCurrency?: TaxCurrencyInput | undefined;
};

export type TaxCurrencyInput = { code: string; rate: string; rateDate: string };

/** BT-6 and BT-111: the VAT total in the accounting currency, with the rate it was converted at. */
export type TaxCurrency = TaxCurrencyInput & { taxTotal: string };

export type CalcAdjustment = {
  amount: string;
  baseAmount: string | null;
  percent: string | null;
  reason: string;
  reasonCode: string | null;
};

export type CalcLine = {
  quantity: string;
  unitPrice: string;
  baseQuantity: string;
  /** BT-148 and BT-147: the list price and the discount from it, when the net price is below it. */
  grossPrice?: string | null;
  priceDiscount?: string | null;
  allowances: CalcAdjustment[];
  charges: CalcAdjustment[];
  /** BT-131: quantity × (price ÷ base quantity) − allowances + charges, rounded. */
  netAmount: string;
  tax: TaxTreatment;
};

export type CalcDocumentAdjustment = CalcAdjustment & { chargeIndicator: boolean; tax: TaxTreatment };

export type TaxSubtotal = {
  category: VatCategory | null;
  rate: string;
  jurisdiction: string | null;
  exemptionReasonCode: string | null;
  exemptionReason: string | null;
  /** BT-116: the category's summed lines + charges − allowances. */
  taxableAmount: string;
  /** BT-117: the rate applied to the summed base, then rounded (BR-CO-17). */
  taxAmount: string;
};

export type Totals = {
  /** BT-106 (BR-CO-10) */
  lineTotal: string;
  /** BT-107 (BR-CO-11) */
  allowanceTotal: string;
  /** BT-108 (BR-CO-12) */
  chargeTotal: string;
  /** BT-109 (BR-CO-13) */
  taxExclusive: string;
  /** BT-110 (BR-CO-14) */
  taxTotal: string;
  /** BT-112 (BR-CO-15) */
  taxInclusive: string;
  /** BT-113 */
  prepaid: string;
  /** BT-114 */
  rounding: string;
  /** BT-115 (BR-CO-16) */
  payable: string;
};

export type Calculation = {
  currency: string;
  decimals: number;
  lines: CalcLine[];
  allowances: CalcDocumentAdjustment[];
  charges: CalcDocumentAdjustment[];
  taxSubtotals: TaxSubtotal[];
  totals: Totals;
  /** Absent on documents in the accounting currency (and on documents stored before it existed). */
  taxCurrency?: TaxCurrency | null;
};

export type CalcResult = { ok: true; value: Calculation } | { ok: false; problems: FieldProblem[] };
