import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Db } from '../client';
import { jobs, jobVisits } from '../schema';

/** A visit's job, in a join. */
export const jobOfVisit = and(
  eq(jobs.organizationId, jobVisits.organizationId),
  eq(jobs.id, jobVisits.jobId),
);

/** Every visit that counts (not canceled) of these jobs, to number them ("visit 2 of 3"). */
export const countedVisits = async (db: Db, organizationId: string, jobIds: string[]) =>
  jobIds.length === 0
    ? []
    : db
        .select({
          id: jobVisits.id,
          jobId: jobVisits.jobId,
          windowStart: jobVisits.windowStart,
          windowEnd: jobVisits.windowEnd,
          status: jobVisits.status,
        })
        .from(jobVisits)
        .where(
          and(
            eq(jobVisits.organizationId, organizationId),
            inArray(jobVisits.jobId, jobIds),
            ne(jobVisits.status, 'canceled'),
          ),
        );
