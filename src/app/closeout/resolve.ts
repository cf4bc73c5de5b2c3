import { and, eq, inArray } from 'drizzle-orm';
import type { CloseoutBody } from '../../contracts/closeout';
import { agreedScope } from '../../core/change-orders';
import { type FieldProblem, invalidAll, notFound } from '../../core/errors';
import { businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { approvedChangeOrders } from '../../db/queries/change-orders';
import { catalogItems, customers, jobTypes, organizations, timeEntries, users } from '../../db/schema';
import type { JobRow } from '../jobs/job-store';
import type { Deps } from '../ports';
import { checkProof } from './check-proof';
import { decide } from './decide';
import { priceLines } from './price-lines';

/**
 * Turns a closeout into priced lines and the facts the completeness rules read. Every reference must
 * resolve inside the organization and the job: an unknown SKU, a stranger as technician, another job's
 * attachment or more than 24 hours a day are refused with the field named (400), before anything is written.
 */
export const resolve = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  job: JobRow,
  body: CloseoutBody,
  submissionId: string,
) => {
  const org = job.organizationId;
  const problems: FieldProblem[] = [];
  // The organization's zone, the job type and the customer's overrides in one round trip.
  const [context] = await tx.db
    .select({
      timeZone: organizations.timeZone,
      defaultRules: organizations.defaultApprovalRules,
      laborPricing: organizations.laborPricing,
      jobType: jobTypes,
      overrides: customers.closeoutOverrides,
    })
    .from(jobTypes)
    .innerJoin(organizations, eq(organizations.id, jobTypes.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, jobTypes.organizationId), eq(customers.id, job.customerId)),
    )
    .where(and(eq(jobTypes.organizationId, org), eq(jobTypes.id, job.jobTypeId)));
  if (!context) throw notFound('job type');
  // The scope agreed with the customer: the estimate and every change order they approved.
  const agreed = agreedScope(job.estimateLines, await approvedChangeOrders(tx.db, org, job.id));
  const skus = [
    ...body.parts.map((p) => p.sku),
    ...body.labor.map((l) => l.sku),
    context.jobType.laborSku,
    ...body.adjustments.map((a) => a.sku ?? (a.kind === 'trip_charge' ? 'FEE-TRIP' : 'FEE-DISPOSAL')),
    ...agreed.map((e) => e.sku),
  ].filter((s): s is string => !!s);
  const items = skus.length
    ? await tx.db
        .select()
        .from(catalogItems)
        .where(and(eq(catalogItems.organizationId, org), inArray(catalogItems.sku, [...new Set(skus)])))
    : [];
  const bySku = new Map(items.map((i) => [i.sku, i]));

  const techIds = [...new Set(body.labor.map((l) => l.technicianId))];
  const techs = techIds.length
    ? await tx.db
        .select({
          id: users.id,
          roles: users.roles,
          hourlyRate: users.hourlyRate,
          laborRole: users.laborRole,
          name: users.name,
        })
        .from(users)
        .where(and(eq(users.organizationId, org), inArray(users.id, techIds)))
    : [];
  const needEntries = body.labor.some((l) => !l.hours);
  const entries = needEntries
    ? await tx.db
        .select()
        .from(timeEntries)
        .where(
          and(
            eq(timeEntries.organizationId, org),
            eq(timeEntries.jobId, job.id),
            inArray(timeEntries.userId, techIds),
          ),
        )
    : [];
  const jobDate = businessDate(job.windowStart, context.timeZone);
  const now = deps.clock.now();

  const priced = priceLines({
    job,
    body,
    submissionId,
    ids: deps.ids,
    jobType: context.jobType,
    laborPricing: context.laborPricing,
    bySku,
    techs,
    entries,
    jobDate,
    now,
  });
  const proof = await checkProof(tx, job, context.jobType, body);
  problems.push(...priced.problems, ...proof.problems);
  if (problems.length > 0) throw invalidAll(problems);
  return decide({
    job,
    agreed,
    body,
    jobType: context.jobType,
    overrides: context.overrides as Record<string, unknown>,
    defaultRules: context.defaultRules,
    bySku,
    lines: priced.lines,
    perTechDay: priced.perTechDay,
    photos: proof.photos,
    values: proof.values,
    missingCustomFields: proof.missingCustomFields,
  });
};
