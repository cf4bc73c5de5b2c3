import Decimal from 'decimal.js';
import { and, asc, eq } from 'drizzle-orm';
import type { CustomFieldDef } from '../../core/custom-fields';
import { documentLanguage } from '../../core/i18n';
import {
  type CalcInput,
  type CalcLine,
  calculate,
  convertPrice,
  type TaxTreatment,
} from '../../core/invoice-calc';
import type { Address, DocumentLine, Exchange, InvoiceDocument, Party } from '../../core/invoice-document';
import { formatAmount } from '../../core/money';
import { defaultTaxCodeOf, treatmentOfCode } from '../../core/tax';
import { businessDate, printDate } from '../../core/time';
import type { Tx } from '../../db/client';
import {
  customers,
  type invoices,
  jobAssignments,
  type jobs,
  jobTypes,
  organizations,
  sites,
  taxCodes,
  users,
} from '../../db/schema';
import { customFieldsOf, jobNumber } from '../jobs/job-store';
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

export const treatmentOf = (t: TaxCodeRow): TaxTreatment => treatmentOfCode(t);

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
  defaultTaxCodeOf([...codes.values()]);

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
    language: documentLanguage(ctx.customer.language, ctx.org.language),
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

/** Cash rounding is the organization's habit in its own currency; a document in another is to the unit. */
export const roundingFor = (org: OrgRow, money: DocumentMoney): string | undefined =>
  money.currency === org.currency ? (org.payableRoundingIncrement ?? undefined) : undefined;
