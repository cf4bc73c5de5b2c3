import Decimal from 'decimal.js';
import type { FieldProblem } from './errors';
import {
  type CalcLineInput,
  type DocumentAdjustmentInput,
  grossOf,
  type LineAdjustment,
  taxGroupKey,
} from './invoice-calc';
import type { CreditAllocation, DocumentLine, InvoiceDocument } from './invoice-document';
import { roundMoney, sumDecimals } from './money';

export type { CreditAllocation };

export type CreditRequest = { position: number; quantity: string }[] | undefined;

export type CreditPlan =
  | {
      ok: true;
      /** The original lines credited, with their quantities and line-level adjustments, for the calculator. */
      lines: { source: DocumentLine; input: CalcLineInput }[];
      allowances: DocumentAdjustmentInput[];
      charges: DocumentAdjustmentInput[];
      allocation: CreditAllocation;
      /** After this credit every line is credited in full: the invoice is credited. */
      completes: boolean;
    }
  | { ok: false; problems: FieldProblem[] };

const sum = sumDecimals;

/** How much of each line (by position) the earlier credit notes took back. */
const creditedQuantities = (priors: readonly CreditAllocation[]) => {
  const credited = new Map<number, Decimal>();
  for (const p of priors)
    for (const l of p.lines)
      credited.set(l.position, (credited.get(l.position) ?? new Decimal(0)).plus(l.quantity));
  return credited;
};

/**
 * Plans a credit note, full or partial. A credited line is credited at what it was actually charged: its
 * quantity at its price, its share of the line's own adjustments, and its share of the document
 * allowances and charges of its VAT group (the job discount, a trip charge), in proportion to the net it
 * takes back from the group. The credit that takes a group's last line back takes exactly what is left of
 * each of the group's adjustments, so crediting every line, in any order and any number of notes, takes
 * back exactly the invoice's net. (VAT is computed per document on its own base, BR-CO-17, so the VAT of
 * several notes may differ from the invoice's by a cent per note.)
 */
