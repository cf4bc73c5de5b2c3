import Decimal from 'decimal.js';
import { type Language, type Translator, translator } from './i18n';
import { vatIdProblem } from './identifiers';
import { type CalcLine, type Calculation, taxGroupKey } from './invoice-calc';
import { roundMoney } from './money';
import { EXEMPT_CATEGORIES } from './tax';

/**
 * The invoice as one immutable document: the calculation plus the parties and the facts the PDF and the
 * UBL print. Built once from the job, stored as JSON when the draft is made, frozen when it is issued;
 * every view (API, PDF, UBL) renders this and nothing else, so their numbers cannot disagree.
 */

export type Address = {
  line1: string;
  line2?: string | undefined;
  city: string;
  region?: string | undefined;
  postalCode: string;
  country: string;
};

export type Party = {
  name: string;
  legalName: string | null;
  vatId: string | null;
  companyId: string | null;
  /** Peppol participant: EAS scheme and identifier. */
  endpoint: { scheme: string; id: string } | null;
  address: Address;
  email: string | null;
  phone: string | null;
};

export type DocumentLine = CalcLine & {
  position: number;
  description: string;
  sku: string | null;
  unitCode: string;
  kind: 'labor' | 'part' | 'adjustment' | 'fee' | 'deposit' | 'visit';
  /** The job whose work the line bills (per-cycle invoices name each visit). */
  jobNumber: string | null;
  serviceDate: string | null;
};

export const CREDIT_REASONS = [
  'price_dispute',
  'missing_time',
  'wrong_tax',
  'scope_misunderstanding',
  'duplicate',
  'goodwill',
  'canceled_job',
  /** What was not paid on a payment request, withdrawn when the final invoice asks for it. */
  'replaced_by_invoice',
  /** What the work did not use of a deposit or progress step, given back when the final invoice is made. */
  'unused_advance',
] as const;
export type CreditReason = (typeof CREDIT_REASONS)[number];

export type InvoiceDocument = {
  kind: 'invoice' | 'deposit_invoice' | 'credit_note';
  /**
   * peppol: both parties have Peppol IDs (BIS Billing 3.0); en16931: plain EN 16931; us_sales_tax: not an
   * EN 16931 document; payment_request: a deposit asked for without tax, not a tax invoice.
   */
  profile: 'peppol' | 'en16931' | 'us_sales_tax' | 'payment_request';
  seller: Party;
  buyer: Party;
  jobNumbers: string[];
  /** BT-72: the day the work was done (one-job invoices). */
  serviceDate: string | null;
  /** BG-14: the billing cycle (per-cycle invoices). */
  period: { start: string; end: string } | null;
  site: { name: string; address: Address } | null;
  technicians: string[];
  /** BT-10: the PO number when there is one, else the job number. */
  buyerReference: string;
  poNumber: string | null;
  memo: string | null;
  /** Job custom fields flagged for the invoice. */
  customFields: { label: string; value: string }[];
  paymentTermsDays: number;
  iban: string | null;
  /** The invoice a credit note corrects (BG-3). */
  preceding: { number: string; issueDate: string } | null;
  creditReason: CreditReason | null;
  /** Visits of a billing cycle not complete when it closed, listed for the office. */
  exceptions: string[];
  brand: { color: string };
  /** The language the customer reads it in (their own, else the organization's); absent on older documents: English. */
  language?: Language;
  /** Credit notes: what the note takes back from the invoice it corrects (lines, allowances, charges). */
  creditAllocation?: CreditAllocation;
  /** Per-cycle invoices: the visits (job IDs) the document bills. */
  cycleJobIds?: string[];
  /**
   * A progress bill of a fixed-price job: the cumulative percent complete it bills to, the milestone's name,
   * the contract's value (tax included) it is a part of, and the retainage it holds back (tax included),
   * which the final invoice releases.
   */
  progress?: { percent: string; milestone: string | null; contract: string; retained?: string };
  /**
   * A document in a currency other than the organization's: the rate its prices were converted at (units
   * of the organization's currency per unit of the document's) and the day it was valid from. Absent or
   * null when the document is in the organization's currency.
   */
  exchange?: Exchange | null;
  calc: Omit<Calculation, 'lines'>;
  lines: DocumentLine[];
};

