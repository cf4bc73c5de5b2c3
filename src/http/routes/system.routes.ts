import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client';
import { appliedMigrations, expectedMigrations } from '../../db/client';

export type WorkerState = { mode: 'in_process' | 'external'; running: () => boolean };

/** Liveness and readiness for load balancers and orchestrators. */
export const systemRoutes = (app: FastifyInstance, opts: { database: Database; workers: WorkerState }) => {
  const expected = expectedMigrations();
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'alive' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      await opts.database.raw.query('SELECT 1');
      checks.database = 'ok';
      const applied = await appliedMigrations(opts.database);
      checks.migrations = applied === expected ? `ok (${applied})` : `pending (${applied} of ${expected})`;
      ready &&= applied === expected;
      // Background work waiting (not a readiness condition: operators and the benchmark watch it drain).
      const { rows } = await opts.database.raw.query<{ n: number | null }>(
        `SELECT CASE WHEN to_regclass('pgboss.job') IS NULL THEN 0
                ELSE (SELECT count(*)::int FROM pgboss.job WHERE state IN ('created', 'retry', 'active') AND start_after <= now())
                END AS n`,
      );
      checks.queue = `${rows[0]?.n ?? 0} waiting`;
    } catch (err) {
      checks.database = `unreachable: ${(err as Error).message}`;
      ready = false;
    }
    if (opts.workers.mode === 'external') {
      checks.workers = 'external (closeout worker)';
    } else {
      const running = opts.workers.running();
      checks.workers = running ? 'running' : 'stopped';
      ready &&= running;
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
};
