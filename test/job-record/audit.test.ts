import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, auditHash } from '../../src/app/audit/audit';
import { auditAnchors, verifyAudit, writeCheckpoint } from '../../src/app/audit/audit-verify';
import { canonicalJson } from '../../src/core/canonical-json';
import { SYSTEM_ACTOR } from '../../src/core/principal';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';

type AuditRow = {
  id: string;
  organization_id: string;
  aggregate_type: string;
  aggregate_id: string;
  seq: number;
  action: string;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  at: Date;
  changes: string;
  reason: string | null;
  hash: string;
};

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
    expect(await verifyAudit(t.deps)).toMatchObject({ ok: true });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: as(owner) });
    expect(res.json()).toMatchObject({ ok: true });
    expect(res.json().events).toBeGreaterThan(10);
  });

  it('names an edited event', async () => {
    const [, second] = await jobEvents();
    await t.database.raw.query(`UPDATE audit_events SET reason = 'nothing to see' WHERE id = $1`, [
      second?.id,
    ]);
    const result = await verifyAudit(t.deps);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 2, eventId: second?.id } });
    if (!result.ok) expect(result.broken.reason).toMatch(/edited/);
  });

  it('names the gap left by a deleted event', async () => {
    const [, , third] = await jobEvents();
    await t.database.raw.query('DELETE FROM audit_events WHERE id = $1', [third?.id]);
    const result = await verifyAudit(t.deps);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 4 } });
    if (!result.ok) expect(result.broken.reason).toMatch(/missing/);
  });

  it('catches reordered events', async () => {
    const [, second, third] = await jobEvents();
    await t.database.raw.query('UPDATE audit_events SET seq = -1 WHERE id = $1', [second?.id]);
    await t.database.raw.query('UPDATE audit_events SET seq = 2 WHERE id = $1', [third?.id]);
    await t.database.raw.query('UPDATE audit_events SET seq = 3 WHERE id = $1', [second?.id]);
    const result = await verifyAudit(t.deps);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 2, eventId: third?.id } });
  });

  it('catches a deleted tail against the last checkpoint', async () => {
    await writeCheckpoint(t.deps, org.organizationId);
    expect(await verifyAudit(t.deps)).toMatchObject({ ok: true, checkpoints: 1 });
    const events = await jobEvents();
    await t.database.raw.query('DELETE FROM audit_events WHERE id = $1', [events[events.length - 1]?.id]);
    const result = await verifyAudit(t.deps);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 4 } });
    if (!result.ok) expect(result.broken.reason).toMatch(/recorded at checkpoint .* but are gone/);
  });

  it('catches a chain rewritten from scratch after a checkpoint', async () => {
    await writeCheckpoint(t.deps, org.organizationId);
    // Delete the whole chain: the checkpoint still names it.
    await t.database.raw.query(`DELETE FROM audit_events WHERE aggregate_id = $1`, [jobId]);
    const result = await verifyAudit(t.deps);
    expect(result).toMatchObject({ ok: false, broken: { aggregateId: jobId, seq: 1 } });
  });

  it('catches a rewrite that recomputes every hash, checkpoints included: it cannot sign them', async () => {
    await writeCheckpoint(t.deps, org.organizationId);
    const rows = (
      await t.database.raw.query<AuditRow>(
        `SELECT * FROM audit_events WHERE aggregate_type = 'job' AND aggregate_id = $1 ORDER BY seq`,
        [jobId],
      )
    ).rows;
    // The attacker changes the reason of the second event and recomputes that chain from there.
    let prev = rows[0]?.hash ?? '';
    for (const r of rows.slice(1)) {
      const reason = r.seq === 2 ? 'rewritten' : r.reason;
      const hash = auditHash(prev, {
        id: r.id,
        organizationId: r.organization_id,
        aggregateType: r.aggregate_type,
        aggregateId: r.aggregate_id,
        seq: r.seq,
        action: r.action,
        actorType: r.actor_type,
        actorId: r.actor_id,
        at: new Date(r.at).toISOString(),
        changes: r.changes,
        reason,
      });
      await t.database.raw.query(
        'UPDATE audit_events SET reason = $2, prev_hash = $3, hash = $4 WHERE id = $1',
        [r.id, reason, prev, hash],
      );
      prev = hash;
    }
    // …and the checkpoint's heads and hash to match: only its signature is beyond reach.
    const [cp] = (
      await t.database.raw.query<{ id: string; heads: string; prev_hash: string; at: Date }>(
        'SELECT id, heads, prev_hash, at FROM audit_checkpoints',
      )
    ).rows;
    const heads = JSON.parse(cp?.heads ?? '{}') as Record<string, [number, string]>;
    heads[`job:${jobId}`] = [rows.length, prev];
    const headsJson = canonicalJson(heads);
    const hash = createHash('sha256')
      .update(cp?.prev_hash ?? '')
      .update(new Date(cp?.at ?? 0).toISOString())
      .update(headsJson)
      .digest('hex');
    await t.database.raw.query('UPDATE audit_checkpoints SET heads = $2, hash = $3 WHERE id = $1', [
      cp?.id,
      headsJson,
      hash,
    ]);
    const result = await verifyAudit(t.deps);
    expect(result).toMatchObject({ ok: false, broken: { aggregateType: 'checkpoint', seq: 1 } });
    if (!result.ok) expect(result.broken.reason).toMatch(/signature does not verify/);
  });

  it('catches a deleted checkpoint, and with an anchor kept outside, a cut made since the last one', async () => {
    expect(await writeCheckpoint(t.deps, org.organizationId)).toMatchObject({ written: true });
    // Nothing new: nothing written.
    expect(await writeCheckpoint(t.deps, org.organizationId)).toMatchObject({ written: false });
    t.clock.advance(60_000);
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: as(owner, true),
      payload: {
        name: 'Anchor Test Ltd',
        billingAddress: { line1: '1 Main St', city: 'Cork', postalCode: 'T12 X1', country: 'IE' },
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    const second = await writeCheckpoint(t.deps, org.organizationId);
    // Only what changed since the last one (with a margin for transactions still open then).
    expect(second).toMatchObject({ written: true });
    expect(second.chains).toBeLessThan(5);
    const [anchor] = await auditAnchors(t.database, org.organizationId);
    expect(anchor).toMatchObject({ seq: 2 });
    // The first checkpoint deleted: a gap in the numbers.
    const saved = (await t.database.raw.query('SELECT * FROM audit_checkpoints WHERE seq = 1')).rows;
    await t.database.raw.query('DELETE FROM audit_checkpoints WHERE seq = 1');
    const gap = await verifyAudit(t.deps);
    if (gap.ok) throw new Error('a deleted checkpoint passed');
    expect(gap.broken.reason).toBe('checkpoint 2 follows checkpoint 0: checkpoints 1 to 1 were deleted');
    const cols = Object.keys(saved[0] ?? {});
    await t.database.raw.query(
      `INSERT INTO audit_checkpoints (${cols.join(',')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(',')})`,
      cols.map((c) => (saved[0] as Record<string, unknown>)[c]),
    );
    // The latest checkpoint and the customer's chain cut together: the database alone cannot tell…
    await t.database.raw.query('DELETE FROM audit_checkpoints WHERE seq = 2');
    await t.database.raw.query('DELETE FROM audit_events WHERE aggregate_id = $1', [made.json().id]);
    expect(await verifyAudit(t.deps)).toMatchObject({ ok: true });
    // …the anchor exported before can.
    const cut = await verifyAudit(t.deps, undefined, anchor ? [anchor] : []);
    if (cut.ok) throw new Error('a cut tail passed against its anchor');
    expect(cut.broken.reason).toMatch(/^checkpoint 2 of .*, exported as an anchor, is gone$/);
  });

  // A queue job records that an e-mail went without the aggregate's lock while the office (holding it) or the
  // customer changes the same record: whichever inserts second waits for the first and chains on its event.
  it.runIf(driver === 'postgres')(
    'keeps one unbroken chain when an appender without the lock races a writer with uncommitted events',
    async () => {
      const event = (action: string) => ({
        organizationId: org.organizationId,
        aggregateType: 'job',
        aggregateId: jobId,
        action,
        actor: SYSTEM_ACTOR,
        changes: {},
      });
      const blocked = async () => {
        for (let i = 0; i < 200; i++) {
          const { rows } = await t.database.raw.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          if ((rows[0]?.n ?? 0) > 0) return;
          await new Promise((r) => setTimeout(r, 10));
        }
        throw new Error('the second appender never waited for the first');
      };
      // first holds an uncommitted event while second inserts, then appends another from its cache.
      const race = async (first: string, second: string) => {
        let release = () => {};
        const gate = new Promise<void>((r) => {
          release = r;
        });
        let appended = () => {};
        const firstIn = new Promise<void>((r) => {
          appended = r;
        });
        const a = t.deps.database.transaction(async (tx) => {
          await appendAudit(tx, t.deps, event(`${first}.1`));
          appended();
          await gate;
          await appendAudit(tx, t.deps, event(`${first}.2`));
        });
        await firstIn;
        const b = t.deps.database.transaction((tx) => appendAudit(tx, t.deps, event(second)));
        await blocked();
        release();
        await Promise.all([a, b]);
      };
      const before = (await jobEvents()).length;
      await race('test.office', 'test.emailed');
      await race('test.office', 'test.emailed');
      const after = await jobEvents();
      expect(after.map((e) => e.seq)).toEqual(Array.from({ length: before + 6 }, (_, i) => i + 1));
      const actions = (
        await t.database.raw.query<{ action: string }>(
          `SELECT action FROM audit_events WHERE aggregate_type = 'job' AND aggregate_id = $1 AND seq > $2 ORDER BY seq`,
          [jobId, before],
        )
      ).rows.map((r) => r.action);
      // The locked writer's two events stay together (its second chains on its own first, from its cache).
      expect(actions).toEqual([
        'test.office.1',
        'test.office.2',
        'test.emailed',
        'test.office.1',
        'test.office.2',
        'test.emailed',
      ]);
      expect(await verifyAudit(t.deps)).toMatchObject({ ok: true });
    },
  );
});
