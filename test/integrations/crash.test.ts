import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStorage } from '../../src/adapters/storage/storage';
import { enqueuePush, sweepStalledPushes } from '../../src/app/accounting/push-queue';
import type { PushRef } from '../../src/app/accounting/push-ref';
import { QUEUE_NAMES } from '../../src/contracts/queue';
import { drainQueues } from '../../src/worker/handlers';
import { closeOut, newJob, plainJobType, setSeller } from '../invoices/helpers';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';
import {
  connectFakeQuickBooks,
  connectFakeXero,
  type FakeAccounting,
  startFakeAccounting,
} from '../support/fake-accounting';

/**
 * Exactly once under crashes: a real `closeout worker` process is SIGKILLed again and again while it pushes
 * invoices, some of them right after the provider created the invoice and before the worker heard back.
 * Afterwards every invoice exists once at the provider: no duplicates, no losses.
 */
const url = process.env.TEST_DATABASE_URL;
if (!url && process.env.CI) throw new Error('CI must run the crash test on PostgreSQL');

/** A real `closeout worker` process on the test's database. */
const spawnWorker = (databaseUrl: string | undefined, secretKey: string, dataDir?: string): ChildProcess =>
  spawn(process.execPath, [path.resolve(__dirname, '../../bin/closeout.mjs'), 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl ?? '',
      // The files the test app stored (PDFs), where the worker looks for them.
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
      SECRET_KEY: secretKey,
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      // The accounting fake listens on loopback.
      ALLOW_PRIVATE_TARGETS: 'true',
    },
    stdio: 'ignore',
  });

/** The test app on PostgreSQL, storing files where the worker processes look (DATA_DIR), and a provider fake. */
const appForWorkers = async (secretKey: string, dataDir: string) => ({
  fake: await startFakeAccounting(),
  t: await createTestApp('postgres', { secretKey, storage: localStorage(path.join(dataDir, 'attachments')) }),
});

/**
 * An organization with Xero (or QuickBooks) connected to a fake, and `count` invoices issued whose pushes
 * are left queued for worker processes.
 */
const issuedForWorkers = async (
  t: TestApp,
  fake: FakeAccounting,
  slug: string,
  count: number,
  provider: 'xero' | 'quickbooks' = 'xero',
) => {
  const org = await makeOrganization(t.deps, slug);
  const { owner, billing, dispatcher, technician: tech } = await sessionsOf(t.app, org);
  await setSeller(t, owner);
  const jobTypeId = await plainJobType(t, owner);
  const connectorId =
    provider === 'xero'
      ? await connectFakeXero(t.app, owner, fake, `tenant-${slug}`, {
          items: {},
          accountCode: '200',
          taxTypes: { 'S:23': 'OUTPUT2' },
          paymentAccounts: { default: '090' },
        })
      : await connectFakeQuickBooks(t.app, owner, fake, `realm-${slug}`, {
          items: {},
          defaultItem: '1',
          taxTypes: { 'S:23': '7' },
          paymentAccounts: { default: '35' },
        });
  for (let i = 0; i < count; i++) {
    const j = await newJob(t, org, dispatcher, jobTypeId);
    await closeOut(t, org, tech, j.id);
  }
  // Invoices are issued here; their pushes are left for the worker processes.
  await drainQueues(
    t.boss,
    t.deps,
    QUEUE_NAMES.filter((n) => n !== 'accounting.push'),
  );
  const { rows } = await t.database.raw.query<{ id: string; number: string; payable: string }>(
    `SELECT id, number, payable::text AS payable FROM invoices
      WHERE organization_id = $1 AND number IS NOT NULL ORDER BY number`,
    [org.organizationId],
  );
  expect(rows).toHaveLength(count);
  return { org, billing, connectorId, invoices: rows };
};

