import Decimal from 'decimal.js';
import type { FieldProblem } from './errors';
import type {
  CalcAdjustment,
  CalcDocumentAdjustment,
  CalcInput,
  CalcLine,
  CalcLineInput,
  CalcResult,
  DocumentAdjustmentInput,
  LineAdjustment,
  TaxCurrency,
  TaxSubtotal,
  TaxTreatment,
} from './invoice-calc-types';
import { amountDecimals, formatAmount, isCurrency, MAX_AMOUNT, roundMoney } from './money';
import { EXEMPT_CATEGORIES, rateProblem, VAT_CATEGORIES } from './tax';

/**
 * The invoice calculator (EN 16931 semantic model, BT/BG numbers in the comments). Pure: the same input
 * gives the same totals in the preview, the stored invoice, the PDF and the UBL. Every amount is a
 * decimal string with exactly the document's number of decimals.
 */

export type * from './invoice-calc-types';

const isDecimal = (s: string | undefined): s is string => {
  if (s === undefined) return false;
  try {
    return new Decimal(s).isFinite();
  } catch {
    return false;
  }
};

const taxProblems = (scheme: CalcInput['scheme'], t: TaxTreatment, field: string): FieldProblem[] => {
  const problems: FieldProblem[] = [];
  if (!isDecimal(t.rate) || new Decimal(t.rate).isNeg()) {
    return [{ field: `${field}.rate`, message: 'must be a decimal percent, zero or more' }];
  }
  if (scheme === 'us_sales_tax') return problems;
  if (t.category === null || !VAT_CATEGORIES.includes(t.category)) {
    return [{ field: `${field}.category`, message: `must be one of ${VAT_CATEGORIES.join(', ')}` }];
  }
  const bad = rateProblem(t.category, new Decimal(t.rate));
  if (bad) problems.push({ field: `${field}.rate`, message: bad });
  if (EXEMPT_CATEGORIES.includes(t.category) && !t.exemptionReason && !t.exemptionReasonCode)
    problems.push({
      field: `${field}.exemptionReason`,
      message: `BR-${t.category}-10: category ${t.category} needs an exemption reason`,
    });
  return problems;
};

/** The group a line's tax is summed in: category and rate (VAT), jurisdiction and rate (US). */
export const taxGroupKey = (t: TaxTreatment): string =>
  `${t.category ?? ''}|${new Decimal(t.rate).toFixed()}|${t.jurisdiction ?? ''}`;

const adjustmentAmount = (
  a: LineAdjustment | DocumentAdjustmentInput,
  base: Decimal,
  decimals: number,
): { amount: Decimal; baseAmount: Decimal | null } => {
  if (a.amount !== undefined) return { amount: roundMoney(a.amount, decimals), baseAmount: null };
  const b =
    'baseAmount' in a && a.baseAmount !== undefined
      ? roundMoney(a.baseAmount, decimals)
      : roundMoney(base, decimals);
  return { amount: roundMoney(b.times(a.percent ?? '0').div(100), decimals), baseAmount: b };
};

const adjustmentProblems = (a: LineAdjustment, field: string, allowance: boolean): FieldProblem[] => {
  if ((a.amount === undefined) === (a.percent === undefined))
    return [{ field, message: 'give either an amount or a percent' }];
  const value = a.amount ?? a.percent;
  if (!isDecimal(value) || new Decimal(value).isNeg())
    return [
      {
        field: `${field}.${a.amount !== undefined ? 'amount' : 'percent'}`,
        message: 'must be a decimal, zero or more',
      },
    ];
  if (allowance && a.percent !== undefined && new Decimal(a.percent).gt(100))
    return [{ field: `${field}.percent`, message: 'an allowance is at most 100 percent' }];
  if (!a.reason.trim() && !a.reasonCode)
    return [{ field: `${field}.reason`, message: 'BR-CO-21/23: give a reason' }];
  return [];
};

