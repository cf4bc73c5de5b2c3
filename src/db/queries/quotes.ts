import { and, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { customers, jobs, organizations, quotes, quoteVersions, sites } from '../schema';

const currentVersion = and(
  eq(quoteVersions.organizationId, quotes.organizationId),
  eq(quoteVersions.quoteId, quotes.id),
  eq(quoteVersions.version, quotes.currentVersion),
);

/** Quotes newest first with their current version and the customer's name; keyset by (created, id). */
export const listQuotes = (
  db: Db,
  organizationId: string,
  q: { status?: string | undefined; customerId?: string | undefined; after?: [string, string] | null },
  limit: number,
) => {
  const where: (SQL | undefined)[] = [
    eq(quotes.organizationId, organizationId),
    q.status ? eq(quoteVersions.status, q.status) : undefined,
    q.customerId ? eq(quotes.customerId, q.customerId) : undefined,
    q.after
      ? or(
          lt(quotes.createdAt, new Date(q.after[0])),
          and(eq(quotes.createdAt, new Date(q.after[0])), lt(quotes.id, q.after[1])),
        )
      : undefined,
  ];
  return db
    .select({ quote: quotes, version: quoteVersions, customerName: customers.name })
    .from(quotes)
    .innerJoin(quoteVersions, currentVersion)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, quotes.organizationId), eq(customers.id, quotes.customerId)),
    )
    .where(and(...where))
    .orderBy(desc(quotes.createdAt), desc(quotes.id))
    .limit(limit);
};

/** One quote with its customer, site and job by name, for the office's page. */
export const quoteWithNames = async (db: Db, organizationId: string, quoteId: string) => {
  const [row] = await db
    .select({
      quote: quotes,
      customerName: customers.name,
      siteName: sites.name,
      siteAddress: sites.address,
      jobNumber: jobs.number,
    })
    .from(quotes)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, quotes.organizationId), eq(customers.id, quotes.customerId)),
    )
    .innerJoin(sites, and(eq(sites.organizationId, quotes.organizationId), eq(sites.id, quotes.siteId)))
    .leftJoin(jobs, and(eq(jobs.organizationId, quotes.organizationId), eq(jobs.id, quotes.jobId)))
    .where(and(eq(quotes.organizationId, organizationId), eq(quotes.id, quoteId)));
  return row ?? null;
};

/** The quotes made since a moment, with their current version and customer's name: the pipeline's input. */
export const quotesSince = (db: Db, organizationId: string, since: Date) =>
  db
    .select({ quote: quotes, version: quoteVersions, customerName: customers.name })
    .from(quotes)
    .innerJoin(quoteVersions, currentVersion)
    .innerJoin(
      customers,
      and(eq(customers.organizationId, quotes.organizationId), eq(customers.id, quotes.customerId)),
    )
    .where(and(eq(quotes.organizationId, organizationId), gte(quotes.createdAt, since)))
    .orderBy(desc(quotes.createdAt));

/**
 * Quote versions with their quote, organization, customer and site: what the customer's page, the e-mail,
 * the signed copy and the follow-up reminder print. `where` picks the versions.
 */
export const versionsWithParties = (db: Db, where: SQL | undefined) =>
  db
    .select({ version: quoteVersions, quote: quotes, org: organizations, customer: customers, site: sites })
    .from(quoteVersions)
    .innerJoin(
      quotes,
      and(eq(quotes.organizationId, quoteVersions.organizationId), eq(quotes.id, quoteVersions.quoteId)),
    )
    .innerJoin(organizations, eq(organizations.id, quotes.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, quotes.organizationId), eq(customers.id, quotes.customerId)),
    )
    .innerJoin(sites, and(eq(sites.organizationId, quotes.organizationId), eq(sites.id, quotes.siteId)))
    .where(where);
