import type { CloseoutBody } from '../../contracts/closeout';
import { agreedScope } from '../../core/change-orders';
import { type FieldProblem, invalidAll } from '../../core/errors';
import { businessDate } from '../../core/time';
import type { CloseoutFacts } from '../../db/queries/closeout';
import type { JobRow } from '../jobs/job-store';
import type { Deps } from '../ports';
import { checkProof } from './check-proof';
import { decide } from './decide';
import { priceLines } from './price-lines';

/**
 * What a closeout names that its decision must look up (closeoutFacts reads them in one statement): the
 * price book's SKUs (the job type's labour item and the approved change orders' are added there), the
 * technicians, the attachments, and whether a labour line leaves its hours to the time entries.
 */
export const lookupsOf = (job: JobRow, body: CloseoutBody) => ({
  skus: [
    ...new Set(
      [
        ...body.parts.map((p) => p.sku),
        ...body.labor.map((l) => l.sku),
        ...body.adjustments.map((a) => a.sku ?? (a.kind === 'trip_charge' ? 'FEE-TRIP' : 'FEE-DISPOSAL')),
        ...job.estimateLines.map((e) => e.sku),
      ].filter((s): s is string => !!s),
    ),
  ],
  technicianIds: [...new Set(body.labor.map((l) => l.technicianId))],
  attachmentIds: [
    ...new Set([...body.attachmentIds, ...(body.signature ? [body.signature.attachmentId] : [])]),
  ],
  withEntries: body.labor.some((l) => !l.hours),
});

/**
 * Turns a closeout and what closeoutFacts read for it into priced lines and the facts the completeness
 * rules read. Every reference must resolve inside the organization and the job: an unknown SKU, a stranger
 * as technician, another job's attachment or more than 24 hours a day are refused with the field named
 * (400), before anything is written.
 */
export const resolve = (
  deps: Pick<Deps, 'clock' | 'ids'>,
  job: JobRow,
  body: CloseoutBody,
  submissionId: string,
  facts: CloseoutFacts,
) => {
  const problems: FieldProblem[] = [];
  // The scope agreed with the customer: the estimate and every change order they approved.
  const agreed = agreedScope(job.estimateLines, facts.changeOrders);
  const bySku = new Map(facts.items.map((i) => [i.sku, i]));
  const jobDate = businessDate(job.windowStart, facts.timeZone);
  const now = deps.clock.now();

  const priced = priceLines({
    job,
    body,
    submissionId,
    ids: deps.ids,
    jobType: facts.jobType,
    laborPricing: facts.laborPricing,
    bySku,
    techs: facts.technicians,
    entries: facts.entries,
    jobDate,
    now,
  });
  const proof = checkProof(job, facts.jobType, body, facts.attachments);
  problems.push(...priced.problems, ...proof.problems);
  if (problems.length > 0) throw invalidAll(problems);
  return decide({
    job,
    agreed,
    body,
    jobType: facts.jobType,
    overrides: facts.overrides as Record<string, unknown>,
    defaultRules: facts.defaultRules,
    bySku,
    lines: priced.lines,
    perTechDay: priced.perTechDay,
    photos: proof.photos,
    values: proof.values,
    missingCustomFields: proof.missingCustomFields,
  });
};
