import Decimal from 'decimal.js';
import { and, asc, eq } from 'drizzle-orm';
import { netForGross, type TaxTreatment, taxGroupKey } from '../../core/invoice-calc';
import { amountDecimals, printAmount } from '../../core/money';
import { contractGroupsOf } from '../../core/progress-billing';
import { businessDate } from '../../core/time';
import { priceVisits, type VisitLine } from '../../core/visit-pricing';
import type { Tx } from '../../db/client';
import { approvedChangeOrders } from '../../db/queries/change-orders';
import { closeoutLines, jobs, quotes } from '../../db/schema';
import { type JobRow, jobNumber } from '../jobs/job-store';

import {
  amountIn,
  assemble,
  type Built,
  commonOf,
  defaultTaxCode,
  documentMoney,
  documentOf,
  exemptFor,
  type InvoiceRow,
  type JobContext,
  lineTax,
  priceIn,
  roundingFor,
  treatmentOf,
} from './invoice-documents';
import { scopeParts, scopeVisitLines } from './scope-pricing';

/**
 * What the invoice says of the agreement it bills: the quote the job came from, and each approved change
 * order with its reason, so the customer can match the invoice to what they signed.
 */
const agreementNotes = async (
  tx: Tx,
  job: JobRow,
  approved: readonly { seq: number; reason: string }[],
): Promise<string[]> => {
  const [quote] = await tx.db
    .select({ number: quotes.number })
    .from(quotes)
    .where(and(eq(quotes.organizationId, job.organizationId), eq(quotes.jobId, job.id)));
  return [
    ...(quote ? [`As quoted in ${quote.number}.`] : []),
    ...approved.map((c) => `Change order ${c.seq}, approved by you: ${c.reason}`),
  ];
};

/**
 * What earlier deposit documents take off the final invoice. Advance invoices (EU VAT) were taxed when
 * issued: each is deducted as a negative line, its net at its own VAT category and rate, so the VAT over
 * both documents is the supply's. Payment requests bore no tax: what was paid on them is prepaid (BT-113).
 */
export type Advances = {
  prepaid: string;
  deductions: { number: string; net: string; tax: TaxTreatment }[];
  /** What the deducted advance invoices asked, tax included. */
  gross: string;
  /** The currencies the deposits were billed in: the final invoice must be in the same. */
  currencies: string[];
  /** Retainage the progress steps held back, tax included: this invoice releases it. */
  retained?: string;
  /** How many VAT amounts the deducted advances' credit notes rounded (one per note and tax group). */
  creditRoundings: number;
};

/**
 * What the issued credit notes of an advance took back of it, net per tax group, and how many VAT amounts
 * they rounded doing so.
 */
export const creditedOfAdvance = (advance: InvoiceRow, credits: readonly InvoiceRow[]) => {
  const net = new Map<string, Decimal>();
  let roundings = 0;
  for (const c of credits) {
    if (c.kind !== 'credit_note' || c.correctsInvoiceId !== advance.id || !c.number) continue;
    for (const s of documentOf(c).calc.taxSubtotals) {
      net.set(taxGroupKey(s), (net.get(taxGroupKey(s)) ?? new Decimal(0)).plus(s.taxableAmount));
      roundings += 1;
    }
  }
  return { net, roundings };
};

/**
 * What was paid and kept on a payment request: a refund (credit) takes from it, a withdrawn unpaid
 * remainder does not.
 */
export const keptOnRequest = (d: InvoiceRow) =>
  Decimal.min(d.amountPaid, new Decimal(d.payable).minus(d.amountCredited));

/** No advance deducted: the work (or the contract) as it stands alone. */
export const NO_ADVANCES: Advances = {
  prepaid: '0',
  deductions: [],
  gross: '0',
  currencies: [],
  creditRoundings: 0,
};

/**
 * The advances the final invoice deducts: each issued advance invoice per tax group, less what its credit
 * notes took back in that group (a deposit partly given back is deducted only for what the customer kept
 * in advance); what was paid and kept on payment requests as prepaid.
 */
