import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAudit, writeCheckpoint } from '../../src/app/audit/audit-verify';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

describe.each(testDrivers())('the tamper-evident audit trail on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let dispatcher: Session;
  let owner: Session;
  let jobId: string;

  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'ledger');
    dispatcher = await signIn(t.app, org.users.dispatcher.email, PASSWORD);
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    jobId = org.jobId;
    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: as(dispatcher, true), payload });
    await post(`/api/v1/jobs/${jobId}/dispatch`, {});
    await post(`/api/v1/jobs/${jobId}/reschedule`, {
      windowStart: '2026-11-25T09:00:00.000Z',
      windowEnd: '2026-11-25T10:00:00.000Z',
      reason: 'parts delayed',
    });
    await post(`/api/v1/jobs/${jobId}/comments`, { body: 'Parts arrive Tuesday' });
    await post(`/api/v1/jobs/${jobId}/cancel`, { reason: 'customer moved', waiveFee: true });
  });
  afterAll(() => t?.close());

  // Each test tampers with a copy of the rows and puts them back, so the tests stay independent.
  let snapshot: Record<string, unknown>[] = [];
  beforeEach(async () => {
    snapshot = (await t.database.raw.query('SELECT * FROM audit_events ORDER BY aggregate_id, seq')).rows;
    await t.database.raw.query('DELETE FROM audit_checkpoints');
    return async () => {
      await t.database.raw.query('DELETE FROM audit_events');
      for (const r of snapshot) {
        const cols = Object.keys(r);
        await t.database.raw.query(
          `INSERT INTO audit_events (${cols.join(',')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(',')})`,
          cols.map((c) => r[c]),
        );
      }
    };
  });

  const jobEvents = async () =>
    (
      await t.database.raw.query<{ id: string; seq: number }>(
        `SELECT id, seq FROM audit_events WHERE aggregate_type = 'job' AND aggregate_id = $1 ORDER BY seq`,
        [jobId],
      )
    ).rows;

  it('verifies an untouched trail, over the API too', async () => {
    const events = await jobEvents();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(await verifyAudit(t.database)).toMatchObject({ ok: true });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: as(owner) });
    expect(res.json()).toMatchObject({ ok: true });
    expect(res.json().events).toBeGreaterThan(10);
  });

  it('names an edited event', async () => {
    const [, second] = await jobEvents();
    await t.database.raw.query(`UPDATE audit_events SET reason = 'nothing to see' WHERE id = $1`, [
      second?.id,
    ]);
    const result = await verifyAudit(t.database);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 2, eventId: second?.id } });
    if (!result.ok) expect(result.broken.reason).toMatch(/edited/);
  });

  it('names the gap left by a deleted event', async () => {
    const [, , third] = await jobEvents();
    await t.database.raw.query('DELETE FROM audit_events WHERE id = $1', [third?.id]);
    const result = await verifyAudit(t.database);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 4 } });
    if (!result.ok) expect(result.broken.reason).toMatch(/missing/);
  });

  it('catches reordered events', async () => {
    const [, second, third] = await jobEvents();
    await t.database.raw.query('UPDATE audit_events SET seq = -1 WHERE id = $1', [second?.id]);
    await t.database.raw.query('UPDATE audit_events SET seq = 2 WHERE id = $1', [third?.id]);
    await t.database.raw.query('UPDATE audit_events SET seq = 3 WHERE id = $1', [second?.id]);
    const result = await verifyAudit(t.database);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 2, eventId: third?.id } });
  });

  it('catches a deleted tail against the last checkpoint', async () => {
    await writeCheckpoint(t.deps, org.organizationId);
    expect(await verifyAudit(t.database)).toMatchObject({ ok: true, checkpoints: 1 });
    const events = await jobEvents();
    await t.database.raw.query('DELETE FROM audit_events WHERE id = $1', [events[events.length - 1]?.id]);
    const result = await verifyAudit(t.database);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 4 } });
    if (!result.ok) expect(result.broken.reason).toMatch(/recorded at checkpoint .* but are gone/);
  });

  it('catches a chain rewritten from scratch after a checkpoint', async () => {
    await writeCheckpoint(t.deps, org.organizationId);
    // Delete the whole chain: the checkpoint still names it.
    await t.database.raw.query(`DELETE FROM audit_events WHERE aggregate_id = $1`, [jobId]);
    const result = await verifyAudit(t.database);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 1 } });
  });
});
