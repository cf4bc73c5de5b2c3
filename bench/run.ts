/**
 * npm run bench [-- --quick]: Closeout against this machine's ceiling. Needs BENCH_DATABASE_URL (a PostgreSQL
 * database the suite may create databases next to). Prints a table and writes bench/results/<timestamp>.json.
 */

import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import pg from 'pg';
import { ACCOUNTING_PROVIDERS } from '../src/adapters/accounting/providers';
import { loadSecretKey, secretBox } from '../src/adapters/crypto/secret-box';
import { loadRenderers } from '../src/adapters/documents';
import { ACCESS_POINTS } from '../src/adapters/einvoice/storecove';
import { outbound } from '../src/adapters/http/outbound';
import { PAYMENT_PROVIDERS } from '../src/adapters/payments/providers';
import { SMS_PROVIDERS } from '../src/adapters/sms/twilio';
import { localStorage } from '../src/adapters/storage/storage';
import { CYCLE_RUN_CONCURRENCY } from '../src/app/invoicing/cycle-runs';
import { computeMetrics } from '../src/app/metrics/compute-metrics';
import type { Deps } from '../src/app/ports';
import { REACTIONS } from '../src/app/reactions';
import { systemClock, systemIds } from '../src/app/system/system';
import { commandQueue } from '../src/cli/runtime';
import type { InvoiceDocument } from '../src/core/invoice-document';
import { type Database, openPglite, openPostgres } from '../src/db/client';
import { boardJobs } from '../src/db/queries/board';
import { bankImport, writeOffs } from './bank';
import { collectionReads, reminderRun } from './collections';
import { closeoutBody, insertJobs, prepareOrganization, scheduledJobIds } from './fixtures';
import { customerImport, jobImport } from './imports';
import { cycleInvoicing, packetLatency, pdfThroughput } from './invoices';
import { openLoop } from './load';
import { paymentEventLatency } from './payments';
import { agreementLatency } from './quotes';
import { median, percentile, round } from './stats';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const adminUrl = process.env.BENCH_DATABASE_URL;

type Entry = {
  id: string;
  name: string;
  value: number | null;
  unit: string;
  goal: string;
  met: boolean | null;
  note?: string;
};
const entries: Entry[] = [];
const record = (e: Entry) => {
  entries.push(e);
  const shown = e.value === null ? 'not measured' : `${e.value} ${e.unit}`;
  process.stdout.write(
    `  ${e.id.padEnd(4)} ${e.name.padEnd(48)} ${shown.padEnd(18)} goal ${e.goal.padEnd(14)} ${e.met === null ? '' : e.met ? 'met' : 'MISSED'}\n`,
  );
};

