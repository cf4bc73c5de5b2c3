import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type PgBoss from 'pg-boss';
import { ACCOUNTING_PROVIDERS } from '../../src/adapters/accounting/providers';
import { secretBox } from '../../src/adapters/crypto/secret-box';
import { loadRenderers } from '../../src/adapters/documents';
import { ACCESS_POINTS } from '../../src/adapters/einvoice/storecove';
import { outbound } from '../../src/adapters/http/outbound';
import { PAYMENT_PROVIDERS } from '../../src/adapters/payments/providers';
import { createQueueRuntime, ensureQueues, type QueueRuntime } from '../../src/adapters/queue/pg-boss';
import { SMS_PROVIDERS } from '../../src/adapters/sms/twilio';
import { localStorage } from '../../src/adapters/storage/storage';
import type { Clock, Deps, Mailer, Storage } from '../../src/app/ports';
import { REACTIONS } from '../../src/app/reactions';
import { systemIds } from '../../src/app/system/system';
import { QUEUE_NAMES } from '../../src/contracts/queue';
import type { Database } from '../../src/db/client';
import { buildServer } from '../../src/http/server';
import { createTestDatabase, type DriverName } from './databases';

/** A clock tests move by hand. */
export class TestClock implements Clock {
  private t: Date;
  constructor(start: Date | string = '2026-11-18T09:00:00Z') {
    this.t = new Date(start);
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: Date | string): void {
    this.t = new Date(at);
  }
  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
}

export type TestApp = {
  app: FastifyInstance;
  deps: Deps;
  database: Database;
  boss: PgBoss;
  /** For startWorkers: jobs committed in this process wake their worker, as in the server. */
  onWorker: QueueRuntime['onWorker'];
  clock: TestClock;
  /** The PostgreSQL database's URL (postgres driver only), for processes the test starts. */
  url: string | undefined;
  close(): Promise<void>;
};

/** The real server on a database of its own, with a controllable clock; requests go through app.inject(). */
export const createTestApp = async (
  driver: DriverName,
  opts: {
    clock?: TestClock;
    storage?: Storage;
    sms?: Deps['sms'];
    attachmentMaxBytes?: number;
    mailer?: Mailer;
    /** base64, 32 bytes: share it with a worker process started by the test. */
    secretKey?: string;
    accountingTimeoutMs?: number;
    /** Tests that move the clock over days keep their sessions. */
    sessionTtlHours?: number;
    /** The loopback fakes need private targets; the SSRF test turns them off. */
    allowPrivateTargets?: boolean;
  } = {},
): Promise<TestApp> => {
  const { database, dispose, url } = await createTestDatabase(driver);
  const clock = opts.clock ?? new TestClock();
  const { boss, queue, onWorker } = createQueueRuntime(database, { schedule: false });
  await boss.start();
  await ensureQueues(boss, QUEUE_NAMES);
  const storageRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-files-'));
  const deps: Deps = {
    database,
    clock,
    ids: systemIds,
    queue,
    reactions: REACTIONS,
    storage: opts.storage ?? localStorage(storageRoot),
    mailer: opts.mailer ?? { send: async () => undefined },
    secrets: secretBox(opts.secretKey ? Buffer.from(opts.secretKey, 'base64') : randomBytes(32)),
    outbound: outbound({ allowPrivate: opts.allowPrivateTargets ?? true }),
    accounting: ACCOUNTING_PROVIDERS,
    payments: PAYMENT_PROVIDERS,
    sms: opts.sms ?? SMS_PROVIDERS,
    accessPoints: ACCESS_POINTS,
    renderers: loadRenderers,
    ...(opts.accountingTimeoutMs ? { accountingTimeoutMs: opts.accountingTimeoutMs } : {}),
    sessionTtlHours: opts.sessionTtlHours ?? 12,
    attachmentMaxBytes: opts.attachmentMaxBytes ?? 2 * 1024 * 1024,
    attachmentRetentionDays: 30,
    publicUrl: 'http://closeout.test',
  };
  const app = await buildServer({
    deps,
    workers: { mode: 'in_process', running: () => true },
    cookieSecure: false,
    bodyLimitBytes: 64 * 1024,
    logLevel: 'silent',
  });
  await app.ready();
  return {
    app,
    deps,
    database,
    boss,
    onWorker,
    clock,
    url,
    async close() {
      await app.close();
      // Graceful: a handler still running settles its job before the database closes under it.
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      await dispose();
      fs.rmSync(storageRoot, { recursive: true, force: true });
    },
  };
};

export type Session = { cookie: string; csrf: string };

export const signIn = async (app: FastifyInstance, email: string, password: string): Promise<Session> => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${email} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'closeout_session');
  if (!cookie) throw new Error('no session cookie');
  return {
    cookie: `closeout_session=${cookie.value}`,
    csrf: (res.json() as { csrfToken: string }).csrfToken,
  };
};

/** Headers for a caller: a session (with CSRF on writes) or an API key. */
export const as = (caller: Session | { apiKey: string } | null, write = false): Record<string, string> => {
  if (!caller) return {};
  if ('apiKey' in caller) return { authorization: `Bearer ${caller.apiKey}` };
  return write ? { cookie: caller.cookie, 'x-csrf-token': caller.csrf } : { cookie: caller.cookie };
};

export const problemOf = (res: LightMyRequestResponse) => {
  expectProblemShape(res);
  return res.json() as {
    code: string;
    status: number;
    detail: string;
    requestId: string;
    errors: { field: string; message: string }[];
  };
};

const expectProblemShape = (res: LightMyRequestResponse) => {
  if (!res.headers['content-type']?.toString().startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${res.headers['content-type']}: ${res.body}`);
  }
};
