import { validate } from '@readme/openapi-parser';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../../src/db/schema';
import { startWorkers } from '../../src/worker/handlers';
import { createTestApp, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture } from '../support/factories';

describe.each(testDrivers())('system endpoints, OpenAPI and the queue on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'sys');
  });
  afterAll(() => t?.close());

  it('is alive and ready', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'alive' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', workers: 'running' } });
    expect(ready.json().checks.queue).toMatch(/^\d+ waiting$/);
  });

  it('serves a valid OpenAPI 3.1 document generated from the route schemas, and the docs page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    expect(result.valid, JSON.stringify(result)).toBe(true);
    // Every registered API route is documented, with the request schema that validates it.
    for (const r of t.app.routeAccess) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${path}`).toBeDefined();
    }
    expect(
      doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['email', 'password']);
    const docs = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });

  it('sets security headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('answers unknown API routes with problem+json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('enqueues inside a transaction: a rollback leaves no job, a repeat key adds none, a commit is worked', async () => {
    const jobsIn = async () =>
      (
        await t.database.raw.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'maintenance.purge'`,
        )
      ).rows[0]?.n;
    await startWorkers(t.boss, t.deps, t.app.log, t.onWorker);
    await expect(
      t.database.transaction(async (tx) => {
        await t.deps.queue.enqueue(
          tx,
          { name: 'maintenance.purge', data: { olderThanDays: 1 } },
          { key: 'rolled-back' },
        );
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await jobsIn()).toBe(0);

    // An expired session for the worker to purge.
    const now = t.clock.now();
    await t.database.db.insert(sessions).values({
      tokenHash: 'f'.repeat(64),
      userId: org.users.owner.id,
      organizationId: org.organizationId,
      csrfToken: 'x',
      createdAt: new Date(now.getTime() - 30 * 86_400_000),
      lastSeenAt: new Date(now.getTime() - 30 * 86_400_000),
      expiresAt: new Date(now.getTime() - 20 * 86_400_000),
    });
    for (let i = 0; i < 2; i++) {
      await t.database.transaction((tx) =>
        t.deps.queue.enqueue(tx, { name: 'maintenance.purge', data: { olderThanDays: 7 } }, { key: 'once' }),
      );
    }
    expect(await jobsIn()).toBe(1);
    const deadline = Date.now() + 20_000;
    let left = 1;
    while (left > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      left = (await t.database.db.select({ n: count() }).from(sessions))[0]?.n ?? 0;
    }
    expect(left).toBe(0);
  });

  it('reports not ready while migrations are missing', async () => {
    const { rows } = await t.database.raw.query<{ id: number; hash: string; created_at: string }>(
      'SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id DESC LIMIT 1',
    );
    const last = rows[0];
    if (!last) throw new Error('no migrations recorded');
    await t.database.raw.query('DELETE FROM drizzle.__drizzle_migrations WHERE id = $1', [last.id]);
    try {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.migrations).toMatch(/^pending/);
    } finally {
      await t.database.raw.query(
        'INSERT INTO drizzle.__drizzle_migrations (id, hash, created_at) VALUES ($1, $2, $3)',
        [last.id, last.hash, last.created_at],
      );
    }
  });
});
