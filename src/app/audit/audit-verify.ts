import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gt, or } from 'drizzle-orm';
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

/**
 * Records the head (seq, hash) of every chain of an organization, chained to the previous checkpoint.
 * An edited or reordered event breaks its chain; a deleted tail shows against the last checkpoint.
 */
export const writeCheckpoint = async (
  deps: Pick<Deps, 'database' | 'clock' | 'ids'>,
  organizationId: string,
) =>
  deps.database.transaction(async (tx) => {
    await tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`audit-checkpoint:${organizationId}`]);
    const { rows } = await tx.raw.query<{
      aggregate_type: string;
      aggregate_id: string;
      seq: number;
      hash: string;
    }>(
      `SELECT DISTINCT ON (aggregate_type, aggregate_id) aggregate_type, aggregate_id, seq, hash
         FROM audit_events WHERE organization_id = $1
        ORDER BY aggregate_type, aggregate_id, seq DESC`,
      [organizationId],
    );
    const heads: Heads = Object.fromEntries(
      rows.map((r) => [`${r.aggregate_type}:${r.aggregate_id}`, [r.seq, r.hash]]),
    );
    const [prev] = await tx.db
      .select({ hash: auditCheckpoints.hash })
      .from(auditCheckpoints)
      .where(eq(auditCheckpoints.organizationId, organizationId))
      .orderBy(desc(auditCheckpoints.at), desc(auditCheckpoints.id))
      .limit(1);
    const at = deps.clock.now();
    const headsJson = canonicalJson(heads);
    const prevHash = prev?.hash ?? GENESIS_HASH;
    await tx.db.insert(auditCheckpoints).values({
      organizationId,
      id: deps.ids.uuid(),
      at,
      heads: headsJson,
      prevHash,
      hash: checkpointHash(prevHash, at.toISOString(), headsJson),
    });
    return { chains: rows.length };
  });

const BATCH = 5000;

/** Walks every chain of the organization (or all of them) and its checkpoints; names the first broken event. */
export const verifyAudit = async (database: Database, organizationId?: string): Promise<VerifyResult> => {
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
    for (const cp of cps) {
      checkpoints++;
      if (cp.prevHash !== cpPrev || checkpointHash(cp.prevHash, cp.at.toISOString(), cp.heads) !== cp.hash) {
        return {
          ok: false,
          events,
          broken: {
            organizationId: org,
            aggregateType: 'checkpoint',
            aggregateId: cp.id,
            seq: 0,
            eventId: null,
            reason: 'the checkpoint itself was altered',
          },
        };
      }
      cpPrev = cp.hash;
      for (const [key, [seq, hash]] of Object.entries(JSON.parse(cp.heads) as Heads)) {
        const bySeq = expected.get(key) ?? new Map();
        bySeq.set(seq, { hash, at: cp.at.toISOString() });
        expected.set(key, bySeq);
      }
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
