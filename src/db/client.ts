import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import {
  createTableRelationsHelpers,
  extractTablesRelationalConfig,
  type RelationalSchemaConfig,
  type TablesRelationalConfig,
} from 'drizzle-orm';
import { drizzle as drizzlePg, NodePgDatabase, NodePgSession } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite, PgliteDatabase, PgliteSession } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { fastClient } from './pglite-statements';
import * as schema from './schema';

export type Schema = typeof schema;
/** A Drizzle handle: the pool, or one transaction. Queries take it as their first argument. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** Plain SQL on the same connection (or transaction) as a Db: for the queue and for hand-written statements. */
export type RawSql = {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[] }>;
  /** Several statements, no parameters. */
  exec(text: string): Promise<void>;
};

export type Tx = {
  db: Db;
  raw: RawSql;
  /**
   * Runs work after the transaction's function and before COMMIT, in registration order (the queue sends
   * every job a transaction enqueued in one statement). Absent on the pool handle, outside a transaction.
   */
  beforeCommit?: (work: () => Promise<void>) => void;
  /** Runs once the transaction has committed (never after a rollback); for waking this process's workers. */
  afterCommit?: (work: () => void) => void;
};

/** A transaction's handles plus the work its driver runs before COMMIT and after it. */
const withHooks = (db: Db, raw: RawSql) => {
  const hooks: (() => Promise<void>)[] = [];
  const after: (() => void)[] = [];
  const tx: Tx = {
    db,
    raw,
    beforeCommit: (work) => hooks.push(work),
    afterCommit: (work) => after.push(work),
  };
  const settle = async () => {
    for (let i = 0; i < hooks.length; i++) await hooks[i]?.();
  };
  const committed = () => {
    for (const work of after) work();
  };
  return { tx, settle, committed };
};

