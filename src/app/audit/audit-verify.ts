import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gt, gte, or } from 'drizzle-orm';
import { z } from 'zod';
import { canonicalJson } from '../../core/canonical-json';
import type { Database } from '../../db/client';
import { auditCheckpoints, auditEvents, organizations } from '../../db/schema/index';
import type { Deps } from '../ports';
import { auditHash, GENESIS_HASH } from './audit';

export type AuditBreak = {
  organizationId: string;
  aggregateType: string;
  aggregateId: string;
  seq: number;
  eventId: string | null;
  reason: string;
};

export type VerifyResult =
  | { ok: true; organizations: number; events: number; chains: number; checkpoints: number }
  | { ok: false; broken: AuditBreak; events: number };

const checkpointHash = (prevHash: string, at: string, heads: string) =>
  createHash('sha256').update(prevHash).update(at).update(heads).digest('hex');

type Heads = Record<string, [number, string]>;

/** How far back an incremental checkpoint looks: longer than any transaction stays open before it commits. */
const OVERLAP_MS = 10 * 60_000;

/** What a checkpoint's signature covers: its organization, its place in the sequence, and its hash. */
const signed = (organizationId: string, seq: number, hash: string) => `${organizationId}|${seq}|${hash}`;

/**
 * Records the head (seq, hash) of every chain written to since the last checkpoint (all of them the first
 * time), chained to the previous checkpoint, numbered, and signed with a key the database does not hold.
 * An edited or reordered event breaks its chain; a deleted tail or chain shows against the checkpoints; a
 * rewrite that recomputes every hash cannot sign checkpoints to match. Nothing new since the last one:
 * nothing written (the workers run this every minute).
 */
export const writeCheckpoint = async (
  deps: Pick<Deps, 'database' | 'clock' | 'ids' | 'secrets'>,
  organizationId: string,
) =>
  deps.database.transaction(async (tx) => {
    await tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`audit-checkpoint:${organizationId}`]);
    const [prev] = await tx.db
      .select({ hash: auditCheckpoints.hash, seq: auditCheckpoints.seq, at: auditCheckpoints.at })
      .from(auditCheckpoints)
      .where(eq(auditCheckpoints.organizationId, organizationId))
      .orderBy(desc(auditCheckpoints.at), desc(auditCheckpoints.id))
      .limit(1);
    const since = prev ? new Date(prev.at.getTime() - OVERLAP_MS) : new Date(0);
    const { rows } = await tx.raw.query<{
      aggregate_type: string;
      aggregate_id: string;
      seq: number;
      hash: string;
    }>(
      // The chains written to in the window, then each one's head (one index probe per chain).
      `SELECT c.aggregate_type, c.aggregate_id, h.seq, h.hash
         FROM (SELECT DISTINCT aggregate_type, aggregate_id FROM audit_events
                WHERE organization_id = $1 AND at >= $2) c
         CROSS JOIN LATERAL (SELECT seq, hash FROM audit_events e
                              WHERE e.organization_id = $1 AND e.aggregate_type = c.aggregate_type
                                AND e.aggregate_id = c.aggregate_id
                              ORDER BY seq DESC LIMIT 1) h
        ORDER BY c.aggregate_type, c.aggregate_id`,
      [organizationId, since],
    );
    // What the checkpoints of the overlap already recorded is not recorded again.
    const recent = await tx.db
      .select({ heads: auditCheckpoints.heads })
      .from(auditCheckpoints)
      .where(and(eq(auditCheckpoints.organizationId, organizationId), gte(auditCheckpoints.at, since)));
    const recorded = new Map<string, number>();
    for (const cp of recent)
      for (const [key, [seq]] of Object.entries(JSON.parse(cp.heads) as Heads))
        recorded.set(key, Math.max(seq, recorded.get(key) ?? 0));
    const changed = rows.filter((r) => r.seq > (recorded.get(`${r.aggregate_type}:${r.aggregate_id}`) ?? 0));
    if (prev && changed.length === 0) return { chains: 0, written: false };
    const heads: Heads = Object.fromEntries(
      changed.map((r) => [`${r.aggregate_type}:${r.aggregate_id}`, [r.seq, r.hash]]),
    );
    const at = deps.clock.now();
    const headsJson = canonicalJson(heads);
    const prevHash = prev?.hash ?? GENESIS_HASH;
    const seq = (prev?.seq ?? 0) + 1;
    const hash = checkpointHash(prevHash, at.toISOString(), headsJson);
    await tx.db.insert(auditCheckpoints).values({
      organizationId,
      id: deps.ids.uuid(),
      at,
      heads: headsJson,
      prevHash,
      hash,
      seq,
      mac: deps.secrets.mac(signed(organizationId, seq, hash)),
    });
    return { chains: changed.length, written: true };
  });

