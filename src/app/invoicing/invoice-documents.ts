import Decimal from 'decimal.js';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { CustomFieldDef } from '../../core/custom-fields';
import {
  type CalcInput,
  type CalcLine,
  calculate,
  convertPrice,
  netForGross,
  type TaxTreatment,
} from '../../core/invoice-calc';
import type { Address, DocumentLine, Exchange, InvoiceDocument, Party } from '../../core/invoice-document';
import { amountDecimals, formatAmount } from '../../core/money';
import { isVatCategory } from '../../core/tax';
import { businessDate, printDate } from '../../core/time';
import { priceVisits, type VisitLine } from '../../core/visit-pricing';
import type { Tx } from '../../db/client';
import {
  catalogItems,
  closeoutLines,
  customers,
  type invoices,
  jobAssignments,
  jobs,
  jobTypes,
  organizations,
  sites,
  taxCodes,
  users,
} from '../../db/schema';
import { customFieldsOf, jobNumber } from '../jobs';
import { rateOn } from './exchange-rates';

/**
 * Builds invoice documents from the records they bill: a job's accepted closeout, its deposit, a billing
 * cycle's visits. Nothing here writes; invoices.ts stores what this returns.
 */

export type OrgRow = typeof organizations.$inferSelect;
export type InvoiceRow = typeof invoices.$inferSelect;
export const documentOf = (row: InvoiceRow): InvoiceDocument => row.document as InvoiceDocument;
type CustomerRow = typeof customers.$inferSelect;
type JobRow = typeof jobs.$inferSelect;
type TaxCodeRow = typeof taxCodes.$inferSelect;

export type Built =
  | { ok: true; document: InvoiceDocument }
  | { ok: false; problems: { rule: string; message: string }[] };

const endpointOf = (value: string | null): Party['endpoint'] => {
  if (!value) return null;
  const [scheme, ...rest] = value.split(':');
  return scheme && rest.length > 0 ? { scheme, id: rest.join(':') } : null;
};

export const sellerOf = (org: OrgRow): Party => ({
  name: org.name,
  legalName: org.legalName,
  vatId: org.vatId,
  companyId: org.companyId,
  endpoint: endpointOf(org.peppolEndpoint),
  address: org.address ?? { line1: '', city: '', postalCode: '', country: org.country },
  email: null,
  phone: null,
});

export const buyerOf = (c: CustomerRow): Party => ({
  name: c.name,
  legalName: c.name,
  vatId: c.taxId,
  companyId: null,
  endpoint: endpointOf(c.peppolEndpoint),
  address: c.billingAddress as Address,
  email: c.contacts.find((k) => k.invoiceRecipient)?.email ?? c.email,
  phone: c.phone,
});

export const profileOf = (org: OrgRow, buyer: Party): InvoiceDocument['profile'] =>
  org.taxScheme === 'us_sales_tax'
    ? 'us_sales_tax'
    : org.peppolEndpoint && buyer.endpoint
      ? 'peppol'
      : 'en16931';

export const treatmentOf = (t: TaxCodeRow): TaxTreatment => ({
  category: t.category !== null && isVatCategory(t.category) ? t.category : null,
  rate: new Decimal(t.rate).toFixed(),
  exemptionReasonCode: t.exemptionReasonCode,
  exemptionReason: t.exemptionReason,
  jurisdiction: t.jurisdiction,
});

/** A tax-exempt customer's lines are category E with the customer's reason. */
export const exemptFor = (
  customer: Pick<CustomerRow, 'taxExempt' | 'taxExemptionReason'>,
): TaxTreatment | null =>
  customer.taxExempt
    ? {
        category: 'E',
        rate: '0',
        exemptionReason: customer.taxExemptionReason ?? 'Exempt customer',
        exemptionReasonCode: null,
      }
    : null;

