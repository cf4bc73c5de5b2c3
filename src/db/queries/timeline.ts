import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apiKeys, auditEvents, users } from '../schema';

/** A record's history from its audit chain, oldest first, with who did each thing. */
export const timelineOf = async (
  db: Db,
  organizationId: string,
  aggregateType: string,
  aggregateId: string,
) => {
  const events = await db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.organizationId, organizationId),
        eq(auditEvents.aggregateType, aggregateType),
        eq(auditEvents.aggregateId, aggregateId),
      ),
    )
    .orderBy(asc(auditEvents.seq));
  const userIds = [
    ...new Set(events.filter((e) => e.actorType === 'user' && e.actorId).map((e) => e.actorId as string)),
  ];
  const keyIds = [
    ...new Set(events.filter((e) => e.actorType === 'api_key' && e.actorId).map((e) => e.actorId as string)),
  ];
  const names = new Map<string, string>();
  if (userIds.length > 0) {
    for (const u of await db
      .select({ id: users.id, name: users.name })
      .from(users)
      .where(inArray(users.id, userIds)))
      names.set(u.id, u.name);
  }
  if (keyIds.length > 0) {
    for (const k of await db
      .select({ id: apiKeys.id, name: sql<string>`'API key: ' || ${apiKeys.name}` })
      .from(apiKeys)
      .where(inArray(apiKeys.id, keyIds)))
      names.set(k.id, k.name);
  }
  return events.map((e) => ({ ...e, actorName: e.actorId ? (names.get(e.actorId) ?? null) : 'Closeout' }));
};

export const userNames = async (db: Db, ids: string[]) => {
  if (ids.length === 0) return new Map<string, string>();
  const rows = await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
};
