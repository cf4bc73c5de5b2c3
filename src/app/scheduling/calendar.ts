import { and, asc, eq, gte, inArray, lt, ne } from 'drizzle-orm';
import ical, { ICalEventStatus } from 'ical-generator';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { numbered, visitWords } from '../../core/visits';
import { customerOfJob, jobTypeOfJob, siteOfJob } from '../../db/queries/jobs';
import { countedVisits, jobOfVisit } from '../../db/queries/visits';
import {
  calendarFeeds,
  customers,
  jobAssignments,
  jobs,
  jobTypes,
  jobVisits,
  organizations,
  sites,
  users,
} from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import { randomToken, sha256Hex } from '../auth/secrets';
import type { Deps } from '../ports';

/** Creates (or rotates) a technician's secret calendar URL token. The old URL stops working at once. */
export const rotateCalendarFeed = (deps: Deps, organizationId: string, userId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const [user] = await tx.db
      .select({ roles: users.roles })
      .from(users)
      .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)));
    if (!user) throw notFound('user', 'body.userId');
    if (!user.roles.includes('technician'))
      throw new AppError('validation_failed', 'Calendar feeds are for technicians', {
        fields: [{ field: 'body.userId', message: 'not a technician' }],
      });
    const token = randomToken(32);
    await tx.db
      .insert(calendarFeeds)
      .values({ organizationId, userId, tokenHash: sha256Hex(token), createdAt: deps.clock.now() })
      .onConflictDoUpdate({
        target: [calendarFeeds.organizationId, calendarFeeds.userId],
        set: { tokenHash: sha256Hex(token), createdAt: deps.clock.now() },
      });
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'user',
      aggregateId: userId,
      action: 'user.calendar_feed_rotated',
      actor,
      changes: {},
    });
    return token;
  });

const FEED_PAST_DAYS = 30;
const FEED_FUTURE_DAYS = 120;

/** The RFC 5545 feed behind a secret token: the technician's jobs from a month back to four months ahead. */
export const calendarFeed = async (deps: Deps, token: string): Promise<string> => {
  const [feed] = await deps.database.db
    .select({
      organizationId: calendarFeeds.organizationId,
      userId: calendarFeeds.userId,
      name: users.name,
      org: organizations.name,
    })
    .from(calendarFeeds)
    .innerJoin(users, eq(users.id, calendarFeeds.userId))
    .innerJoin(organizations, eq(organizations.id, calendarFeeds.organizationId))
    .where(eq(calendarFeeds.tokenHash, sha256Hex(token)));
  if (!feed) throw notFound('calendar feed', 'token');
  const now = deps.clock.now().getTime();
  const assigned = deps.database.db
    .select({ jobId: jobAssignments.jobId })
    .from(jobAssignments)
    .where(
      and(eq(jobAssignments.organizationId, feed.organizationId), eq(jobAssignments.userId, feed.userId)),
    );
  const rows = await deps.database.db
    .select({ job: jobs, customer: customers.name, site: sites, jobType: jobTypes.name })
    .from(jobs)
    .innerJoin(customers, customerOfJob)
    .innerJoin(sites, siteOfJob)
    .innerJoin(jobTypes, jobTypeOfJob)
    .where(
      and(
        eq(jobs.organizationId, feed.organizationId),
        inArray(jobs.id, assigned),
        gte(jobs.windowEnd, new Date(now - FEED_PAST_DAYS * 86_400_000)),
        lt(jobs.windowStart, new Date(now + FEED_FUTURE_DAYS * 86_400_000)),
      ),
    )
    .orderBy(asc(jobs.windowStart));
  // A job of several visits is one event per visit (its own UID), so each day is in the calendar, the
  // days already done too; a one-visit job stays one event.
  const visitRows = await deps.database.db
    .select({ visit: jobVisits, job: jobs, customer: customers.name, site: sites, jobType: jobTypes.name })
    .from(jobVisits)
    .innerJoin(jobs, jobOfVisit)
    .innerJoin(customers, customerOfJob)
    .innerJoin(sites, siteOfJob)
    .innerJoin(jobTypes, jobTypeOfJob)
    .where(
      and(
        eq(jobVisits.organizationId, feed.organizationId),
        inArray(jobVisits.jobId, assigned),
        ne(jobVisits.status, 'canceled'),
        gte(jobVisits.windowEnd, new Date(now - FEED_PAST_DAYS * 86_400_000)),
        lt(jobVisits.windowStart, new Date(now + FEED_FUTURE_DAYS * 86_400_000)),
      ),
    );
  const withVisits = [...new Set([...rows.map((r) => r.job.id), ...visitRows.map((r) => r.job.id)])];
  const allVisits = numbered(await countedVisits(deps.database.db, feed.organizationId, withVisits));
  const hasVisits = new Set(allVisits.map((v) => v.jobId));
  const cal = ical({
    name: `${feed.org}: ${feed.name}`,
    prodId: { company: 'Closeout', product: 'Closeout', language: 'EN' },
  });
  const events = [
    ...rows.filter((r) => !hasVisits.has(r.job.id)).map((r) => ({ ...r, visit: null })),
    ...visitRows.map((r) => ({ ...r, visit: allVisits.find((v) => v.id === r.visit.id) ?? null })),
  ].sort(
    (a, b) =>
      (a.visit?.windowStart ?? a.job.windowStart).getTime() -
      (b.visit?.windowStart ?? b.job.windowStart).getTime(),
  );
  for (const r of events) {
    const a = r.site.address;
    cal.createEvent({
      id: `${r.visit?.id ?? r.job.id}@closeout`,
      start: r.visit?.windowStart ?? r.job.windowStart,
      end: r.visit?.windowEnd ?? r.job.windowEnd,
      stamp: r.job.updatedAt,
      summary: `J-${r.job.number} ${r.jobType}: ${r.customer}${r.visit ? ` (${visitWords(r.visit.number, r.visit.of).toLowerCase()})` : ''}`,
      description: r.job.scope,
      location: [r.site.name, a.line1, a.line2, a.city, a.postalCode].filter(Boolean).join(', '),
      status:
        r.job.status === 'canceled' || r.job.status === 'no_show'
          ? ICalEventStatus.CANCELLED
          : ICalEventStatus.CONFIRMED,
      // SEQUENCE tells calendar apps a reschedule replaces the old entry.
      sequence: r.job.version,
    });
  }
  return cal.toString();
};
