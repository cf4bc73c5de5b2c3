import { eq } from 'drizzle-orm';
import { isZeroDecimal } from '../../contracts/common';
import type { PreviewBody } from '../../contracts/invoices';
import { type FieldProblem, invalidAll, notFound } from '../../core/errors';
import { calculate, discountAllowances, type TaxTreatment } from '../../core/invoice-calc';
import { businessDate } from '../../core/time';
import { organizations, taxCodes } from '../../db/schema';
import type { Deps } from '../ports';
import { treatmentOf } from './invoice-documents';

/**
 * Totals for any lines, saving nothing (`POST /invoice-previews`): the same calculator the invoices use,
 * with the organization's tax codes by code. Unknown codes and everything EN 16931 would refuse are a
 * 400 naming the field.
 */
export const previewInvoice = async (deps: Deps, organizationId: string, body: PreviewBody) => {
  const db = deps.database.db;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  const codes = new Map(
    (await db.select().from(taxCodes).where(eq(taxCodes.organizationId, organizationId))).map((t) => [
      t.code,
      t,
    ]),
  );
  const problems: FieldProblem[] = [];
  const tax = (code: string, field: string): TaxTreatment => {
    const row = codes.get(code);
    if (!row) {
      problems.push({ field, message: `no tax code ${code} in this organization` });
      return { category: 'S', rate: '1' };
    }
    return treatmentOf(row);
  };
  const lines = body.lines.map((l, i) => ({
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    baseQuantity: l.baseQuantity,
    grossPrice: l.grossPrice,
    currency: l.currency,
    allowances: l.allowances,
    charges: l.charges,
    tax: tax(l.taxCode, `body.lines.${i}.taxCode`),
  }));
  const adjustments = (list: PreviewBody['allowances'], name: string) =>
    (list ?? []).map((a, i) => ({ ...a, tax: tax(a.taxCode, `body.${name}.${i}.taxCode`) }));
  const allowances = [
    ...adjustments(body.allowances, 'allowances'),
    ...discountAllowances(body.discountPercent ?? null, lines),
  ];
  const charges = adjustments(body.charges, 'charges');
  const currency = body.currency ?? org.currency;
  if (body.exchangeRate !== undefined && currency === org.currency)
    problems.push({
      field: 'body.exchangeRate',
      message: `only for a currency other than ${org.currency}`,
    });
  if (problems.length > 0) throw invalidAll(problems);
  const result = calculate({
    currency,
    scheme: org.taxScheme,
    ...(body.exchangeRate !== undefined && org.taxScheme === 'vat'
      ? {
          taxCurrency: {
            code: org.currency,
            rate: body.exchangeRate,
            rateDate: businessDate(deps.clock.now(), org.timeZone),
          },
        }
      : {}),
    kind: body.kind,
    lines,
    allowances,
    charges,
    prepaid: body.prepaid,
    // The organization's cash rounding unless the request names one ("0" for none).
    payableRoundingIncrement:
      body.payableRoundingIncrement === undefined
        ? (org.payableRoundingIncrement ?? undefined)
        : isZeroDecimal(body.payableRoundingIncrement)
          ? undefined
          : body.payableRoundingIncrement,
  });
  if (!result.ok) throw invalidAll(result.problems);
  return result.value;
};
