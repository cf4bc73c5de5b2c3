import { and, eq, sql } from 'drizzle-orm';
import { AppError, invalid, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { customers, invoices, jobs, series, sites } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';

const lock = async (tx: Tx, organizationId: string, id: string, field: string) => {
  const [row] = await tx.db
    .select()
    .from(customers)
    .where(and(eq(customers.organizationId, organizationId), eq(customers.id, id)))
    .for('update');
  if (!row) throw field === 'id' ? notFound('customer') : invalid(field, 'no such customer');
  if (row.mergedIntoId)
    throw new AppError('customer_merged', `${row.name} was already merged into another customer`, {
      fields: [{ field, message: 'already merged' }],
    });
  return row;
};

/**
 * Merges a duplicate into the customer that is kept: the duplicate's sites, jobs, recurring services and
 * invoices move over (issued documents keep the buyer they were issued to: they are immutable), its contacts
 * and its links to accounting systems join the kept customer's, and the duplicate stays on record pointing
 * at the kept one, never deleted. Both customers' histories say so, in one transaction. Two links to the
 * same accounting system are refused: they are two contacts there, to merge there first.
 */
export const mergeCustomers = (
  deps: Deps,
  organizationId: string,
  keepId: string,
  duplicateId: string,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    // The customer addressed must exist before anything about the body is said (404, not 400).
    const [addressed] = await tx.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, keepId)));
    if (!addressed) throw notFound('customer');
    if (keepId === duplicateId) throw invalid('body.duplicateId', 'is the customer being kept');
    // Locked in id order: two merges of the same pair, either way round, cannot deadlock.
    const [first, second] = [keepId, duplicateId].sort();
    const locked = new Map<string, typeof customers.$inferSelect>();
    for (const id of [first, second] as string[])
      locked.set(id, await lock(tx, organizationId, id, id === keepId ? 'id' : 'body.duplicateId'));
    const keep = locked.get(keepId) as typeof customers.$inferSelect;
    const dup = locked.get(duplicateId) as typeof customers.$inferSelect;

    const clash = Object.keys(dup.externalIds).filter(
      (c) => keep.externalIds[c] !== undefined && keep.externalIds[c] !== dup.externalIds[c],
    );
    if (clash.length > 0)
      throw new AppError(
        'merge_conflict',
        `Both customers are linked to ${clash.join(' and ')} as different contacts: merge them there first`,
        { fields: [{ field: 'body.duplicateId', message: `linked to another ${clash.join(', ')} contact` }] },
      );

    const now = deps.clock.now();
    const moved: Record<string, number> = {};
    for (const [name, table] of [
      ['sites', sites],
      ['jobs', jobs],
      ['series', series],
      ['invoices', invoices],
    ] as const) {
      const rows = await tx.db
        .update(table)
        .set({ customerId: keepId })
        .where(and(eq(table.organizationId, organizationId), eq(table.customerId, duplicateId)))
        .returning({ id: table.id });
      moved[name] = rows.length;
    }
    const known = new Set(
      keep.contacts.map((c) => `${c.name.toLowerCase()}|${c.email?.toLowerCase() ?? ''}`),
    );
    const contacts = [
      ...keep.contacts,
      ...dup.contacts.filter((c) => !known.has(`${c.name.toLowerCase()}|${c.email?.toLowerCase() ?? ''}`)),
    ];
    await tx.db
      .update(customers)
      .set({
        contacts,
        externalIds: { ...dup.externalIds, ...keep.externalIds },
        email: keep.email ?? dup.email,
        phone: keep.phone ?? dup.phone,
        taxId: keep.taxId ?? dup.taxId,
        peppolEndpoint: keep.peppolEndpoint ?? dup.peppolEndpoint,
        version: sql`${customers.version} + 1`,
        updatedAt: now,
      })
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, keepId)));
    await tx.db
      .update(customers)
      .set({ mergedIntoId: keepId, mergedAt: now, version: sql`${customers.version} + 1`, updatedAt: now })
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, duplicateId)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: keepId,
      action: 'customer.merged_in',
      actor,
      changes: { duplicateId, duplicateName: dup.name, moved },
    });
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: duplicateId,
      action: 'customer.merged_into',
      actor,
      changes: { keptId: keepId, keptName: keep.name, moved },
    });
    return { keptId: keepId, moved };
  });
