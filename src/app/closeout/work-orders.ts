import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { type CloseoutOverrides, effectiveRequirements } from '../../core/closeout-rules';
import { CustomFieldDefs } from '../../core/custom-fields';
import { decimalString } from '../../core/decimal';
import { notFound } from '../../core/errors';
import type { TaxTreatment } from '../../core/invoice-calc';
import { CloseoutRequirements } from '../../core/job-type-templates';
import type { Actor } from '../../core/principal';
import { addDays, businessDate, zonedToInstant } from '../../core/time';
import { findJobs } from '../../db/queries/jobs';
import {
  catalogItems,
  changeOrders,
  customers,
  jobComments,
  jobTypes,
  jobVisits,
  organizations,
  sites,
  users,
} from '../../db/schema/index';
import { changeOrderView } from '../change-orders/change-order-store';
import { defaultTaxCode, exemptFor, orgTaxCodes, treatmentOf } from '../invoicing/invoice-documents';
import { changeJob, jobNumber, lockJob } from '../jobs/job-store';
import { queueCustomerMessage } from '../messages/customer-messages';
import type { Deps } from '../ports';
import { visitViews } from '../scheduling/visits';

/** How many of a technician's jobs the phone keeps: far more than a week's work. */
const MAX_WORK_ORDERS = 200;

/**
 * A technician's work orders from yesterday to `days` after today, on the organization's clock, with what
 * each closeout must carry and how its lines are taxed (see contracts/work-orders.ts).
 */
