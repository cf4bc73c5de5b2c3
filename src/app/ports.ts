import type { QueueJob } from '../contracts/queue';
import type { Database, Tx } from '../db/client';

export type Clock = { now(): Date };
export type Ids = { uuid(): string };

/** Enqueue inside the caller's transaction: a rolled-back transaction never leaves a job behind. */
export type Queue = {
  enqueue(tx: Tx, job: QueueJob, options?: { key?: string; startAfterSeconds?: number }): Promise<void>;
};

export type Deps = {
  database: Database;
  clock: Clock;
  ids: Ids;
  queue: Queue;
  sessionTtlHours: number;
};
