import Decimal from 'decimal.js';
import type { FieldProblem } from './errors';
import { calculate, discountAllowances } from './invoice-calc';
import type { CalcInput, CalcLineInput, Calculation } from './invoice-calc-types';
import { amountDecimals, formatAmount, roundMoney } from './money';

/**
 * A quote's price for what the customer chose (#22). A quote has base lines, groups of alternatives (good /
 * better / best: exactly one option of each group is taken) and optional add-ons the customer may tick. The
 * chosen lines are priced by the same EN 16931 calculator as invoices, so the quote, the job's estimate and
 * the invoice agree to the cent. Pure: the office editor and the customer's page run it in the browser.
 */
export type QuoteLine = CalcLineInput & {
  /** Stable within the quote (a UUID): what a choice names. */
  id: string;
  description: string;
  /** The price book item it came from. */
  sku?: string | null | undefined;
  /** The tax code the line's treatment came from. */
  taxCodeId?: string | null | undefined;
  /** An alternative: the group it belongs to and its option within it ("tier", "better"). */
  option?: { group: string; key: string } | null | undefined;
  /** An add-on the customer may tick; not included unless chosen. */
  optional?: boolean | undefined;
};

export type QuoteTerms = {
  currency: string;
  scheme: CalcInput['scheme'];
  /** The job's discount, applied per tax group like an invoice's. */
  discountPercent?: string | null | undefined;
  /** What is due on acceptance: a fixed amount, or a percent of the amount payable. */
  deposit?: { amount: string } | { percent: string } | null | undefined;
};

/** What the customer chose: one option per group, and the add-ons ticked. */
export type QuoteChoice = { options: Record<string, string>; addOns: string[] };

/** The groups of a quote and their options, in the order the lines give them. */
export const optionGroups = (lines: readonly QuoteLine[]): Map<string, string[]> => {
  const groups = new Map<string, string[]>();
  for (const l of lines) {
    if (!l.option) continue;
    const keys = groups.get(l.option.group) ?? [];
    if (!keys.includes(l.option.key)) keys.push(l.option.key);
    groups.set(l.option.group, keys);
  }
  return groups;
};

/** The choice a quote opens with: the first option of each group, no add-ons. */
export const defaultChoice = (lines: readonly QuoteLine[]): QuoteChoice => ({
  options: Object.fromEntries([...optionGroups(lines)].map(([g, keys]) => [g, keys[0] as string])),
  addOns: [],
});

/** What a choice may not be: an option missing or unknown for a group, an add-on that is not one. */
export const choiceProblems = (lines: readonly QuoteLine[], choice: QuoteChoice): FieldProblem[] => {
  const problems: FieldProblem[] = [];
  const groups = optionGroups(lines);
  for (const [group, keys] of groups) {
    const chosen = choice.options[group];
    if (chosen === undefined)
      problems.push({ field: `choice.options.${group}`, message: 'choose one option' });
    else if (!keys.includes(chosen))
      problems.push({ field: `choice.options.${group}`, message: `is not one of ${keys.join(', ')}` });
  }
  for (const group of Object.keys(choice.options))
    if (!groups.has(group))
      problems.push({ field: `choice.options.${group}`, message: 'this quote has no such choice' });
  const optional = new Set(lines.filter((l) => l.optional && !l.option).map((l) => l.id));
  for (const id of choice.addOns)
    if (!optional.has(id))
      problems.push({ field: 'choice.addOns', message: `${id} is not an optional line of this quote` });
  return problems;
};

/** The lines a choice takes: every base line, the chosen option of each group, the ticked add-ons. */
export const chosenLines = (lines: readonly QuoteLine[], choice: QuoteChoice): QuoteLine[] =>
  lines.filter((l) =>
    l.option ? choice.options[l.option.group] === l.option.key : !l.optional || choice.addOns.includes(l.id),
  );

export type QuotePrice =
  | { ok: true; lines: QuoteLine[]; calc: Calculation; depositDue: string | null }
  | { ok: false; problems: FieldProblem[] };

/** The quote priced for a choice: its totals as an invoice of those lines would have them, and the deposit. */
export const priceQuote = (
  lines: readonly QuoteLine[],
  terms: QuoteTerms,
  choice: QuoteChoice,
): QuotePrice => {
  const problems = choiceProblems(lines, choice);
  if (problems.length > 0) return { ok: false, problems };
  const chosen = chosenLines(lines, choice);
  if (chosen.length === 0) return { ok: false, problems: [{ field: 'lines', message: 'nothing is chosen' }] };
  const calcLines: CalcLineInput[] = chosen.map(
    ({ id: _id, description: _d, sku: _s, taxCodeId: _t, option: _o, optional: _p, ...l }) => l,
  );
  const result = calculate({
    currency: terms.currency,
    scheme: terms.scheme,
    kind: 'invoice',
    lines: calcLines,
    allowances: discountAllowances(terms.discountPercent ?? null, calcLines),
  });
  if (!result.ok) return { ok: false, problems: result.problems };
  const payable = new Decimal(result.value.totals.payable);
  const decimals = amountDecimals(terms.currency, terms.scheme === 'vat');
  const deposit = terms.deposit
    ? 'amount' in terms.deposit
      ? Decimal.min(new Decimal(terms.deposit.amount), payable)
      : roundMoney(payable.times(terms.deposit.percent).div(100), decimals)
    : null;
  return {
    ok: true,
    lines: chosen,
    calc: result.value,
    depositDue: deposit === null ? null : formatAmount(deposit, decimals),
  };
};
