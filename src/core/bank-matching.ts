import Decimal from 'decimal.js';
import { addDays } from './time';

/**
 * Cash application (#24): which open invoices a bank credit pays. First by a reference the customer quoted
 * (an ISO 11649 RF creditor reference or the invoice number, in the structured or the free remittance text), then
 * by who paid (an IBAN or a name learned from earlier matches, or a customer's name) and how much, then by the
 * amount alone. Only a proposal that leaves nothing to judge is "sure" and applied by itself; every other goes to
 * the review queue with its suggestions.
 */

export type ParsedEntry = {
  /** The bank's own reference of the transaction: the same in a CAMT.054 and the CAMT.053 that books it. */
  ref: string;
  bookedOn: string;
  /** Signed: credits (money in) positive. */
  amount: string;
  currency: string;
  counterpartyName: string | null;
  counterpartyIban: string | null;
  remittance: string;
  structuredRef: string | null;
  endToEndId: string | null;
  /** What the banks took out of what the customer sent, when the file says so. */
  charges: string | null;
  reversal: boolean;
};

export type BankFile = {
  format: 'camt053' | 'camt054' | 'csv';
  reference: string;
  account: string;
  currency: string | null;
  from: string | null;
  to: string | null;
  opening: string | null;
  closing: string | null;
  entries: ParsedEntry[];
};

/** Whether a bank file is ISO 20022 XML rather than a CSV export (the server and the import screen agree). */
export const looksLikeCamt = (content: string) => /^\s*(<\?xml|<Document)/.test(content);

export type OpenItem = {
  invoiceId: string;
  number: string;
  customerId: string;
  customerName: string;
  currency: string;
  outstanding: string;
  dueDate: string | null;
};

/** Who paid before, learned from entries applied earlier: the payer's IBAN and name, to the customer. */
export type KnownPayers = { byIban: ReadonlyMap<string, string>; byName: ReadonlyMap<string, string> };

export type MatchBasis = 'reference' | 'payer_and_amount' | 'payer' | 'amount';

export type Proposal = {
  customerId: string | null;
  allocations: { invoiceId: string; amount: string }[];
  /** What is left of the payment once the invoices are paid: kept as the customer's credit. */
  credit: string;
  /** Bank charges taken into the payment, so the invoice is settled in full. */
  charges: string;
  basis: MatchBasis;
  sure: boolean;
};

const alnum = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');

const mod97 = (digits: string) => {
  let r = 0;
  for (const ch of digits) r = (r * 10 + Number(ch)) % 97;
  return r;
};
const asDigits = (s: string) =>
  [...s].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');

/** The ISO 11649 creditor reference of an invoice number: "RF" and two check digits before up to 21 characters. */
export const rfReference = (invoiceNumber: string) => {
  const body = alnum(invoiceNumber).slice(0, 21);
  const check = 98 - mod97(asDigits(`${body}RF00`));
  return `RF${String(check).padStart(2, '0')}${body}`;
};

/** Whether a string is a valid ISO 11649 reference (spaces allowed, as printed in groups of four). */
export const isRfReference = (s: string) => {
  const r = alnum(s);
  if (!/^RF\d{2}[A-Z0-9]{1,21}$/.test(r)) return false;
  return mod97(asDigits(`${r.slice(4)}${r.slice(0, 4)}`)) === 1;
};

/** An RF reference or an IBAN printed in groups of four, the way a customer copies it into their banking app. */
export const inFours = (s: string) =>
  alnum(s)
    .replace(/(.{4})/g, '$1 ')
    .trim();
export const printRf = inFours;

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether free text quotes an invoice number, with or without its dashes, and not as part of a longer number. */
const quotes = (text: string, number: string) => {
  const parts = number
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  if (parts.length === 0) return false;
  const re = new RegExp(`(?<![A-Z0-9])${parts.map(literal).join('[\\s\\-/._#]*')}(?![0-9])`);
  return re.test(text.toUpperCase());
};