export const advancesOf = (deposits: InvoiceRow[], credits: readonly InvoiceRow[] = []): Advances => {
  let prepaid = new Decimal(0);
  let gross = new Decimal(0);
  const deductions: Advances['deductions'] = [];
  const currencies = new Set<string>();
  let retained = new Decimal(0);
  let creditRoundings = 0;
  for (const d of deposits) {
    if (d.kind !== 'deposit_invoice' || !d.number || d.status === 'credited') continue;
    currencies.add(d.currency);
    const doc = documentOf(d);
    // What a step held back is billed now, whichever way it was asked.
    retained = retained.plus(doc.progress?.retained ?? '0');
    if (doc.profile === 'payment_request') {
      prepaid = prepaid.plus(keptOnRequest(d));
      continue;
    }
    const { net: credited, roundings } = creditedOfAdvance(d, credits);
    creditRoundings += roundings;
    // What it asked, a rounding amount (BT-114) that brought its net to the deposit asked included.
    gross = gross.plus(d.payable).minus(d.amountCredited);
    // One deduction per tax group of the advance, at its taxable amount: a step's retainage (an allowance)
    // comes off its group, so what is deducted is what the step billed and the rest is billed now.
    for (const g of contractGroupsOf(doc.calc.taxSubtotals)) {
      const net = new Decimal(g.net).minus(credited.get(taxGroupKey(g.tax)) ?? 0);
      if (net.gt(0)) deductions.push({ number: d.number, net: net.toFixed(), tax: g.tax });
    }
  }
  return {
    prepaid: prepaid.toFixed(),
    deductions,
    gross: gross.toFixed(),
    currencies: [...currencies],
    creditRoundings,
    ...(retained.gt(0) ? { retained: retained.toFixed() } : {}),
  };
};

/**
 * The final invoice of a job: its billable closeout lines (or its cancellation / no-show fee), the job's
 * discount as a document allowance per tax group, the paid deposit as prepaid (BT-113).
 */
export const buildJobInvoice = async (
  tx: Tx,
  job: JobRow,
  ctx: JobContext,
  advances: Advances,
  memo: string | null,
): Promise<Built> => {
  const taxFor = lineTax(ctx, job);
  const rows = await tx.db
    .select()
    .from(closeoutLines)
    .where(
      and(
        eq(closeoutLines.organizationId, job.organizationId),
        eq(closeoutLines.jobId, job.id),
        eq(closeoutLines.billable, true),
      ),
    )
    .orderBy(asc(closeoutLines.position));
  const number = jobNumber(job.number);
  const serviceDate = commonOf(ctx, job, memo).serviceDate as string;
  const priced$ = await documentMoney(tx, ctx, serviceDate);
  if (!priced$.ok) return priced$;
  const { money } = priced$;
  const other = advances.currencies.find((c) => c !== money.currency);
  if (other)
    return {
      ok: false,
      problems: [
        {
          rule: 'currency',
          message: `the deposit was billed in ${other} and this invoice would be in ${money.currency}: credit the deposit and bill it again, or set the customer's currency back`,
        },
      ],
    };
  const noTax = () => ({
    ok: false as const,
    problems: [{ rule: 'tax_code', message: 'no tax code for a line and no default tax code' }],
  });
  const closed = job.closingFee !== null && (job.status === 'canceled' || job.status === 'no_show');
  const visitLines: VisitLine[] = [];
  // A fixed-price job bills the agreed price: its estimate, then each change order the customer approved,
  // under its own heading. The time and parts the closeout recorded stay on the job as cost evidence.
  const fixed = ctx.jobType.billingMode === 'fixed' && !closed;
  const approved = await approvedChangeOrders(tx.db, job.organizationId, job.id);
  if (fixed) {
    if (job.estimateLines.length === 0 && approved.length === 0)
      return {
        ok: false,
        problems: [
          {
            rule: 'fixed_price',
            message: 'a fixed-price job needs its agreed price: add the estimate lines',
          },
        ],
      };
    const scope = await scopeVisitLines(tx, job, ctx, money, scopeParts(job, approved));
    if (!scope.ok) return scope;
    visitLines.push(...scope.lines);
  }
  for (const r of closed || fixed ? [] : rows) {
    const tax = taxFor(r.taxCodeId);
    if (!tax) return noTax();
    visitLines.push({
      kind: r.kind,
      description: r.description + (r.serialNumbers.length ? ` (S/N ${r.serialNumbers.join(', ')})` : ''),
      sku: r.sku,
      unitCode: r.unitCode,
      quantity: r.quantity,
      unitPrice: priceIn(money, r.unitPrice),
      listPrice: r.listPrice === null ? null : priceIn(money, r.listPrice),
      tax,
    });
  }
  // The job's work, priced as every invoice prices work (priceVisits): a cycle invoice of the same visits
  // comes to the same net.
  const priced = priceVisits([
    { jobNumber: number, serviceDate, discountPercent: job.discountPercent, lines: visitLines },
  ]);
  const { lines, meta, allowances, charges } = priced;
  if (closed && job.closingFee !== null) {
    const tax = taxFor(job.taxCodeId);
    if (!tax) return noTax();
    lines.push({ quantity: '1', unitPrice: priceIn(money, job.closingFee), tax });
    meta.push({
      position: 1,
      description: job.status === 'no_show' ? 'No-show fee' : 'Cancellation fee',
      sku: null,
      unitCode: 'C62',
      kind: 'fee',
      jobNumber: number,
      serviceDate,
    });
  }
  const work = { lines: lines.length, meta: meta.length };
  // Deducted advances come after the work: the discount, scoped to the work's lines, leaves them alone.
  for (const a of advances.deductions) {
    lines.push({ quantity: '-1', unitPrice: a.net, tax: a.tax });
    meta.push({
      position: lines.length,
      description: `Advance invoiced on ${a.number}`,
      sku: null,
      unitCode: 'C62',
      kind: 'deposit',
      jobNumber: number,
      serviceDate: null,
    });
  }
  const released = advances.retained
    ? `Releases the retainage of ${printAmount(new Decimal(advances.retained).toFixed(amountDecimals(money.currency, true)), money.currency)} held back on the progress invoices: the work is complete`
    : null;
  memo = [memo, ...(await agreementNotes(tx, job, approved)), released].filter(Boolean).join('\n') || null;
  if (job.revisionOf) {
    const [parent] = await tx.db
      .select({ number: jobs.number })
      .from(jobs)
      .where(and(eq(jobs.organizationId, job.organizationId), eq(jobs.id, job.revisionOf)));
    if (parent) memo = [memo, `Additional work on ${jobNumber(parent.number)}`].filter(Boolean).join('\n');
  }
  const common = commonOf(ctx, job, memo);
  const cashRounding = roundingFor(ctx.org, money);
  const input = {
    currency: money.currency,
    lines,
    allowances,
    charges,
    prepaid: advances.prepaid,
    payableRoundingIncrement: cashRounding,
  };
  const built = assemble(common, 'invoice', input, meta, { exchange: money.exchange });
  if (!built.ok || advances.deductions.length === 0 || cashRounding) return built;
  // The work's price (the agreed price, or the time and parts), billed over its advances (a deposit,
  // progress steps, less what credit notes took back of them) and this invoice: each document taxed its own
  // net, rounded, so together they may miss the work's price by a cent a rate and document. The rounding
  // amount (BT-114) of this last document brings what the customer is asked in all to that price exactly.
  const contract = assemble(
    common,
    'invoice',
    { ...input, lines: lines.slice(0, work.lines), prepaid: undefined },
    meta.slice(0, work.meta),
    { exchange: money.exchange },
  );
  if (!contract.ok) return built;
  const drift = new Decimal(contract.document.calc.totals.taxInclusive)
    .minus(advances.gross)
    .minus(built.document.calc.totals.taxInclusive);
  if (drift.isZero()) return built;
  return assemble(
    common,
    'invoice',
    {
      ...input,
      rounding: drift.toFixed(),
      roundingUnits: advances.deductions.length + advances.creditRoundings + 1,
    },
    meta,
    { exchange: money.exchange },
  );
};

