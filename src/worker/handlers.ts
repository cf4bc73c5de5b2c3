import type { FastifyBaseLogger } from 'fastify';
import type PgBoss from 'pg-boss';
import { ensureQueues } from '../adapters/queue/pg-boss';
import { purgeExpired } from '../app/maintenance';
import type { Deps } from '../app/ports';
import { QUEUE_NAMES, type QueueName, queuePayloads } from '../contracts/queue';

type Handlers = {
  [K in QueueName]: (deps: Deps, data: ReturnType<(typeof queuePayloads)[K]['parse']>) => Promise<unknown>;
};

const handlers: Handlers = {
  'maintenance.purge': (deps, data) => purgeExpired(deps, data.olderThanDays),
};

/** Registers one worker per queue. A payload that fails its schema is failed at once: retrying cannot fix it. */
export const startWorkers = async (boss: PgBoss, deps: Deps, log: FastifyBaseLogger): Promise<void> => {
  await ensureQueues(boss, QUEUE_NAMES);
  for (const name of QUEUE_NAMES) {
    await boss.work(name, { pollingIntervalSeconds: 1, batchSize: 1 }, async ([job]) => {
      if (!job) return;
      const parsed = queuePayloads[name].safeParse(job.data);
      if (!parsed.success) {
        log.error({ queue: name, jobId: job.id, issues: parsed.error.issues }, 'queue payload rejected');
        await boss.fail(name, job.id, { error: 'invalid payload', issues: parsed.error.issues });
        return;
      }
      const result = await handlers[name](deps, parsed.data);
      log.info({ queue: name, jobId: job.id, result }, 'queue job done');
      return result;
    });
  }
  await boss.schedule('maintenance.purge', '17 * * * *', { olderThanDays: 7 });
};