/** Waits until the server's queue has nothing waiting (read from /readyz): true, or false after capMs. */
const queueDrained = async (base: string, capMs: number) => {
  const start = performance.now();
  while (performance.now() - start < capMs) {
    const checks = ((await (await fetch(`${base}/readyz`)).json()) as { checks: { queue?: string } }).checks;
    if (checks.queue === '0 waiting') return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
};

const noQueue = { enqueue: async () => undefined };

/** Hands out consecutive, never reused batches of prepared job IDs: each closeout needs a fresh job. */
const slicer = (ids: string[], size: number) => {
  let offset = 0;
  return () => {
    const batch = ids.slice(offset, offset + size);
    offset += size;
    return batch;
  };
};
const depsOf = (database: Database, secrets = secretBox(randomBytes(32))): Deps => ({
  database,
  clock: systemClock,
  ids: systemIds,
  queue: noQueue,
  reactions: REACTIONS,
  storage: localStorage(fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-bench-files-'))),
  mailer: { send: async () => undefined },
  secrets,
  outbound: outbound({ allowPrivate: true }),
  accounting: ACCOUNTING_PROVIDERS,
  payments: PAYMENT_PROVIDERS,
  sms: SMS_PROVIDERS,
  accessPoints: ACCESS_POINTS,
  renderers: loadRenderers,
  sessionTtlHours: 12,
  attachmentMaxBytes: 20 * 1024 * 1024,
  attachmentRetentionDays: 90,
  publicUrl: 'http://localhost:3000',
});

const freePort = async () => {
  const net = await import('node:net');
  return new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
};

const startServer = async (args: string[], env: Record<string, string>, viaNpm = false, cwd = ROOT) => {
  const port = await freePort();
  const t0 = performance.now();
  const child = viaNpm
    ? spawn('npm', ['start', '--silent'], {
        cwd,
        // Its own process group, so stop() reaches the server npm starts.
        detached: true,
        env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
        stdio: 'ignore',
      })
    : spawn(process.execPath, [path.join(ROOT, 'bin/closeout.mjs'), ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode})`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const readyMs = performance.now() - t0;
  const stop = async () => {
    const exited = new Promise((r) => child.on('exit', r));
    // npm start runs the server as a grandchild: signal the whole group.
    try {
      if (viaNpm && child.pid) process.kill(-child.pid, 'SIGTERM');
      else child.kill('SIGTERM');
    } catch {
      // already gone
    }
    if (child.exitCode === null) await exited;
    if (viaNpm && child.pid) {
      // npm may exit before the server it started has drained its queue and closed its database:
      // wait until no process of the group is left (killing it after 30 s), so nothing still writes
      // in the data directory when the caller removes it.
      const pgid = child.pid;
      const groupAlive = () => {
        try {
          process.kill(-pgid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (let waited = 0; groupAlive(); waited += 50) {
        if (waited === 30_000) {
          try {
            process.kill(-pgid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // Wait for the server itself to let go of the port (and the data directory's lock).
    for (let i = 0; i < 200; i++) {
      try {
        await fetch(`${base}/healthz`);
        await new Promise((r) => setTimeout(r, 25));
      } catch {
        break;
      }
    }
  };
  return { base, child, readyMs, stop };
};

/** Closeouts over HTTP, one fresh job per request, 64 connections. */
const closeoutLoad = async (
  base: string,
  apiKey: string,
  technicianId: string,
  jobIds: string[],
  seconds: number,
  connections = 64,
) => {
  let next = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const id = jobIds[next++];
          if (!id) throw new Error('the benchmark ran out of prepared jobs');
          return {
            ...req,
            path: `/api/v1/jobs/${id}/closeouts`,
            body: closeoutBody(randomUUID(), technicianId),
          };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    perSecond: ok / seconds,
    errors: result.non2xx + result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
    used: next,
  };
};

const PGBENCH_TABLES = `DROP TABLE IF EXISTS pgb_jobs, pgb_lines, pgb_audit, pgb_keys, pgb_subs, pgb_users, pgb_types,
    pgb_time, pgb_drafts, pgb_queue, pgb_visits;
  CREATE TABLE pgb_jobs (id int PRIMARY KEY, status text NOT NULL, version int NOT NULL, updated_at timestamptz);
  INSERT INTO pgb_jobs SELECT g, 'in_progress', 1, now() FROM generate_series(1, 100000) g;
  CREATE TABLE pgb_lines (job_id int, pos int, description text, quantity numeric(18,4), unit_price numeric(18,4));
  CREATE TABLE pgb_audit (job_id int, action text, at timestamptz, changes text);
  CREATE INDEX ON pgb_audit (job_id, at);
  CREATE TABLE pgb_keys (prefix text PRIMARY KEY, secret_hash text, revoked_at timestamptz);
  INSERT INTO pgb_keys VALUES ('bench', repeat('x', 64), NULL);
  CREATE TABLE pgb_subs (id int PRIMARY KEY, job_id int, body text);
  CREATE TABLE pgb_users (id int PRIMARY KEY, name text, rate numeric(18,4));
  INSERT INTO pgb_users VALUES (1, 'Ana', 85);
  CREATE TABLE pgb_types (id int PRIMARY KEY, requirements text, time_zone text);
  INSERT INTO pgb_types VALUES (1, '{}', 'Europe/Dublin');
  CREATE TABLE pgb_time (job_id int, ended_at timestamptz);
  CREATE INDEX ON pgb_time (job_id);
  CREATE TABLE pgb_drafts (job_id int PRIMARY KEY, body text);
  CREATE TABLE pgb_visits (job_id int, status text);
  CREATE INDEX ON pgb_visits (job_id);
  CREATE TABLE pgb_queue (id bigserial PRIMARY KEY, name text, data text);`;

/** The closeout-shaped transaction: one job update, a 5-row line insert, one audit insert. */
const PGBENCH_SHAPED = `\\set id random(1, 100000)
BEGIN;
UPDATE pgb_jobs SET status = 'completed', version = version + 1, updated_at = now() WHERE id = :id;
INSERT INTO pgb_lines VALUES (:id,1,'Labour',1.5,85),(:id,2,'Part 1',1,1.2),(:id,3,'Part 2',2,1.2),(:id,4,'Part 3',3,1.2),(:id,5,'Part 4',4,1.2);
INSERT INTO pgb_audit VALUES (:id, 'job.completed', now(), '{"status":{"before":"in_progress","after":"completed"}}');
END;
`;

/**
 * The statements a closeout over HTTP actually sends with an API key (10, read off the server's statement log),
 * on tables of the same shape: what the database alone does for the same work, without HTTP, validation or
 * Drizzle. The key's look-up; the job's lock; one read of what the decision needs; the job's update (with the
 * live notification) and its audit events; the visits that follow it; one statement for the lines, timers,
 * draft and submission; the queue's insert.
 */
const PGBENCH_CLOSEOUT = `\\set id random(1, 100000)
SELECT * FROM pgb_keys WHERE prefix = 'bench';
BEGIN;
SELECT * FROM pgb_jobs WHERE id = :id FOR UPDATE;
SELECT t.*, s.body,
       (SELECT jsonb_agg(jsonb_build_object('id', u.id, 'rate', u.rate::text)) FROM pgb_users u WHERE u.id = ANY('{1}'::int[])),
       (SELECT jsonb_agg(jsonb_build_object('id', e.job_id)) FROM pgb_time e WHERE e.job_id = :id AND e.ended_at IS NULL),
       (SELECT jsonb_build_object('action', a.action, 'at', a.at) FROM pgb_audit a WHERE a.job_id = :id ORDER BY a.at DESC LIMIT 1)
  FROM pgb_types t LEFT JOIN pgb_subs s ON s.id = :id WHERE t.id = 1;
UPDATE pgb_jobs SET status = 'completed', version = version + 1, updated_at = now() WHERE id = :id RETURNING *, pg_notify('pgb_events', '{"type":"job.changed"}');
INSERT INTO pgb_audit VALUES (:id, 'job.completed', now(), '{"status":{"before":"in_progress","after":"completed"}}'), (:id, 'closeout.submitted', now(), '{}');
UPDATE pgb_visits SET status = 'done' WHERE job_id = :id AND status = 'planned';
WITH added AS (INSERT INTO pgb_lines SELECT :id, l.pos, l.description, l.quantity, l.unit_price FROM jsonb_to_recordset('[{"pos":1,"description":"Labour","quantity":"1.5","unit_price":"85"},{"pos":2,"description":"Part 1","quantity":"1","unit_price":"1.2"},{"pos":3,"description":"Part 2","quantity":"2","unit_price":"1.2"},{"pos":4,"description":"Part 3","quantity":"3","unit_price":"1.2"},{"pos":5,"description":"Part 4","quantity":"4","unit_price":"1.2"}]'::jsonb) AS l(pos int, description text, quantity numeric, unit_price numeric)),
     timers AS (UPDATE pgb_time SET ended_at = now() WHERE job_id = :id AND ended_at IS NULL),
     draft AS (DELETE FROM pgb_drafts WHERE job_id = :id)
INSERT INTO pgb_subs VALUES (:id, :id, '{}') ON CONFLICT DO NOTHING;
INSERT INTO pgb_queue (name, data) VALUES ('invoice.prepare', '{}'), ('report.render', '{}');
END;
`;

const pgbench = async (url: string, seconds: number, script: string, name: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(PGBENCH_TABLES);
  await c.end();
  const file = path.join(os.tmpdir(), `closeout-pgbench-${name}.sql`);
  fs.writeFileSync(file, script);
  const { stdout } = await run('pgbench', [
    '-n',
    '-M',
    'prepared',
    '-c',
    '8',
    '-j',
    '2',
    '-T',
    String(seconds),
    '-f',
    file,
    url,
  ]);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
  if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return Number(tps);
};

/** Every script the technician PWA ships (app, service worker, workbox), gzipped at level 9 as a server would. */
const techAppGzippedKb = async (): Promise<number> => {
  await promisify(execFile)('node', ['scripts/build-web.mjs', '--if-stale']);
  const dir = path.join('dist', 'web', 'tech');
  const scripts = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
  const bytes = scripts.reduce(
    (n, f) => n + gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length,
    0,
  );
  return round(bytes / 1024, 1);
};

const rssMb = (pid: number | undefined) => {
  if (!pid) return null;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
};

const main = async () => {
  if (!adminUrl) {
    process.stderr.write(
      'Set BENCH_DATABASE_URL to a PostgreSQL database, e.g. BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench\n',
    );
    process.exit(1);
  }
  const started = Date.now();
  const runs = 3;
  const seconds = quick ? 2 : 30;
  process.stdout.write(
    `Closeout benchmark${quick ? ' (quick)' : ''}: ${os.cpus().length} cores shared by client and server, ${round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
  );

  const dbName = `closeout_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const pgVersion =
    (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  const url = (() => {
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    return u.toString();
  })();
  const database = await openPostgres(url, 8);
  try {
    await database.migrate();
    const deps = depsOf(database);
    const fixture = await prepareOrganization(deps);
    const perRun = quick ? 2500 : 40_000;
    const openLoopSeconds = quick ? 5 : 30;
    // The open loop's jobs come last; the packet row takes its few from the 100 before them.
    const openLoopJobs = Math.ceil(100 * openLoopSeconds * 1.2);
    const prepared = perRun * (runs + 1) + 100 + openLoopJobs;
    // Closed by B1 later, spread over two years before the board's day, as a real history would be.
    await insertJobs(database, fixture, prepared, new Date('2024-01-01T08:00:00Z'), 730);
    const jobIds = await scheduledJobIds(database, fixture.organizationId, prepared);

    // B1 + B2: closeouts over HTTP against pgbench's closeout-shaped transaction, in one run.
    const server = await startServer(['serve', '--no-worker'], {
      DATABASE_URL: url,
      SEED_DEMO: 'false',
      DATABASE_POOL_SIZE: '16',
    });
    const slice = slicer(jobIds, perRun);
    await closeoutLoad(server.base, fixture.apiKey, fixture.technicianId, slice(), quick ? 1 : 5, 16); // warm-up
    const http = [];
    for (let i = 0; i < runs; i++)
      http.push(await closeoutLoad(server.base, fixture.apiKey, fixture.technicianId, slice(), seconds));
    const rss = rssMb(server.child.pid);
    // B2 as technicians' phones load it: closeouts arriving at a fixed rate, not 64 clients in a closed loop.
    const arriving = await openLoop({
      base: server.base,
      apiKey: fixture.apiKey,
      technicianId: fixture.technicianId,
      jobIds: jobIds.slice(prepared - openLoopJobs),
      perSecond: 100,
      seconds: openLoopSeconds,
    });
    await server.stop();
    const pgb = [];
    const pgbFull = [];
    for (let i = 0; i < runs; i++) {
      pgb.push(await pgbench(url, seconds, PGBENCH_SHAPED, 'shaped'));
      pgbFull.push(await pgbench(url, seconds, PGBENCH_CLOSEOUT, 'closeout'));
    }
    const httpRate = median(http.map((h) => h.perSecond));
    const pgbRate = median(pgb);
    const pgbFullRate = median(pgbFull);
    const errors = http.reduce((n, h) => n + h.errors, 0);
    record({
      id: 'B1',
      name: 'closeouts/s over HTTP (64 conns)',
      value: round(httpRate),
      unit: '/s',
      goal: 'report',
      met: null,
      note: `${errors} non-2xx`,
    });
    record({
      id: 'B1',
      name: 'pgbench closeout-shaped tx (prepared, 8 clients)',
      value: round(pgbRate),
      unit: 'tps',
      goal: 'report',
      met: null,
    });
    record({
      id: 'B1',
      name: 'ratio HTTP / pgbench',
      value: round(httpRate / pgbRate, 2),
      unit: '',
      goal: '>= 0.5',
      met: httpRate / pgbRate >= 0.5,
    });
    record({
      id: 'B1',
      name: "pgbench, a closeout's own 10 statements",
      value: round(pgbFullRate),
      unit: 'tps',
      goal: 'report',
      met: null,
    });
    record({
      id: 'B1',
      name: 'ratio HTTP / the same statements in pgbench',
      value: round(httpRate / pgbFullRate, 2),
      unit: '',
      goal: 'report',
      met: null,
      note: 'what HTTP, validation, Drizzle and the audit hashing cost on top of the database work',
    });
    const p99 = median(http.map((h) => h.p99));
    record({
      id: 'B2',
      name: 'closeout to invoice_ready, p50',
      value: median(http.map((h) => h.p50)),
      unit: 'ms',
      goal: 'report',
      met: null,
    });
    record({
      id: 'B2',
      name: 'closeout to invoice_ready, p99 (64 clients, closed loop)',
      value: p99,
      unit: 'ms',
      goal: 'report',
      met: null,
      note: "at saturation latency is Little's law (clients / throughput); the open-loop row below has the goal",
    });
    record({
      id: 'B2',
      name: 'closeouts arriving at 100/s (open loop), p99',
      value: arriving.p99,
      unit: 'ms',
      goal: '<= 50 ms',
      met: arriving.p99 <= 50 && arriving.errors === 0,
      note: `p50 ${arriving.p50} ms, max ${arriving.max} ms, ${arriving.ok} answered, ${arriving.errors} errors`,
    });
    // B2 (packet): a server with its workers; the closeouts B1 queued are dropped first (they would be a backlog).
    await database.raw.query(
      `DELETE FROM pgboss.job WHERE name IN ('invoice.prepare', 'invoice.render', 'report.render')`,
    );
    const withWorkers = await startServer(['serve'], {
      DATABASE_URL: url,
      SEED_DEMO: 'false',
      DATABASE_POOL_SIZE: '8',
    });
    let packetTimes: number[] = [];
    try {
      packetTimes = await packetLatency(
        withWorkers.base,
        fixture.apiKey,
        fixture.technicianId,
        database,
        slice().slice(0, quick ? 10 : 60),
      );
    } finally {
      await withWorkers.stop();
    }
    const packetP99 = Math.round(percentile(packetTimes, 99));
    record({
      id: 'B2',
      name: 'closeout to packet (PDF + UBL) stored, p99',
      value: packetP99,
      unit: 'ms',
      goal: '<= 1 s',
      met: packetP99 <= 1000,
      note: `p50 ${Math.round(median(packetTimes))} ms over ${packetTimes.length} closeouts, one at a time`,
    });

    // B3: pdfkit against Chromium printing the same invoice, one page each.
    const [issued] = (
      await database.raw.query<{ document: InvoiceDocument }>(
        `SELECT document FROM invoices WHERE organization_id = $1 AND number IS NOT NULL AND kind = 'invoice' LIMIT 1`,
        [fixture.organizationId],
      )
    ).rows;
    if (issued) {
      const pdfs = await pdfThroughput(issued.document, quick ? 2 : 10);
      record({
        id: 'B3',
        name: 'invoice PDFs per second, pdfkit',
        value: round(pdfs.pdfkit),
        unit: '/s',
        goal: 'report',
        met: null,
      });
      record({
        id: 'B3',
        name: 'invoice PDFs per second, pdfkit, a non-Latin customer name (embedded Unicode font)',
        value: round(pdfs.pdfkitUnicode),
        unit: '/s',
        goal: 'report',
        met: null,
        note: 'documents outside WinAnsi embed a DejaVu Sans subset; the rest keep the standard font',
      });
      record({
        id: 'B3',
        name: 'UBL documents per second, xmlbuilder2',
        value: round(pdfs.ubl),
        unit: '/s',
        goal: 'report',
        met: null,
      });
      record({
        id: 'B3',
        name: 'pdfkit vs Chromium printing the same invoice',
        value: pdfs.chromium === null ? null : round(pdfs.pdfkit / pdfs.chromium),
        unit: 'x',
        goal: '>= 10x',
        met: pdfs.chromium === null ? null : pdfs.pdfkit / pdfs.chromium >= 10,
        note:
          pdfs.chromium === null
            ? 'no Chromium on this machine'
            : `Chromium ${round(pdfs.chromium)} /s reusing one page`,
      });
    }

    // B4: a month of 10,000 per-cycle visits for 1,000 customers invoiced by one cycle run, through the real
    // queue (each issued invoice enqueues its packet and e-mail, as in production).
    const commands = await commandQueue(database);
    let cycle: Awaited<ReturnType<typeof cycleInvoicing>>;
    try {
      cycle = await cycleInvoicing(
        { ...deps, queue: commands.queue },
        fixture.organizationId,
        fixture.technicianId,
        quick ? 100 : 1000,
        10,
      );
    } finally {
      await commands.stop();
    }
    record({
      id: 'B4',
      name: `${cycle.visits} visits to ${cycle.invoices} cycle invoices`,
      value: round(cycle.seconds, 2),
      unit: 's',
      goal: quick ? 'report' : '<= 10 s',
      met: quick ? null : cycle.seconds <= 10,
      note: `one cycle run, ${CYCLE_RUN_CONCURRENCY} series at a time`,
    });

    // B9: the agreement path: a quote accepted, a change order drafted and signed.
    const agreement = await agreementLatency(deps, fixture, quick ? 20 : 100);
    for (const [what, times, goal] of [
      ['quote accepted (priced again, signature stored, job booked)', agreement.accept, 100],
      ['change order drafted (scope priced before and after)', agreement.draft, 100],
      ['change order signed in person (priced again, open ones repriced)', agreement.sign, 100],
    ] as const) {
      const p95 = round(percentile([...times], 95), 1);
      record({
        id: 'B9',
        name: `${what}, p95`,
        value: p95,
        unit: 'ms',
        goal: `<= ${goal} ms`,
        met: p95 <= goal,
        note: `median ${round(median([...times]), 1)} ms over ${times.length}`,
      });
    }

    // B10: payments arriving from Stripe's signed events, and their redeliveries.
    const money = await paymentEventLatency(deps, fixture.organizationId, quick ? 50 : 300);
    for (const [what, times, goal] of [
      ['payment event recorded (verified, paid, pushed, receipt queued)', money.first, 50],
      ['the same event delivered again (changes nothing)', money.again, 10],
    ] as const) {
      const p95 = round(percentile([...times], 95), 1);
      record({
        id: 'B10',
        name: `${what}, p95`,
        value: p95,
        unit: 'ms',
        goal: `<= ${goal} ms`,
        met: p95 <= goal,
        note: `median ${round(median([...times]), 1)} ms over ${times.length}, one at a time`,
      });
    }

    // B11: the hourly reminder run over the invoices B10 left unpaid, then each reminder sent.
    const dunning = await reminderRun(deps, fixture.organizationId, quick ? 50 : 300);
    record({
      id: 'B11',
      name: `reminder run: ${dunning.owed} owed invoices, ${dunning.queued} reminders queued`,
      value: round(dunning.runMs),
      unit: 'ms',
      goal: '<= 1000 ms',
      met: dunning.runMs <= 1000,
      note: `the same run again queues nothing: ${round(dunning.againMs)} ms`,
    });
    const sendP95 = round(percentile(dunning.sends, 95), 1);
    record({
      id: 'B11',
      name: 'reminder sent (checked again, worded, e-mailed, audited), p95',
      value: sendP95,
      unit: 'ms',
      goal: '<= 30 ms',
      met: sendP95 <= 30,
      note: `median ${round(median(dunning.sends), 1)} ms over ${dunning.sends.length}, one at a time`,
    });

    const reads = await collectionReads(deps, fixture.organizationId, quick ? 20 : 100);
    for (const [what, times, goal] of [
      ['statement of account, a customer with the most documents, p95', reads.statements, 50],
      ['13-week cash forecast of the whole organization, p95', reads.forecasts, 250],
    ] as const) {
      const p95 = round(percentile([...times], 95), 1);
      record({
        id: 'B11',
        name: what,
        value: p95,
        unit: 'ms',
        goal: `<= ${goal} ms`,
        met: p95 <= goal,
        note: `median ${round(median([...times]), 1)} ms over ${times.length}`,
      });
    }

    // B12: a bank statement imported and matched against the open invoices B10 and B11 left.
    const bank = await bankImport(deps, fixture.organizationId, quick ? 100 : 400);
    record({
      id: 'B12',
      name: `bank statement of ${bank.size} credits (${Math.round(bank.bytes / 1024)} KB) parsed, validated and stored`,
      value: round(bank.storeMs),
      unit: 'ms',
      goal: '<= 1000 ms',
      met: bank.storeMs <= 1000,
      note: `the same file again adds nothing in ${round(bank.againMs)} ms`,
    });
    const perEntry = bank.matchMs / bank.size;
    record({
      id: 'B12',
      name: `the statement matched by the background job (${bank.applied} applied as payments, ${bank.toReview} to review), per credit`,
      value: round(perEntry, 1),
      unit: 'ms',
      goal: '<= 60 ms',
      met: perEntry <= 60,
      note: `${round(bank.matchMs)} ms in all; an applied credit is a payment recorded as B10 records one (its jobs, audit, webhook, pushes)`,
    });

    // B13: what B12 left to review, written off one by one.
    const written = await writeOffs(deps, fixture.organizationId, quick ? 20 : 100);
    const writeP95 = round(percentile(written, 95), 1);
    record({
      id: 'B13',
      name: 'balance written off and applied at once (invoice settled, jobs, audit, webhook, pushes), p95',
      value: writeP95,
      unit: 'ms',
      goal: '<= 60 ms',
      met: writeP95 <= 60,
      note: `median ${round(median(written), 1)} ms over ${written.length}, one at a time`,
    });

    // B14: a customer list from the previous tool, checked and imported by the background job.
    const moved = await customerImport(deps, fixture.organizationId, quick ? 10_000 : 100_000);
    const checkRate = moved.rows / (moved.checkMs / 1000);
    const importRate = moved.rows / (moved.importMs / 1000);
    record({
      id: 'B14',
      name: `customer file of ${moved.rows} rows (${Math.round(moved.bytes / 2 ** 20)} MB) checked row by row (the dry run)`,
      value: round(checkRate),
      unit: 'rows/s',
      goal: '>= 5000 rows/s',
      met: checkRate >= 5000,
      note: `uploaded (read, header guessed, stored) in ${round(moved.uploadMs)} ms; checked in ${round(moved.checkMs / 1000, 1)} s`,
    });
    record({
      id: 'B14',
      name: 'the checked file imported (customer, site and audit event per row, a chunk per transaction)',
      value: round(importRate),
      unit: 'rows/s',
      goal: '>= 2000 rows/s',
      met: importRate >= 2000,
      note: `${round(moved.importMs / 1000, 1)} s in all`,
    });
    record({
      id: 'B14',
      name: 'resident memory grown while the file was uploaded, checked and imported',
      value: round(moved.growthMb),
      unit: 'MB',
      goal: '<= 200 MB',
      met: moved.growthMb <= 200,
      note: 'peak over the start, sampled every 25 ms',
    });
    // B14: the booked jobs of the same tool, for the customers just imported (found by the old tool's ID).
    const kindOfWork = (
      await database.raw.query<{ name: string }>(
        'SELECT name FROM job_types WHERE organization_id = $1 ORDER BY code LIMIT 1',
        [fixture.organizationId],
      )
    ).rows[0]?.name;
    const booked = await jobImport(deps, fixture.organizationId, quick ? 2_000 : 10_000, kindOfWork ?? '');
    const jobCheckRate = booked.rows / (booked.checkMs / 1000);
    const jobImportRate = booked.rows / (booked.importMs / 1000);
    record({
      id: 'B14',
      name: `a file of ${booked.rows} booked jobs checked row by row (customer, site, kind of work found)`,
      value: round(jobCheckRate),
      unit: 'rows/s',
      goal: '>= 2000 rows/s',
      met: jobCheckRate >= 2000,
      note: `checked in ${round(booked.checkMs / 1000, 1)} s`,
    });
    record({
      id: 'B14',
      name: 'the checked jobs booked (each through the booking checks, numbered, audited, in its own savepoint)',
      value: round(jobImportRate),
      unit: 'rows/s',
      goal: '>= 200 rows/s',
      met: jobImportRate >= 200,
      note: `${round(booked.importMs / 1000, 1)} s in all`,
    });

    // B6: the one-day board with 100,000 jobs in the database.
    const total = Number(
      (await database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]?.n,
    );
    const target = quick ? 20_000 : 100_000;
    if (total < target)
      await insertJobs(database, fixture, target - total, new Date('2026-01-05T08:00:00Z'), 360);
    await database.raw.query('ANALYZE');
    const day = { from: new Date('2026-11-18T00:00:00Z'), to: new Date('2026-11-19T00:00:00Z') };
    for (let i = 0; i < 20; i++) await boardJobs(database.db, fixture.organizationId, day.from, day.to);
    const times: number[] = [];
    for (let i = 0; i < (quick ? 50 : 300); i++) {
      const t0 = performance.now();
      await boardJobs(database.db, fixture.organizationId, day.from, day.to);
      times.push(performance.now() - t0);
    }
    const p95 = round(percentile(times, 95), 2);
    record({
      id: 'B6',
      name: `one-day board, ${Math.max(total, target)} jobs, p95`,
      value: p95,
      unit: 'ms',
      goal: '<= 20 ms',
      met: p95 <= 20,
    });
    record({
      id: 'B7',
      name: 'server RSS after B1',
      value: rss,
      unit: 'MB',
      goal: '<= 300 MB',
      met: rss === null ? null : rss <= 300,
    });
    const techKb = await techAppGzippedKb();
    record({
      id: 'B7',
      name: 'technician app JS, gzipped (all /tech scripts incl. service worker)',
      value: techKb,
      unit: 'KB',
      goal: '<= 200 KB',
      met: techKb <= 200,
    });
    // B8: the metrics over 100,000 jobs and 1,000,000 audit events (a month of completed work in them).
    const events = quick ? 200_000 : 1_000_000;
    const month = { from: '2026-06-01', to: '2026-06-30' };
    await database.raw.query(
      `UPDATE jobs SET status = 'completed', billing_status = 'invoice_ready', completed_at = window_end,
              invoice_ready_at = window_end + interval '2 hours'
        WHERE organization_id = $1 AND window_start >= $2::date AND window_start < ($3::date + 1) AND completed_at IS NULL`,
      [fixture.organizationId, month.from, month.to],
    );
    const have = Number(
      (await database.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events')).rows[0]?.n,
    );
    if (have < events) {
      await database.raw.query(
        `INSERT INTO audit_events (organization_id, id, aggregate_type, aggregate_id, seq, action, actor_type, actor_id, at,
                                   changes, reason, prev_hash, hash)
         SELECT $1, gen_random_uuid(), 'job', gen_random_uuid(), 1,
                (ARRAY['job.completed', 'job.rescheduled', 'closeout.submitted', 'job.invoiced', 'closeout.office_edit'])[1 + g % 5],
                'system', NULL, timestamptz '2026-01-01' + (g % 31536000) * interval '1 second',
                '{}', NULL, repeat('0', 64), md5(g::text) || md5(g::text)
           FROM generate_series(1, $2) AS g`,
        [fixture.organizationId, events - have],
      );
    }
    await database.raw.query('ANALYZE');
    for (let i = 0; i < 3; i++) await computeMetrics(deps, fixture.organizationId, month);
    const metricTimes: number[] = [];
    for (let i = 0; i < (quick ? 5 : 20); i++) {
      const t0 = performance.now();
      await computeMetrics(deps, fixture.organizationId, { ...month, groupBy: 'week' });
      metricTimes.push(performance.now() - t0);
    }
    const metricsP50 = Math.round(median(metricTimes));
    record({
      id: 'B8',
      name: `metrics, ${Math.max(total, target)} jobs / ${events} audit events, p50`,
      value: metricsP50,
      unit: 'ms',
      goal: '<= 500 ms',
      met: metricsP50 <= 500,
      note: `max ${Math.round(Math.max(...metricTimes))} ms`,
    });
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }

  // B5: embedded mode. Start to ready (cold: a new data directory; warm: the same one again), then closeouts/s on PGlite.
  // What `npm start` runs first: the server bundle, built when older than the sources.
  await run('node', ['scripts/build-server.mjs', '--if-stale'], { cwd: ROOT });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-bench-pglite-'));
  try {
    const env = { DATA_DIR: dataDir };
    // What a new user waits for: `npm start` on a fresh clone (the web apps and the server bundle built,
    // the database created and migrated, the demo seeded) until the page answers.
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-bench-clone-'));
    try {
      await run('git', ['clone', '--quiet', ROOT, clone]);
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
      const first = await startServer([], { DATA_DIR: path.join(clone, 'data') }, true, clone);
      await first.stop();
      record({
        id: 'B5',
        name: 'first npm start on a fresh clone until the page answers',
        value: round(first.readyMs / 1000),
        unit: 's',
        goal: '<= 60 s',
        met: first.readyMs <= 60_000,
        note: 'dependencies installed; builds the web apps and the server bundle, seeds the demo',
      });
    } finally {
      // The server npm started may still be closing its database when npm itself has exited.
      fs.rmSync(clone, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
    }
    const cold = await startServer(['start'], env);
    // The demo's history leaves packets to render: a warm start means restarting an idle system.
    await queueDrained(cold.base, 120_000);
    await cold.stop();
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = await startServer(['start'], env);
      warm.push(s.readyMs);
      await s.stop();
    }
    record({
      id: 'B5',
      name: 'closeout start to ready, cold',
      value: Math.round(cold.readyMs),
      unit: 'ms',
      goal: 'report',
      met: null,
    });
    record({
      id: 'B5',
      name: 'closeout start to ready, warm (median)',
      value: Math.round(median(warm)),
      unit: 'ms',
      goal: '<= 3000 ms',
      met: median(warm) <= 3000,
    });

    // The bench's organization in the same data directory, its secrets sealed with the server's own key.
    const pglite = await openPglite(path.join(dataDir, 'pglite'));
    const fixture = await prepareOrganization(depsOf(pglite, secretBox(loadSecretKey(undefined, dataDir))));
    const perRun = quick ? 1000 : 3000;
    const soakSeconds = quick ? 60 : 600;
    const soakRate = 5;
    const needed = perRun * (runs + 1) + soakRate * soakSeconds + 100;
    await insertJobs(pglite, fixture, needed, new Date('2026-11-02T08:00:00Z'), 28);
    const ids = await scheduledJobIds(pglite, fixture.organizationId, needed);
    await pglite.close();
    const server = await startServer(['start'], { ...env, SEED_DEMO: 'false' });
    const slice = slicer(ids, perRun);
    // 16 clients: far more than a 30-technician business at its busiest. With 64, PGlite's one connection
    // queues them long enough for some to wait past autocannon's 10 s.
    await closeoutLoad(server.base, fixture.apiKey, fixture.technicianId, slice(), 1, 16);
    const loads = [];
    const window = quick ? 5 : 10;
    for (let i = 0; i < runs; i++)
      loads.push(await closeoutLoad(server.base, fixture.apiKey, fixture.technicianId, slice(), window, 16));
    const rate = round(median(loads.map((l) => l.perSecond)));
    const loadP99 = median(loads.map((l) => l.p99));
    // The bursts leave the workers a backlog (each closeout's invoice, report and message): a steady load
    // is measured once they have caught up, and how long that takes is a figure of its own.
    const burst = loads.reduce((n, l) => n + Math.round(l.perSecond * window), 0);
    const drainStart = performance.now();
    const drainCap = quick ? 180_000 : 900_000;
    const drained = await queueDrained(server.base, drainCap);
    const drainSeconds = round((performance.now() - drainStart) / 1000);
    record({
      id: 'B5',
      name: `the workers catch up after ${burst} closeouts in bursts (invoices, reports, messages)`,
      value: drained ? drainSeconds : null,
      unit: 's',
      goal: 'report',
      met: null,
      note: drained
        ? `${round(burst / Math.max(drainSeconds, 0.1))} closeouts' background work a second`
        : `not caught up after ${drainCap / 1000} s`,
    });
    // Memory over a steady day's load (compressed): closeouts arriving at a fixed rate, the workers rendering
    // and sending what they queue, resident memory sampled every second.
    const samples: number[] = [];
    const steady = await openLoop({
      base: server.base,
      apiKey: fixture.apiKey,
      technicianId: fixture.technicianId,
      jobIds: ids.slice(perRun * (runs + 1)),
      perSecond: soakRate,
      seconds: soakSeconds,
      onSecond: () => {
        const mb = rssMb(server.child.pid);
        if (mb !== null) samples.push(mb);
      },
    });
    await server.stop();
    record({
      id: 'B5',
      name: 'closeouts/s on PGlite over HTTP (16 clients)',
      value: rate,
      unit: '/s',
      goal: '>= 300/s',
      met: rate >= 300,
      note: `p99 ${loadP99} ms; API and workers share the one embedded connection`,
    });
    const half = samples.slice(Math.floor(samples.length / 2));
    const last = samples.at(-1) ?? 0;
    const growth = round((half.at(-1) ?? 0) - (half[0] ?? 0));
    record({
      id: 'B5',
      name: `server RSS after ${soakSeconds / 60} min at ${soakRate} closeouts/s (PGlite)`,
      value: last,
      unit: 'MB',
      goal: '<= 300 MB',
      met: last <= 300,
      note: `grew ${growth} MB over the second half (peak ${Math.max(0, ...samples)} MB); p99 ${steady.p99} ms, ${steady.errors} errors`,
    });
    record({
      id: 'B5',
      name: 'memory flat over the second half of that load',
      value: growth,
      unit: 'MB',
      goal: '<= 5% of RSS',
      met: growth <= last * 0.05,
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const commit = (
    await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).catch(() => ({ stdout: 'unknown' }))
  ).stdout.trim();
  const report = {
    at: new Date().toISOString(),
    quick,
    commit,
    machine: {
      cores: os.cpus().length,
      memoryGiB: round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: pgVersion,
      note: 'client and server share the cores',
    },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    entries,
  };
  const out = path.join(ROOT, 'bench', 'results', `${report.at.replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\nWrote ${path.relative(ROOT, out)} in ${report.durationSeconds} s (commit ${commit}).\n`,
  );
};

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
