import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BenchFixture,
  closeoutBody,
  insertJobs,
  prepareOrganization,
  scheduledJobIds,
} from '../../bench/fixtures';
import { drain } from '../invoices/helpers';
import { createTestApp, type TestApp } from '../support/app';

/**
 * R1, the replay storm: every job receives many concurrent identical closeout submissions over real HTTP,
 * as a phone with a flaky connection and an impatient retry loop would send them. Exactly one closeout and
 * one invoice per job must come out, and every answer within a job must be the same bytes.
 * Full size (RELIABILITY_FULL=1): 200 jobs × 50 submissions; CI's bounded run: 40 × 50.
 */
const FULL = process.env.RELIABILITY_FULL === '1';
const JOBS = FULL ? 200 : 40;
const COPIES = 50;

describe.runIf(process.env.TEST_DATABASE_URL)('R1 replay storm on PostgreSQL', () => {
  let t: TestApp;
  let f: BenchFixture;
  let base: string;
  let jobIds: string[];

  beforeAll(async () => {
    t = await createTestApp('postgres');
    f = await prepareOrganization(t.deps);
    await insertJobs(t.database, f, JOBS, new Date('2026-11-16T08:00:00Z'), 5);
    jobIds = await scheduledJobIds(t.database, f.organizationId, JOBS);
    expect(jobIds).toHaveLength(JOBS);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  }, 300_000);
  afterAll(() => t?.close());

  it(`${JOBS} jobs × ${COPIES} concurrent identical submissions: one closeout, one invoice, one answer per job`, async () => {
    const bodies = new Map(jobIds.map((id) => [id, closeoutBody(randomUUID(), f.technicianId)]));
    const send = async (jobId: string) => {
      const res = await fetch(`${base}/api/v1/jobs/${jobId}/closeouts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${f.apiKey}`, 'content-type': 'application/json' },
        body: bodies.get(jobId) ?? '',
      });
      return { jobId, status: res.status, body: await res.text() };
    };
    // Ten jobs at a time, each with all its copies in flight at once and interleaved with its neighbours', so
    // every job races itself 50 times over (500 requests open; all 10,000 at once only measures the client's
    // socket limits).
    const answers: Awaited<ReturnType<typeof send>>[] = [];
    for (let i = 0; i < jobIds.length; i += 10) {
      const group = jobIds.slice(i, i + 10);
      answers.push(
        ...(await Promise.all(
          Array.from({ length: COPIES }, () => group)
            .flat()
            .map(send),
        )),
      );
    }

    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 201: JOBS * COPIES });
    for (const id of jobIds) {
      const mine = answers.filter((a) => a.jobId === id);
      expect(mine).toHaveLength(COPIES);
      expect(new Set(mine.map((a) => a.body)).size, `answers for ${id}`).toBe(1);
    }

    // Sending waits for the packet and retries by design; the property here is drafting and issuing once.
    await drain(t, ['invoice.send']);
    const counts = async (sql: string) =>
      (await t.database.raw.query<{ job_id: string; n: number }>(sql, [f.organizationId, jobIds])).rows;
    const submissions = await counts(
      `SELECT job_id, count(*)::int AS n FROM closeout_submissions
        WHERE organization_id = $1 AND job_id = ANY($2) GROUP BY job_id`,
    );
    expect(submissions).toHaveLength(JOBS);
    expect(submissions.every((r) => r.n === 1)).toBe(true);
    const lines = await counts(
      `SELECT job_id, count(*)::int AS n FROM closeout_lines
        WHERE organization_id = $1 AND job_id = ANY($2) GROUP BY job_id`,
    );
    expect(lines.every((r) => r.n === 5)).toBe(true);
    const invoices = await counts(
      `SELECT job_id, count(*)::int AS n FROM invoices
        WHERE organization_id = $1 AND job_id = ANY($2) AND kind = 'invoice' GROUP BY job_id`,
    );
    expect(invoices).toHaveLength(JOBS);
    expect(invoices.every((r) => r.n === 1)).toBe(true);
    // One audit event per job for the submission: replays answer from the record and write nothing.
    const completed = await t.database.raw.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE organization_id = $1 AND action = 'closeout.submitted' AND changes::jsonb ->> 'jobId' = ANY($2)`,
      [f.organizationId, jobIds],
    );
    expect(completed.rows[0]?.n).toBe(JOBS);
  }, 600_000);
});
