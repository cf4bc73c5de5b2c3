import PgBoss from 'pg-boss';
import { v5 as uuidv5 } from 'uuid';
import type { Queue } from '../../app/ports';
import type { QueueJob, QueueName } from '../../contracts/queue';
import type { Database, RawSql } from '../../db/client';

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

export type QueueRuntime = { boss: PgBoss; queue: Queue };

export const createQueueRuntime = (database: Database, options: { schedule: boolean }): QueueRuntime => {
  const boss = new PgBoss({
    db: { executeSql: executorFor(database.raw, database.kind) },
    schedule: options.schedule,
    supervise: options.schedule,
  } as ConstructorParameters<typeof PgBoss>[0]);
  const queue: Queue = {
    async enqueue(tx, job, opts = {}) {
      const sendOptions: PgBoss.SendOptions & { db: { executeSql: ExecuteSql } } = {
        db: { executeSql: executorFor(tx.raw, database.kind) },
      };
      if (opts.key) sendOptions.id = uuidv5(`${job.name}:${opts.key}`, JOB_ID_NAMESPACE);
      if (opts.startAfterSeconds) sendOptions.startAfter = opts.startAfterSeconds;
      await boss.send(job.name, job.data as object, sendOptions);
    },
  };
  return { boss, queue };
};

export const ensureQueues = async (boss: PgBoss, names: readonly QueueName[]): Promise<void> => {
  for (const name of names) {
    if (!(await boss.getQueue(name)))
      await boss.createQueue(name, { name, retryLimit: 5, retryBackoff: true });
  }
};

export type { QueueJob };