const LEGAL = /\b(ltd|limited|llc|inc|gmbh|ag|bv|sarl|sas|plc|co|company|corp|the)\b/g;
/** A payer's name as compared: lower case, no punctuation, no legal form, words sorted. */
export const nameKey = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9 ]/g, ' ')
    .replace(LEGAL, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .sort()
    .join(' ');

export const ibanKey = (iban: string) => alnum(iban);

const byDue = (a: OpenItem, b: OpenItem) =>
  (a.dueDate ?? '').localeCompare(b.dueDate ?? '') || a.number.localeCompare(b.number);

/** Pays the invoices oldest first; what is left over is the customer's credit. */
const allocate = (items: OpenItem[], pay: Decimal) => {
  let left = pay;
  const allocations: Proposal['allocations'] = [];
  for (const it of [...items].sort(byDue)) {
    if (left.lte(0)) break;
    const part = Decimal.min(left, it.outstanding);
    if (part.lte(0)) continue;
    allocations.push({ invoiceId: it.invoiceId, amount: part.toFixed(2) });
    left = left.minus(part);
  }
  return { allocations, credit: left.toFixed(2) };
};

const sumOf = (items: OpenItem[]) => items.reduce((s, i) => s.plus(i.outstanding), new Decimal(0));

/** Sets of at most four of a customer's invoices (the twelve oldest) whose outstanding adds up to the amount. */
const subsetsSumming = (items: OpenItem[], target: Decimal): OpenItem[][] => {
  const pool = [...items].sort(byDue).slice(0, 12);
  const out: OpenItem[][] = [];
  const walk = (start: number, chosen: OpenItem[], sum: Decimal) => {
    if (out.length >= 3) return;
    if (sum.eq(target) && chosen.length > 1) {
      out.push(chosen);
      return;
    }
    if (chosen.length === 4 || sum.gte(target)) return;
    for (let i = start; i < pool.length; i++) {
      const it = pool[i];
      if (it) walk(i + 1, [...chosen, it], sum.plus(it.outstanding));
    }
  };
  walk(0, [], new Decimal(0));
  return out;
};

/** Who paid, as far as the entry says: a customer known by the paying IBAN, else by the payer's name. */
export const payerOf = (entry: ParsedEntry, items: OpenItem[], known: KnownPayers) => {
  if (entry.counterpartyIban) {
    const hit = known.byIban.get(ibanKey(entry.counterpartyIban));
    if (hit) return { customerId: hit, by: 'iban' as const };
  }
  if (!entry.counterpartyName) return null;
  const key = nameKey(entry.counterpartyName);
  if (!key) return null;
  const learned = known.byName.get(key);
  if (learned) return { customerId: learned, by: 'name' as const };
  const named = new Set(items.filter((i) => nameKey(i.customerName) === key).map((i) => i.customerId));
  if (named.size === 1) return { customerId: [...named][0] ?? null, by: 'name' as const };
  return null;
};

/**
 * The proposals for one credit, best first. Sure means: the invoices the customer quoted and nothing more to
 * judge (one customer), or a known payer paying exactly one invoice's amount or exactly all they owe.
 */
export const matchEntry = (entry: ParsedEntry, open: OpenItem[], known: KnownPayers): Proposal[] => {
  const amount = new Decimal(entry.amount);
  if (amount.lte(0) || entry.reversal) return [];
  const items = open.filter((i) => i.currency === entry.currency && new Decimal(i.outstanding).gt(0));
  const charges = entry.charges ? new Decimal(entry.charges) : new Decimal(0);
  const gross = amount.plus(charges);
  const text = [entry.structuredRef ?? '', entry.remittance, entry.endToEndId ?? ''].join(' ');
  const rfs = new Set(
    (text.toUpperCase().match(/RF\s?\d{2}(?:\s?[A-Z0-9]){1,21}/g) ?? []).flatMap((m) => {
      // The pattern also takes the words after it ("RF18 5390 0754 7034 THANKS"): the longest valid start is it.
      const run = alnum(m);
      for (let n = run.length; n >= 5; n--) if (isRfReference(run.slice(0, n))) return [run.slice(0, n)];
      return [];
    }),
  );
  const quoted = items.filter((i) => rfs.has(rfReference(i.number)) || quotes(text, i.number));
  const payer = payerOf(entry, items, known);
  // The fees case: what arrived plus what the banks took is exactly what was owed.
  const payFor = (total: Decimal) => (charges.gt(0) && gross.eq(total) ? gross : amount);
  const proposal = (
    chosen: OpenItem[],
    basis: MatchBasis,
    sure: boolean,
    customerId: string | null,
  ): Proposal => {
    const pay = payFor(sumOf(chosen));
    return {
      customerId,
      ...allocate(chosen, pay),
      charges: pay.minus(amount).toFixed(2),
      basis,
      sure,
    };
  };
  if (quoted.length > 0) {
    const owners = new Set(quoted.map((i) => i.customerId));
    const owner = owners.size === 1 ? (quoted[0]?.customerId ?? null) : null;
    return [proposal(quoted, 'reference', owner !== null, owner)];
  }
  const out: Proposal[] = [];
  if (payer?.customerId) {
    const mine = items.filter((i) => i.customerId === payer.customerId);
    const exact = mine.filter((i) => payFor(new Decimal(i.outstanding)).eq(i.outstanding));
    for (const it of exact.sort(byDue).slice(0, 3))
      out.push(proposal([it], 'payer_and_amount', exact.length === 1, payer.customerId));
    const all = sumOf(mine);
    if (mine.length > 1 && payFor(all).eq(all))
      out.push(proposal(mine, 'payer_and_amount', exact.length === 0, payer.customerId));
    else if (exact.length === 0)
      for (const set of subsetsSumming(mine, amount))
        out.push(proposal(set, 'payer_and_amount', false, payer.customerId));
    if (out.length === 0)
      out.push(
        mine.length > 0
          ? proposal(mine, 'payer', false, payer.customerId)
          : {
              customerId: payer.customerId,
              allocations: [],
              credit: amount.toFixed(2),
              charges: '0.00',
              basis: 'payer',
              sure: false,
            },
      );
    return out;
  }
  const same = items.filter((i) => payFor(new Decimal(i.outstanding)).eq(i.outstanding)).sort(byDue);
  for (const it of same.slice(0, 3)) out.push(proposal([it], 'amount', false, it.customerId));
  return out;
};

/** The days around a payout's arrival date its bank credit may be booked on (banks book a day or two late). */
export const PAYOUT_WINDOW = { before: 2, after: 5 } as const;

/** The booking days a credit of a payout arriving on `day` may have. */
export const payoutDays = (day: string) => ({
  from: addDays(day, -PAYOUT_WINDOW.before),
  to: addDays(day, PAYOUT_WINDOW.after),
});
