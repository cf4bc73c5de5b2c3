import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/client';
import { fastClient, STATEMENT_CACHE_SIZE } from '../../src/db/pglite-statements';

/**
 * The embedded database's statement path (prepared once, one call per run) must answer exactly as PGlite's
 * own `query()` does: the same values, the same errors, the same transaction rules.
 */
describe('PGlite statements prepared once', () => {
  let pg: PGlite;
  let fast: PGlite;
  beforeAll(async () => {
    pg = await PGlite.create();
    fast = fastClient(pg);
    await pg.exec(`CREATE TABLE t (id int PRIMARY KEY, amount numeric(18,4), at timestamptz, doc jsonb,
      tags text[], note text)`);
  });
  afterAll(() => pg.close());

  const insert = 'INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6) RETURNING *';
  const row = (id: number) => [
    id,
    '12.3450',
    new Date('2026-12-06T08:00:00Z'),
    { a: [1, 'x'] },
    ['b', 'c'],
    id % 2 ? null : 'n',
  ];

  it('answers what query() answers, the first time and every time after', async () => {
    for (let id = 1; id <= 4; id++) {
      const mine = await fast.query(insert, row(id));
      const theirs = await pg.query('SELECT * FROM t WHERE id = $1', [id]);
      expect(mine.rows).toEqual(theirs.rows);
      expect(mine.affectedRows).toBe(1);
    }
    const arrays = await fast.query('SELECT id, amount FROM t WHERE id = ANY($1) ORDER BY id', [[1, 2]], {
      rowMode: 'array',
    });
    expect(arrays.rows).toEqual([
      [1, '12.3450'],
      [2, '12.3450'],
    ]);
    // A query's own parsers apply to it alone.
    const own = await fast.query('SELECT at FROM t WHERE id = 1', [], {
      parsers: { 1184: (v: string) => v },
    });
    expect(typeof (own.rows[0] as { at: unknown }).at).toBe('string');
    const plain = await fast.query('SELECT at FROM t WHERE id = 1');
    expect((plain.rows[0] as { at: unknown }).at).toBeInstanceOf(Date);
  });

  it('raises PostgreSQL’s error with its code and statement, and the next statement runs', async () => {
    const err = await fast.query(insert, row(1)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23505', query: insert });
    const bad = await fast.query('SELEC 1').catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: '42601' });
    expect((await fast.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 4 }]);
  });

  it('keeps a transaction’s statements inside it, and a statement outside waits for its end', async () => {
    const order: string[] = [];
    let outside: Promise<number | undefined> = Promise.resolve(undefined);
    await pg.transaction(async (tx) => {
      const mine = fastClient(pg, tx);
      await mine.query(insert, row(10));
      order.push('inserted');
      // Asked while the transaction is open: it must not see the row, nor run inside the transaction.
      outside = fast.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE id = 10').then((r) => {
        order.push('read');
        return r.rows[0]?.n;
      });
      await new Promise((r) => setTimeout(r, 50));
      await tx.rollback();
      order.push('rolled back');
    });
    expect(await outside).toBe(0);
    expect(order).toEqual(['inserted', 'rolled back', 'read']);
  });

  it('prepares again a statement whose table a migration changed', async () => {
    const text = 'SELECT * FROM t WHERE id = $1';
    expect(Object.keys((await fast.query(text, [1])).rows[0] as object)).not.toContain('added');
    await pg.exec('ALTER TABLE t ADD COLUMN added int DEFAULT 7');
    expect((await fast.query(text, [1])).rows[0]).toMatchObject({ id: 1, added: 7 });
    // Inside a transaction the change fails that transaction; the statement is prepared again on its next
    // use, and the old one is closed, not left behind.
    const prepared = async () =>
      (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements`)).rows[0]?.n;
    const before = await prepared();
    await pg.exec('ALTER TABLE t ADD COLUMN later int DEFAULT 8');
    const failed = await pg.transaction((tx) => fastClient(pg, tx).query(text, [1])).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: '0A000' });
    expect((await fast.query(text, [1])).rows[0]).toMatchObject({ id: 1, added: 7, later: 8 });
    expect(await prepared()).toBe(before);
  });

  it('closes the least recently used statement past the cache size and still runs every one', async () => {
    const texts = Array.from({ length: STATEMENT_CACHE_SIZE + 20 }, (_, i) => `SELECT $1::int + ${i} AS n`);
    for (const [i, text] of texts.entries())
      expect((await fast.query(text, [1])).rows).toEqual([{ n: 1 + i }]);
    const { rows } = await pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'co\\_%'`,
    );
    expect(rows[0]?.n).toBeLessThanOrEqual(STATEMENT_CACHE_SIZE);
    expect((await fast.query(texts[0] ?? '', [2])).rows).toEqual([{ n: 2 }]);
  });

  it('is the path the application’s database takes, Drizzle and hand-written SQL alike', async () => {
    const database = await openPglite();
    try {
      await database.migrate();
      await database.raw.query('SELECT count(*) FROM organizations WHERE id = $1', [
        '00000000-0000-0000-0000-000000000000',
      ]);
      await database.transaction((tx) => tx.raw.query('SELECT 1 AS one WHERE $1::int = 1', [1]));
      const { rows } = await database.raw.query<{ statement: string }>(
        `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'co\\_%'`,
      );
      expect(rows.map((r) => r.statement)).toEqual(
        expect.arrayContaining([
          'SELECT count(*) FROM organizations WHERE id = $1',
          'SELECT 1 AS one WHERE $1::int = 1',
        ]),
      );
      expect((await database.raw.query("SELECT current_setting('shared_buffers') AS sb")).rows).toEqual([
        { sb: '32MB' },
      ]);
    } finally {
      await database.close();
    }
  });
});
