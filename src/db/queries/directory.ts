import { and, asc, eq, getTableColumns, gt, ilike, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { catalogItems, customers, jobTypes, organizations, people, sites, taxCodes, users } from '../schema';

export const getOrganization = async (db: Db, organizationId: string) => {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  return row;
};

/** A member's columns and whether the person behind them has a second factor. */
const memberColumns = { ...getTableColumns(users), totpEnabledAt: people.totpEnabledAt };

export const listUsers = (
  db: Db,
  organizationId: string,
  page: { limit: number; afterId?: string | undefined },
) =>
  db
    .select(memberColumns)
    .from(users)
    .innerJoin(people, eq(people.id, users.personId))
    .where(
      and(eq(users.organizationId, organizationId), page.afterId ? gt(users.id, page.afterId) : undefined),
    )
    .orderBy(asc(users.id))
    .limit(page.limit + 1);

export const getUser = async (db: Db, organizationId: string, id: string) => {
  const [row] = await db
    .select(memberColumns)
    .from(users)
    .innerJoin(people, eq(people.id, users.personId))
    .where(and(eq(users.organizationId, organizationId), eq(users.id, id)));
  return row;
};

/** Customers by name (then id, for a stable cursor); `q` finds a name, e-mail or phone number in part. */
export const listCustomers = async (
  db: Db,
  organizationId: string,
  page: { limit: number; after?: { name: string; id: string } | undefined; q?: string | undefined },
) => {
  const pattern = page.q ? `%${page.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await db
    .select()
    .from(customers)
    .where(
      and(
        eq(customers.organizationId, organizationId),
        isNull(customers.mergedIntoId),
        page.after
          ? sql`(${customers.name}, ${customers.id}) > (${page.after.name}, ${page.after.id})`
          : undefined,
        pattern
          ? or(
              ilike(customers.name, pattern),
              ilike(customers.email, pattern),
              ilike(customers.phone, pattern),
            )
          : undefined,
      ),
    )
    .orderBy(asc(customers.name), asc(customers.id))
    .limit(page.limit + 1);
  return withSites(db, organizationId, rows);
};

export const getCustomer = async (db: Db, organizationId: string, id: string) => {
  const rows = await db
    .select()
    .from(customers)
    .where(and(eq(customers.organizationId, organizationId), eq(customers.id, id)));
  const [row] = await withSites(db, organizationId, rows);
  return row;
};

const withSites = async (db: Db, organizationId: string, rows: (typeof customers.$inferSelect)[]) => {
  if (rows.length === 0) return [];
  const siteRows = await db
    .select()
    .from(sites)
    .where(
      and(
        eq(sites.organizationId, organizationId),
        inArray(
          sites.customerId,
          rows.map((r) => r.id),
        ),
      ),
    )
    .orderBy(asc(sites.id));
  return rows.map((c) => ({ ...c, sites: siteRows.filter((s) => s.customerId === c.id) }));
};

export const listTaxCodes = (db: Db, organizationId: string) =>
  db.select().from(taxCodes).where(eq(taxCodes.organizationId, organizationId)).orderBy(asc(taxCodes.code));

export const listCatalogItems = (db: Db, organizationId: string) =>
  db
    .select()
    .from(catalogItems)
    .where(eq(catalogItems.organizationId, organizationId))
    .orderBy(asc(catalogItems.sku));

export const listJobTypes = (db: Db, organizationId: string) =>
  db.select().from(jobTypes).where(eq(jobTypes.organizationId, organizationId)).orderBy(asc(jobTypes.code));

/** The price book items of these SKUs, by SKU (an SKU not there is simply absent from the map). */
export const itemsBySku = async (
  db: Db,
  organizationId: string,
  skus: readonly (string | null | undefined)[],
) => {
  const wanted = [...new Set(skus.filter((s): s is string => !!s))];
  if (wanted.length === 0) return new Map<string, typeof catalogItems.$inferSelect>();
  const rows = await db
    .select()
    .from(catalogItems)
    .where(and(eq(catalogItems.organizationId, organizationId), inArray(catalogItems.sku, wanted)));
  return new Map(rows.map((i) => [i.sku, i]));
};
