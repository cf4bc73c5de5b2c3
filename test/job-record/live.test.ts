import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/app/demo/seed-demo';
import { as, createTestApp, signIn, type TestApp } from '../support/app';
import { createTestDatabase, testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';
import { freePort, runCli, type Spawned, waitForReady } from '../support/processes';
import { openSse } from '../support/sse';

describe.each(testDrivers())('live changes over SSE on %s', (driver) => {
  let t: TestApp;
  let a: OrgFixture;
  let b: OrgFixture;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp(driver);
    a = await makeOrganization(t.deps, 'live-a');
    b = await makeOrganization(t.deps, 'live-b');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => t?.close());

  it('pushes a job change to its organization’s office users only, and refuses technicians', async () => {
    const dispatcherA = await signIn(t.app, a.users.dispatcher.email, PASSWORD);
    const billingA = await signIn(t.app, a.users.billing.email, PASSWORD);
    const dispatcherB = await signIn(t.app, b.users.dispatcher.email, PASSWORD);
    const techA = await signIn(t.app, a.users.technician.email, PASSWORD);
    const streamA = await openSse(`${base}/api/v1/events`, as(billingA));
    const streamB = await openSse(`${base}/api/v1/events`, as(dispatcherB));
    const techStream = await openSse(`${base}/api/v1/events`, as(techA));
    expect(techStream.status).toBe(403);
    expect(streamA.status).toBe(200);
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${a.jobId}/dispatch`,
        headers: as(dispatcherA, true),
      });
      expect(res.statusCode).toBe(200);
      const event = await streamA.waitFor((e) => e.data.id === a.jobId);
      expect(event).toMatchObject({
        event: 'job.changed',
        data: { status: 'dispatched', action: 'job.dispatched' },
      });
      expect(event.data).not.toHaveProperty('organizationId');
      await new Promise((r) => setTimeout(r, 300));
      expect(streamB.events).toEqual([]);
    } finally {
      streamA.close();
      streamB.close();
    }
  });

  it('sends nothing for a change that rolled back', async () => {
    const billingA = await signIn(t.app, a.users.billing.email, PASSWORD);
    const dispatcherA = await signIn(t.app, a.users.dispatcher.email, PASSWORD);
    const stream = await openSse(`${base}/api/v1/events`, as(billingA));
    try {
      // Dispatching again is refused (409) after the job was already dispatched: nothing committed, nothing sent.
      const refused = await t.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${a.jobId}/dispatch`,
        headers: as(dispatcherA, true),
      });
      expect(refused.statusCode).toBe(409);
      await new Promise((r) => setTimeout(r, 300));
      expect(stream.events).toEqual([]);
    } finally {
      stream.close();
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)(
  'live changes across two server processes on one PostgreSQL',
  () => {
    const procs: Spawned[] = [];
    let dispose: (() => Promise<void>) | undefined;
    afterAll(async () => {
      for (const p of procs) p.child.kill('SIGTERM');
      await Promise.all(procs.map((p) => p.exited));
      await dispose?.();
    });

    it('a change made through one process reaches an office user connected to the other', async () => {
      const db = await createTestDatabase('postgres');
      dispose = db.dispose;
      const env = { DATABASE_URL: db.url ?? '', HOST: '127.0.0.1' };
      expect(await runCli(['seed', '--demo'], env).exited).toBe(0);
      const ports = [await freePort(), await freePort()];
      for (const port of ports)
        procs.push(runCli(['serve', '--no-worker'], { ...env, PORT: String(port), SEED_DEMO: 'false' }));
      await Promise.all(
        ports.map((port, i) => waitForReady(`http://127.0.0.1:${port}`, procs[i] as Spawned)),
      );
      const [one, two] = ports.map((p) => `http://127.0.0.1:${p}`);

      const login = await fetch(`${one}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'dispatch@demo.closeout.test', password: DEMO_PASSWORD }),
      });
      const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
      const { csrfToken } = await login.json();
      const jobs = (await (await fetch(`${one}/api/v1/jobs?limit=200`, { headers: { cookie } })).json())
        .items as {
        id: string;
        status: string;
      }[];
      const job = jobs.find((j) => j.status === 'scheduled');
      expect(job).toBeDefined();

      const stream = await openSse(`${two}/api/v1/events`, { cookie });
      expect(stream.status).toBe(200);
      try {
        const res = await fetch(`${one}/api/v1/jobs/${job?.id}/reschedule`, {
          method: 'POST',
          headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
          body: JSON.stringify({
            windowStart: '2026-12-10T09:00:00.000Z',
            windowEnd: '2026-12-10T10:00:00.000Z',
            reason: 'Moved by the customer',
          }),
        });
        expect(res.status).toBe(200);
        const event = await stream.waitFor((e) => e.data.id === job?.id, 3000);
        expect(event.data).toMatchObject({ action: 'job.rescheduled', status: 'scheduled' });
      } finally {
        stream.close();
      }
    });
  },
);