export type Exchange = { currency: string; rate: string; rateDate: string; source: string | null };

/** The rate a document in another currency was converted at, as its reader reads it (PDF and UBL note). */
export const exchangeText = (
  doc: Pick<InvoiceDocument, 'exchange' | 'calc'>,
  w: Translator = translator(),
): string | null => {
  const x = doc.exchange;
  if (!x) return null;
  const text = w.t('invoice.exchange', {
    from: doc.calc.currency,
    rate: w.decimal(x.rate),
    to: x.currency,
    date: w.date(x.rateDate),
  });
  return x.source ? `${text} (${x.source})` : text;
};

/**
 * What a credit note takes back from the invoice it corrects, so the next one knows what is left: the
 * quantity of each original line (by position), and the amount of each document allowance and charge
 * (by index in the original's lists).
 */
export type CreditAllocation = {
  lines: { position: number; quantity: string }[];
  allowances: string[];
  charges: string[];
};

/** What issuing adds: the number and dates. */
export type IssuedHeader = { number: string; issueDate: string; dueDate: string | null };

export type RuleBreach = { rule: string; message: string };

const decimalsOf = (amount: string): number => amount.split('.')[1]?.length ?? 0;

/**
 * The EN 16931 business rules our documents can break, checked before anything is issued or sent: a
 * document that breaks one goes to needs_review with the rule ID instead (BR-*, BR-CO-*, BR-S/Z/E/AE/O-*,
 * BR-DEC-*). The official validators check the same documents in the test suite.
 */