/** Computes an invoice, deposit invoice or credit note; refuses input EN 16931 would reject, naming the field. */
export const calculate = (input: CalcInput): CalcResult => {
  const problems: FieldProblem[] = [];
  if (!isCurrency(input.currency))
    return { ok: false, problems: [{ field: 'body.currency', message: 'not an ISO 4217 currency code' }] };
  const decimals = amountDecimals(input.currency, input.scheme === 'vat');
  if (input.lines.length === 0) problems.push({ field: 'body.lines', message: 'BR-16: at least one line' });

  const lines: CalcLine[] = [];
  /** The calculated line of each input line, by its index (for adjustments scoped to some lines). */
  const byInput = new Map<number, CalcLine>();
  input.lines.forEach((l, i) => {
    const field = `body.lines.${i}`;
    if (l.currency !== undefined && l.currency !== input.currency)
      problems.push({
        field: `${field}.currency`,
        message: `${l.currency} on a ${input.currency} invoice: one currency per invoice`,
      });
    if (!isDecimal(l.quantity)) {
      problems.push({ field: `${field}.quantity`, message: 'must be a decimal' });
      return;
    }
    // A returned part, a trade-in or a deducted advance is a negative line on an invoice (EN 16931 allows
    // it); only a deposit invoice, which asks for one amount, takes none.
    if (new Decimal(l.quantity).isNeg() && input.kind === 'deposit_invoice')
      problems.push({ field: `${field}.quantity`, message: 'a deposit invoice has no negative lines' });
    if (!isDecimal(l.unitPrice) || new Decimal(l.unitPrice).isNeg()) {
      problems.push({ field: `${field}.unitPrice`, message: 'BR-27: must be a decimal, zero or more' });
      return;
    }
    if (
      l.grossPrice !== undefined &&
      (!isDecimal(l.grossPrice) || new Decimal(l.grossPrice).lt(l.unitPrice))
    ) {
      problems.push({
        field: `${field}.grossPrice`,
        message: 'BR-28: a list price of zero or more, not below the net price',
      });
      return;
    }
    const baseQuantity = l.baseQuantity ?? '1';
    if (!isDecimal(baseQuantity) || new Decimal(baseQuantity).lte(0)) {
      problems.push({ field: `${field}.baseQuantity`, message: 'must be above 0' });
      return;
    }
    problems.push(...taxProblems(input.scheme, l.tax, `${field}.tax`));
    const adjProblems = [
      ...(l.allowances ?? []).flatMap((a, j) => adjustmentProblems(a, `${field}.allowances.${j}`, true)),
      ...(l.charges ?? []).flatMap((c, j) => adjustmentProblems(c, `${field}.charges.${j}`, false)),
    ];
    problems.push(...adjProblems);
    if (adjProblems.length > 0) return;
    const gross = grossOf(l.quantity, l.unitPrice, baseQuantity);
    if (gross.abs().gt(MAX_AMOUNT)) {
      problems.push({
        field: `${field}.quantity`,
        message: `the line comes to more than ${MAX_AMOUNT.toFixed(2)}`,
      });
      return;
    }
    const adjust = (a: LineAdjustment): CalcAdjustment => {
      const { amount, baseAmount } = adjustmentAmount(a, gross, decimals);
      return {
        amount: formatAmount(amount, decimals),
        baseAmount: baseAmount && formatAmount(baseAmount, decimals),
        percent: a.percent ?? null,
        reason: a.reason,
        reasonCode: a.reasonCode ?? null,
      };
    };
    const allowances = (l.allowances ?? []).map(adjust);
    const charges = (l.charges ?? []).map(adjust);
    const net = roundMoney(gross, decimals)
      .minus(allowances.reduce((s, a) => s.plus(a.amount), new Decimal(0)))
      .plus(charges.reduce((s, c) => s.plus(c.amount), new Decimal(0)));
    const discounted = l.grossPrice !== undefined && new Decimal(l.grossPrice).gt(l.unitPrice);
    const line: CalcLine = {
      quantity: new Decimal(l.quantity).toFixed(),
      unitPrice: new Decimal(l.unitPrice).toFixed(),
      baseQuantity: new Decimal(baseQuantity).toFixed(),
      ...(discounted
        ? {
            grossPrice: new Decimal(l.grossPrice as string).toFixed(),
            priceDiscount: new Decimal(l.grossPrice as string).minus(l.unitPrice).toFixed(),
          }
        : {}),
      allowances,
      charges,
      netAmount: formatAmount(net, decimals),
      tax: l.tax,
    };
    lines.push(line);
    byInput.set(i, line);
  });

  const docAdjustments = (list: DocumentAdjustmentInput[] | undefined, chargeIndicator: boolean) =>
    (list ?? []).flatMap((a, i): CalcDocumentAdjustment[] => {
      const field = `body.${chargeIndicator ? 'charges' : 'allowances'}.${i}`;
      const p = [
        ...adjustmentProblems(a, field, !chargeIndicator),
        ...taxProblems(input.scheme, a.tax, `${field}.tax`),
      ];
      if (a.baseAmount !== undefined && !isDecimal(a.baseAmount))
        p.push({ field: `${field}.baseAmount`, message: 'must be a decimal' });
      problems.push(...p);
      if (p.length > 0) return [];
      const scope = a.lines ? a.lines.flatMap((j) => byInput.get(j) ?? []) : lines;
      const base = scope
        .filter((l) => taxGroupKey(l.tax) === taxGroupKey(a.tax))
        .reduce((s, l) => s.plus(l.netAmount), new Decimal(0));
      const { amount, baseAmount } = adjustmentAmount(a, base, decimals);
      return [
        {
          chargeIndicator,
          amount: formatAmount(amount, decimals),
          baseAmount: baseAmount && formatAmount(baseAmount, decimals),
          percent: a.percent ?? null,
          reason: a.reason,
          reasonCode: a.reasonCode ?? null,
          tax: a.tax,
        },
      ];
    });
  const allowances = docAdjustments(input.allowances, false);
  const charges = docAdjustments(input.charges, true);
  if (input.prepaid !== undefined && !isDecimal(input.prepaid))
    problems.push({ field: 'body.prepaid', message: 'must be a decimal' });
  if (
    input.payableRoundingIncrement !== undefined &&
    (!isDecimal(input.payableRoundingIncrement) || new Decimal(input.payableRoundingIncrement).lte(0))
  )
    problems.push({ field: 'body.payableRoundingIncrement', message: 'must be above 0' });
  if (
    input.rounding !== undefined &&
    (!isDecimal(input.rounding) ||
      new Decimal(input.rounding).abs().gt(new Decimal(10).pow(-decimals).times(input.roundingUnits ?? 1)))
  )
    problems.push({
      field: 'body.rounding',
      message:
        (input.roundingUnits ?? 1) > 1
          ? `at most ${input.roundingUnits} minor units either way`
          : 'at most one minor unit either way',
    });
  problems.push(...taxCurrencyProblems(input));
  if (problems.length > 0) return { ok: false, problems };

  // VAT breakdown (BG-23): one subtotal per category and rate, tax computed on the summed base (BR-CO-17).
  const groups = new Map<string, { tax: TaxTreatment; base: Decimal }>();
  const add = (tax: TaxTreatment, amount: Decimal.Value) => {
    const key = taxGroupKey(tax);
    const g = groups.get(key) ?? { tax, base: new Decimal(0) };
    g.base = g.base.plus(amount);
    groups.set(key, g);
  };
  for (const l of lines) add(l.tax, l.netAmount);
  for (const c of charges) add(c.tax, c.amount);
  for (const a of allowances) add(a.tax, new Decimal(a.amount).neg());
  const taxSubtotals: TaxSubtotal[] = [...groups.values()].map(({ tax, base }) => ({
    category: tax.category,
    rate: new Decimal(tax.rate).toFixed(),
    jurisdiction: tax.jurisdiction ?? null,
    exemptionReasonCode: tax.exemptionReasonCode ?? null,
    exemptionReason: tax.exemptionReason ?? null,
    taxableAmount: formatAmount(base, decimals),
    taxAmount: formatAmount(roundMoney(base.times(tax.rate).div(100), decimals), decimals),
  }));

  const sum = (xs: string[]) => xs.reduce((s, x) => s.plus(x), new Decimal(0));
  const lineTotal = sum(lines.map((l) => l.netAmount));
  const allowanceTotal = sum(allowances.map((a) => a.amount));
  const chargeTotal = sum(charges.map((c) => c.amount));
  const taxExclusive = lineTotal.minus(allowanceTotal).plus(chargeTotal);
  const taxTotal = sum(taxSubtotals.map((t) => t.taxAmount));
  const taxInclusive = taxExclusive.plus(taxTotal);
  const prepaid = roundMoney(input.prepaid ?? '0', decimals);
  const due = taxInclusive.minus(prepaid);
  const rounded = input.payableRoundingIncrement
    ? due
        .div(input.payableRoundingIncrement)
        .toDecimalPlaces(0, Decimal.ROUND_HALF_UP)
        .times(input.payableRoundingIncrement)
    : due;
  const rounding =
    input.rounding !== undefined && !input.payableRoundingIncrement
      ? roundMoney(input.rounding, decimals)
      : roundMoney(rounded.minus(due), decimals);
  const tooLarge = [lineTotal, allowanceTotal, chargeTotal, taxExclusive, taxInclusive].some((d) =>
    d.abs().gt(MAX_AMOUNT),
  );
  if (tooLarge)
    return {
      ok: false,
      problems: [
        { field: 'body.lines', message: `the document comes to more than ${MAX_AMOUNT.toFixed(2)}` },
      ],
    };
  if (input.kind !== 'credit_note' && taxInclusive.isNeg())
    return {
      ok: false,
      problems: [
        { field: 'body.lines', message: 'the total is negative: a refund or correction is a credit note' },
      ],
    };
  const f = (d: Decimal) => formatAmount(d, decimals);
  const tc = input.taxCurrency;
  // BT-111: the VAT total converted once and rounded to the accounting currency's unit (BR-53).
  const taxCurrency: TaxCurrency | null = tc
    ? {
        code: tc.code,
        rate: new Decimal(tc.rate).toFixed(),
        rateDate: tc.rateDate,
        taxTotal: formatAmount(taxTotal.times(tc.rate), amountDecimals(tc.code, input.scheme === 'vat')),
      }
    : null;
  return {
    ok: true,
    value: {
      currency: input.currency,
      decimals,
      taxCurrency,
      lines,
      allowances,
      charges,
      taxSubtotals,
      totals: {
        lineTotal: f(lineTotal),
        allowanceTotal: f(allowanceTotal),
        chargeTotal: f(chargeTotal),
        taxExclusive: f(taxExclusive),
        taxTotal: f(taxTotal),
        taxInclusive: f(taxInclusive),
        prepaid: f(prepaid),
        rounding: f(rounding),
        payable: f(due.plus(rounding)),
      },
    },
  };
};

