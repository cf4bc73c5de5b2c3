import { createApiKeyForSlug } from '../src/app/auth/api-keys';
import { saveJobType } from '../src/app/catalog/price-book';
import { DEMO_SLUG, seedDemo } from '../src/app/demo/seed-demo';
import type { Deps } from '../src/app/ports';
import type { Database } from '../src/db/client';

export type BenchFixture = {
  organizationId: string;
  technicianId: string;
  apiKey: string;
  jobTypeId: string;
};

/** The demo organization plus a job type whose closeout needs no uploads, and an owner API key. */
export const prepareOrganization = async (deps: Deps): Promise<BenchFixture> => {
  await seedDemo(deps);
  const { rows } = await deps.database.raw.query<{ org: string; tech: string }>(
    `SELECT o.id AS org, u.id AS tech FROM organizations o JOIN users u ON u.organization_id = o.id
      WHERE o.slug = $1 AND u.email = 'ana@demo.closeout.test'`,
    [DEMO_SLUG],
  );
  const row = rows[0];
  if (!row) throw new Error('demo organization missing');
  const jobTypeId = await saveJobType(
    deps,
    row.org,
    null,
    {
      code: 'BENCH',
      name: 'Bench call-out',
      trade: 'plumbing',
      defaultDurationMinutes: 60,
      billingMode: 'time_and_materials',
      closeoutRequirements: {
        checklist: [],
        photos: [],
        signature: false,
        serialNumbers: false,
        partNumbers: true,
        notes: true,
      },
      approvalRules: [],
    },
    { type: 'system', id: null },
  );
  const { key } = await createApiKeyForSlug(deps, { slug: DEMO_SLUG, role: 'owner', name: 'bench' });
  return { organizationId: row.org, technicianId: row.tech, apiKey: key, jobTypeId };
};

/**
 * Inserts `count` scheduled jobs spread over `days` days from `start`, all assigned to the technician,
 * with one statement each (generate_series): fixed data, no randomness.
 */
export const insertJobs = async (
  database: Database,
  f: BenchFixture,
  count: number,
  start: Date,
  days: number,
) => {
  await database.raw.query(
    `WITH c AS (SELECT id AS customer_id FROM customers WHERE organization_id = $1 ORDER BY id LIMIT 1),
          s AS (SELECT id AS site_id FROM sites WHERE organization_id = $1 AND customer_id = (SELECT customer_id FROM c) LIMIT 1),
          base AS (SELECT coalesce(max(number), 1000) AS n FROM jobs WHERE organization_id = $1)
     INSERT INTO jobs (organization_id, id, number, customer_id, site_id, job_type_id, scope, window_start, window_end,
                       status, billing_status, created_at, updated_at)
     SELECT $1, gen_random_uuid(), (SELECT n FROM base) + g, (SELECT customer_id FROM c), (SELECT site_id FROM s), $2,
            'Bench job ' || g,
            $3::timestamptz + ((g % ($4::int * 24)) || ' hours')::interval,
            $3::timestamptz + ((g % ($4::int * 24)) || ' hours')::interval + interval '1 hour',
            'scheduled', 'not_ready', now(), now()
       FROM generate_series(1, $5::int) g`,
    [f.organizationId, f.jobTypeId, start.toISOString(), days, count],
  );
  // Fresh statistics before the assignments: their foreign-key checks on jobs are planned once per statement,
  // and a plan made while jobs was nearly empty scans it sequentially for every row.
  await database.raw.exec('ANALYZE jobs');
  await database.raw.query(
    `INSERT INTO job_assignments (organization_id, job_id, user_id, assigned_at)
     SELECT $1, j.id, $2, now() FROM jobs j
      WHERE j.organization_id = $1 AND j.scope LIKE 'Bench job %'
        AND NOT EXISTS (SELECT 1 FROM job_assignments a WHERE a.organization_id = $1 AND a.job_id = j.id)`,
    [f.organizationId, f.technicianId],
  );
  await database.raw.query(
    `UPDATE org_sequences SET next_value = (SELECT max(number) + 1 FROM jobs WHERE organization_id = $1)
      WHERE organization_id = $1 AND name = 'job'`,
    [f.organizationId],
  );
};

export const scheduledJobIds = async (database: Database, organizationId: string, limit: number) =>
  (
    await database.raw.query<{ id: string }>(
      `SELECT id FROM jobs WHERE organization_id = $1 AND status = 'scheduled' AND scope LIKE 'Bench job %' ORDER BY number LIMIT $2`,
      [organizationId, limit],
    )
  ).rows.map((r) => r.id);

/** A closeout of five lines (one labor, four parts): the shape pgbench's script mirrors. */
export const closeoutBody = (submissionId: string, technicianId: string) =>
  JSON.stringify({
    submissionId,
    workPerformed: { checklist: [], notes: 'Replaced washers and tested' },
    labor: [{ technicianId, hours: '1.5' }],
    parts: [1, 2, 3, 4].map((i) => ({ description: `Part ${i}`, quantity: String(i), unitPrice: '1.20' })),
    deviceTime: '2026-11-18T10:00:00.000Z',
  });
