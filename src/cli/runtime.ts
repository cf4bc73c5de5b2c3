import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { ACCOUNTING_PROVIDERS } from '../adapters/accounting/providers';
import { loadSecretKey, secretBox } from '../adapters/crypto/secret-box';

/** The secret box of this configuration: the current key, and the previous ones while a rotation runs. */
export const secretsOf = (config: Config) =>
  secretBox(
    loadSecretKey(config.secretKey, config.dataDir),
    config.previousSecretKeys.map((k) => Buffer.from(k, 'base64')),
  );

import { loadRenderers } from '../adapters/documents';
import { ACCESS_POINTS } from '../adapters/einvoice/storecove';
import { folderMailer, smtpMailer } from '../adapters/email/mailer';
import { outbound } from '../adapters/http/outbound';
import { createLogger } from '../adapters/log';
import { PAYMENT_PROVIDERS } from '../adapters/payments/providers';
import { createQueueRuntime, ensureQueues } from '../adapters/queue/pg-boss';
import { SMS_PROVIDERS } from '../adapters/sms/twilio';
import { storageFor } from '../adapters/storage/storage';
import { seedDemo } from '../app/demo/seed-demo';
import type { Deps, Queue } from '../app/ports';
import { REACTIONS } from '../app/reactions';
import { systemClock, systemIds } from '../app/system/system';
import type { Config } from '../config';
import { QUEUE_NAMES } from '../contracts/queue';
import { type Database, openDatabase, QUEUE_START_LOCK } from '../db/client';
import { lockDataDir } from '../db/data-dir-lock';
import { buildServer } from '../http/server';
import { startWorkers } from '../worker/handlers';

/** Two folders up both from this file and from the server bundle (dist/server). */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const webRoot = path.join(projectRoot, 'dist', 'web', 'office');
export const techRoot = path.join(projectRoot, 'dist', 'web', 'tech');
export const portalRoot = path.join(projectRoot, 'dist', 'web', 'portal');

export type Runtime = {
  database: Database;
  deps: Deps;
  boss: PgBoss;
  server: FastifyInstance | undefined;
  url: string | undefined;
  seeded: boolean;
  stop(): Promise<void>;
};

/** Where e-mails are kept when no SMTP server is configured. */
export const mailDirOf = (config: Config) => path.join(config.dataDir, 'mail');

/** The use cases' dependencies for this configuration. */
export const depsFor = (
  config: Config,
  database: Database,
  queue: Queue,
  log: Logger = createLogger(config.logLevel, config.logFormat),
): Deps => ({
  database,
  clock: systemClock,
  ids: systemIds,
  queue,
  reactions: REACTIONS,
  storage: storageFor(config.storage),
  mailer: config.smtpUrl
    ? smtpMailer(config.smtpUrl, config.mailFrom)
    : folderMailer(mailDirOf(config), config.mailFrom, log),
  secrets: secretsOf(config),
  outbound: outbound({ allowPrivate: config.allowPrivateTargets }),
  accounting: ACCOUNTING_PROVIDERS,
  payments: PAYMENT_PROVIDERS,
  sms: SMS_PROVIDERS,
  accessPoints: ACCESS_POINTS,
  renderers: loadRenderers,
  sessionTtlHours: config.sessionTtlHours,
  attachmentMaxBytes: config.attachmentMaxBytes,
  attachmentRetentionDays: config.attachmentRetentionDays,
  publicUrl: config.publicUrl ?? `http://localhost:${config.port}`,
  signup: config.signup,
});

/** Opens the database (taking the data-dir lock on PGlite) and applies migrations. */
export const openConfiguredDatabase = async (config: Config) => {
  const lock = config.databaseUrl
    ? undefined
    : await lockDataDir(config.dataDir, (message) => process.stdout.write(`${message}\n`));
  try {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'pglite'),
      poolSize: config.databasePoolSize,
    });
    await database.migrate();
    return { database, release: () => lock?.release() };
  } catch (err) {
    lock?.release();
    throw err;
  }
};

/**
 * One process: API and/or workers on one database. `api` serves HTTP only, `worker` runs queue
 * handlers only, `all` (npm start) does both.
 */
export const startRuntime = async (config: Config, mode: 'all' | 'api' | 'worker'): Promise<Runtime> => {
  const { database, release } = await openConfiguredDatabase(config);
  const runWorkers = mode !== 'api';
  const { boss, queue, onWorker } = createQueueRuntime(database, { schedule: runWorkers });
  let workersRunning = false;
  const log = createLogger(config.logLevel, config.logFormat);
  const deps = depsFor(config, database, queue, log);
  let server: FastifyInstance | undefined;
  try {
    boss.on('error', (err) => server?.log.error({ err }, 'queue error'));
    // Every queue exists before anything is enqueued: pg-boss drops a job sent to a queue it does not know.
    await database.exclusively(QUEUE_START_LOCK, async () => {
      await boss.start();
      await ensureQueues(boss, QUEUE_NAMES);
    });
    const seeded = config.seedDemo ? await seedDemo(deps) : false;
    if (mode !== 'worker') {
      server = await buildServer({
        deps,
        workers: { mode: runWorkers ? 'in_process' : 'external', running: () => workersRunning },
        cookieSecure: config.cookieSecure,
        publicUrl: config.publicUrl,
        bodyLimitBytes: config.bodyLimitBytes,
        logLevel: config.logLevel,
        logger: log,
        // On a terminal a person reads the log: problems, not a line per request.
        requestLogging: config.logFormat === 'json',
        webRoot,
        techRoot,
        portalRoot,
      });
    }
    if (runWorkers) {
      await startWorkers(boss, deps, log, onWorker);
      workersRunning = true;
    }
    let url: string | undefined;
    if (server) {
      await server.listen({ port: config.port, host: config.host });
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = config.publicUrl ?? `http://localhost:${port}`;
    }
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        workersRunning = false;
        await server?.close();
        await boss.stop({ graceful: true, timeout: 10_000, wait: true });
        await database.close();
        release();
      })();
      return stopping;
    };
    return { database, deps, boss, server, url, seeded, stop };
  } catch (err) {
    await server?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    release();
    throw err;
  }
};

/**
 * A queue for one-off commands (seed): pg-boss started without workers or schedules, every queue created.
 * Jobs they enqueue (packets to render, pushes) wait for a worker.
 */
export const commandQueue = async (database: Database) => {
  const { boss, queue } = createQueueRuntime(database, { schedule: false });
  await database.exclusively(QUEUE_START_LOCK, async () => {
    await boss.start();
    await ensureQueues(boss, QUEUE_NAMES);
  });
  return { boss, queue, stop: () => boss.stop({ graceful: true, wait: true }) };
};