const pendingPushes = async (t: TestApp, organizationId: string) =>
  (
    await t.database.raw.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM accounting_pushes WHERE organization_id = $1 AND status <> 'done'`,
      [organizationId],
    )
  ).rows[0]?.n ?? -1;

describe.skipIf(!url).each(['xero', 'quickbooks'] as const)(
  'pushes to %s under repeated worker crashes (PostgreSQL)',
  (provider) => {
    const INVOICES = 12;
    /** Of those, paid in full before the workers start, and credited in full (the credit applied there). */
    const PAID = 3;
    const CREDITED = 3;
    const secretKey = randomBytes(32).toString('base64');
    let t: TestApp;
    let fake: FakeAccounting;
    let org: OrgFixture;
    let billing: Session;
    const numbers: string[] = [];
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-crash-'));

    beforeAll(async () => {
      ({ t, fake } = await appForWorkers(secretKey, dataDir));
      const made = await issuedForWorkers(t, fake, `crash-${provider}`, INVOICES, provider);
      ({ org, billing } = made);
      // Payments and credit notes wait for their invoices at the provider: the workers push them too.
      for (const inv of made.invoices.slice(0, PAID)) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/payments',
          headers: as(billing, true),
          payload: { invoiceId: inv.id, amount: inv.payable, receivedOn: '2026-11-20', method: 'card' },
        });
        expect(res.statusCode, res.body).toBe(201);
      }
      for (const inv of made.invoices.slice(PAID, PAID + CREDITED)) {
        const res = await t.app.inject({
          method: 'POST',
          url: `/api/v1/invoices/${inv.id}/credit-notes`,
          headers: as(billing, true),
          payload: { reason: 'goodwill' },
        });
        expect(res.statusCode, res.body).toBe(201);
      }
      await drainQueues(
        t.boss,
        t.deps,
        QUEUE_NAMES.filter((n) => n !== 'accounting.push'),
      );
      const { rows } = await t.database.raw.query<{ number: string }>(
        `SELECT number FROM invoices WHERE organization_id = $1 AND number IS NOT NULL`,
        [org.organizationId],
      );
      expect(rows).toHaveLength(INVOICES + CREDITED);
      numbers.push(...rows.map((r) => r.number));
      // The provider takes a while to answer after creating: the window a crash must not turn into a duplicate.
      fake.createDelayMs = 400;
      // Without the provider's idempotency memory, only our look-up-before-create prevents duplicates.
      fake.honorIdempotency = false;
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await fake?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    const worker = () => spawnWorker(t.url, secretKey, dataDir);
    const created = () => [...fake.creates.values()].reduce((s, n) => s + n, 0);

    it('leaves every invoice, credit note, payment and credit application exactly once at the provider after repeated SIGKILLs mid-push', async () => {
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
      expect(fake.creates.size).toBe(INVOICES + CREDITED);
      // Each payment once, each credit applied once, every document's PDF attached once.
      expect(fake.payments.filter((p) => !p.deleted)).toHaveLength(PAID);
      expect(fake.allocations).toHaveLength(CREDITED);
      expect(fake.attachments.filter((a) => a.replaced === 0)).toHaveLength(INVOICES + CREDITED);
      for (const d of fake.docs.values())
        expect(d.open.toFixed(2), d.number).toBe(
          d.number.startsWith('INV') && Number(d.number.slice(-5)) > PAID + CREDITED
            ? d.total.toFixed(2)
            : '0.00',
        );
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

    const pending = () => pendingPushes(t, org.organizationId);
  },
);

describe.skipIf(!url)('two worker processes running the same pushes at once (PostgreSQL)', () => {
  const INVOICES = 6;
  const secretKey = randomBytes(32).toString('base64');
  let t: TestApp;
  let fake: FakeAccounting;
  let made: Awaited<ReturnType<typeof issuedForWorkers>>;
  // One file store for the test app and the workers: the workers attach the PDFs the app rendered.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-race-'));

  beforeAll(async () => {
    ({ t, fake } = await appForWorkers(secretKey, dataDir));
    made = await issuedForWorkers(t, fake, 'race', INVOICES);
    // A provider slow to create, without idempotency memory: while one run waits for it, a second run's
    // look-up finds nothing; only the lease keeps that run from creating again.
    fake.always('PUT /xero/Invoices', { status: 200, delayMs: 400 });
    fake.always('PUT /xero/Payments', { status: 200, delayMs: 400 });
    fake.honorIdempotency = false;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A second queue job for a push already queued, as `closeout recover` or a queue expiry makes one. */
  const twice = (ref: Omit<PushRef, 'organizationId'>) =>
    t.database.transaction((tx) =>
      enqueuePush(
        tx,
        t.deps,
        { organizationId: made.org.organizationId, ...ref },
        `${ref.entity}:${ref.subjectId}:${ref.connectorId}:again`,
      ),
    );
  /** Until every push is done; a failed one (a duplicate refused, a payment over what is owed) fails at once. */
  const settled = async (what: string) => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { rows } = await t.database.raw.query<{ entity: string; status: string; last_error: string }>(
        `SELECT entity, status, last_error FROM accounting_pushes
          WHERE organization_id = $1 AND status <> 'done'`,
        [made.org.organizationId],
      );
      if (rows.length === 0) return;
      if (rows.some((r) => r.status === 'failed') || Date.now() > deadline)
        throw new Error(`${what}: pushes not done: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  it('creates each invoice and each payment once at the provider, whichever worker runs it, refreshing the token once at a time', async () => {
    const { connectorId, invoices } = made;
    for (const inv of invoices)
      await twice({ connectorId, entity: 'document', subjectId: inv.id, invoiceId: inv.id });
    // The access token expires as they start: both find it refused and refresh, and the provider rotates
    // refresh tokens, so only one refresh may spend the stored one (the other takes its result).
    fake.expireToken();
    const grants = { ...fake.tokenGrants };
    const workers = [spawnWorker(t.url, secretKey, dataDir), spawnWorker(t.url, secretKey, dataDir)];
    try {
      await settled('documents');
      // Then every invoice is paid; each payment's push is queued twice too, and both workers take them.
      for (const inv of invoices) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/payments',
          headers: as(made.billing, true),
          payload: { invoiceId: inv.id, amount: inv.payable, receivedOn: '2026-11-20', method: 'card' },
        });
        expect(res.statusCode, res.body).toBe(201);
        const paymentId = (res.json() as { paymentId: string }).paymentId;
        await twice({ connectorId, entity: 'payment', subjectId: paymentId, invoiceId: inv.id });
      }
      await settled('payments');
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(
        workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(null)))),
      );
    }
    for (const inv of invoices) expect(fake.creates.get(inv.number), inv.number).toBe(1);
    expect(fake.creates.size).toBe(INVOICES);
    expect(fake.tokenGrants.refused).toBe(grants.refused);
    expect(fake.tokenGrants.ok).toBeGreaterThan(grants.ok);
    const live = fake.payments.filter((p) => !p.deleted);
    expect(live).toHaveLength(INVOICES);
    for (const d of [...fake.docs.values()]) expect(d.open.toFixed(2), d.number).toBe('0.00');
    // The second run of a push met the first one's lease (or found it done), never the provider twice.
    const { rows } = await t.database.raw.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM integration_errors WHERE organization_id = $1`,
      [made.org.organizationId],
    );
    expect(rows[0]?.n).toBe(0);
  }, 240_000);
});