/**
 * During a key rotation: signs again with the current key every checkpoint a previous key signed, so the
 * trail still verifies once the previous key is dropped. A checkpoint no configured key signed is left alone
 * for `audit verify` to name.
 */
export const resignCheckpoints = async (deps: Pick<Deps, 'database' | 'secrets'>) => {
  const { rows } = await deps.database.raw.query<{
    organization_id: string;
    id: string;
    seq: number;
    hash: string;
    mac: string;
  }>(
    'SELECT organization_id, id, seq, hash, mac FROM audit_checkpoints WHERE mac IS NOT NULL AND seq IS NOT NULL',
  );
  let n = 0;
  for (const r of rows) {
    const text = signed(r.organization_id, r.seq, r.hash);
    if (deps.secrets.verifyMac(text, r.mac, true) || !deps.secrets.verifyMac(text, r.mac)) continue;
    await deps.database.raw.query(
      'UPDATE audit_checkpoints SET mac = $3 WHERE organization_id = $1 AND id = $2 AND mac = $4',
      [r.organization_id, r.id, deps.secrets.mac(text), r.mac],
    );
    n++;
  }
  return n;
};

/** A checkpoint's signed head, to keep outside the database: `audit verify --anchor` checks it is still there. */
export const AuditAnchorSchema = z.strictObject({
  organizationId: z.uuid(),
  seq: z.number().int().min(1),
  at: z.string(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditAnchor = z.infer<typeof AuditAnchorSchema>;

/** The latest signed checkpoint of each organization (or one). */
export const auditAnchors = async (database: Database, organizationId?: string): Promise<AuditAnchor[]> => {
  const { rows } = await database.raw.query<{
    organization_id: string;
    seq: number;
    at: Date;
    hash: string;
    mac: string;
  }>(
    `SELECT DISTINCT ON (organization_id) organization_id, seq, at, hash, mac FROM audit_checkpoints
      WHERE mac IS NOT NULL AND ($1::uuid IS NULL OR organization_id = $1)
      ORDER BY organization_id, seq DESC`,
    [organizationId ?? null],
  );
  return rows.map((r) => ({
    organizationId: r.organization_id,
    seq: r.seq,
    at: new Date(r.at).toISOString(),
    hash: r.hash,
    mac: r.mac,
  }));
};

const BATCH = 5000;

/** Walks every chain of the organization (or all of them) and its checkpoints; names the first broken event. */
export const verifyAudit = async (
  deps: Pick<Deps, 'database' | 'secrets'>,
  organizationId?: string,
  /** Signed heads exported earlier: each must still be found, unchanged, in its organization's checkpoints. */
  anchors: AuditAnchor[] = [],
): Promise<VerifyResult> => {
  const database = deps.database;
  const orgIds = organizationId
    ? [organizationId]
    : (
        await database.db.select({ id: organizations.id }).from(organizations).orderBy(asc(organizations.id))
      ).map((o) => o.id);
  let events = 0;
  let chains = 0;
  let checkpoints = 0;
  for (const org of orgIds) {
    // Checkpoints first: each names (seq, hash) heads that must still be found, unchanged, in the walk.
    const cps = await database.db
      .select()
      .from(auditCheckpoints)
      .where(eq(auditCheckpoints.organizationId, org))
      .orderBy(asc(auditCheckpoints.at), asc(auditCheckpoints.id));
    const expected = new Map<string, Map<number, { hash: string; at: string }>>();
    let cpPrev = GENESIS_HASH;
    let cpSeq = 0;
    let keyed = false;
    const checkpointBroken = (id: string, seq: number, reason: string): VerifyResult => ({
      ok: false,
      events,
      broken: {
        organizationId: org,
        aggregateType: 'checkpoint',
        aggregateId: id,
        seq,
        eventId: null,
        reason,
      },
    });
    for (const cp of cps) {
      checkpoints++;
      if (cp.seq !== null) {
        if (cp.seq !== cpSeq + 1)
          return checkpointBroken(
            cp.id,
            cp.seq,
            `checkpoint ${cp.seq} follows checkpoint ${cpSeq}: checkpoints ${cpSeq + 1} to ${cp.seq - 1} were deleted`,
          );
        cpSeq = cp.seq;
      }
      if (cp.prevHash !== cpPrev || checkpointHash(cp.prevHash, cp.at.toISOString(), cp.heads) !== cp.hash)
        return checkpointBroken(cp.id, cp.seq ?? 0, 'the checkpoint itself was altered');
      if (cp.mac !== null) {
        keyed = true;
        if (cp.seq === null || !deps.secrets.verifyMac(signed(org, cp.seq, cp.hash), cp.mac))
          return checkpointBroken(
            cp.id,
            cp.seq ?? 0,
            'the checkpoint’s signature does not verify: it was written without the key (or SECRET_KEY changed)',
          );
      } else if (keyed)
        return checkpointBroken(cp.id, cp.seq ?? 0, 'an unsigned checkpoint after signed ones');
      cpPrev = cp.hash;
      for (const [key, [seq, hash]] of Object.entries(JSON.parse(cp.heads) as Heads)) {
        const bySeq = expected.get(key) ?? new Map();
        bySeq.set(seq, { hash, at: cp.at.toISOString() });
        expected.set(key, bySeq);
      }
    }

    for (const a of anchors.filter((x) => x.organizationId === org)) {
      const kept = cps.find((cp) => cp.seq === a.seq);
      if (!kept || kept.hash !== a.hash)
        return checkpointBroken(
          kept?.id ?? '',
          a.seq,
          `checkpoint ${a.seq} of ${a.at}, exported as an anchor, is ${kept ? 'changed' : 'gone'}`,
        );
    }

    let cursor: { type: string; id: string; seq: number } | undefined;
    let chainKey = '';
    let expectSeq = 1;
    let prevHash = GENESIS_HASH;
    const seen = new Map<string, number>();
    for (;;) {
      const batch = await database.db
        .select()
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.organizationId, org),
            cursor
              ? or(
                  gt(auditEvents.aggregateType, cursor.type),
                  and(eq(auditEvents.aggregateType, cursor.type), gt(auditEvents.aggregateId, cursor.id)),
                  and(
                    eq(auditEvents.aggregateType, cursor.type),
                    eq(auditEvents.aggregateId, cursor.id),
                    gt(auditEvents.seq, cursor.seq),
                  ),
                )
              : undefined,
          ),
        )
        .orderBy(asc(auditEvents.aggregateType), asc(auditEvents.aggregateId), asc(auditEvents.seq))
        .limit(BATCH);
      for (const e of batch) {
        const key = `${e.aggregateType}:${e.aggregateId}`;
        if (key !== chainKey) {
          chainKey = key;
          expectSeq = 1;
          prevHash = GENESIS_HASH;
          chains++;
        }
        const at = (reason: string): VerifyResult => ({
          ok: false,
          events,
          broken: {
            organizationId: org,
            aggregateType: e.aggregateType,
            aggregateId: e.aggregateId,
            seq: e.seq,
            eventId: e.id,
            reason,
          },
        });
        if (e.seq !== expectSeq)
          return at(`expected seq ${expectSeq}, found ${e.seq}: an event is missing before it`);
        if (e.prevHash !== prevHash)
          return at('prev_hash does not match the event before it: events were reordered or replaced');
        const recomputed = auditHash(e.prevHash, {
          id: e.id,
          organizationId: e.organizationId,
          aggregateType: e.aggregateType,
          aggregateId: e.aggregateId,
          seq: e.seq,
          action: e.action,
          actorType: e.actorType,
          actorId: e.actorId,
          at: e.at.toISOString(),
          changes: e.changes,
          reason: e.reason,
        });
        if (recomputed !== e.hash) return at('hash does not match the content: the event was edited');
        const recorded = expected.get(key)?.get(e.seq);
        if (recorded && recorded.hash !== e.hash)
          return at(`differs from checkpoint ${recorded.at}: the chain was rewritten`);
        seen.set(key, e.seq);
        prevHash = e.hash;
        expectSeq = e.seq + 1;
        events++;
      }
      const last = batch[batch.length - 1];
      if (!last || batch.length < BATCH) break;
      cursor = { type: last.aggregateType, id: last.aggregateId, seq: last.seq };
    }
    for (const [key, bySeq] of expected) {
      const reached = seen.get(key) ?? 0;
      for (const [seq, { at }] of bySeq) {
        if (seq > reached) {
          const [aggregateType = '', aggregateId = ''] = key.split(':');
          return {
            ok: false,
            events,
            broken: {
              organizationId: org,
              aggregateType,
              aggregateId,
              seq: reached + 1,
              eventId: null,
              reason: `events ${reached + 1} to ${seq} were recorded at checkpoint ${at} but are gone`,
            },
          };
        }
      }
    }
  }
  return { ok: true, organizations: orgIds.length, events, chains, checkpoints };
};

export const organizationIdBySlug = async (database: Database, slug: string) =>
  (
    await database.db.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, slug))
  )[0]?.id;

export const organizationIds = async (database: Database) =>
  (await database.db.select({ id: organizations.id }).from(organizations).orderBy(asc(organizations.id))).map(
    (o) => o.id,
  );
