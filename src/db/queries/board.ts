import { and, asc, eq, gte, inArray, lt, ne } from 'drizzle-orm';
import type { Db } from '../client';
import { customers, jobAssignments, jobs, jobTypes, jobVisits, sites, users } from '../schema';
import { customerOfJob, jobTypeOfJob, MAX_JOB_WINDOW_DAYS, siteOfJob } from './jobs';
import { countedVisits, jobOfVisit } from './visits';

/** What a board card shows of a job. */
const CARD = {
  id: jobs.id,
  number: jobs.number,
  windowStart: jobs.windowStart,
  windowEnd: jobs.windowEnd,
  status: jobs.status,
  billingStatus: jobs.billingStatus,
  version: jobs.version,
  customerName: customers.name,
  siteName: sites.name,
  jobTypeName: jobTypes.name,
};

/** Jobs whose service window touches [from, to), with their crew: the dispatch board's one query (+ crew). */
export const boardJobs = async (db: Db, organizationId: string, from: Date, to: Date) => {
  const rows = await db
    .select(CARD)
    .from(jobs)
    .innerJoin(customers, customerOfJob)
    .innerJoin(sites, siteOfJob)
    .innerJoin(jobTypes, jobTypeOfJob)
    .where(
      and(
        eq(jobs.organizationId, organizationId),
        // Both bounds on window_start keep this a short range scan of jobs_window_idx.
        gte(jobs.windowStart, new Date(from.getTime() - MAX_JOB_WINDOW_DAYS * 86_400_000)),
        lt(jobs.windowStart, to),
        gte(jobs.windowEnd, from),
      ),
    )
    .orderBy(asc(jobs.windowStart), asc(jobs.id));
  // The days of jobs done over several visits that fall in the range (the job's own visit is its row).
  const visitRows = await db
    .select({
      visitId: jobVisits.id,
      visitStatus: jobVisits.status,
      visitStart: jobVisits.windowStart,
      visitEnd: jobVisits.windowEnd,
      ...CARD,
    })
    .from(jobVisits)
    .innerJoin(jobs, jobOfVisit)
    .innerJoin(customers, customerOfJob)
    .innerJoin(sites, siteOfJob)
    .innerJoin(jobTypes, jobTypeOfJob)
    .where(
      and(
        eq(jobVisits.organizationId, organizationId),
        ne(jobVisits.status, 'canceled'),
        gte(jobVisits.windowStart, new Date(from.getTime() - MAX_JOB_WINDOW_DAYS * 86_400_000)),
        lt(jobVisits.windowStart, to),
        gte(jobVisits.windowEnd, from),
      ),
    )
    .orderBy(asc(jobVisits.windowStart), asc(jobVisits.id));
  const projectIds = [...new Set([...rows.map((r) => r.id), ...visitRows.map((v) => v.id)])];
  const allVisits = await countedVisits(db, organizationId, projectIds);
  const crewIds = projectIds;
  const crew =
    crewIds.length === 0
      ? []
      : await db
          .select({ jobId: jobAssignments.jobId, userId: jobAssignments.userId })
          .from(jobAssignments)
          .where(
            and(eq(jobAssignments.organizationId, organizationId), inArray(jobAssignments.jobId, crewIds)),
          );
  return { rows, crew, visitRows, allVisits };
};

export const technicians = (db: Db, organizationId: string) =>
  db
    .select({ id: users.id, name: users.name, roles: users.roles, active: users.active })
    .from(users)
    .where(eq(users.organizationId, organizationId))
    .orderBy(asc(users.name));
