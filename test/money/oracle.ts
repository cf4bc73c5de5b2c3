/**
 * An independent second implementation of the EN 16931 totals (BR-CO-10 … BR-CO-17, BR-CO-16 with
 * BT-114), in exact rational arithmetic on BigInt. It shares no code with src/core on purpose: a property
 * test compares the two on generated invoices, so a mistake must be made twice, the same way, to pass.
 */

type Q = { n: bigint; d: bigint };

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y) [x, y] = [y, x % y];
  return x || 1n;
};
const q = (n: bigint, d = 1n): Q => {
  const s = d < 0n ? -1n : 1n;
  const g = gcd(n, d);
  return { n: (s * n) / g, d: (s * d) / g };
};
export const parse = (s: string): Q => {
  const neg = s.startsWith('-');
  const [w = '0', f = ''] = (neg ? s.slice(1) : s).split('.');
  const n = BigInt(w + f) * (neg ? -1n : 1n);
  return q(n, 10n ** BigInt(f.length));
};
const add = (a: Q, b: Q) => q(a.n * b.d + b.n * a.d, a.d * b.d);
const sub = (a: Q, b: Q) => add(a, { n: -b.n, d: b.d });
const mul = (a: Q, b: Q) => q(a.n * b.n, a.d * b.d);
const div = (a: Q, b: Q) => q(a.n * b.d, a.d * b.n);
const ZERO = q(0n);

/** Half away from zero, to `places` decimals, exactly. */
const round = (a: Q, places: number): Q => {
  const scale = 10n ** BigInt(places);
  const neg = a.n < 0n;
  const abs = neg ? -a.n : a.n;
  const scaled = abs * scale;
  let whole = scaled / a.d;
  if ((scaled % a.d) * 2n >= a.d) whole += 1n;
  return q(neg ? -whole : whole, scale);
};
export const fmt = (a: Q, places: number): string => {
  const r = round(a, places);
  const scale = 10n ** BigInt(places);
  const units = (r.n * scale) / r.d;
  const neg = units < 0n;
  const abs = (neg ? -units : units).toString().padStart(places + 1, '0');
  const text = places ? `${abs.slice(0, -places)}.${abs.slice(-places)}` : abs;
  return neg && units !== 0n ? `-${text}` : text;
};

export type OracleTax = { category: string; rate: string };
export type OracleAdjustment = { amount?: string; percent?: string; baseAmount?: string; lines?: number[] };
export type OracleInput = {
  decimals: number;
  lines: {
    quantity: string;
    unitPrice: string;
    baseQuantity?: string;
    tax: OracleTax;
    allowances?: OracleAdjustment[];
    charges?: OracleAdjustment[];
  }[];
  allowances?: (OracleAdjustment & { tax: OracleTax })[];
  charges?: (OracleAdjustment & { tax: OracleTax })[];
  prepaid?: string;
  payableRoundingIncrement?: string;
};

const key = (t: OracleTax) => `${t.category}|${fmt(parse(t.rate), 6)}`;

export const oracle = (input: OracleInput) => {
  const dp = input.decimals;
  const adj = (a: OracleAdjustment, base: Q): Q =>
    a.amount !== undefined
      ? round(parse(a.amount), dp)
      : round(
          div(
            mul(round(a.baseAmount !== undefined ? parse(a.baseAmount) : base, dp), parse(a.percent ?? '0')),
            q(100n),
          ),
          dp,
        );
  const lines = input.lines.map((l) => {
    const gross = div(mul(parse(l.quantity), parse(l.unitPrice)), parse(l.baseQuantity ?? '1'));
    let net = round(gross, dp);
    for (const a of l.allowances ?? []) net = sub(net, adj(a, gross));
    for (const c of l.charges ?? []) net = add(net, adj(c, gross));
    return { net, tax: l.tax };
  });
  // A document percent is of the lines of its tax group, or of the lines it names.
  const groupBase = (a: OracleAdjustment & { tax: OracleTax }) =>
    lines
      .filter((l, i) => (!a.lines || a.lines.includes(i)) && key(l.tax) === key(a.tax))
      .reduce((s, l) => add(s, l.net), ZERO);
  const allowances = (input.allowances ?? []).map((a) => ({ amount: adj(a, groupBase(a)), tax: a.tax }));
  const charges = (input.charges ?? []).map((c) => ({ amount: adj(c, groupBase(c)), tax: c.tax }));
  const groups = new Map<string, { rate: Q; base: Q }>();
  const put = (t: OracleTax, amount: Q) => {
    const g = groups.get(key(t)) ?? { rate: parse(t.rate), base: ZERO };
    g.base = add(g.base, amount);
    groups.set(key(t), g);
  };
  for (const l of lines) put(l.tax, l.net);
  for (const c of charges) put(c.tax, c.amount);
  for (const a of allowances) put(a.tax, q(-a.amount.n, a.amount.d));
  const sum = (xs: Q[]) => xs.reduce(add, ZERO);
  const lineTotal = sum(lines.map((l) => l.net)); // BR-CO-10
  const allowanceTotal = sum(allowances.map((a) => a.amount)); // BR-CO-11
  const chargeTotal = sum(charges.map((c) => c.amount)); // BR-CO-12
  const taxExclusive = add(sub(lineTotal, allowanceTotal), chargeTotal); // BR-CO-13
  const taxTotal = sum([...groups.values()].map((g) => round(div(mul(g.base, g.rate), q(100n)), dp))); // BR-CO-17, 14
  const taxInclusive = add(taxExclusive, taxTotal); // BR-CO-15
  const prepaid = round(parse(input.prepaid ?? '0'), dp);
  const due = sub(taxInclusive, prepaid);
  let rounding = ZERO;
  if (input.payableRoundingIncrement) {
    const inc = parse(input.payableRoundingIncrement);
    rounding = sub(mul(round(div(due, inc), 0), inc), due);
  }
  const f = (x: Q) => fmt(x, dp);
  return {
    lines: lines.map((l) => f(l.net)),
    totals: {
      lineTotal: f(lineTotal),
      allowanceTotal: f(allowanceTotal),
      chargeTotal: f(chargeTotal),
      taxExclusive: f(taxExclusive),
      taxTotal: f(taxTotal),
      taxInclusive: f(taxInclusive),
      prepaid: f(prepaid),
      rounding: f(rounding),
      payable: f(add(due, round(rounding, dp))), // BR-CO-16
    },
  };
};
