import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { retryAbandonedJobs } from '../adapters/queue/pg-boss';
import { sweepStalledPushes } from '../app/accounting/push-queue';
import {
  AuditAnchorSchema,
  type AuditBreak,
  auditAnchors,
  organizationIdBySlug,
  organizationIds,
  verifyAudit,
  writeCheckpoint,
} from '../app/audit/audit-verify';
import { createApiKeyForSlug } from '../app/auth/api-keys';
import { DEMO_PASSWORD, DEMO_SLUG, DEMO_USERS, seedDemo } from '../app/demo/seed-demo';
import { requestSignup, SIGNUP } from '../app/directory/signup';
import { rotateSealedSecrets } from '../app/system/rotate-secrets';
import { systemClock, systemIds } from '../app/system/system';
import { type Config, ConfigError, loadConfig } from '../config';
import { SignupBody } from '../contracts/auth';
import { AppError } from '../core/errors';
import { IMPORT_KINDS, IMPORT_PRESETS, type ImportKind, type ImportPreset } from '../core/imports';
import { isRole, ROLES, type Role } from '../core/roles';
import { DataDirLockedError } from '../db/data-dir-lock';
import { importFromFile } from './import-command';
import { commandQueue, depsFor, mailDirOf, openConfiguredDatabase, secretsOf, startRuntime } from './runtime';

const parseRole = (value: string): Role => {
  if (!isRole(value)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
  return value;
};

const parseKind = (value: string): ImportKind => {
  if (!(IMPORT_KINDS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${IMPORT_KINDS.join(', ')}`);
  return value as ImportKind;
};
const parsePreset = (value: string): ImportPreset => {
  if (!(IMPORT_PRESETS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${IMPORT_PRESETS.join(', ')}`);
  return value as ImportPreset;
};

const parseSeconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 86_400)
    throw new InvalidArgumentError('must be whole seconds, 0 to 86400');
  return n;
};

const where = (config: Config) =>
  config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL (PGlite) in ${config.dataDir}`;

const serve = async (mode: 'all' | 'api' | 'worker') => {
  const config = loadConfig();
  // Signals are handled from the first moment: one that arrives while starting stops the process cleanly
  // as soon as it is up, instead of killing it half-started.
  let runtime: Awaited<ReturnType<typeof startRuntime>> | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!runtime) return; // still starting: handled below
    process.stdout.write(`\n${signal}: stopping…\n`);
    runtime.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  runtime = await startRuntime(config, mode);
  if (stopping) {
    await runtime.stop();
    process.exit(0);
  }
  const lines = [
    '',
    `Closeout is running (${mode === 'all' ? 'API, web app and workers' : mode === 'api' ? 'API and web app' : 'workers'}) on ${where(config)}.`,
  ];
  if (runtime.url) {
    lines.push(
      `  Web app:   ${runtime.url}/`,
      `  API docs:  ${runtime.url}/api/docs`,
      `  Ready:     ${runtime.url}/readyz`,
    );
  }
  lines.push(
    config.smtpUrl
      ? '  E-mail:    through SMTP_URL'
      : `  E-mail:    nothing is sent without SMTP_URL; each message is kept in ${mailDirOf(config)} (.eml)`,
  );
  if (config.seedDemo) {
    lines.push(
      '',
      `Demo organization "${DEMO_SLUG}"${runtime.seeded ? ' (just created)' : ''}. Sign in with password ${DEMO_PASSWORD} as:`,
      ...DEMO_USERS.map((u) => `  ${u.email.padEnd(30)} ${u.roles.join(', ')}`),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
};

/** Runs fn on the migrated database, then closes it (and releases the data-dir lock). */
const withDatabase = async <T>(
  fn: (opened: Awaited<ReturnType<typeof openConfiguredDatabase>>, config: Config) => Promise<T>,
) => {
  const config = loadConfig();
  const opened = await openConfiguredDatabase(config);
  try {
    return await fn(opened, config);
  } finally {
    await opened.database.close();
    opened.release();
  }
};

const noQueue = {
  enqueue: async () => {
    throw new Error('this command does not enqueue background work');
  },
};

const program = new Command()
  .name('closeout')
  .description('Closeout: dispatch-to-invoice for field-service businesses')
  .showHelpAfterError();

program
  .command('start')
  .description('API, web app and workers in one process (the default for npm start)')
  .action(() => serve('all'));

program
  .command('serve')
  .description('API and web app; with --no-worker the queue handlers run elsewhere (closeout worker)')
  .option('--no-worker', 'do not run background workers in this process')
  .action((opts: { worker: boolean }) => serve(opts.worker ? 'all' : 'api'));

program
  .command('worker')
  .description('background workers only (PDFs, e-invoices, accounting pushes, e-mail, webhooks)')
  .action(() => serve('worker'));

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(() =>
    withDatabase(async (_opened, config) => {
      process.stdout.write(`Migrations applied on ${where(config)}.\n`);
    }),
  );

program
  .command('seed')
  .description('seed data')
  .option('--demo', 'the demo organization with users, customers, price book and a week of jobs')
  .action((opts: { demo?: boolean }) =>
    withDatabase(async ({ database }, config) => {
      if (!opts.demo) throw new InvalidArgumentError('say what to seed: --demo');
      // The demo's history invoices through the queue: the packets render when a worker runs.
      const q = await commandQueue(database);
      let created: boolean;
      try {
        created = await seedDemo(depsFor(config, database, q.queue));
      } finally {
        await q.stop();
      }
      process.stdout.write(
        created
          ? `Seeded the demo organization "${DEMO_SLUG}".\n`
          : `The demo organization "${DEMO_SLUG}" already exists.\n`,
      );
    }),
  );

program
  .command('organizations')
  .description('organizations of this installation')
  .command('invite')
  .description(
    'e-mail someone the link to open an organization and become its owner (the only way in when SIGNUP=operator)',
  )
  .requiredOption('--business <name>', 'the business name')
  .requiredOption('--country <code>', 'ISO country code: decides currency, time zone and tax rates')
  .requiredOption('--name <name>', 'the owner’s name')
  .requiredOption('--email <address>', 'the owner’s e-mail address')
  .action((opts: { business: string; country: string; name: string; email: string }) =>
    withDatabase(async ({ database }, config) => {
      const body = SignupBody.safeParse({
        businessName: opts.business,
        country: opts.country,
        name: opts.name,
        email: opts.email,
      });
      if (!body.success)
        throw new InvalidArgumentError(
          body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const q = await commandQueue(database);
      try {
        await requestSignup(depsFor(config, database, q.queue), { ...body.data, ip: null });
      } finally {
        await q.stop();
      }
      process.stdout.write(
        `The link to open ${body.data.businessName} is queued for ${body.data.email}; it goes out when Closeout's workers run, and works for ${SIGNUP.validHours} hours.\n`,
      );
    }),
  );

