import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { changeOrders, customers, jobs, organizations, sites } from '../schema';

/** Change orders with their job, organization, customer and site: what the customer's page and e-mail print. */
export const changeOrdersWithParties = (db: Db, where: SQL | undefined) =>
  db
    .select({ order: changeOrders, job: jobs, org: organizations, customer: customers, site: sites })
    .from(changeOrders)
    .innerJoin(
      jobs,
      and(eq(jobs.organizationId, changeOrders.organizationId), eq(jobs.id, changeOrders.jobId)),
    )
    .innerJoin(organizations, eq(organizations.id, changeOrders.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, jobs.organizationId), eq(customers.id, jobs.customerId)),
    )
    .innerJoin(sites, and(eq(sites.organizationId, jobs.organizationId), eq(sites.id, jobs.siteId)))
    .where(where);

/** The job's approved change orders, in their order: what its agreed scope adds after the estimate. */
export const approvedChangeOrders = (db: Db, organizationId: string, jobId: string) =>
  db
    .select({ seq: changeOrders.seq, lines: changeOrders.lines, reason: changeOrders.reason })
    .from(changeOrders)
    .where(
      and(
        eq(changeOrders.organizationId, organizationId),
        eq(changeOrders.jobId, jobId),
        eq(changeOrders.status, 'approved'),
      ),
    )
    .orderBy(asc(changeOrders.seq));
