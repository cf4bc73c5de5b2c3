import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, PASSWORD, requirements } from '../support/factories';

/** PGlite runs one transaction at a time, so races only show on PostgreSQL (see STACK-NOTES). */
describe.runIf(process.env.TEST_DATABASE_URL)('closeout idempotency under concurrency on PostgreSQL', () => {
  let t: TestApp;
  let org: OrgFixture;
  let tech: Session;

  beforeAll(async () => {
    t = await createTestApp('postgres');
    org = await makeOrganization(t.deps, 'race');
    tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    // A job type without photo or signature requirements, so a closeout needs no uploads.
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const jt = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: 'QUICK',
        name: 'Quick fix',
        trade: 'plumbing',
        defaultDurationMinutes: 30,
        billingMode: 'time_and_materials',
        closeoutRequirements: requirements({ partNumbers: true, notes: true }),
        approvalRules: [],
      },
    });
    await t.database.raw.query('UPDATE jobs SET job_type_id = $1 WHERE id = $2', [jt.json().id, org.jobId]);
  });
  afterAll(() => t?.close());

  it('20 concurrent submissions of one submissionId leave exactly one closeout and identical answers', async () => {
    const body = {
      submissionId: randomUUID(),
      workPerformed: { checklist: [], notes: 'Replaced the washer' },
      labor: [{ technicianId: org.users.technician.id, hours: '0.75' }],
      parts: [{ description: 'Tap washer', quantity: '2', unitPrice: '1.20' }],
      deviceTime: '2026-11-18T10:00:00.000Z',
    };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/jobs/${org.jobId}/closeouts`,
          headers: as(tech, true),
          payload: body,
        }),
      ),
    );
    expect(new Set(responses.map((r) => r.statusCode))).toEqual(new Set([201]));
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    const q = async (sql: string) => (await t.database.raw.query<{ n: number }>(sql, [org.jobId])).rows[0]?.n;
    expect(await q('SELECT count(*)::int AS n FROM closeout_submissions WHERE job_id = $1')).toBe(1);
    expect(await q('SELECT count(*)::int AS n FROM closeout_lines WHERE job_id = $1')).toBe(2);
    expect(
      await q(
        `SELECT count(*)::int AS n FROM audit_events WHERE aggregate_id = $1 AND action = 'job.completed'`,
      ),
    ).toBe(1);
  });

  it('two different submissions racing for one job are taken in turn, each decided and stored once', async () => {
    const j = await t.database.raw.query<{ id: string }>(`SELECT id FROM jobs WHERE id = $1`, [
      org.otherJobId,
    ]);
    expect(j.rows).toHaveLength(1);
    const mk = (notes: string) => ({
      submissionId: randomUUID(),
      workPerformed: { checklist: [], notes },
      deviceTime: '2026-11-18T10:00:00.000Z',
    });
    const other = await signIn(t.app, org.otherTechnician.email, PASSWORD);
    const [a, b] = await Promise.all(
      ['first', 'second'].map((n) =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/jobs/${org.otherJobId}/closeouts`,
          headers: as(other, true),
          payload: mk(n),
        }),
      ),
    );
    const codes = [a?.statusCode, b?.statusCode].sort();
    // The starter HVAC-install type needs photos etc.: both are refused as incomplete, each stored once, in turn.
    expect(codes).toEqual([422, 422]);
    expect(
      (
        await t.database.raw.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM closeout_submissions WHERE job_id = $1',
          [org.otherJobId],
        )
      ).rows[0]?.n,
    ).toBe(2);
  });
});
