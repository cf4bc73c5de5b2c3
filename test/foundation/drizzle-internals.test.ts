import fs from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { organizations } from '../../src/db/schema';
import { createTestDatabase, testDrivers } from '../support/databases';

/**
 * src/db/client.ts builds its transaction handles from Drizzle's internal classes (NodePgSession,
 * PgliteSession, extractTablesRelationalConfig) to work the schema out once instead of per transaction.
 * Those are not a public API: this pins the version they were read against and checks that the handles do
 * what drizzle()'s own do, so an upgrade fails here, loudly, before it fails anywhere else.
 */
const DRIZZLE_CHECKED = '0.45.4';

describe("db/client.ts leans on Drizzle's internals", () => {
  it('runs on the Drizzle version they were checked against', () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(process.cwd(), 'node_modules/drizzle-orm/package.json'), 'utf8'),
    ) as { version: string };
    expect(
      pkg.version,
      `drizzle-orm is now ${pkg.version}: read NodePgSession, PgliteSession and extractTablesRelationalConfig ` +
        `of that version against sharedConfig() and the *TransactionHandles() in src/db/client.ts, run this ` +
        `file, then set DRIZZLE_CHECKED`,
    ).toBe(DRIZZLE_CHECKED);
  });

  describe.each(testDrivers())('on %s', (driver) => {
    let database: Database;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ database, dispose } = await createTestDatabase(driver));
    });
    afterAll(() => dispose());

    it('a transaction handle builds, runs and maps like the pool handle, relational queries included', async () => {
      const id = crypto.randomUUID();
      const inTx = await database.transaction(async (tx) => {
        const [row] = await tx.db
          .insert(organizations)
          .values({
            id,
            slug: `handles-${id}`,
            name: 'Handles Ltd',
            legalName: 'Handles Ltd',
            country: 'IE',
            currency: 'EUR',
            timeZone: 'Europe/Dublin',
            taxScheme: 'vat',
            createdAt: new Date('2026-01-05T10:00:00Z'),
          })
          .returning();
        const viaQuery = await tx.db.query.organizations.findFirst({ where: eq(organizations.id, id) });
        const [count] = await tx.db.select({ n: sql<number>`count(*)::int` }).from(organizations);
        return { row, viaQuery, count };
      });
      expect(inTx.row?.name).toBe('Handles Ltd');
      expect(inTx.viaQuery).toEqual(inTx.row);
      expect(inTx.count?.n).toBeGreaterThan(0);
      // Rows come back mapped (dates as Dates, camelCase keys) exactly as the pool's drizzle() maps them.
      const fromPool = await database.db.query.organizations.findFirst({ where: eq(organizations.id, id) });
      expect(fromPool).toEqual(inTx.row);
      expect(fromPool?.createdAt).toBeInstanceOf(Date);
      // And a rolled-back transaction leaves nothing.
      await expect(
        database.transaction(async (tx) => {
          await tx.db.update(organizations).set({ name: 'Changed' }).where(eq(organizations.id, id));
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(
        (await database.db.query.organizations.findFirst({ where: eq(organizations.id, id) }))?.name,
      ).toBe('Handles Ltd');
    });
  });
});
