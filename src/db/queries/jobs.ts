import { and, asc, eq, gt, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { EXCEPTION_BILLING_ANY_STAGE, EXCEPTION_BILLING_WHEN_COMPLETED } from '../../core/job-lifecycle';
import type { Db } from '../client';
import { customers, jobAssignments, jobs, jobTypes, sites, users } from '../schema';

/** Jobs are booked for at most this long, so a window touching [from, to) starts after from minus this. */
export const MAX_JOB_WINDOW_DAYS = 14;

/** How a job meets its customer, site and job type: always inside one organization. */
export const customerOfJob = and(
  eq(customers.organizationId, jobs.organizationId),
  eq(customers.id, jobs.customerId),
);
export const siteOfJob = and(eq(sites.organizationId, jobs.organizationId), eq(sites.id, jobs.siteId));
export const jobTypeOfJob = and(
  eq(jobTypes.organizationId, jobs.organizationId),
  eq(jobTypes.id, jobs.jobTypeId),
);

export type JobFilter = {
  organizationId: string;
  /** When set, only jobs this user is assigned to (technicians see nothing else). */
  visibleTo?: string | undefined;
  technicianId?: string | undefined;
  customerId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  id?: string | undefined;
  after?: { windowStart: Date; id: string } | undefined;
  /** Only exceptions: completed but not invoice-ready, or needing review (see core/job-lifecycle). */
  exceptionsOnly?: boolean | undefined;
  limit: number;
};

const assignedTo = (organizationId: string, userId: string): SQL =>
  sql`exists (select 1 from ${jobAssignments} ja where ja.organization_id = ${organizationId}
        and ja.job_id = ${jobs.id} and ja.user_id = ${userId})`;

/** The accepted quote a job was booked from (quotes_job_idx), read with the job. */
const quoteNumberOf = sql<string | null>`(
  SELECT q.number FROM quotes q WHERE q.organization_id = ${jobs.organizationId} AND q.job_id = ${jobs.id} LIMIT 1
)`;

export const findJobs = async (db: Db, f: JobFilter) => {
  const conditions: (SQL | undefined)[] = [
    eq(jobs.organizationId, f.organizationId),
    f.id ? eq(jobs.id, f.id) : undefined,
    f.visibleTo ? assignedTo(f.organizationId, f.visibleTo) : undefined,
    f.technicianId ? assignedTo(f.organizationId, f.technicianId) : undefined,
    f.customerId ? eq(jobs.customerId, f.customerId) : undefined,
    f.from ? gte(jobs.windowEnd, f.from) : undefined,
    f.from ? gte(jobs.windowStart, new Date(f.from.getTime() - MAX_JOB_WINDOW_DAYS * 86_400_000)) : undefined,
    f.to ? lt(jobs.windowStart, f.to) : undefined,
    f.exceptionsOnly
      ? or(
          inArray(jobs.billingStatus, [...EXCEPTION_BILLING_ANY_STAGE]),
          and(
            eq(jobs.status, 'completed'),
            inArray(jobs.billingStatus, [...EXCEPTION_BILLING_WHEN_COMPLETED]),
          ),
        )
      : undefined,
    f.after
      ? or(
          gt(jobs.windowStart, f.after.windowStart),
          and(eq(jobs.windowStart, f.after.windowStart), gt(jobs.id, f.after.id)),
        )
      : undefined,
  ];
  const rows = await db
    .select({
      job: jobs,
      customerName: customers.name,
      siteName: sites.name,
      jobTypeName: jobTypes.name,
      quoteNumber: quoteNumberOf,
    })
    .from(jobs)
    .innerJoin(customers, customerOfJob)
    .innerJoin(sites, siteOfJob)
    .innerJoin(jobTypes, jobTypeOfJob)
    .where(and(...conditions))
    .orderBy(asc(jobs.windowStart), asc(jobs.id))
    .limit(f.limit + 1);
  if (rows.length === 0) return [];
  const crew = await db
    .select({ jobId: jobAssignments.jobId, userId: users.id, name: users.name })
    .from(jobAssignments)
    .innerJoin(users, eq(users.id, jobAssignments.userId))
    .where(
      and(
        eq(jobAssignments.organizationId, f.organizationId),
        inArray(
          jobAssignments.jobId,
          rows.map((r) => r.job.id),
        ),
      ),
    )
    .orderBy(asc(users.name));
  return rows.map((r) => ({
    ...r,
    crew: crew.filter((c) => c.jobId === r.job.id).map(({ userId, name }) => ({ userId, name })),
  }));
};

/** One round trip: is this user assigned to this job (of this organization)? */
export const isAssigned = async (
  db: Db,
  organizationId: string,
  jobId: string,
  userId: string,
): Promise<boolean> => {
  const rows = await db
    .select({ one: jobAssignments.jobId })
    .from(jobAssignments)
    .where(
      and(
        eq(jobAssignments.organizationId, organizationId),
        eq(jobAssignments.jobId, jobId),
        eq(jobAssignments.userId, userId),
      ),
    )
    .limit(1);
  return rows.length > 0;
};

/** A job's number (1042 for J-1042), or null when it is not the organization's. */
export const jobNumberOf = async (db: Db, organizationId: string, jobId: string): Promise<number | null> => {
  const [row] = await db
    .select({ number: jobs.number })
    .from(jobs)
    .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, jobId)));
  return row?.number ?? null;
};

export const jobExists = async (db: Db, organizationId: string, jobId: string): Promise<boolean> => {
  const rows = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, jobId)))
    .limit(1);
  return rows.length > 0;
};
