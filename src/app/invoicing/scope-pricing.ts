import { type ChangeOrderLine, type ScopeLine, signedLines } from '../../core/change-orders';
import { priceVisits, type VisitLine } from '../../core/visit-pricing';
import type { Tx } from '../../db/client';
import { itemsBySku } from '../../db/queries/directory';
import { type JobRow, jobNumber } from '../jobs/job-store';
import {
  assemble,
  commonOf,
  type DocumentMoney,
  documentMoney,
  type JobContext,
  lineTax,
  priceIn,
  roundingFor,
} from './invoice-documents';

/** A part of the agreed scope under its heading: the original estimate (no heading), then each change order. */
export type ScopePart = { heading: string | null; lines: readonly ScopeLine[] };

type Problems = { ok: false; problems: { rule: string; message: string }[] };

const noTax = (): Problems => ({
  ok: false,
  problems: [{ rule: 'tax_code', message: 'no tax code for a line and no default tax code' }],
});

/** The scope's parts: the estimate, then each approved change order under "Change order n". */
export const scopeParts = (
  job: Pick<JobRow, 'estimateLines'>,
  approved: readonly { seq: number; lines: readonly ChangeOrderLine[] }[],
): ScopePart[] => [
  { heading: null, lines: job.estimateLines },
  ...approved.map((c) => ({ heading: `Change order ${c.seq}`, lines: signedLines(c.lines) })),
];

/**
 * The agreed scope as invoice lines: each line's kind and tax from the price book item it names (or the
 * job's and organization's defaults), its price in the document's currency, a change order's lines named
 * after it. A removal is a negative line, as EN 16931 allows on an invoice.
 */
export const scopeVisitLines = async (
  tx: Pick<Tx, 'db'>,
  job: JobRow,
  ctx: JobContext,
  money: DocumentMoney,
  parts: readonly ScopePart[],
): Promise<{ ok: true; lines: VisitLine[] } | Problems> => {
  const taxFor = lineTax(ctx, job);
  const items = await itemsBySku(
    tx.db,
    job.organizationId,
    parts.flatMap((p) => p.lines.map((l) => l.sku)),
  );
  const lines: VisitLine[] = [];
  for (const part of parts)
    for (const e of part.lines) {
      const item = e.sku ? items.get(e.sku) : undefined;
      const tax = taxFor(e.taxCodeId ?? item?.taxCodeId ?? null);
      if (!tax) return noTax();
      lines.push({
        kind: item?.kind === 'labor' ? 'labor' : 'part',
        description: part.heading ? `${part.heading}: ${e.description}` : e.description,
        sku: e.sku,
        unitCode: item?.unitCode ?? 'C62',
        quantity: e.quantity,
        unitPrice: priceIn(money, e.unitPrice),
        tax,
      });
    }
  return { ok: true, lines };
};

/**
 * What a scope comes to for the customer, priced exactly as the job's invoice would price it (the same
 * lines, discount, tax, currency and cash rounding): the before and after a change order shows.
 */
export const priceScope = async (
  tx: Pick<Tx, 'db'>,
  job: JobRow,
  ctx: JobContext,
  parts: readonly ScopePart[],
): Promise<{ ok: true; currency: string; payable: string } | Problems> => {
  const common = commonOf(ctx, job, null);
  const priced$ = await documentMoney(tx, ctx, common.serviceDate as string);
  if (!priced$.ok) return priced$;
  const { money } = priced$;
  if (parts.every((p) => p.lines.length === 0)) return { ok: true, currency: money.currency, payable: '0' };
  const visit = await scopeVisitLines(tx, job, ctx, money, parts);
  if (!visit.ok) return visit;
  const { lines, meta, allowances, charges } = priceVisits([
    {
      jobNumber: jobNumber(job.number),
      serviceDate: common.serviceDate,
      discountPercent: job.discountPercent,
      lines: visit.lines,
    },
  ]);
  const built = assemble(
    common,
    'invoice',
    {
      currency: money.currency,
      lines,
      allowances,
      charges,
      payableRoundingIncrement: roundingFor(ctx.org, money),
    },
    meta,
    { exchange: money.exchange },
  );
  if (!built.ok) return built;
  return { ok: true, currency: money.currency, payable: built.document.calc.totals.payable };
};