program
  .command('import')
  .description(
    'import customers or a price book from a CSV or XLSX export (Jobber, Housecall Pro, QuickBooks, Xero or any spreadsheet): a dry run, then with --yes the import',
  )
  .requiredOption('--org <slug>', 'organization slug')
  .requiredOption('--kind <kind>', `what the file holds: ${IMPORT_KINDS.join(' or ')}`, parseKind)
  .option(
    '--preset <tool>',
    `read the columns as this tool names them: ${IMPORT_PRESETS.join(', ')}`,
    parsePreset,
  )
  .option('--yes', 'import the rows that can be, after the dry run', false)
  .argument('<file>', 'the CSV or XLSX file')
  .action((file: string, opts: { org: string; kind: ImportKind; preset?: ImportPreset; yes: boolean }) =>
    withDatabase(async ({ database }, config) => {
      const q = await commandQueue(database);
      try {
        await importFromFile(
          depsFor(config, database, q.queue),
          { ...opts, file },
          (line) => process.stdout.write(`${line}\n`),
          (line) => process.stderr.write(`\r${line}   `),
        );
      } finally {
        await q.stop();
      }
    }),
  );

const keys = program.command('keys').description('API keys for scripts and integrations');
keys
  .command('create')
  .description('create an API key for one organization and role; prints it once')
  .requiredOption('--org <slug>', 'organization slug (the demo is "demo")')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, parseRole)
  .requiredOption('--name <label>', 'what the key is for')
  .action((opts: { org: string; role: Role; name: string }) =>
    withDatabase(async ({ database }, config) => {
      const { key, apiKey } = await createApiKeyForSlug(depsFor(config, database, noQueue), {
        slug: opts.org,
        role: opts.role,
        name: opts.name,
      });
      process.stdout.write(
        `API key "${apiKey.name}" (${apiKey.role}, id ${apiKey.id}). Shown once; store it now:\n${key}\n`,
      );
    }),
  );

const audit = program.command('audit').description('the tamper-evident audit trail');
const describeBreak = (b: AuditBreak) =>
  `${b.aggregateType} ${b.aggregateId} seq ${b.seq}${b.eventId ? ` (event ${b.eventId})` : ''}: ${b.reason}`;
