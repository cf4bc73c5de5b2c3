import Decimal from 'decimal.js';
import { and, eq, inArray } from 'drizzle-orm';
import { changeOrderName, isOpenChangeOrder, overRemovals } from '../../core/change-orders';
import { decimalString } from '../../core/decimal';
import { AppError } from '../../core/errors';
import { printAmount } from '../../core/money';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { changeOrders } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { type JobRow, jobNumber } from '../jobs/job-store';
import type { Deps } from '../ports';
import { signaturePng } from '../quotes/signature';
import { assertAmendable, currentScope, lockBoth, priceChange } from './change-order-scope';
import { type ChangeOrderRow, changeChangeOrder } from './change-order-store';

/** Who signed and how, as the approval keeps it. */
export type Signer = {
  name: string;
  signature: string;
  ip: string;
  userAgent: string;
  inPerson: boolean;
  userId: string | null;
  /** The agreed price after the change as the signer saw it: signing is refused if it has moved since. */
  seenAfterTotal?: string | undefined;
};

/**
 * Once a change joins the scope, the job's other open change orders are priced again against it, so the
 * customer's page and the technician's phone show what signing them now would mean.
 */
const repriceOpen = async (tx: Tx, job: JobRow, exceptId: string) => {
  const open = await tx.db
    .select()
    .from(changeOrders)
    .where(
      and(
        eq(changeOrders.organizationId, job.organizationId),
        eq(changeOrders.jobId, job.id),
        inArray(changeOrders.status, ['draft', 'sent', 'viewed']),
      ),
    );
  const scope = await currentScope(tx, job);
  for (const o of open) {
    if (o.id === exceptId) continue;
    // One that can no longer be priced (it takes off what another change removed) keeps its figures.
    const priced = await priceChange(tx, job, scope, o.lines, o.seq).catch(() => null);
    if (!priced) continue;
    await tx.db
      .update(changeOrders)
      .set({ beforeTotal: priced.beforeTotal, afterTotal: priced.afterTotal })
      .where(and(eq(changeOrders.organizationId, o.organizationId), eq(changeOrders.id, o.id)));
  }
};

/**
 * The customer approves, in person or by the link. The price is worked out again against the scope as it
 * is now: when another change order was approved since this one was priced, the new figures are saved and
 * the approval refused, so nobody signs a total they did not see. An approved change joins the agreed
 * scope; a draft invoice waiting for the job is rebuilt with it.
 */
export const approveChangeOrder = async (
  tx: Tx,
  deps: Deps,
  job: JobRow,
  order: ChangeOrderRow,
  signer: Signer,
  actor: Actor,
) => {
  assertAmendable(job);
  if (!isOpenChangeOrder(order.status))
    throw new AppError(
      'invalid_transition',
      `${changeOrderName(jobNumber(job.number), order.seq)} is already ${order.status}`,
      { fields: [{ field: 'status', message: `is ${order.status}` }] },
    );
  const png = signaturePng(signer.signature);
  const scope = await currentScope(tx, job);
  if (overRemovals(scope.agreed, order.lines).length > 0)
    throw new AppError(
      'conflict',
      `${changeOrderName(jobNumber(job.number), order.seq)} takes off work another approved change already took off: withdraw it and draft it again`,
      { fields: [{ field: 'lines', message: 'takes off more than the agreed scope now has' }] },
    );
  const priced = await priceChange(tx, job, scope, order.lines, order.seq);
  if (signer.seenAfterTotal !== undefined && !new Decimal(signer.seenAfterTotal).eq(priced.afterTotal))
    throw new AppError(
      'changed_since',
      `The agreed price changed since this was shown: it now comes to ${printAmount(decimalString(priced.afterTotal), priced.currency)}. Check it and sign again.`,
      { fields: [{ field: 'body.afterTotal', message: 'changed since it was shown' }] },
    );
  const imageKey = `${order.organizationId}/change-orders/${order.id}/signature.png`;
  await deps.storage.put(imageKey, png, 'image/png');
  const approved = await changeChangeOrder(tx, deps, {
    job,
    order,
    action: 'approve',
    actor,
    patch: {
      approval: {
        name: signer.name,
        imageKey,
        ip: signer.ip,
        userAgent: signer.userAgent,
        inPerson: signer.inPerson,
        userId: signer.userId,
      },
      beforeTotal: priced.beforeTotal,
      afterTotal: priced.afterTotal,
      answeredAt: deps.clock.now(),
    },
    changes: {
      signerName: signer.name,
      inPerson: signer.inPerson,
      ip: signer.ip,
      afterTotal: priced.afterTotal,
    },
  });
  await repriceOpen(tx, job, order.id);
  if (job.billingStatus === 'invoice_ready')
    await deps.queue.enqueue(
      tx,
      { name: 'invoice.prepare', data: { organizationId: job.organizationId, jobId: job.id } },
      { key: `prepare:${job.id}:co:${order.id}` },
    );
  await notifyRole(
    tx,
    deps,
    job.organizationId,
    'billing',
    job.id,
    `${signer.name} approved ${changeOrderName(jobNumber(job.number), order.seq)}: the agreed price is now ${printAmount(decimalString(priced.afterTotal), priced.currency)}.`,
    null,
    { kind: 'change_order_approved' },
  );
  return approved;
};

/** In person: the customer signs on the technician's or the office's screen. */
export const approveInPerson = (
  deps: Deps,
  organizationId: string,
  id: string,
  body: { signerName: string; signature: string; afterTotal?: string | undefined },
  who: { ip: string; userAgent: string },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { job, order } = await lockBoth(tx, organizationId, id);
    const approved = await approveChangeOrder(
      tx,
      deps,
      job,
      order,
      {
        name: body.signerName,
        signature: body.signature,
        ...who,
        inPerson: true,
        userId: actor.type === 'user' ? actor.id : null,
        seenAfterTotal: body.afterTotal,
      },
      actor,
    );
    return { job, order: approved };
  });
