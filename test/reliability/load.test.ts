import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchFixture, insertJobs, prepareOrganization } from '../../bench/fixtures';
import { createTestApp, type TestApp } from '../support/app';
import { multipart, png } from '../support/files';
import { type Spawned, startCloseout } from '../support/processes';

/**
 * R6, load: simulated technicians, each signed in with a session of their own, run the whole field flow
 * over real HTTP against `closeout start` in its own process, for a fixed time: start the job, run the timer, upload two photos, close out with them.
 * Zero errors and zero losses: every acknowledged step is in the database afterwards. p50 and p99 per step
 * are printed and written to test-results/reliability-load.json.
 * Full size (RELIABILITY_FULL=1): 200 technicians for 60 s; CI's bounded run: 50 for 15 s.
 */
const FULL = process.env.RELIABILITY_FULL === '1';
const TECHNICIANS = FULL ? 200 : 50;
const SECONDS = FULL ? 60 : 15;
const JOBS_EACH = FULL ? 40 : 20;
const PASSWORD = 'load-test-password-1';

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) : 0;

describe.runIf(process.env.TEST_DATABASE_URL)('R6 load on PostgreSQL', () => {
  let t: TestApp;
  let f: BenchFixture;
  let base: string;
  let server: Spawned | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-load-'));
  const techs: { id: string; cookie: string; csrf: string; jobs: string[] }[] = [];

  beforeAll(async () => {
    t = await createTestApp('postgres');
    f = await prepareOrganization(t.deps);
    // The product runs as it is deployed, `closeout start` (API and workers) in a process of its own, so the
    // simulated phones here do not share its event loop.
    ({ base, server } = await startCloseout({
      DATABASE_URL: t.url ?? '',
      DATA_DIR: dataDir,
      SEED_DEMO: 'false',
    }));
    for (let i = 0; i < TECHNICIANS; i++) {
      const email = `load-${i}@demo.closeout.test`;
      const created = await fetch(`${base}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${f.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          email,
          name: `Load Tech ${i}`,
          password: PASSWORD,
          roles: ['technician'],
          hourlyRate: '65.00',
        }),
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD, device: true }),
      });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      techs.push({
        id: ((await created.json()) as { id: string }).id,
        cookie,
        csrf: ((await login.json()) as { csrfToken: string }).csrfToken,
        jobs: [],
      });
    }
    await insertJobs(t.database, f, TECHNICIANS * JOBS_EACH, new Date(), 5);
    // Deal the jobs out: JOBS_EACH to each technician.
    const { rows } = await t.database.raw.query<{ job_id: string; rn: number }>(
      `SELECT a.job_id, (row_number() OVER (ORDER BY j.number))::int - 1 AS rn
         FROM job_assignments a JOIN jobs j ON j.organization_id = a.organization_id AND j.id = a.job_id
        WHERE a.organization_id = $1 AND j.scope LIKE 'Bench job %'`,
      [f.organizationId],
    );
    for (const r of rows) techs[r.rn % TECHNICIANS]?.jobs.push(r.job_id);
    await t.database.raw.query(
      `UPDATE job_assignments a SET user_id = x.user_id
         FROM unnest($2::uuid[], $3::uuid[]) AS x(job_id, user_id)
        WHERE a.organization_id = $1 AND a.job_id = x.job_id`,
      [f.organizationId, techs.flatMap((x) => x.jobs), techs.flatMap((x) => x.jobs.map(() => x.id))],
    );
  }, 300_000);
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${TECHNICIANS} technicians run start, timer, 2 photos and closeout for ${SECONDS} s with no error and no loss`, async () => {
    const timings = new Map<string, number[]>();
    const errors: string[] = [];
    const done: { jobId: string; submissionId: string; attachmentIds: string[] }[] = [];
    const photos = await Promise.all(Array.from({ length: 8 }, (_, i) => png(i + 1)));
    let seq = 0;

    const step = async (name: string, tech: (typeof techs)[number], url: string, init: RequestInit) => {
      const started = performance.now();
      const res = await fetch(`${base}${url}`, {
        ...init,
        headers: {
          cookie: tech.cookie,
          'x-csrf-token': tech.csrf,
          ...(init.headers as Record<string, string>),
        },
      });
      const text = await res.text();
      const list = timings.get(name) ?? [];
      list.push(performance.now() - started);
      timings.set(name, list);
      if (res.status >= 300) throw new Error(`${name} ${url}: ${res.status} ${text.slice(0, 300)}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    const json = (body: unknown): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

    const deadline = Date.now() + SECONDS * 1000;
    const technician = async (tech: (typeof techs)[number]) => {
      for (const jobId of tech.jobs) {
        if (Date.now() > deadline) return;
        const flowStarted = performance.now();
        try {
          await step('start', tech, `/api/v1/jobs/${jobId}/start`, json({}));
          await step('timer start', tech, `/api/v1/jobs/${jobId}/timer/start`, json({}));
          await step('timer stop', tech, `/api/v1/jobs/${jobId}/timer/stop`, json({}));
          const attachmentIds: string[] = [];
          for (const category of ['before', 'after']) {
            // Each photo is new bytes: a different picture, with a unique trailer after the PNG's end.
            const bytes = Buffer.concat([photos[seq++ % photos.length] as Buffer, Buffer.from(`#${seq}`)]);
            const form = multipart({ category }, { name: `${category}.png`, type: 'image/png', bytes });
            const uploaded = await step('photo upload', tech, `/api/v1/jobs/${jobId}/attachments`, {
              method: 'POST',
              headers: form.headers,
              body: form.payload,
            });
            attachmentIds.push(uploaded.id as string);
          }
          const submissionId = crypto.randomUUID();
          await step(
            'closeout',
            tech,
            `/api/v1/jobs/${jobId}/closeouts`,
            json({
              submissionId,
              workPerformed: { checklist: [], notes: 'Serviced under load' },
              labor: [{ technicianId: tech.id, hours: '1' }],
              parts: [{ description: 'Filter', quantity: '1', unitPrice: '12.50' }],
              attachmentIds,
              deviceTime: new Date().toISOString(),
            }),
          );
          done.push({ jobId, submissionId, attachmentIds });
          const flows = timings.get('whole flow') ?? [];
          flows.push(performance.now() - flowStarted);
          timings.set('whole flow', flows);
        } catch (error) {
          errors.push(String(error));
          return;
        }
      }
    };
    await Promise.all(techs.map(technician));

    const report = Object.fromEntries(
      [...timings].map(([name, list]) => {
        const sorted = [...list].sort((a, b) => a - b);
        return [
          name,
          {
            n: sorted.length,
            p50Ms: Math.round(percentile(sorted, 50)),
            p99Ms: Math.round(percentile(sorted, 99)),
          },
        ];
      }),
    );
    console.info(
      `R6: ${TECHNICIANS} technicians, ${SECONDS} s, ${done.length} closeouts: ${JSON.stringify(report)}`,
    );
    fs.mkdirSync('test-results', { recursive: true });
    fs.writeFileSync(
      'test-results/reliability-load.json',
      JSON.stringify(
        { technicians: TECHNICIANS, seconds: SECONDS, closeouts: done.length, steps: report },
        null,
        2,
      ),
    );
    expect(errors).toEqual([]);
    expect(done.length).toBeGreaterThan(TECHNICIANS);

    // No loss: every acknowledged closeout is accepted, cites its two stored photos and holds its two lines,
    // and every job has its one timer entry.
    const { rows } = await t.database.raw.query<{
      job_id: string;
      submission: string | null;
      photos: number;
      lines: number;
      entries: number;
    }>(
      `SELECT x.job_id,
              (SELECT s.id::text FROM closeout_submissions s
                WHERE s.organization_id = $1 AND s.job_id = x.job_id AND s.outcome = 'accepted') AS submission,
              (SELECT count(*)::int FROM closeout_submissions s JOIN attachments a
                   ON a.organization_id = s.organization_id AND a.job_id = s.job_id
                  AND a.id::text IN (SELECT jsonb_array_elements_text(s.body -> 'attachmentIds'))
                WHERE s.organization_id = $1 AND s.job_id = x.job_id AND s.outcome = 'accepted'
                  AND a.id = ANY($3::uuid[])) AS photos,
              (SELECT count(*)::int FROM closeout_lines l
                WHERE l.organization_id = $1 AND l.job_id = x.job_id) AS lines,
              (SELECT count(*)::int FROM time_entries e
                WHERE e.organization_id = $1 AND e.job_id = x.job_id AND e.ended_at IS NOT NULL) AS entries
         FROM unnest($2::uuid[]) AS x(job_id)`,
      [f.organizationId, done.map((d) => d.jobId), done.flatMap((d) => d.attachmentIds)],
    );
    const byJob = new Map(rows.map((r) => [r.job_id, r]));
    for (const d of done)
      expect(byJob.get(d.jobId), d.jobId).toEqual({
        job_id: d.jobId,
        submission: d.submissionId,
        photos: 2,
        lines: 2,
        entries: 1,
      });
  }, 600_000);
});