export type Database = {
  kind: 'pglite' | 'postgres';
  db: Db;
  raw: RawSql;
  /** Runs fn in one transaction. Inside it use only tx: on PGlite a query on the outer handle deadlocks. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Subscribes to NOTIFY on a channel; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Applies pending migrations; safe to call from many processes at once. */
  migrate(): Promise<void>;
  /** Runs fn while holding a cluster-wide lock, so processes starting together take turns (e.g. queue schema setup). */
  exclusively<T>(key: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** True once close() has begun: late queries (e.g. pg-boss settling a job after stop) have nowhere to go. */
  isClosed(): boolean;
};

/** From the project root, two folders up both from this file and from the server bundle (dist/server). */
export const migrationsFolder = fileURLToPath(new URL('../../src/db/migrations', import.meta.url));

const MIGRATION_LOCK = 7_317_001; // pg_advisory_lock key: one migrator at a time across processes
/** pg_advisory_lock key: pg-boss creates its schema on start; concurrent starters would race on CREATE SCHEMA. */
export const QUEUE_START_LOCK = 7_317_002;

const pgliteRaw = (client: PGlite): RawSql => ({
  async query(text, params) {
    const res = await client.query(text, params ? [...params] : []);
    return { rows: res.rows as never[] };
  },
  async exec(text) {
    await client.exec(text);
  },
});

/**
 * PGlite's buffer pool lives in its WebAssembly memory, which grows and never shrinks: at PostgreSQL's
 * default of 128 MB the embedded server alone held over 300 MB resident. What it does not hold in
 * buffers it reads through the operating system's file cache.
 */
export const PGLITE_SHARED_BUFFERS = '32MB';

/** Embedded PostgreSQL. dataDir undefined means in memory (tests). */
export const openPglite = async (dataDir?: string): Promise<Database> => {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const options = {
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  };
  const client = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  await client.waitReady;
  const fast = fastClient(client);
  const db = drizzlePglite({ client: fast, schema }) as unknown as Db;
  const onTransaction = pgliteTransactionHandles();
  let closing = false;
  return {
    kind: 'pglite',
    db,
    raw: pgliteRaw(fast),
    async transaction(fn) {
      let committed = () => {};
      const result = await client.transaction(async (ptx) => {
        const inTx = fastClient(client, ptx);
        const hooks = withHooks(onTransaction(inTx), pgliteRaw(inTx));
        committed = hooks.committed;
        const out = await fn(hooks.tx);
        await hooks.settle();
        return out;
      });
      committed();
      return result;
    },
    async listen(channel, onPayload) {
      const unsub = await client.listen(channel, onPayload);
      return async () => unsub();
    },
    async migrate() {
      await migratePglite(db as never, { migrationsFolder });
    },
    // One process per data directory (see data-dir-lock), so there is nobody to take turns with.
    exclusively: (_key, fn) => fn(),
    async close() {
      closing = true;
      await client.close();
    },
    isClosed: () => closing || client.closed,
  };
};

const clientRaw = (client: pg.Pool | pg.PoolClient | pg.Client): RawSql => ({
  async query(text, params) {
    const res = await client.query(text, params ? [...params] : []);
    return { rows: res.rows };
  },
  async exec(text) {
    await client.query(text);
  },
});

/**
 * A Drizzle handle on one checked-out connection. drizzle() works the schema's relations out again on every
 * call (3-4% of a closeout's CPU when called per transaction); this works them out once and shares them.
 */
const sharedConfig = () => {
  const dialect = new PgDialect();
  const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  const relational: RelationalSchemaConfig<TablesRelationalConfig> = {
    fullSchema: schema,
    schema: tables.tables,
    tableNamesMap: tables.tableNamesMap,
  };
  return { dialect, relational };
};

const transactionHandles = () => {
  const { dialect, relational } = sharedConfig();
  return (client: pg.PoolClient) =>
    new NodePgDatabase<Record<string, unknown>>(
      dialect,
      new NodePgSession(client, dialect, relational),
      relational,
    ) as unknown as Db;
};

/** The same for PGlite's transactions. */
const pgliteTransactionHandles = () => {
  const { dialect, relational } = sharedConfig();
  return (client: PGlite) =>
    new PgliteDatabase<Record<string, unknown>>(
      dialect,
      new PgliteSession(client, dialect, relational),
      relational,
    ) as unknown as Db;
};

export const openPostgres = async (url: string, poolSize = 10): Promise<Database> => {
  const onClient = transactionHandles();
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'closeout' });
  let closed = false;
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  let listener: pg.Client | undefined;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  return {
    kind: 'postgres',
    db,
    raw: clientRaw(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { tx, settle, committed } = withHooks(onClient(client), clientRaw(client));
        const result = await fn(tx);
        await settle();
        await client.query('COMMIT');
        committed();
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      if (!listener) {
        listener = new pg.Client({ connectionString: url, application_name: 'closeout-listen' });
        await listener.connect();
        listener.on('notification', (msg) => {
          for (const h of handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
        });
      }
      const quoted = `"${channel.replaceAll('"', '""')}"`;
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await listener.query(`LISTEN ${quoted}`);
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async migrate() {
      // The migrator runs its own transaction; a session lock on one connection keeps concurrent starters in line.
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
        client.release();
      }
    },
    async exclusively(key, fn) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
        client.release();
      }
    },
    async close() {
      closed = true;
      await listener?.end().catch(() => undefined);
      await pool.end();
    },
    isClosed: () => closed,
  };
};

type Journal = { entries: { tag: string }[] };

export const expectedMigrations = (): number => {
  const journal = JSON.parse(
    fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
  ) as Journal;
  return journal.entries.length;
};

export const appliedMigrations = async (database: Database): Promise<number> => {
  const { rows } = await database.raw.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`,
  );
  return rows[0]?.n ?? 0;
};

export const openDatabase = (opts: {
  databaseUrl?: string | undefined;
  pgliteDir?: string | undefined;
  poolSize?: number;
}) => (opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize) : openPglite(opts.pgliteDir));
