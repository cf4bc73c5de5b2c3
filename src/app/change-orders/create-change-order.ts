import { and, eq, sql } from 'drizzle-orm';
import type { ChangeOrderLineInput, CreateChangeOrderBody } from '../../contracts/change-orders';
import { type ChangeOrderLine, overRemovals, withScopeTax } from '../../core/change-orders';
import { type FieldProblem, invalidAll } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { itemsBySku } from '../../db/queries/directory';
import { changeOrders } from '../../db/schema';
import { checkLineAmount, fromPriceBook } from '../catalog/price-book-lines';
import { namedJobPhotos } from '../files/job-photos';
import { lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { assertAmendable, currentScope, priceChange } from './change-order-scope';
import { recordChangeOrder } from './change-order-store';

/** The lines as the order keeps them: price book items named and priced unless typed; unknown SKUs refused. */
const resolveLines = async (
  tx: Tx,
  organizationId: string,
  input: ChangeOrderLineInput[],
): Promise<ChangeOrderLine[]> => {
  const items = await itemsBySku(
    tx.db,
    organizationId,
    input.map((l) => l.sku),
  );
  const problems: FieldProblem[] = [];
  const lines = input.map((l, i): ChangeOrderLine | null => {
    const at = `body.lines.${i}`;
    const { item, description, unitPrice } = fromPriceBook(l, items, at, problems);
    checkLineAmount(l.quantity, unitPrice, at, problems);
    if (!description || unitPrice === undefined) return null;
    return { change: l.change, sku: item?.sku ?? null, description, quantity: l.quantity, unitPrice };
  });
  if (problems.length > 0) throw invalidAll(problems);
  return lines.filter((l): l is ChangeOrderLine => l !== null);
};

/**
 * A change order drafted on site or in the office: what is added to and taken off the agreed scope, and
 * why. It is priced at once (the agreed price before and after, as the invoice would bill it), and may not
 * take off more than the scope holds. Numbered per job under the job's lock.
 */
export const createChangeOrder = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  body: CreateChangeOrderBody,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    assertAmendable(job);
    const scope = await currentScope(tx, job);
    const lines = withScopeTax(scope.agreed, await resolveLines(tx, organizationId, body.lines));
    const [last] = await tx.db
      .select({ seq: sql<number>`coalesce(max(${changeOrders.seq}), 0)::int` })
      .from(changeOrders)
      .where(and(eq(changeOrders.organizationId, organizationId), eq(changeOrders.jobId, jobId)));
    const seq = (last?.seq ?? 0) + 1;
    const over = overRemovals(scope.agreed, lines);
    if (over.length > 0)
      throw invalidAll(
        over.map((i) => ({
          field: `body.lines.${i}.quantity`,
          message: 'takes off more than the agreed scope has of this item',
        })),
      );
    const photoIds = (await namedJobPhotos(tx.db, organizationId, jobId, body.photoIds ?? [])).map(
      (p) => p.id,
    );
    const priced = await priceChange(tx, job, scope, lines, seq);
    const now = deps.clock.now();
    const [order] = await tx.db
      .insert(changeOrders)
      .values({
        organizationId,
        id: deps.ids.uuid(),
        jobId,
        seq,
        status: 'draft',
        reason: body.reason,
        lines,
        photoIds,
        currency: priced.currency,
        beforeTotal: priced.beforeTotal,
        afterTotal: priced.afterTotal,
        createdBy: actor.type === 'user' ? actor.id : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!order) throw new Error('change order insert returned nothing');
    await recordChangeOrder(tx, deps, job, order, 'change_order.created', actor, {
      changes: { lines, photoIds, beforeTotal: priced.beforeTotal, afterTotal: priced.afterTotal },
      reason: body.reason,
    });
    return { job, order };
  });