export const orgTaxCodes = async (tx: Pick<Tx, 'db'>, organizationId: string) => {
  const rows = await tx.db.select().from(taxCodes).where(eq(taxCodes.organizationId, organizationId));
  return new Map(rows.map((r) => [r.id, r]));
};

/** The organization's fallback tax code: standard rate under VAT, the first taxable code under US sales tax. */
export const defaultTaxCode = (codes: Map<string, TaxCodeRow>): TaxCodeRow | undefined =>
  [...codes.values()].find((t) => t.code === 'S-STD' || t.code === 'TAXABLE') ?? [...codes.values()][0];

export type JobContext = {
  org: OrgRow;
  customer: CustomerRow;
  site: typeof sites.$inferSelect;
  jobType: typeof jobTypes.$inferSelect;
  codes: Map<string, TaxCodeRow>;
  technicians: string[];
};

export const loadJobContext = async (tx: Tx, job: JobRow): Promise<JobContext> => {
  const org = job.organizationId;
  const [row] = await tx.db
    .select({ org: organizations, customer: customers, site: sites, jobType: jobTypes })
    .from(organizations)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, organizations.id), eq(customers.id, job.customerId)),
    )
    .innerJoin(sites, and(eq(sites.organizationId, organizations.id), eq(sites.id, job.siteId)))
    .innerJoin(jobTypes, and(eq(jobTypes.organizationId, organizations.id), eq(jobTypes.id, job.jobTypeId)))
    .where(eq(organizations.id, org));
  if (!row) throw new Error(`job ${job.id} has no organization, customer, site or job type`);
  const crew = await tx.db
    .select({ name: users.name })
    .from(jobAssignments)
    .innerJoin(users, eq(users.id, jobAssignments.userId))
    .where(and(eq(jobAssignments.organizationId, org), eq(jobAssignments.jobId, job.id)))
    .orderBy(asc(users.name));
  return { ...row, codes: await orgTaxCodes(tx, org), technicians: crew.map((c) => c.name) };
};

const invoiceFields = (defs: CustomFieldDef[], values: Record<string, string | number>) =>
  defs
    .filter((d) => d.printOnInvoice && values[d.key] !== undefined && values[d.key] !== '')
    .map((d) => ({ label: d.label, value: String(values[d.key]) }));

type Common = Omit<
  InvoiceDocument,
  'kind' | 'calc' | 'lines' | 'preceding' | 'creditReason' | 'exceptions' | 'period'
>;

export const commonOf = (ctx: JobContext, job: JobRow, memo: string | null): Common => {
  const buyer = buyerOf(ctx.customer);
  return {
    profile: profileOf(ctx.org, buyer),
    seller: sellerOf(ctx.org),
    buyer,
    jobNumbers: [jobNumber(job.number)],
    serviceDate: job.completedAt
      ? businessDate(job.completedAt, ctx.org.timeZone)
      : businessDate(job.windowStart, ctx.org.timeZone),
    site: { name: ctx.site.name, address: ctx.site.address as Address },
    technicians: ctx.technicians,
    buyerReference: job.poNumber ?? jobNumber(job.number),
    poNumber: job.poNumber,
    memo,
    customFields: invoiceFields(customFieldsOf(ctx.jobType), job.customFields),
    paymentTermsDays: ctx.customer.paymentTermsDays ?? ctx.org.paymentTermsDays,
    iban: ctx.org.iban,
    brand: { color: ctx.org.brandColor },
  };
};

