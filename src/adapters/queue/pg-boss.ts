import PgBoss from 'pg-boss';
import { v5 as uuidv5 } from 'uuid';
import type { Queue } from '../../app/ports';
import type { QueueJob, QueueName } from '../../contracts/queue';
import type { Database, RawSql, Tx } from '../../db/client';

/** Namespace for deterministic job ids: the same key always yields the same id, so a double enqueue is a no-op. */
const JOB_ID_NAMESPACE = '5b0e7a38-2f8f-4c1e-9a55-0c1a6f3d7e21';

type ExecuteSql = (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;

/**
 * pg-boss talks to our connection rather than opening its own. On PGlite, multi-statement SQL without
 * parameters must go through exec(); a prepared statement refuses more than one command.
 */
const executorFor = (raw: RawSql, kind: Database['kind']): ExecuteSql => {
  return async (text, values) => {
    if (kind === 'pglite' && (!values || values.length === 0) && /;\s*\S/.test(text)) {
      await raw.exec(text);
      return { rows: [] };
    }
    return raw.query(text, values ?? []);
  };
};

export type QueueRuntime = {
  boss: PgBoss;
  queue: Queue;
  /** Called by each of this process's workers: jobs committed for its queue wake it instead of its next poll. */
  onWorker: (name: string, wake: () => void) => void;
};

export const createQueueRuntime = (database: Database, options: { schedule: boolean }): QueueRuntime => {
  const execute = executorFor(database.raw, database.kind);
  const boss = new PgBoss({
    db: {
      // pg-boss settles a finished job without awaiting it; one that finishes while we shut down would
      // reject into nowhere once the database is closed. It stays active and expires into a retry instead
      // (handlers are idempotent), so the late statement is dropped, not crashed on.
      executeSql: async (text: string, values?: unknown[]) => {
        try {
          return await execute(text, values);
        } catch (error) {
          // pg-boss reads the count of a completion or failure statement's first row: give it a zero.
          if (database.isClosed()) return { rows: /count\(\*\)/i.test(text) ? [{ count: '0' }] : [] };
          throw error;
        }
      },
    },
    schedule: options.schedule,
    supervise: options.schedule,
  } as ConstructorParameters<typeof PgBoss>[0]);
  // Jobs a transaction enqueues wait for its end and go in as one insert (a closeout enqueues two, an issued
  // invoice two or three): one round trip, not one each. Same ids, so a double enqueue is still a no-op.
  const pending = new WeakMap<Tx, PgBoss.JobInsert[]>();
  const wakers = new Map<string, () => void>();
  // Jobs due now wake their worker in this process once committed; delayed ones wait for its poll.
  const wake = (jobs: PgBoss.JobInsert[]) => {
    for (const name of new Set(jobs.filter((j) => !j.startAfter).map((j) => j.name))) wakers.get(name)?.();
  };
  const queue: Queue = {
    async enqueue(tx, job, opts = {}) {
      const insert: PgBoss.JobInsert = { name: job.name, data: job.data as object };
      if (opts.key) insert.id = uuidv5(`${job.name}:${opts.key}`, JOB_ID_NAMESPACE);
      if (opts.startAfterSeconds) insert.startAfter = String(opts.startAfterSeconds);
      const waiting = pending.get(tx);
      if (waiting) {
        waiting.push(insert);
        return;
      }
      if (!tx.beforeCommit) {
        await boss.insert([insert], { db: { executeSql: executorFor(tx.raw, database.kind) } });
        wake([insert]);
        return;
      }
      const jobs = [insert];
      pending.set(tx, jobs);
      tx.beforeCommit(async () => {
        pending.delete(tx);
        await boss.insert(jobs, { db: { executeSql: executorFor(tx.raw, database.kind) } });
      });
      tx.afterCommit?.(() => wake(jobs));
    },
  };
  return { boss, queue, onWorker: (name, w) => wakers.set(name, w) };
};

/**
 * Retries back off exponentially from 5 s (5, 10, 20 … with jitter, 8 times); a job whose worker died is
 * expired after 5 minutes and retried.
 */
const QUEUE_POLICY = { retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 300 } as const;

export const ensureQueues = async (boss: PgBoss, names: readonly QueueName[]): Promise<void> => {
  for (const name of names) {
    const existing = await boss.getQueue(name);
    if (!existing) await boss.createQueue(name, { name, ...QUEUE_POLICY });
    else if (
      existing.retryDelay !== QUEUE_POLICY.retryDelay ||
      existing.retryLimit !== QUEUE_POLICY.retryLimit
    )
      await boss.updateQueue(name, { name, ...QUEUE_POLICY });
  }
};

/**
 * Retries now the jobs a dead worker left active. pg-boss would expire them after `expireInSeconds` and retry
 * them anyway; an operator who knows the workers died (after a crash, before restarting) need not wait.
 * Only jobs active for longer than `olderThanSeconds` are touched, so a live worker's current job is left alone
 * when the age is above the longest handler run. Handlers are idempotent, so a retry repeats nothing.
 */
export const retryAbandonedJobs = async (boss: PgBoss, database: Database, olderThanSeconds: number) => {
  const { rows } = await database.raw.query<{ name: string; id: string }>(
    `SELECT name, id FROM pgboss.job
      WHERE state = 'active' AND started_on < now() - make_interval(secs => $1::int)`,
    [olderThanSeconds],
  );
  for (const r of rows)
    await boss.fail(r.name, r.id, { message: 'worker presumed dead; retried by closeout recover' });
  return { retried: rows.length };
};

export type { QueueJob };
