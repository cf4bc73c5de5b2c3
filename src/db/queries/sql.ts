import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { RawSql } from '../client';

const dialect = new PgDialect();

/**
 * Runs a query written with Drizzle's `sql` template (every value a parameter, fragments composed as SQL
 * objects, never as text) on a raw handle, for reports whose shape a query builder cannot say well.
 */
export const rowsOf = async <R extends Record<string, unknown>>(raw: RawSql, query: SQL): Promise<R[]> => {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return (await raw.query<R>(text, params)).rows;
};
