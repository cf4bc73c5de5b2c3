import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStalledPushes } from '../../src/app/accounting/push-queue';
import { QUEUE_NAMES } from '../../src/contracts/queue';
import { drainQueues } from '../../src/worker/handlers';
import { closeOut, newJob, plainJobType, setSeller } from '../invoices/helpers';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';
import { connectFakeXero, type FakeAccounting, startFakeAccounting } from '../support/fake-accounting';

/**
 * Exactly once under crashes: a real `closeout worker` process is SIGKILLed again and again while it pushes
 * invoices, some of them right after the provider created the invoice and before the worker heard back.
 * Afterwards every invoice exists once at the provider: no duplicates, no losses.
 */
const url = process.env.TEST_DATABASE_URL;
if (!url && process.env.CI) throw new Error('CI must run the crash test on PostgreSQL');

describe.skipIf(!url)('pushes under repeated worker crashes (PostgreSQL)', () => {
  const INVOICES = 12;
  const secretKey = randomBytes(32).toString('base64');
  let t: TestApp;
  let fake: FakeAccounting;
  let org: OrgFixture;
  let billing: Session;
  const numbers: string[] = [];

  beforeAll(async () => {
    fake = await startFakeAccounting();
    t = await createTestApp('postgres', { secretKey });
    org = await makeOrganization(t.deps, 'crash');
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    billing = await signIn(t.app, org.users.billing.email, PASSWORD);
    const dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    const tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    await setSeller(t, owner);
    const jobTypeId = await plainJobType(t, owner);
    await connectFakeXero(t.app, owner, fake, 'tenant-crash');
    for (let i = 0; i < INVOICES; i++) {
      const j = await newJob(t, org, dispatcher, jobTypeId);
      await closeOut(t, org, tech, j.id);
    }
    // Invoices are issued here; their pushes are left for the worker processes.
    await drainQueues(
      t.boss,
      t.deps,
      QUEUE_NAMES.filter((n) => n !== 'accounting.push'),
    );
    const { rows } = await t.database.raw.query<{ number: string }>(
      `SELECT number FROM invoices WHERE organization_id = $1 AND number IS NOT NULL`,
      [org.organizationId],
    );
    numbers.push(...rows.map((r) => r.number));
    expect(numbers).toHaveLength(INVOICES);
    // The provider takes a while to answer after creating: the window a crash must not turn into a duplicate.
    fake.createDelayMs = 400;
    // Without the provider's idempotency memory, only our look-up-before-create prevents duplicates.
    fake.honorIdempotency = false;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const worker = (): ChildProcess =>
    spawn(process.execPath, [path.resolve(__dirname, '../../bin/closeout.mjs'), 'worker'], {
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        SECRET_KEY: secretKey,
        LOG_LEVEL: 'warn',
        SEED_DEMO: 'false',
        // The accounting fake listens on loopback.
        ALLOW_PRIVATE_TARGETS: 'true',
      },
      stdio: 'ignore',
    });
  const created = () => [...fake.creates.values()].reduce((s, n) => s + n, 0);

  it('leaves every invoice exactly once at the provider after repeated SIGKILLs mid-push', async () => {
    let killsMidCreate = 0;
    for (let round = 0; round < 6; round++) {
      const child = worker();
      const exited = new Promise((r) => child.once('exit', r));
      const before = created();
      const deadline = Date.now() + 20_000;
      // Kill it right after the provider created an invoice, before the worker has its answer.
      while (created() === before && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 10));
      if (created() > before) killsMidCreate++;
      child.kill('SIGKILL');
      await exited;
      if ((await pending()) === 0) break;
    }
    expect(killsMidCreate).toBeGreaterThan(0);

    // The killed workers held leases on the pushes they were calling for: a second run waits them out (a
    // minute). Here the minute passes at once; the sweep must still refuse pushes whose lease lives.
    const { rows: counts } = await t.database.raw.query<{ held: number; free: number }>(
      `SELECT count(*) FILTER (WHERE lease_until > now())::int AS held,
              count(*) FILTER (WHERE lease_until IS NULL OR lease_until <= now())::int AS free
         FROM accounting_pushes WHERE organization_id = $1 AND status = 'pending'`,
      [org.organizationId],
    );
    expect((await sweepStalledPushes(t.deps, 0)).requeued).toBe(counts[0]?.free);
    await t.database.raw.query(
      `UPDATE accounting_pushes SET lease_until = now() - interval '1 second' WHERE organization_id = $1 AND lease_until IS NOT NULL`,
      [org.organizationId],
    );
    // The stalled pushes' queue jobs belonged to dead workers: the sweep requeues them, and a worker finishes.
    fake.createDelayMs = 0;
    await sweepStalledPushes(t.deps, 0);
    for (let i = 0; i < 20 && (await pending()) > 0; i++) {
      await drainQueues(t.boss, t.deps, ['accounting.push']);
      if ((await pending()) > 0) await sweepStalledPushes(t.deps, 0);
    }
    expect(await pending()).toBe(0);
    for (const n of numbers) expect(fake.creates.get(n), n).toBe(1);
    expect(fake.creates.size).toBe(INVOICES);
    const { rows } = await t.database.raw.query<{ found: number }>(
      `SELECT count(*)::int AS found FROM audit_events
        WHERE organization_id = $1 AND action = 'invoice.pushed' AND (changes::jsonb ->> 'foundExisting')::boolean`,
      [org.organizationId],
    );
    // The invoices created just before a kill were found by number, not created again.
    expect(rows[0]?.found).toBeGreaterThanOrEqual(killsMidCreate);
    const done = await t.app.inject({
      method: 'GET',
      url: '/api/v1/integration-errors?status=open',
      headers: as(billing),
    });
    expect(done.json().items).toEqual([]);
  }, 240_000);

  const pending = async () =>
    (
      await t.database.raw.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM accounting_pushes WHERE organization_id = $1 AND status <> 'done'`,
        [org.organizationId],
      )
    ).rows[0]?.n ?? -1;
});
