import type { FastifyBaseLogger } from 'fastify';
import type PgBoss from 'pg-boss';
import { ensureQueues } from '../adapters/queue/pg-boss';
import { escalateOverdue } from '../app/approvals';
import { purgeUnreferencedAttachments } from '../app/attachments';
import { organizationIds, writeCheckpoint } from '../app/audit-verify';
import { purgeExpired } from '../app/maintenance';
import type { Deps } from '../app/ports';
import { extendAllSeries } from '../app/series';
import { QUEUE_NAMES, type QueueName, queuePayloads } from '../contracts/queue';

type Payload<K extends QueueName> = ReturnType<(typeof queuePayloads)[K]['parse']>;
type Handler<K extends QueueName> = (deps: Deps, data: Payload<K>) => Promise<unknown>;
type Handlers = { [K in QueueName]: Handler<K> };

const handlers: Handlers = {
  'maintenance.purge': (deps, data) => purgeExpired(deps, data.olderThanDays),
  'audit.checkpoint': async (deps, data) => {
    const orgs = data.organizationId ? [data.organizationId] : await organizationIds(deps.database);
    for (const org of orgs) await writeCheckpoint(deps, org);
    return { organizations: orgs.length };
  },
  'series.extend': (deps) => extendAllSeries(deps),
  'approvals.escalate': (deps) => escalateOverdue(deps),
  'email.send': async (deps, data) => {
    await deps.mailer.send(data);
    return { sent: data.to.length };
  },
  'attachments.retention': (deps, data) => purgeUnreferencedAttachments(deps, data.olderThanDays),
};

/** Registers one worker per queue. A payload that fails its schema is failed at once: retrying cannot fix it. */
export const startWorkers = async (boss: PgBoss, deps: Deps, log: FastifyBaseLogger): Promise<void> => {
  await ensureQueues(boss, QUEUE_NAMES);
  const register = async <K extends QueueName>(name: K) => {
    const handler = handlers[name] as Handler<K>;
    await boss.work(name, { pollingIntervalSeconds: 1, batchSize: 1 }, async ([job]) => {
      if (!job) return;
      const parsed = queuePayloads[name].safeParse(job.data);
      if (!parsed.success) {
        log.error({ queue: name, jobId: job.id, issues: parsed.error.issues }, 'queue payload rejected');
        await boss.fail(name, job.id, { error: 'invalid payload', issues: parsed.error.issues });
        return;
      }
      const result = await handler(deps, parsed.data as Payload<K>);
      log.info({ queue: name, jobId: job.id, result }, 'queue job done');
      return result;
    });
  };
  for (const name of QUEUE_NAMES) await register(name);
  await boss.schedule('maintenance.purge', '17 * * * *', { olderThanDays: 7 });
  await boss.schedule('audit.checkpoint', '*/15 * * * *', {});
  await boss.schedule('series.extend', '7 3 * * *', {});
  await boss.schedule('approvals.escalate', '*/5 * * * *', {});
  await boss.schedule('attachments.retention', '37 3 * * *', { olderThanDays: deps.attachmentRetentionDays });
};