export const planCredit = (
  original: InvoiceDocument,
  priors: CreditAllocation[],
  request: CreditRequest,
): CreditPlan => {
  const decimals = original.calc.decimals;
  const credited = creditedQuantities(priors);
  const remainingOf = (l: DocumentLine) => new Decimal(l.quantity).minus(credited.get(l.position) ?? 0);

  const problems: FieldProblem[] = [];
  const wanted: { line: DocumentLine; quantity: Decimal }[] = [];
  if (request === undefined) {
    for (const l of original.lines) {
      const rest = remainingOf(l);
      if (!rest.isZero()) wanted.push({ line: l, quantity: rest });
    }
    if (wanted.length === 0) problems.push({ field: 'body', message: 'every line is credited already' });
  } else {
    const seen = new Set<number>();
    request.forEach((r, i) => {
      const line = original.lines.find((l) => l.position === r.position);
      if (!line) {
        problems.push({ field: `body.lines.${i}.position`, message: 'no such line on the invoice' });
        return;
      }
      if (seen.has(r.position)) {
        problems.push({ field: `body.lines.${i}.position`, message: 'the same line twice' });
        return;
      }
      seen.add(r.position);
      const q = new Decimal(r.quantity);
      const invoiced = new Decimal(line.quantity);
      const rest = remainingOf(line);
      if (q.isZero() || q.isNeg() !== invoiced.isNeg()) {
        problems.push({
          field: `body.lines.${i}.quantity`,
          message: invoiced.isNeg()
            ? 'the line was invoiced negative: credit a negative quantity'
            : 'must be above 0: a credit note takes back what was charged',
        });
        return;
      }
      if (q.abs().gt(rest.abs())) {
        problems.push({
          field: `body.lines.${i}.quantity`,
          message: rest.isZero()
            ? 'this line is credited in full already'
            : `at most ${rest.toFixed()} remain to credit on this line`,
        });
        return;
      }
      wanted.push({ line, quantity: q });
    });
  }
  if (problems.length > 0) return { ok: false, problems };

  const after = new Map(credited);
  for (const w of wanted)
    after.set(w.line.position, (after.get(w.line.position) ?? new Decimal(0)).plus(w.quantity));
  const fullyCredited = (l: DocumentLine) => new Decimal(l.quantity).eq(after.get(l.position) ?? 0);
  const completes = original.lines.every(fullyCredited);

  // A line-level adjustment is credited in proportion to the quantity, its remainder with the line's last unit.
  const lineShare = (
    a: { amount: string; reason: string; reasonCode: string | null },
    w: (typeof wanted)[number],
  ) => {
    const whole = new Decimal(w.line.quantity);
    const done = credited.get(w.line.position) ?? new Decimal(0);
    const amount = fullyCredited(w.line)
      ? new Decimal(a.amount).minus(roundMoney(new Decimal(a.amount).times(done).div(whole), decimals))
      : roundMoney(new Decimal(a.amount).times(w.quantity).div(whole), decimals);
    return { amount: amount.toFixed(decimals), reason: a.reason, reasonCode: a.reasonCode ?? undefined };
  };
  // Each note rounds its own share of a line (3 × 0.335 = 1.01 is credited 0.34 at a time): the note that
  // takes the line's last quantity takes exactly what is left of its rounded gross, the difference shown as
  // a rounding adjustment on the line.
  const roundedGross = (q: Decimal.Value, l: DocumentLine) =>
    roundMoney(grossOf(q, l.unitPrice, l.baseQuantity), decimals);
  const roundingOf = (w: (typeof wanted)[number]): Decimal => {
    if (!fullyCredited(w.line)) return new Decimal(0);
    const before = priors.flatMap((p) => p.lines.filter((x) => x.position === w.line.position));
    const left = roundedGross(w.line.quantity, w.line).minus(
      sum(before.map((x) => roundedGross(x.quantity, w.line))),
    );
    return left.minus(roundedGross(w.quantity, w.line));
  };
  const ROUNDING = 'Rounding of the earlier credits of this line';
  const lines = wanted.map((w) => {
    const rounding = roundingOf(w);
    const adjust = (list: typeof w.line.allowances, extra: boolean): LineAdjustment[] => [
      ...list.map((a) => lineShare(a, w)),
      ...(extra ? [{ amount: rounding.abs().toFixed(decimals), reason: ROUNDING }] : []),
    ];
    return {
      source: w.line,
      input: {
        quantity: w.quantity.toFixed(),
        unitPrice: w.line.unitPrice,
        baseQuantity: w.line.baseQuantity,
        ...(w.line.grossPrice ? { grossPrice: w.line.grossPrice } : {}),
        tax: w.line.tax,
        allowances: adjust(w.line.allowances, rounding.isNeg()),
        charges: adjust(w.line.charges, rounding.gt(0)),
      },
    };
  });

  // The net this credit takes back from each VAT group, against the group's invoiced line net.
  const groupNet = new Map<string, Decimal>();
  const creditedNet = new Map<string, Decimal>();
  for (const l of original.lines) {
    const key = taxGroupKey(l.tax);
    groupNet.set(key, (groupNet.get(key) ?? new Decimal(0)).plus(l.netAmount));
  }
  for (const l of lines) {
    const gross = roundMoney(grossOf(l.input.quantity, l.input.unitPrice, l.input.baseQuantity), decimals);
    const net = gross
      .minus(sum((l.input.allowances ?? []).map((a) => a.amount ?? '0')))
      .plus(sum((l.input.charges ?? []).map((c) => c.amount ?? '0')));
    const key = taxGroupKey(l.source.tax);
    creditedNet.set(key, (creditedNet.get(key) ?? new Decimal(0)).plus(net));
  }
  const groupCompleted = (key: string) => {
    const groupLines = original.lines.filter((l) => taxGroupKey(l.tax) === key);
    // A group with no lines of its own (a charge at another rate) goes with the last line of the invoice.
    if (groupLines.length === 0) return completes;
    // Lines worth nothing carry no share of an adjustment: once every line of value is credited, the group's
    // adjustments are taken back in full (else their rounded-down shares leave the credits a cent over the
    // invoice's net until a zero-priced line is credited too).
    return (
      creditedNet.has(key) &&
      groupLines.filter((l) => !new Decimal(l.netAmount).isZero()).every(fullyCredited)
    );
  };
  const share = (
    list: InvoiceDocument['calc']['allowances'],
    prior: (p: CreditAllocation) => string[],
  ): { amounts: string[]; inputs: DocumentAdjustmentInput[] } => {
    const amounts = list.map((a, i) => {
      const key = taxGroupKey(a.tax);
      const before = sum(priors.map((p) => prior(p)[i] ?? '0'));
      if (groupCompleted(key)) return new Decimal(a.amount).minus(before);
      const whole = groupNet.get(key) ?? new Decimal(0);
      const part = creditedNet.get(key) ?? new Decimal(0);
      if (whole.isZero() || part.isZero()) return new Decimal(0);
      const amount = roundMoney(new Decimal(a.amount).times(part).div(whole), decimals);
      // Never past what is left of it.
      const left = new Decimal(a.amount).minus(before);
      return amount.abs().gt(left.abs()) ? left : amount;
    });
    return {
      amounts: amounts.map((a) => a.toFixed(decimals)),
      inputs: list.flatMap((a, i) => {
        const amount = amounts[i] ?? new Decimal(0);
        return amount.isZero()
          ? []
          : [
              {
                amount: amount.toFixed(decimals),
                reason: a.reason,
                reasonCode: a.reasonCode ?? undefined,
                tax: a.tax,
              },
            ];
      }),
    };
  };
  const allowances = share(original.calc.allowances, (p) => p.allowances);
  const charges = share(original.calc.charges, (p) => p.charges);
  return {
    ok: true,
    lines,
    allowances: allowances.inputs,
    charges: charges.inputs,
    allocation: {
      lines: wanted.map((w) => ({ position: w.line.position, quantity: w.quantity.toFixed() })),
      allowances: allowances.amounts,
      charges: charges.amounts,
    },
    completes,
  };
};

