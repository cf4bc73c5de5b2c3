import { createHash } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { canonicalJson } from '../../core/canonical-json';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { auditEvents } from '../../db/schema/index';
import type { Clock, Ids } from '../ports';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditInput = {
  organizationId: string;
  aggregateType: string;
  aggregateId: string;
  action: string;
  actor: Actor;
  /** Changed fields as { field: { before, after } }, or the created record's fields. */
  changes: Record<string, unknown>;
  reason?: string | null;
  /**
   * The aggregate was created in this transaction, so this is its chain's first event: the look-up of the
   * previous event is skipped. If it is not in fact first, the unique (aggregate, seq) key refuses it.
   */
  first?: boolean;
};

export type AuditHashInput = {
  id: string;
  organizationId: string;
  aggregateType: string;
  aggregateId: string;
  seq: number;
  action: string;
  actorType: Actor['type'];
  actorId: string | null;
  at: string;
  changes: string;
  reason: string | null;
};

export const auditHash = (prevHash: string, e: AuditHashInput): string =>
  createHash('sha256').update(prevHash).update(canonicalJson(e)).digest('hex');

type Head = { seq: number; hash: string };

/**
 * The chain heads this transaction wrote, so a second event on the same aggregate in it (an invoice made and
 * issued at once) needs no look-up. If another appender took the next seq meanwhile, the insert finds it
 * taken and the head is read again.
 */
const written = new WeakMap<Tx, Map<string, Head>>();
const keyOf = (organizationId: string, aggregateType: string, aggregateId: string) =>
  `${organizationId}:${aggregateType}:${aggregateId}`;

/** The event's row: its seq and previous hash from the chain's head, and its own hash. */
const chained = (deps: { ids: Ids }, at: Date, e: AuditInput, head: Head | undefined) => {
  const prevHash = head?.hash ?? GENESIS_HASH;
  const event: AuditHashInput = {
    id: deps.ids.uuid(),
    organizationId: e.organizationId,
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    seq: (head?.seq ?? 0) + 1,
    action: e.action,
    actorType: e.actor.type,
    actorId: e.actor.id,
    at: at.toISOString(),
    changes: canonicalJson(e.changes),
    reason: e.reason ?? null,
  };
  return { ...event, at, prevHash, hash: auditHash(prevHash, event) };
};

/** The chain's head as committed (or written by this transaction): its last seq and hash. */
const headOf = async (tx: Tx, e: AuditInput): Promise<Head | undefined> => {
  const [last] = await tx.db
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.organizationId, e.organizationId),
        eq(auditEvents.aggregateType, e.aggregateType),
        eq(auditEvents.aggregateId, e.aggregateId),
      ),
    )
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  return last;
};

/** How many times an event is chained again on a head another transaction moved, before giving up. */
const CHAIN_RETRIES = 5;

/**
 * Inserts the events, each chained on its head. An event whose seq another transaction took meanwhile is
 * chained again on the head that transaction committed: the insert waits for it (the unique chain key), so
 * the re-read sees its row. That is the case of an appender that does not hold the aggregate's lock (a
 * queue job recording that an e-mail went while the customer answers); a caller holding the lock never
 * meets it, and pays nothing for it. A first event that turns out not to be first is refused.
 */
const insertChained = async (
  tx: Tx,
  deps: { ids: Ids },
  at: Date,
  items: { input: AuditInput; head: Head | undefined }[],
) => {
  let pending = items;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const rows = pending.map((i) => chained(deps, at, i.input, i.head));
    const done = await tx.db
      .insert(auditEvents)
      .values(rows)
      .onConflictDoNothing({
        target: [
          auditEvents.organizationId,
          auditEvents.aggregateType,
          auditEvents.aggregateId,
          auditEvents.seq,
        ],
      })
      .returning({ id: auditEvents.id });
    const inserted = new Set(done.map((d) => d.id));
    remember(
      tx,
      rows.filter((r) => inserted.has(r.id)),
    );
    const lost = pending.filter((_, k) => !inserted.has(rows[k]?.id ?? ''));
    const key =
      lost[0] && keyOf(lost[0].input.organizationId, lost[0].input.aggregateType, lost[0].input.aggregateId);
    if (lost.some((i) => i.input.first) || (key && attempt >= CHAIN_RETRIES))
      throw new Error(`audit chain ${key} moved under this transaction: its event could not be appended`);
    pending = await Promise.all(lost.map(async (i) => ({ input: i.input, head: await headOf(tx, i.input) })));
  }
};