export const workOrdersFor = async (deps: Deps, organizationId: string, userId: string, days: number) => {
  const db = deps.database.db;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  const [me] = await db
    .select({ id: users.id, name: users.name, hourlyRate: users.hourlyRate })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)));
  if (!org || !me) throw notFound('user');
  const today = businessDate(deps.clock.now(), org.timeZone);
  const rows = await findJobs(db, {
    organizationId,
    technicianId: userId,
    from: zonedToInstant(addDays(today, -1), '00:00', org.timeZone),
    to: zonedToInstant(addDays(today, days + 1), '00:00', org.timeZone),
    limit: MAX_WORK_ORDERS,
  });
  const jobsOf = rows.slice(0, MAX_WORK_ORDERS);
  const ids = (pick: (r: (typeof jobsOf)[number]) => string) => [...new Set(jobsOf.map(pick))];
  const [siteRows, typeRows, customerRows, codes, items, comments, orders, visits] = await Promise.all([
    jobsOf.length
      ? db
          .select()
          .from(sites)
          .where(
            and(
              eq(sites.organizationId, organizationId),
              inArray(
                sites.id,
                ids((r) => r.job.siteId),
              ),
            ),
          )
      : [],
    jobsOf.length
      ? db
          .select()
          .from(jobTypes)
          .where(
            and(
              eq(jobTypes.organizationId, organizationId),
              inArray(
                jobTypes.id,
                ids((r) => r.job.jobTypeId),
              ),
            ),
          )
      : [],
    jobsOf.length
      ? db
          .select({
            id: customers.id,
            taxExempt: customers.taxExempt,
            taxExemptionReason: customers.taxExemptionReason,
            closeoutOverrides: customers.closeoutOverrides,
          })
          .from(customers)
          .where(
            and(
              eq(customers.organizationId, organizationId),
              inArray(
                customers.id,
                ids((r) => r.job.customerId),
              ),
            ),
          )
      : [],
    orgTaxCodes(deps.database, organizationId),
    db
      .select()
      .from(catalogItems)
      .where(and(eq(catalogItems.organizationId, organizationId), eq(catalogItems.active, true)))
      .orderBy(asc(catalogItems.name)),
    // The job's conversation travels with the work order, so the office's questions are on the phone
    // after a refresh and readable offline.
    jobsOf.length
      ? db
          .select({
            id: jobComments.id,
            jobId: jobComments.jobId,
            kind: jobComments.kind,
            body: jobComments.body,
            authorId: jobComments.authorId,
            authorName: users.name,
            createdAt: jobComments.createdAt,
          })
          .from(jobComments)
          .leftJoin(
            users,
            and(
              eq(users.organizationId, jobComments.organizationId),
              sql`${users.id}::text = ${jobComments.authorId}`,
            ),
          )
          .where(
            and(
              eq(jobComments.organizationId, organizationId),
              inArray(
                jobComments.jobId,
                ids((r) => r.job.id),
              ),
            ),
          )
          .orderBy(asc(jobComments.createdAt), asc(jobComments.id))
      : [],
    jobsOf.length
      ? db
          .select()
          .from(changeOrders)
          .where(
            and(
              eq(changeOrders.organizationId, organizationId),
              inArray(
                changeOrders.jobId,
                ids((r) => r.job.id),
              ),
            ),
          )
          .orderBy(asc(changeOrders.seq))
      : [],
    jobsOf.length
      ? db
          .select()
          .from(jobVisits)
          .where(
            and(
              eq(jobVisits.organizationId, organizationId),
              inArray(
                jobVisits.jobId,
                ids((r) => r.job.id),
              ),
            ),
          )
          .orderBy(asc(jobVisits.windowStart), asc(jobVisits.id))
      : [],
  ]);
  const treatments = Object.fromEntries([...codes.values()].map((c) => [c.id, treatmentOf(c)]));
  const items_ = jobsOf.flatMap((r) => {
    const site = siteRows.find((s) => s.id === r.job.siteId);
    const type = typeRows.find((t) => t.id === r.job.jobTypeId);
    const customer = customerRows.find((c) => c.id === r.job.customerId);
    if (!site || !type || !customer) return [];
    const exempt = exemptFor(customer);
    // The same order as invoice lines (lineTax): the customer's exemption, the job's own code, the line's,
    // the standard.
    const jobCode = r.job.taxCodeId ? codes.get(r.job.taxCodeId) : undefined;
    const fallback = r.job.taxCodeId ? jobCode : defaultTaxCode(codes);
    const override = exempt ?? (jobCode ? treatmentOf(jobCode) : null);
    const taxByCode: Record<string, TaxTreatment> = override
      ? Object.fromEntries(Object.keys(treatments).map((id) => [id, override]))
      : treatments;
    return [
      {
        row: r,
        site: { name: site.name, address: site.address, accessNotes: site.accessNotes },
        jobType: {
          name: type.name,
          billingMode: type.billingMode,
          requirements: effectiveRequirements(
            CloseoutRequirements.parse(type.closeoutRequirements),
            customer.closeoutOverrides as CloseoutOverrides,
          ),
          customFields: CustomFieldDefs.parse(type.customFields),
          laborSku: type.laborSku,
        },
        taxByCode,
        defaultTax: exempt ?? (fallback ? treatmentOf(fallback) : null),
        changeOrders: orders
          .filter((o) => o.jobId === r.job.id)
          .map((o) => changeOrderView(o, jobNumber(r.job.number))),
        visits: visitViews(visits.filter((v) => v.jobId === r.job.id)),
        messages: comments
          .filter((c) => c.jobId === r.job.id)
          .map((c) => ({
            id: c.id,
            kind: c.kind,
            author: c.authorId === userId ? 'You' : (c.authorName ?? 'The office'),
            fromMe: c.authorId === userId,
            body: c.body,
            createdAt: c.createdAt.toISOString(),
          })),
      },
    ];
  });
  return {
    generatedAt: deps.clock.now().toISOString(),
    organization: {
      name: org.name,
      currency: org.currency,
      taxScheme: org.taxScheme,
      timeZone: org.timeZone,
      laborPricing: org.laborPricing,
    },
    technician: me,
    items: items_,
    priceBook: items.map((i) => ({
      sku: i.sku,
      name: i.name,
      kind: i.kind,
      unitCode: i.unitCode,
      unitPrice: decimalString(i.unitPrice),
      taxCodeId: i.taxCodeId,
    })),
  };
};

/**
 * "On my way": the technician tells the office and the customer they are travelling. A scheduled job
 * becomes dispatched (the crew has it); a dispatched one keeps its status and records the moment.
 */
export const onMyWay = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  actor: Actor,
  eta: { etaMinutes?: number | undefined; tappedAt?: string | undefined } = {},
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    const changed = await changeJob(tx, deps, {
      organizationId,
      jobId,
      actor,
      action: 'job.on_my_way',
      locked: job,
      ...(job.status === 'dispatched' ? {} : { operational: 'dispatch' as const }),
    });
    // The customer is told once per visit, with the arrival window from the technician's estimate.
    await queueCustomerMessage(tx, deps, {
      organizationId,
      jobId,
      kind: 'on_my_way',
      key: `on_my_way:${jobId}`,
      etaMinutes: eta.etaMinutes,
      tappedAt: eta.tappedAt,
    });
    return changed;
  });