const orgOption = async (database: Parameters<typeof organizationIdBySlug>[0], slug: string | undefined) => {
  if (!slug) return undefined;
  const id = await organizationIdBySlug(database, slug);
  if (!id) throw new InvalidArgumentError(`no organization with slug ${slug}`);
  return id;
};
audit
  .command('verify')
  .description('walk every hash chain and checkpoint; name the first broken or missing event')
  .option('--org <slug>', 'only this organization')
  .option('--anchor <file>', 'signed heads exported earlier with `audit anchor`: each must still be there')
  .action((opts: { org?: string; anchor?: string }) =>
    withDatabase(async ({ database }, config) => {
      const anchors = opts.anchor
        ? z.array(AuditAnchorSchema).parse(JSON.parse(fs.readFileSync(opts.anchor, 'utf8')))
        : [];
      const result = await verifyAudit(
        { database, secrets: secretsOf(config) },
        await orgOption(database, opts.org),
        anchors,
      );
      if (result.ok) {
        process.stdout.write(
          `Audit trail intact: ${result.events} events in ${result.chains} chains, ${result.checkpoints} checkpoints, ${result.organizations} organization(s).\n`,
        );
        return;
      }
      process.stdout.write(
        `Audit trail BROKEN after ${result.events} verified events.\nFirst broken: ${describeBreak(result.broken)}\n`,
      );
      process.exitCode = 2;
    }),
  );
audit
  .command('checkpoint')
  .description('record the head of every chain now (the workers do this every 15 minutes)')
  .option('--org <slug>', 'only this organization')
  .action((opts: { org?: string }) =>
    withDatabase(async ({ database }, config) => {
      const only = await orgOption(database, opts.org);
      const deps = { database, clock: systemClock, ids: systemIds, secrets: secretsOf(config) };
      for (const org of only ? [only] : await organizationIds(database)) {
        const { chains, written } = await writeCheckpoint(deps, org);
        process.stdout.write(
          written
            ? `Checkpoint written for ${org}: ${chains} chains.\n`
            : `Nothing new for ${org} since its last checkpoint.\n`,
        );
      }
    }),
  );
audit
  .command('anchor')
  .description(
    'print the latest signed checkpoint of each organization as JSON: keep it outside the database, then `audit verify --anchor <file>` proves nothing was cut since',
  )
  .option('--org <slug>', 'only this organization')
  .action((opts: { org?: string }) =>
    withDatabase(async ({ database }) => {
      const anchors = await auditAnchors(database, await orgOption(database, opts.org));
      process.stdout.write(`${JSON.stringify(anchors, null, 2)}\n`);
    }),
  );

program
  .command('secrets')
  .description('the secret key that seals tokens and signs the audit checkpoints')
  .command('rotate')
  .description(
    'after deploying a new SECRET_KEY with the old one in SECRET_KEY_PREVIOUS: seal again under the new key everything the old one sealed, then drop SECRET_KEY_PREVIOUS',
  )
  .action(() =>
    withDatabase(async ({ database }, config) => {
      const resealed = await rotateSealedSecrets({ database, secrets: secretsOf(config) });
      const total = Object.values(resealed).reduce((a, b) => a + b, 0);
      process.stdout.write(
        `${total} sealed value(s) moved to the current key${
          total
            ? `: ${Object.entries(resealed)
                .filter(([, n]) => n > 0)
                .map(([where, n]) => `${where} ${n}`)
                .join(', ')}`
            : ''
        }.\n`,
      );
    }),
  );

program
  .command('recover')
  .description(
    'after workers died (a crash, a kill): retry now the background jobs they left running, and requeue accounting pushes they left pending',
  )
  .option(
    '--older-than <seconds>',
    'only work started longer ago than this (default 300, the time after which it is retried anyway)',
    parseSeconds,
    300,
  )
  .action((opts: { olderThan: number }) =>
    withDatabase(async ({ database }, config) => {
      const q = await commandQueue(database);
      try {
        const { retried } = await retryAbandonedJobs(q.boss, database, opts.olderThan);
        const { requeued } = await sweepStalledPushes(depsFor(config, database, q.queue), opts.olderThan);
        process.stdout.write(
          `Retried ${retried} background job(s) left running; requeued ${requeued} accounting push(es) left pending.\n`,
        );
      } finally {
        await q.stop();
      }
    }),
  );

program.parseAsync(process.argv).catch((err: unknown) => {
  if (
    err instanceof ConfigError ||
    err instanceof DataDirLockedError ||
    err instanceof InvalidArgumentError
  ) {
    process.stderr.write(`closeout: ${err.message}\n`);
  } else if (err instanceof AppError) {
    process.stderr.write(
      `closeout: ${err.message}${err.fields.length ? ` (${err.fields.map((f) => f.field).join(', ')})` : ''}\n`,
    );
  } else {
    console.error(err);
  }
  process.exit(1);
});