/** Heads this transaction wrote, for its next event on the same aggregate. */
const remember = (tx: Tx, rows: ReturnType<typeof chained>[]) => {
  const mine = headsOf(tx);
  for (const r of rows)
    mine?.set(keyOf(r.organizationId, r.aggregateType, r.aggregateId), { seq: r.seq, hash: r.hash });
};

/** The heads a transaction knows. Only inside one: the pool handle outlives it, and its heads would go stale. */
const headsOf = (tx: Tx) => {
  if (!tx.beforeCommit) return undefined;
  let mine = written.get(tx);
  if (!mine) {
    mine = new Map();
    written.set(tx, mine);
  }
  return mine;
};

/**
 * The chain's head as the caller read it with the aggregate's row lock held (in a read it makes anyway), so
 * the next event appended in this transaction needs no look-up of its own. No head: the chain is empty.
 */
export const knownHead = (
  tx: Tx,
  chain: Pick<AuditInput, 'organizationId' | 'aggregateType' | 'aggregateId'>,
  head: Head | null,
) => {
  headsOf(tx)?.set(
    keyOf(chain.organizationId, chain.aggregateType, chain.aggregateId),
    head ?? { seq: 0, hash: GENESIS_HASH },
  );
};

/**
 * Appends one event to its aggregate's chain, in the caller's transaction. Callers changing the aggregate
 * hold its row lock (guarded update), so their events follow its changes in order; an event recorded after
 * the fact without it (an e-mail went) waits for a racing writer and chains on its event (insertChained).
 */
export const appendAudit = async (
  tx: Tx,
  deps: { clock: Clock; ids: Ids },
  input: AuditInput,
  /** First events of other chains (created in this transaction), written in the same insert. */
  alsoFirst: AuditInput[] = [],
): Promise<void> => {
  if (alsoFirst.some((e) => !e.first)) throw new Error('appendAudit: only first events ride along');
  const known = written.get(tx)?.get(keyOf(input.organizationId, input.aggregateType, input.aggregateId));
  const head = input.first ? undefined : (known ?? (await headOf(tx, input)));
  await insertChained(tx, deps, deps.clock.now(), [
    { input, head },
    ...alsoFirst.map((e) => ({ input: e, head: undefined })),
  ]);
};

/**
 * Appends one event to each of many chains (one per aggregate, all of one type) in two statements: the
 * heads of every chain, then one multi-row insert. Same hashing and the same caller locking rule as
 * appendAudit; used by bulk lifecycle changes (a cycle invoice moving hundreds of visits at once).
 */
export const appendAuditMany = async (
  tx: Tx,
  deps: { clock: Clock; ids: Ids },
  organizationId: string,
  aggregateType: string,
  inputs: Omit<AuditInput, 'organizationId' | 'aggregateType' | 'first'>[],
): Promise<void> => {
  if (inputs.length === 0) return;
  const mine = written.get(tx);
  const heads = new Map<string, Head>();
  for (const i of inputs) {
    const h = mine?.get(keyOf(organizationId, aggregateType, i.aggregateId));
    if (h) heads.set(i.aggregateId, h);
  }
  const unknown = inputs.map((i) => i.aggregateId).filter((id) => !heads.has(id));
  if (unknown.length > 0) {
    // One index probe per chain (its last seq). `aggregate_id = ANY(...)` with DISTINCT ON is not an index
    // condition there: it read every event of the type in the organization (5 ms at 10,000 events, growing).
    const { rows } = await tx.raw.query<{ aggregate_id: string; seq: number; hash: string }>(
      `SELECT a.id AS aggregate_id, h.seq, h.hash FROM unnest($3::uuid[]) AS a(id)
         CROSS JOIN LATERAL (SELECT seq, hash FROM audit_events e
                              WHERE e.organization_id = $1 AND e.aggregate_type = $2 AND e.aggregate_id = a.id
                              ORDER BY seq DESC LIMIT 1) h`,
      [organizationId, aggregateType, unknown],
    );
    for (const r of rows) heads.set(r.aggregate_id, r);
  }
  const at = deps.clock.now();
  await insertChained(
    tx,
    deps,
    at,
    inputs.map((input) => ({
      input: { ...input, organizationId, aggregateType },
      head: heads.get(input.aggregateId),
    })),
  );
};