const taxCurrencyProblems = (input: CalcInput): FieldProblem[] => {
  const tc = input.taxCurrency;
  if (!tc) return [];
  if (!isCurrency(tc.code))
    return [{ field: 'body.taxCurrency.code', message: 'not an ISO 4217 currency code' }];
  if (tc.code === input.currency)
    return [
      {
        field: 'body.taxCurrency.code',
        message: 'PEPPOL-EN16931-R005: the VAT accounting currency differs from the invoice currency',
      },
    ];
  if (!isDecimal(tc.rate) || new Decimal(tc.rate).lte(0))
    return [{ field: 'body.taxCurrency.rate', message: 'an exchange rate above 0' }];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(tc.rateDate))
    return [{ field: 'body.taxCurrency.rateDate', message: 'a date, YYYY-MM-DD' }];
  return [];
};

/**
 * A price in the organization's currency, in the invoice's: divided by the rate (units of the
 * organization's currency per unit of the invoice's), kept to six decimals like every unit price.
 */
export const convertPrice = (price: Decimal.Value, rate: Decimal.Value): string =>
  new Decimal(price).div(rate).toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toFixed();

/**
 * A line's gross amount, before its own allowances and charges, exact: quantity × price ÷ base quantity,
 * multiplied first (BT-149: 3 × 1.01 per 6 = 0.505, which rounds to 0.51). Round it once, where it is used.
 */
