import Decimal from 'decimal.js';
import type { CloseoutBody } from '../../contracts/closeout';
import type { FieldProblem } from '../../core/errors';
import { grossOf } from '../../core/invoice-calc';
import { MAX_AMOUNT } from '../../core/money';
import type { Technician } from '../../db/queries/closeout';
import type { catalogItems, closeoutLines, jobTypes, timeEntries } from '../../db/schema';
import type { JobRow } from '../jobs/job-store';
import type { Deps } from '../ports';

export type Line = typeof closeoutLines.$inferInsert;

const hoursOf = (entries: { startedAt: Date; endedAt: Date | null }[], now: Date): Decimal =>
  entries
    .reduce(
      (sum, e) => sum.plus(new Decimal((e.endedAt ?? now).getTime() - e.startedAt.getTime()).div(3_600_000)),
      new Decimal(0),
    )
    .toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** What pricing a closeout reads, loaded by resolve in a few round trips. */
export type PricingContext = {
  job: JobRow;
  body: CloseoutBody;
  submissionId: string;
  ids: Deps['ids'];
  jobType: typeof jobTypes.$inferSelect;
  laborPricing: string;
  bySku: Map<string, typeof catalogItems.$inferSelect>;
  techs: Technician[];
  entries: (typeof timeEntries.$inferSelect)[];
  jobDate: string;
  now: Date;
};

/**
 * The closeout's labour, parts and fees as priced lines: labour from the price book's labour item (or the
 * technician's rate where the organization bills so), parts at the price typed or the price book's, fees
 * from their SKUs. A stranger as technician, an unknown SKU, more than 24 hours a day or a line too large
 * for an invoice is a problem naming the field.
 */
export const priceLines = (c: PricingContext) => {
  const { job, body, submissionId, bySku, techs, entries, jobDate, now } = c;
  const org = job.organizationId;
  const jobTypeName = c.jobType.name;
  const problems: FieldProblem[] = [];
  const lines: Line[] = [];
  const line = (
    l: Omit<Line, 'organizationId' | 'id' | 'jobId' | 'submissionId' | 'position'>,
    /** The field a line too large for an invoice is refused under. */
    field: string,
  ) => {
    if (grossOf(l.quantity, l.unitPrice).abs().gt(MAX_AMOUNT)) {
      problems.push({ field, message: `the line comes to more than ${MAX_AMOUNT.toFixed(2)}` });
      return;
    }
    lines.push({
      ...l,
      organizationId: org,
      id: c.ids.uuid(),
      jobId: job.id,
      submissionId,
      position: lines.length + 1,
    });
  };

  const perTechDay = new Map<string, Decimal>();
  body.labor.forEach((l, i) => {
    const tech = techs.find((t) => t.id === l.technicianId);
    if (!tech?.roles.includes('technician')) {
      problems.push({
        field: `body.labor.${i}.technicianId`,
        message: 'not a technician of this organization',
      });
      return;
    }
    // Labour is priced and taxed from the price book: the line's own labour SKU, else the job type's labour
    // item; the technician's personal rate only where the organization bills at technicians' rates, or
    // where the price book has no labour item for this work.
    const typeItem = c.jobType.laborSku ? bySku.get(c.jobType.laborSku) : undefined;
    const item = l.sku ? bySku.get(l.sku) : typeItem?.kind === 'labor' ? typeItem : undefined;
    if (l.sku && item?.kind !== 'labor') {
      problems.push({
        field: `body.labor.${i}.sku`,
        message: item ? 'not a labor item' : 'no such SKU in the price book',
      });
      return;
    }
    const hours = l.hours
      ? new Decimal(l.hours)
      : hoursOf(
          entries.filter((e) => e.userId === l.technicianId),
          now,
        );
    const key = `${l.technicianId}|${l.date ?? jobDate}`;
    const day = (perTechDay.get(key) ?? new Decimal(0)).plus(hours);
    perTechDay.set(key, day);
    if (day.gt(24))
      problems.push({
        field: `body.labor.${i}.hours`,
        message: `more than 24 hours on ${l.date ?? jobDate}`,
      });
    const byTechnician = c.laborPricing === 'technician_rate' && !l.sku;
    const rate =
      l.rate ?? (byTechnician ? (tech.hourlyRate ?? item?.unitPrice) : (item?.unitPrice ?? tech.hourlyRate));
    if (rate === null || rate === undefined) {
      problems.push({
        field: `body.labor.${i}.rate`,
        message: 'no rate in the price book for this technician; give one',
      });
      return;
    }
    line(
      {
        kind: 'labor',
        catalogItemId: item?.id ?? null,
        sku: item?.sku ?? null,
        // Described by the work, not by the person's title: "Plumber labour: Leak repair".
        description: l.role ?? `${item?.name ?? 'Labour'}: ${jobTypeName}`,
        // Typed hours keep their precision (0.3333 h): the preview and the invoice price the same quantity.
        quantity: hours.toFixed(),
        unitCode: 'HUR',
        unitPrice: new Decimal(rate).toFixed(),
        listPrice: item?.unitPrice ?? tech.hourlyRate ?? null,
        taxCodeId: item?.taxCodeId ?? job.taxCodeId,
        technicianId: tech.id,
        billable: l.billable,
        serialNumbers: [],
      },
      `body.labor.${i}.hours`,
    );
  });

  body.parts.forEach((p, i) => {
    const item = p.sku ? bySku.get(p.sku) : undefined;
    if (p.sku && !item) {
      problems.push({ field: `body.parts.${i}.sku`, message: 'no such SKU in the price book' });
      return;
    }
    const unitPrice = p.unitPrice ?? item?.unitPrice;
    line(
      {
        kind: 'part',
        catalogItemId: item?.id ?? null,
        sku: item?.sku ?? null,
        description: p.description ?? item?.name ?? '',
        quantity: p.quantity,
        unitCode: item?.unitCode ?? 'C62',
        unitPrice: unitPrice ?? '0',
        listPrice: item?.unitPrice ?? null,
        taxCodeId: item?.taxCodeId ?? job.taxCodeId,
        technicianId: null,
        billable: p.billable,
        serialNumbers: p.serialNumbers,
      },
      `body.parts.${i}.quantity`,
    );
  });

  body.adjustments.forEach((a, i) => {
    const sku = a.sku ?? (a.kind === 'trip_charge' ? 'FEE-TRIP' : 'FEE-DISPOSAL');
    const item = bySku.get(sku);
    if (!item && (a.sku || a.amount === undefined)) {
      problems.push({
        field: `body.adjustments.${i}.${a.sku ? 'sku' : 'amount'}`,
        message: a.sku ? 'no such SKU in the price book' : 'give an amount or a fee SKU',
      });
      return;
    }
    line(
      {
        kind: 'adjustment',
        catalogItemId: item?.id ?? null,
        sku: item?.sku ?? null,
        description:
          a.description ?? item?.name ?? (a.kind === 'trip_charge' ? 'Trip charge' : 'Disposal fee'),
        quantity: '1',
        unitCode: 'C62',
        unitPrice: a.amount ?? item?.unitPrice ?? '0',
        listPrice: item?.unitPrice ?? null,
        taxCodeId: item?.taxCodeId ?? job.taxCodeId,
        technicianId: null,
        billable: true,
        serialNumbers: [],
      },
      `body.adjustments.${i}.amount`,
    );
  });
  return { lines, perTechDay, problems };
};