/** Calculates and assembles; a calculation problem is reported with the field it names. */
export const assemble = (
  common: Common,
  kind: InvoiceDocument['kind'],
  input: Omit<CalcInput, 'kind' | 'scheme' | 'currency' | 'taxCurrency'> & { currency: string },
  meta: Omit<DocumentLine, keyof CalcLine>[],
  extra: Partial<
    Pick<InvoiceDocument, 'preceding' | 'creditReason' | 'exceptions' | 'period' | 'exchange'>
  > = {},
): Built => {
  // A US sales-tax invoice and a payment request carry no VAT categories.
  const vat = common.profile !== 'us_sales_tax' && common.profile !== 'payment_request';
  const exchange = extra.exchange ?? null;
  const result = calculate({
    ...input,
    kind,
    scheme: vat ? 'vat' : 'us_sales_tax',
    // EU VAT law wants the VAT of an invoice in another currency stated in the seller's too (BT-6, BT-111).
    ...(vat && exchange
      ? { taxCurrency: { code: exchange.currency, rate: exchange.rate, rateDate: exchange.rateDate } }
      : {}),
  });
  if (!result.ok)
    return {
      ok: false,
      problems: result.problems.map((p) => ({ rule: 'calculation', message: `${p.field}: ${p.message}` })),
    };
  const { lines, ...calc } = result.value;
  return {
    ok: true,
    document: {
      ...common,
      kind,
      calc,
      lines: lines.map((l, i) => ({ ...l, ...(meta[i] as (typeof meta)[number]) })),
      preceding: extra.preceding ?? null,
      creditReason: extra.creditReason ?? null,
      exceptions: extra.exceptions ?? [],
      period: extra.period ?? null,
      ...(exchange ? { exchange } : {}),
    },
  };
};

/**
 * The currency a job's documents are in: the customer's invoice currency, else the organization's. In
 * another currency, the rate the office recorded for `day` (the day of supply) converts every price.
 */
export type DocumentMoney = { currency: string; exchange: Exchange | null };

export const documentMoney = async (
  tx: Pick<Tx, 'db'>,
  ctx: Pick<JobContext, 'org' | 'customer'>,
  day: string,
): Promise<
  { ok: true; money: DocumentMoney } | { ok: false; problems: { rule: string; message: string }[] }
> => {
  const currency = ctx.customer.invoiceCurrency ?? ctx.org.currency;
  if (currency === ctx.org.currency) return { ok: true, money: { currency, exchange: null } };
  const rate = await rateOn(tx, ctx.org.id, currency, day);
  if (!rate)
    return {
      ok: false,
      problems: [
        {
          rule: 'exchange_rate_missing',
          message: `${ctx.customer.name} is invoiced in ${currency}: record the ${currency} rate valid on ${printDate(day)} under Billing, Exchange rates, then rebuild`,
        },
      ],
    };
  return {
    ok: true,
    money: {
      currency,
      exchange: {
        currency: ctx.org.currency,
        rate: new Decimal(rate.rate).toFixed(),
        rateDate: rate.validFrom,
        source: rate.source,
      },
    },
  };
};

/** A unit price of the organization's in the document's currency (six decimals, like every unit price). */
export const priceIn = (money: DocumentMoney, price: string): string =>
  money.exchange ? convertPrice(price, money.exchange.rate) : price;

/** An amount of the organization's (a deposit asked for) in the document's currency, rounded to its unit. */
export const amountIn = (money: DocumentMoney, amount: string, decimals: number): string =>
  money.exchange ? formatAmount(new Decimal(amount).div(money.exchange.rate), decimals) : amount;

/**
 * The final invoice of a job: its billable closeout lines (or its cancellation / no-show fee), the job's
 * discount as a document allowance per tax group, the paid deposit as prepaid (BT-113).
 */
/**
 * The tax of a job's line, most specific treatment of the supply first: the customer's exemption, then the
 * job's own tax code when the office set one (reverse charge for a business abroad, a zero-rated export:
 * a decision about this supply that overrides every item's default), then the line's code from the price
 * book, then the organization's standard code.
 */
export const lineTax = (ctx: JobContext, job: JobRow) => {
  const exempt = exemptFor(ctx.customer);
  const jobCode = job.taxCodeId ? ctx.codes.get(job.taxCodeId) : undefined;
  const fallback = defaultTaxCode(ctx.codes);
  return (taxCodeId: string | null): TaxTreatment | null => {
    if (exempt) return exempt;
    const code = jobCode ?? (taxCodeId ? ctx.codes.get(taxCodeId) : undefined) ?? fallback;
    return code ? treatmentOf(code) : null;
  };
};

