import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFresh } from '../../scripts/stale.mjs';
import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { loadConfig } from '../../src/config';
import { appliedMigrations, expectedMigrations, openPglite } from '../../src/db/client';
import { createTestDatabase } from '../support/databases';
import { freePort, ROOT, runCli, type Spawned, waitForReady } from '../support/processes';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-cli-'));
const running: Spawned[] = [];
afterAll(() => {
  for (const p of running) p.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const start = async (port: number) => {
  const server = runCli(['start'], { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
  running.push(server);
  await waitForReady(`http://127.0.0.1:${port}`, server);
  return server;
};

describe('the log format', () => {
  it('is for people on a terminal and JSON for machines, unless LOG_FORMAT says otherwise', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' }, false)).toThrow(/LOG_FORMAT/);
  });
  it('keeps an office session 12 hours without use unless SESSION_TTL_HOURS says otherwise', () => {
    expect(loadConfig({}, false).sessionTtlHours).toBe(12);
    expect(loadConfig({ SESSION_TTL_HOURS: '48' }, false).sessionTtlHours).toBe(48);
  });
});

describe('the closeout command on the embedded database', () => {
  it('stops at boot on invalid configuration, naming the variable', async () => {
    const p = runCli(['start'], { DATA_DIR: dataDir, PORT: 'eighty' });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/PORT/);
    expect(fs.existsSync(path.join(dataDir, 'closeout.lock'))).toBe(false);
  });

  it('starts, seeds the demo, refuses a second process on the data directory, and issues API keys', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = await start(port);
    expect(server.stdout()).toContain('owner@demo.closeout.test');
    expect(server.stdout()).toContain(DEMO_PASSWORD);
    // Without SMTP_URL nothing goes out: each message is kept whole, attachments and all, where the banner says.
    const mailDir = path.join(dataDir, 'mail');
    expect(server.stdout()).toContain(`kept in ${mailDir}`);
    const kept = () =>
      fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')) : [];
    // The demo's first messages (approval requests) are there within moments; invoices follow as packets render.
    await expect.poll(() => kept().length, { timeout: 30_000 }).toBeGreaterThan(0);
    const eml = fs.readFileSync(path.join(mailDir, kept()[0] as string), 'utf8').replace(/\r?\n[ \t]+/g, ' ');
    expect(eml).toMatch(/^From: .+$/m);
    expect(eml).toMatch(/^To: .+@.+$/m);
    expect(eml).toMatch(/^Subject: .+$/m);

    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@demo.closeout.test', password: DEMO_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    const jobs = await (await fetch(`${base}/api/v1/jobs?limit=200`, { headers: { cookie } })).json();
    expect(jobs.items.length).toBeGreaterThan(10);
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('<div id="root">');

    // A second process on the same data directory is refused, and so is a command that would open it.
    const second = runCli(['start'], { DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/in use by another Closeout process \(PID \d+\)/);
    const keyWhileRunning = runCli(['keys', 'create', '--org', 'demo', '--role', 'billing', '--name', 'x'], {
      DATA_DIR: dataDir,
    });
    expect(await keyWhileRunning.exited).toBe(1);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'closeout.lock'))).toBe(false);

    // The audit trail verifies, then names the row edited behind the application's back.
    expect(await runCli(['audit', 'checkpoint'], { DATA_DIR: dataDir }).exited).toBe(0);
    const verified = runCli(['audit', 'verify', '--org', 'demo'], { DATA_DIR: dataDir });
    expect(await verified.exited).toBe(0);
    expect(verified.stdout()).toMatch(/Audit trail intact: \d+ events in \d+ chains, 1 checkpoints/);
    const pglite = await openPglite(path.join(dataDir, 'pglite'));
    const { rows } = await pglite.raw.query<{ id: string }>(
      `UPDATE audit_events SET changes = '{"status":"paid"}'
        WHERE id = (SELECT id FROM audit_events WHERE aggregate_type = 'job' ORDER BY at, id LIMIT 1) RETURNING id`,
    );
    await pglite.close();
    const tampered = runCli(['audit', 'verify'], { DATA_DIR: dataDir });
    expect(await tampered.exited).toBe(2);
    expect(tampered.stdout()).toContain(`(event ${rows[0]?.id})`);
    expect(tampered.stdout()).toMatch(/BROKEN.*\n.*edited/);

    const bad = runCli(['keys', 'create', '--org', 'demo', '--role', 'boss', '--name', 'x'], {
      DATA_DIR: dataDir,
    });
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toMatch(/--role/);
    const keys = runCli(
      ['keys', 'create', '--org', 'demo', '--role', 'billing', '--name', 'accounting export'],
      { DATA_DIR: dataDir },
    );
    expect(await keys.exited).toBe(0);
    const key = /co_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}/.exec(keys.stdout())?.[0];
    expect(key).toBeDefined();

    // A business's customer list from its old tool: a dry run that names what to fix, then with --yes the import.
    const csv = path.join(dataDir, 'clients.csv');
    fs.writeFileSync(
      csv,
      'Name,Email,Address,Town,Eircode\nCLI Customer One,one@cli.test,1 Quay Road,Cork,T12 C1A1\nCLI Customer Two,two@cli.test,2 Quay Road,Cork,T12 C1A2\nNo Street,bad@cli.test,,Cork,\n',
    );
    const dry = runCli(['import', '--org', 'demo', '--kind', 'customers', csv], { DATA_DIR: dataDir });
    expect(await dry.exited).toBe(0);
    expect(dry.stdout()).toContain(
      'Checked 3 rows: 2 new, 0 to update, 0 already here, 1 cannot be imported.',
    );
    expect(dry.stdout()).toContain('line 4 (No Street): Billing street (column “Address”) is empty');
    expect(dry.stdout()).toContain('Nothing imported');
    const real = runCli(['import', '--org', 'demo', '--kind', 'customers', '--yes', csv], {
      DATA_DIR: dataDir,
    });
    expect(await real.exited).toBe(0);
    expect(real.stdout()).toContain('Imported: 2 created, 0 updated.');
    const twice = runCli(['import', '--org', 'demo', '--kind', 'customers', csv], { DATA_DIR: dataDir });
    expect(await twice.exited).toBe(0);
    expect(twice.stdout()).toContain('Checked 3 rows: 0 new, 0 to update, 2 already here');

    // A lock left by a process that stopped without releasing it (killed, or a container restarted with the
    // same PID) does not block the next start once it is stale; its holder file says PID 1, like ours could.
    fs.mkdirSync(path.join(dataDir, 'closeout.lock'));
    fs.writeFileSync(path.join(dataDir, 'closeout.lock-holder'), 'PID 1');
    const longAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(path.join(dataDir, 'closeout.lock'), longAgo, longAgo);
    const port2 = await freePort();
    const again = await start(port2);
    expect(again.stdout()).not.toContain('just created');
    const me = await fetch(`http://127.0.0.1:${port2}/api/v1/me`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(me.status).toBe(200);
    expect((await me.json()).roles).toEqual(['billing']);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    // Nine processes one after another, each opening the embedded database: about a minute alone, and on CI's
    // two cores under the parallel suite twice that; the limit only catches a hang.
  }, 300_000);
});