export const grossOf = (quantity: Decimal.Value, unitPrice: Decimal.Value, baseQuantity: Decimal.Value = 1) =>
  new Decimal(quantity).times(unitPrice).div(baseQuantity);

/**
 * A job's discount as one document allowance per tax group (BG-20), so each VAT rate is discounted alike:
 * of the lines at `scope` (indices into the document's lines) when given, else of every line.
 */
export const discountAllowances = (
  percent: string | null,
  lines: CalcLineInput[],
  scope?: number[],
): DocumentAdjustmentInput[] => {
  if (!percent || new Decimal(percent).isZero()) return [];
  const groups = new Map<string, TaxTreatment>();
  for (const [i, l] of lines.entries())
    if (!scope || scope.includes(i)) groups.set(taxGroupKey(l.tax), l.tax);
  return [...groups.values()].map((tax) => ({
    ...(scope ? { lines: scope } : {}),
    percent: new Decimal(percent).toFixed(),
    reason: `Discount ${new Decimal(percent).toFixed()}%`,
    reasonCode: '95',
    tax,
  }));
};

/**
 * The net that, taxed at the rate and rounded, comes to the gross asked for: a deposit of 100.00 at 23 %
 * is 81.30 + 18.70. Where no net reaches the gross to the cent (100.03 at 23 %: 81.33 gives 100.04, 81.32
 * gives 100.02), the nearest one and the minor unit left over as the rounding amount (BT-114), so the
 * amount due is still the amount asked for.
 */
export const netForGross = (
  gross: string,
  ratePercent: string,
  decimals: number,
): { net: string; rounding: string } => {
  const unit = new Decimal(10).pow(-decimals);
  const rate = new Decimal(ratePercent).div(100);
  const total = (n: Decimal) => n.plus(roundMoney(n.times(rate), decimals));
  const guess = roundMoney(new Decimal(gross).div(rate.plus(1)), decimals);
  for (const n of [guess, guess.minus(unit), guess.plus(unit)]) {
    if (total(n).eq(gross)) return { net: formatAmount(n, decimals), rounding: formatAmount(0, decimals) };
  }
  return {
    net: formatAmount(guess, decimals),
    rounding: formatAmount(new Decimal(gross).minus(total(guess)), decimals),
  };
};