/**
 * Withdraws what is left unpaid of a payment request (one untaxed line) when the final invoice asks for the
 * whole supply: a credit of exactly `amount`, after which the request asks for nothing more. The request's
 * line counts as credited in full, so no later credit takes anything from it.
 */
export const planRemainderCredit = (
  original: InvoiceDocument,
  amount: string,
  paidNothing: boolean,
): CreditPlan => {
  const [line] = original.lines;
  if (original.profile !== 'payment_request' || !line || original.lines.length !== 1)
    return {
      ok: false,
      problems: [{ field: 'body', message: 'only a payment request is withdrawn by amount' }],
    };
  return {
    ok: true,
    lines: [{ source: line, input: { quantity: '1', unitPrice: amount, tax: line.tax } }],
    allowances: [],
    charges: [],
    allocation: {
      lines: [{ position: line.position, quantity: line.quantity }],
      allowances: [],
      charges: [],
    },
    completes: paidNothing,
  };
};

/**
 * Plans the credit of an advance invoice by amount: the net given back in each of its tax groups (what the
 * work did not use of a deposit or a progress step), one line per group at the group's treatment. What it
 * takes of each original line is kept as a share of its quantity (rounded up), so a later credit by lines
 * cannot take the same net back again; the calculator's net check caps it all the same.
 */
export const planAdvanceCredit = (
  original: InvoiceDocument,
  priors: CreditAllocation[],
  amounts: readonly { groupKey: string; net: string }[],
): CreditPlan => {
  const credited = creditedQuantities(priors);
  const lines: { source: DocumentLine; input: CalcLineInput }[] = [];
  const allocation: CreditAllocation = { lines: [], allowances: [], charges: [] };
  for (const a of amounts) {
    const source = original.lines.find((l) => taxGroupKey(l.tax) === a.groupKey);
    if (!source || new Decimal(a.net).lte(0))
      return {
        ok: false,
        problems: [{ field: 'body', message: `nothing to give back in tax group ${a.groupKey}` }],
      };
    lines.push({ source, input: { quantity: '1', unitPrice: a.net, tax: source.tax } });
    const remaining = new Decimal(source.quantity).minus(credited.get(source.position) ?? 0);
    const share = new Decimal(source.quantity)
      .times(a.net)
      .div(source.netAmount)
      .toDecimalPlaces(4, Decimal.ROUND_UP);
    allocation.lines.push({ position: source.position, quantity: Decimal.min(share, remaining).toFixed() });
  }
  return { ok: true, lines, allowances: [], charges: [], allocation, completes: false };
};
