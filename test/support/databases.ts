import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openPglite, openPostgres } from '../../src/db/client';

export type DriverName = 'pglite' | 'postgres';

/**
 * Integration tests run on PGlite always and on PostgreSQL when TEST_DATABASE_URL is set.
 * On CI a missing PostgreSQL is an error, not a silent skip.
 */
export const testDrivers = (): DriverName[] => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && process.env.CI)
    throw new Error('CI must set TEST_DATABASE_URL: the PostgreSQL suite may not be skipped');
  if (!url)
    console.info('TEST_DATABASE_URL is not set: PostgreSQL variants of the integration tests are skipped');
  return url ? ['pglite', 'postgres'] : ['pglite'];
};

const withDatabaseName = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/** A migrated, empty database of its own for one test file: in-memory PGlite, or a fresh PostgreSQL database. */
export const createTestDatabase = async (
  driver: DriverName,
): Promise<{ database: Database; url?: string; dispose(): Promise<void> }> => {
  if (driver === 'pglite') {
    const database = await openPglite();
    await database.migrate();
    return { database, dispose: () => database.close() };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `closeout_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabaseName(adminUrl, name);
  const database = await openPostgres(url, 8);
  await database.migrate();
  return {
    database,
    url,
    async dispose() {
      await database.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
};
