import Decimal from 'decimal.js';
import type { FieldProblem } from './errors';
import { en } from './i18n/en';

/**
 * EN 16931 VAT category codes (UNCL5305 subset): standard, zero, exempt, reverse charge, intra-EU supply,
 * export, not subject to VAT, IGIC (Canary Islands), IPSI (Ceuta and Melilla), Italian split payment.
 */
export const VAT_CATEGORIES = ['S', 'Z', 'E', 'AE', 'K', 'G', 'O', 'L', 'M', 'B'] as const;
export type VatCategory = (typeof VAT_CATEGORIES)[number];
/** EN 16931 VAT categories in words, for documents and screens. */
export const VAT_CATEGORY_WORDS: Record<VatCategory, string> = en.vatCategories;
export const vatCategoryText = (category: string): string =>
  VAT_CATEGORY_WORDS[category as VatCategory] ?? category;

/** Categories that are exemptions and need a reason (BR-E/AE/K/G/O-10). */
export const EXEMPT_CATEGORIES: readonly string[] = ['E', 'AE', 'K', 'G', 'O'];

/**
 * The rate a category takes: above zero for standard and split payment (BR-S-05, BR-B), zero or more for the
 * Canary Islands and Ceuta and Melilla taxes (BR-AF-05, BR-AG-05), exactly zero for the others.
 */
export const rateProblem = (category: string, rate: Decimal): string | null => {
  if (category === 'S' || category === 'B')
    return rate.gt(0) ? null : `BR-${category}-05: category ${category} takes a rate above 0`;
  if (category === 'L' || category === 'M')
    return rate.isNeg() ? `category ${category} takes a rate of 0 or more` : null;
  return rate.isZero() ? null : `BR-${category}-05: category ${category} has rate 0`;
};

const decimalOrNull = (v: string): Decimal | null => {
  try {
    const d = new Decimal(v);
    return d.isFinite() ? d : null;
  } catch {
    return null;
  }
};

export type TaxCodeInput = {
  category: string | null;
  rate: string;
  exemptionReasonCode?: string | null | undefined;
  exemptionReason?: string | null | undefined;
  jurisdiction?: string | null | undefined;
};

/**
 * The EN 16931 business rules a tax code must meet to produce a valid e-invoice: standard rate above zero
 * (BR-S-05, split payment too), zero or more for IGIC and IPSI, zero for every other category, and a reason where the
 * category is an exemption (BR-E/AE/K/G/O-10). US sales tax uses a jurisdiction instead of a category.
 */
export const taxCodeProblems = (
  scheme: 'vat' | 'us_sales_tax',
  t: TaxCodeInput,
  prefix = 'body',
): FieldProblem[] => {
  const problems: FieldProblem[] = [];
  if (scheme === 'us_sales_tax') {
    if (t.category !== null)
      problems.push({ field: `${prefix}.category`, message: 'US sales tax has no VAT category' });
    if (!t.jurisdiction)
      problems.push({ field: `${prefix}.jurisdiction`, message: 'required for US sales tax' });
    return problems;
  }
  if (t.category === null || !(VAT_CATEGORIES as readonly string[]).includes(t.category)) {
    problems.push({ field: `${prefix}.category`, message: `must be one of ${VAT_CATEGORIES.join(', ')}` });
    return problems;
  }
  const rate = decimalOrNull(t.rate);
  const bad = rate ? rateProblem(t.category, rate) : 'must be a decimal percent';
  if (bad) problems.push({ field: `${prefix}.rate`, message: bad });
  const exempt = EXEMPT_CATEGORIES.includes(t.category);
  if (exempt && !t.exemptionReasonCode && !t.exemptionReason)
    problems.push({
      field: `${prefix}.exemptionReason`,
      message: `category ${t.category} needs an exemption reason`,
    });
  if (!exempt && (t.exemptionReasonCode || t.exemptionReason))
    problems.push({
      field: `${prefix}.exemptionReason`,
      message: `category ${t.category} takes no exemption reason`,
    });
  return problems;
};

/** Normalization used to find a customer that already exists. */
export const normalizeName = (name: string): string =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/\b(ltd|limited|inc|llc|gmbh|plc|co)\b\.?/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

export const normalizeTaxId = (taxId: string): string => taxId.replace(/[\s.-]/g, '').toUpperCase();

export const normalizeAddressKey = (a: { line1: string; postalCode: string }): string =>
  `${a.line1
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()}|${a.postalCode.toUpperCase().replace(/\s+/g, '')}`;

export const isVatCategory = (c: string): c is VatCategory =>
  (VAT_CATEGORIES as readonly string[]).includes(c);

/** A tax code's treatment as the calculator takes it: the server's invoices and the office's live totals alike. */
export const treatmentOfCode = (t: {
  category: string | null;
  rate: string;
  exemptionReasonCode: string | null;
  exemptionReason: string | null;
  jurisdiction: string | null;
}) => ({
  category: t.category !== null && isVatCategory(t.category) ? t.category : null,
  rate: new Decimal(t.rate).toFixed(),
  exemptionReasonCode: t.exemptionReasonCode,
  exemptionReason: t.exemptionReason,
  jurisdiction: t.jurisdiction,
});

/** The fallback tax code: standard rate under VAT, the first taxable code under US sales tax, else the first. */
export const defaultTaxCodeOf = <T extends { code: string }>(codes: readonly T[]): T | undefined =>
  codes.find((t) => t.code === 'S-STD' || t.code === 'TAXABLE') ?? codes[0];