export const en16931Breaches = (doc: InvoiceDocument): RuleBreach[] => {
  if (doc.profile === 'us_sales_tax' || doc.profile === 'payment_request') return [];
  const out: RuleBreach[] = [];
  const breach = (rule: string, message: string) => out.push({ rule, message });
  const { totals, decimals } = doc.calc;
  if (!doc.seller.name.trim()) breach('BR-06', 'the seller has no name');
  if (!doc.buyer.name.trim()) breach('BR-07', 'the buyer has no name');
  if (!doc.seller.address.country) breach('BR-09', 'the seller address has no country');
  if (!doc.buyer.address.country) breach('BR-11', 'the buyer address has no country');
  if (doc.lines.length === 0) breach('BR-16', 'the document has no lines');
  for (const [who, party] of [
    ['seller', doc.seller],
    ['buyer', doc.buyer],
  ] as const) {
    if (party.vatId && vatIdProblem(party.vatId))
      breach('BR-CO-09', `the ${who}'s VAT identifier ${party.vatId} has no country prefix`);
  }
  if (doc.kind === 'credit_note' && !doc.preceding)
    breach('BR-55', 'a credit note must reference the invoice it corrects');

  const sum = (xs: string[]) => xs.reduce((s, x) => s.plus(x), new Decimal(0));
  const eq = (a: Decimal.Value, b: Decimal.Value) => new Decimal(a).eq(b);
  const lineTotal = sum(doc.lines.map((l) => l.netAmount));
  const allowanceTotal = sum(doc.calc.allowances.map((a) => a.amount));
  const chargeTotal = sum(doc.calc.charges.map((c) => c.amount));
  const taxTotal = sum(doc.calc.taxSubtotals.map((t) => t.taxAmount));
  if (!eq(totals.lineTotal, lineTotal))
    breach('BR-CO-10', 'line total is not the sum of the line net amounts');
  if (!eq(totals.allowanceTotal, allowanceTotal))
    breach('BR-CO-11', 'allowance total is not the sum of the allowances');
  if (!eq(totals.chargeTotal, chargeTotal)) breach('BR-CO-12', 'charge total is not the sum of the charges');
  if (!eq(totals.taxExclusive, lineTotal.minus(allowanceTotal).plus(chargeTotal)))
    breach('BR-CO-13', 'tax-exclusive total is not lines − allowances + charges');
  if (!eq(totals.taxTotal, taxTotal)) breach('BR-CO-14', 'VAT total is not the sum of the VAT breakdown');
  if (!eq(totals.taxInclusive, new Decimal(totals.taxExclusive).plus(totals.taxTotal)))
    breach('BR-CO-15', 'tax-inclusive total is not tax-exclusive + VAT');
  if (!eq(totals.payable, new Decimal(totals.taxInclusive).minus(totals.prepaid).plus(totals.rounding)))
    breach('BR-CO-16', 'amount due is not total − prepaid + rounding');
  // Zero days is a term (due on receipt), not a missing one: only an absent term breaks the rule.
  if (
    new Decimal(totals.payable).gt(0) &&
    typeof doc.paymentTermsDays !== 'number' &&
    doc.kind !== 'credit_note'
  )
    breach('BR-CO-25', 'an amount is due but there are no payment terms or due date');

  for (const t of doc.calc.taxSubtotals) {
    const expected = roundMoney(new Decimal(t.taxableAmount).times(t.rate).div(100), decimals);
    if (!eq(t.taxAmount, expected))
      breach('BR-CO-17', `VAT of ${t.category} ${t.rate}% is not base × rate, rounded`);
    const cat = t.category ?? '?';
    const base = sum([
      ...doc.lines.filter((l) => taxGroupKey(l.tax) === taxGroupKey(t)).map((l) => l.netAmount),
      ...doc.calc.charges.filter((c) => taxGroupKey(c.tax) === taxGroupKey(t)).map((c) => c.amount),
    ]).minus(
      sum(doc.calc.allowances.filter((a) => taxGroupKey(a.tax) === taxGroupKey(t)).map((a) => a.amount)),
    );
    if (!eq(t.taxableAmount, base))
      breach(`BR-${cat}-08`, `the ${cat} ${t.rate}% taxable amount is not the sum of its lines`);
    if (EXEMPT_CATEGORIES.includes(cat) && !t.exemptionReason && !t.exemptionReasonCode)
      breach(`BR-${cat}-10`, `category ${cat} needs an exemption reason`);
    if (cat !== 'O' && !doc.seller.vatId)
      breach(`BR-${cat}-02`, `category ${cat} needs the seller's VAT identifier`);
    if (cat === 'AE' && !doc.buyer.vatId)
      breach('BR-AE-02', "reverse charge needs the buyer's VAT identifier");
    if (cat === 'O' && doc.seller.vatId)
      breach('BR-O-02', 'not subject to VAT: the seller VAT identifier must be absent');
  }
  const categories = new Set(doc.calc.taxSubtotals.map((t) => t.category));
  if (categories.has('B')) {
    const countries = [doc.seller.address.country, doc.buyer.address.country, doc.site?.address.country];
    if (countries.some((c) => c && c !== 'IT'))
      breach('BR-B-01', 'split payment (category B) is for domestic Italian invoices only');
    if (categories.has('S')) breach('BR-B-02', 'split payment cannot be mixed with standard-rated lines');
  }
  if (categories.has('O') && categories.size > 1)
    breach('BR-O-11', 'category O cannot be mixed with other categories');
  for (const l of doc.lines) {
    if (!doc.calc.taxSubtotals.some((t) => taxGroupKey(t) === taxGroupKey(l.tax)))
      breach(`BR-${l.tax.category}-01`, `line ${l.position} has a VAT category missing from the breakdown`);
  }

  const amounts: [string, string][] = [
    ...Object.entries(totals).map(([k, v]): [string, string] => [`totals.${k}`, v]),
    ...doc.lines.map((l): [string, string] => [`lines.${l.position}.netAmount`, l.netAmount]),
    ...doc.calc.taxSubtotals.flatMap((t): [string, string][] => [
      ['taxableAmount', t.taxableAmount],
      ['taxAmount', t.taxAmount],
    ]),
    ...doc.calc.allowances.map((a): [string, string] => ['allowance', a.amount]),
    ...doc.calc.charges.map((c): [string, string] => ['charge', c.amount]),
  ];
  for (const [field, amount] of amounts) {
    if (decimalsOf(amount) > 2) breach('BR-DEC-09', `${field} has more than two decimals`);
  }
  return out;
};