/**
 * The deposit document, for exactly the amount asked for. An advance invoice (EU VAT) bears VAT: one line
 * whose net, taxed, is the deposit (netForGross). A payment request (US sales tax, or chosen) bears no tax
 * and is not a tax invoice: the final invoice taxes the whole supply and deducts what was paid.
 */
export const buildDepositInvoice = async (
  tx: Pick<Tx, 'db'>,
  job: JobRow,
  ctx: JobContext,
): Promise<Built> => {
  const exempt = exemptFor(ctx.customer);
  const code = job.taxCodeId ? ctx.codes.get(job.taxCodeId) : defaultTaxCode(ctx.codes);
  const taxed = exempt ?? (code ? treatmentOf(code) : null);
  if (!taxed || !job.depositAmount)
    return { ok: false, problems: [{ rule: 'deposit', message: 'no deposit amount or tax code' }] };
  const common = commonOf(ctx, job, null);
  const request = ctx.org.depositModel === 'payment_request';
  const tax: TaxTreatment = request ? { category: null, rate: '0', jurisdiction: null } : taxed;
  // Asked for at booking: converted at the rate of the day the job was booked.
  const priced = await documentMoney(tx, ctx, businessDate(job.createdAt, ctx.org.timeZone));
  if (!priced.ok) return priced;
  const { money } = priced;
  const decimals = amountDecimals(money.currency, !request && ctx.org.taxScheme === 'vat');
  const asked = amountIn(money, job.depositAmount, decimals);
  const { net, rounding } = request ? { net: asked, rounding: '0' } : netForGross(asked, tax.rate, decimals);
  return assemble(
    { ...common, serviceDate: null, ...(request ? { profile: 'payment_request' as const } : {}) },
    'deposit_invoice',
    { currency: money.currency, lines: [{ quantity: '1', unitPrice: net, tax }], rounding },
    [
      {
        position: 1,
        description:
          `${request ? 'Deposit requested' : 'Deposit'} for ${jobNumber(job.number)}: ${job.scope}`.slice(
            0,
            300,
          ),
        sku: null,
        unitCode: 'C62',
        kind: 'deposit',
        jobNumber: jobNumber(job.number),
        serviceDate: null,
      },
    ],
    { exchange: money.exchange },
  );
};
