import { changeOrderName } from '../../core/change-orders';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { notifyRole } from '../approvals/approvals';
import { type JobRow, jobNumber } from '../jobs/job-store';
import type { Deps } from '../ports';
import { lockBoth } from './change-order-scope';
import { type ChangeOrderRow, changeChangeOrder } from './change-order-store';

/** The customer's refusal, recorded in person; by link the customer declines themselves. */
export const declineChangeOrder = async (
  tx: Tx,
  deps: Deps,
  job: JobRow,
  order: ChangeOrderRow,
  reason: string,
  actor: Actor,
  who?: { ip: string; userAgent: string },
) => {
  const declined = await changeChangeOrder(tx, deps, {
    job,
    order,
    action: 'decline',
    actor,
    reason,
    patch: { declineReason: reason, answeredAt: deps.clock.now() },
    ...(who ? { changes: { ip: who.ip, userAgent: who.userAgent } } : {}),
  });
  await notifyRole(
    tx,
    deps,
    job.organizationId,
    'billing',
    job.id,
    `${changeOrderName(jobNumber(job.number), order.seq)} was declined: “${reason}”.`,
    null,
    { kind: 'change_order_declined' },
  );
  return declined;
};

/** Takes a change order back before the customer answered (with the reason, for the history). */
export const withdrawChangeOrder = (
  deps: Deps,
  organizationId: string,
  id: string,
  reason: string,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { job, order } = await lockBoth(tx, organizationId, id);
    const withdrawn = await changeChangeOrder(tx, deps, { job, order, action: 'withdraw', actor, reason });
    return { job, order: withdrawn };
  });