/**
 * What earlier deposit documents take off the final invoice. Advance invoices (EU VAT) were taxed when
 * issued: each is deducted as a negative line, its net at its own VAT category and rate, so the VAT over
 * both documents is the supply's. Payment requests bore no tax: what was paid on them is prepaid (BT-113).
 */
export type Advances = {
  prepaid: string;
  deductions: { number: string; net: string; tax: TaxTreatment }[];
  /** The currencies the deposits were billed in: the final invoice must be in the same. */
  currencies: string[];
};

export const advancesOf = (deposits: InvoiceRow[]): Advances => {
  let prepaid = new Decimal(0);
  const deductions: Advances['deductions'] = [];
  const currencies = new Set<string>();
  for (const d of deposits) {
    if (d.kind !== 'deposit_invoice' || !d.number || d.status === 'credited') continue;
    currencies.add(d.currency);
    const doc = documentOf(d);
    if (doc.profile === 'payment_request') {
      // What was paid and kept: a refund (credit) takes from it, a withdrawn unpaid remainder does not.
      prepaid = prepaid.plus(Decimal.min(d.amountPaid, new Decimal(d.payable).minus(d.amountCredited)));
      continue;
    }
    for (const l of doc.lines) deductions.push({ number: d.number, net: l.netAmount, tax: l.tax });
  }
  return { prepaid: prepaid.toFixed(), deductions, currencies: [...currencies] };
};

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
  // A fixed-price job bills the agreed price (its estimate; changes are revisions with their own invoices).
  // The time and parts the closeout recorded stay on the job as cost evidence, not on the invoice.
  const fixed = ctx.jobType.billingMode === 'fixed' && !closed;
  if (fixed) {
    if (job.estimateLines.length === 0)
      return {
        ok: false,
        problems: [
          {
            rule: 'fixed_price',
            message: 'a fixed-price job needs its agreed price: add the estimate lines',
          },
        ],
      };
    const skus = job.estimateLines.map((e) => e.sku).filter((x): x is string => !!x);
    const items = skus.length
      ? await tx.db
          .select()
          .from(catalogItems)
          .where(and(eq(catalogItems.organizationId, job.organizationId), inArray(catalogItems.sku, skus)))
      : [];
    for (const e of job.estimateLines) {
      const item = items.find((i) => i.sku === e.sku);
      const tax = taxFor(item?.taxCodeId ?? null);
      if (!tax) return noTax();
      visitLines.push({
        kind: item?.kind === 'labor' ? 'labor' : 'part',
        description: e.description,
        sku: e.sku,
        unitCode: item?.unitCode ?? 'C62',
        quantity: e.quantity,
        unitPrice: priceIn(money, e.unitPrice),
        tax,
      });
    }
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
  if (job.revisionOf) {
    const [parent] = await tx.db
      .select({ number: jobs.number })
      .from(jobs)
      .where(and(eq(jobs.organizationId, job.organizationId), eq(jobs.id, job.revisionOf)));
    if (parent) memo = [memo, `Additional work on ${jobNumber(parent.number)}`].filter(Boolean).join('\n');
  }
  return assemble(
    commonOf(ctx, job, memo),
    'invoice',
    {
      currency: money.currency,
      lines,
      allowances,
      charges,
      prepaid: advances.prepaid,
      payableRoundingIncrement: roundingFor(ctx.org, money),
    },
    meta,
    { exchange: money.exchange },
  );
};

/** Cash rounding is the organization's habit in its own currency; a document in another is to the unit. */
export const roundingFor = (org: OrgRow, money: DocumentMoney): string | undefined =>
  money.currency === org.currency ? (org.payableRoundingIncrement ?? undefined) : undefined;

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
