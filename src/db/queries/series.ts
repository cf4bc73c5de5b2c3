import { and, asc, eq, gt, inArray, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { customers, jobs, jobTypes, series, sites } from '../schema';

/** The next visit nobody has started yet, per series part. */
const nextVisit = sql<Date | null>`(
  SELECT min(${jobs.windowStart}) FROM ${jobs}
  WHERE ${jobs.organizationId} = ${series.organizationId} AND ${jobs.seriesId} = ${series.id}
    AND ${jobs.status} IN ('scheduled', 'dispatched') AND ${jobs.windowStart} >= now()
)`.mapWith((v: string | Date | null) => (v === null ? null : new Date(v)));

/**
 * Recurring services as a person lists them: the current part of each chain (a continued part is history,
 * reached from its successor), with customer, site and job type by name and the next visit. Keyset by
 * customer name then ID.
 */
export const listSeries = async (
  db: Db,
  organizationId: string,
  q: { customerId?: string | undefined; status?: string[] | undefined; after?: [string, string] | null },
  limit: number,
) => {
  const where: (SQL | undefined)[] = [
    eq(series.organizationId, organizationId),
    q.status?.length ? inArray(series.status, q.status as never[]) : ne(series.status, 'continued'),
    q.customerId ? eq(series.customerId, q.customerId) : undefined,
    q.after
      ? or(gt(customers.name, q.after[0]), and(eq(customers.name, q.after[0]), gt(series.id, q.after[1])))
      : undefined,
  ];
  return db
    .select({
      row: series,
      customerName: customers.name,
      siteName: sites.name,
      siteAddress: sites.address,
      jobTypeName: jobTypes.name,
      nextVisit,
    })
    .from(series)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, series.organizationId), eq(customers.id, series.customerId)),
    )
    .innerJoin(sites, and(eq(sites.organizationId, series.organizationId), eq(sites.id, series.siteId)))
    .innerJoin(
      jobTypes,
      and(eq(jobTypes.organizationId, series.organizationId), eq(jobTypes.id, series.jobTypeId)),
    )
    .where(and(...where))
    .orderBy(asc(customers.name), asc(series.id))
    .limit(limit + 1);
};

/**
 * Every part of the chain a part belongs to, first to last, with how many visits each made. Parts of one
 * chain share their customer, whose few series are walked in memory.
 */
export const chainOf = async (db: Db, organizationId: string, id: string) => {
  const [self] = await db
    .select({ customerId: series.customerId })
    .from(series)
    .where(and(eq(series.organizationId, organizationId), eq(series.id, id)));
  if (!self) return [];
  const parts = await db
    .select({
      id: series.id,
      splitFrom: series.splitFrom,
      rrule: series.rrule,
      startDate: series.startDate,
      startTime: series.startTime,
      endDate: series.endDate,
      status: series.status,
      statusReason: series.statusReason,
      // Qualified by hand: in a one-table select Drizzle writes the outer columns unqualified, and inside
      // the subquery they would name the jobs table's own columns.
      visits:
        sql<number>`(SELECT count(*) FROM jobs v WHERE v.organization_id = "series"."organization_id" AND v.series_id = "series"."id")`.mapWith(
          Number,
        ),
    })
    .from(series)
    .where(and(eq(series.organizationId, organizationId), eq(series.customerId, self.customerId)));
  const byId = new Map(parts.map((p) => [p.id, p]));
  const successor = new Map(parts.filter((p) => p.splitFrom).map((p) => [p.splitFrom as string, p]));
  let first = byId.get(id);
  while (first?.splitFrom && byId.has(first.splitFrom)) first = byId.get(first.splitFrom);
  const chain: typeof parts = [];
  for (let p = first; p && chain.length < parts.length; p = successor.get(p.id)) chain.push(p);
  return chain.map(({ splitFrom: _, ...p }) => p);
};