describe('the server bundle', () => {
  it('is what `closeout` runs once built newer than the sources, and it finds its migrations', async () => {
    const built = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    expect(isFresh([path.join(ROOT, 'dist', 'server', 'main.mjs')], ['src', 'package-lock.json'])).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-bundle-'));
    try {
      const migrate = runCli(['migrate'], { DATA_DIR: dir });
      expect(await migrate.exited, migrate.stderr()).toBe(0);
      const pglite = await openPglite(path.join(dir, 'pglite'));
      try {
        expect(await appliedMigrations(pglite)).toBe(expectedMigrations());
      } finally {
        await pglite.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Four processes start one after another (tsx compiling the sources each time): 40 to 55 s on CI's two
    // cores under the parallel suite. The first start's own speed is measured by the bench, not here.
  }, 300_000);
});

describe.runIf(process.env.TEST_DATABASE_URL)('the closeout command on PostgreSQL', () => {
  it('migrates and seeds through DATABASE_URL, then serves API and workers as separate processes', async () => {
    const { url, dispose } = await createTestDatabase('postgres');
    try {
      const env = { DATABASE_URL: url ?? '', SEED_DEMO: 'false' };
      const migrate = runCli(['migrate'], env);
      expect(await migrate.exited).toBe(0);
      const seed = runCli(['seed', '--demo'], env);
      expect(await seed.exited).toBe(0);
      expect(seed.stdout()).toContain('Seeded the demo organization');
      const seedAgain = runCli(['seed', '--demo'], env);
      expect(await seedAgain.exited).toBe(0);
      expect(seedAgain.stdout()).toContain('already exists');

      const port = await freePort();
      const api = runCli(['serve', '--no-worker'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
      const worker = runCli(['worker'], env);
      running.push(api, worker);
      await waitForReady(`http://127.0.0.1:${port}`, api);
      const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json();
      expect(ready.checks.workers).toMatch(/external/);
      api.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
      expect(await api.exited, api.stderr()).toBe(0);
      expect(await worker.exited, worker.stderr()).toBe(0);
    } finally {
      await dispose();
    }
  });
});
