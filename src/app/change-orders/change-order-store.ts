import Decimal from 'decimal.js';
import { and, asc, eq } from 'drizzle-orm';
import type { ChangeOrderView } from '../../contracts/change-orders';
import {
  type ChangeOrderAction,
  type ChangeOrderStatus,
  changeOrderName,
  changeOrderTransition,
} from '../../core/change-orders';
import { decimalString } from '../../core/decimal';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { changeOrders } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { emitEvent } from '../integrations/webhooks';
import { type JobRow, jobNumber } from '../jobs/job-store';
import { publish } from '../notify';
import type { Deps } from '../ports';

export type ChangeOrderRow = typeof changeOrders.$inferSelect;

/** Locks a change order for a change. Callers lock its job first: job, then change order, everywhere. */
export const lockChangeOrder = async (
  tx: Tx,
  organizationId: string,
  id: string,
): Promise<ChangeOrderRow> => {
  const [row] = await tx.db
    .select()
    .from(changeOrders)
    .where(and(eq(changeOrders.organizationId, organizationId), eq(changeOrders.id, id)))
    .for('update');
  if (!row) throw notFound('change order');
  return row;
};

/** A change order read without a lock: to show it, or to find its job before locking both. */
export const changeOrderOf = async (
  tx: Pick<Tx, 'db'>,
  organizationId: string,
  id: string,
): Promise<ChangeOrderRow> => {
  const [row] = await tx.db
    .select()
    .from(changeOrders)
    .where(and(eq(changeOrders.organizationId, organizationId), eq(changeOrders.id, id)));
  if (!row) throw notFound('change order');
  return row;
};

const PAST: Record<ChangeOrderAction, string> = {
  send: 'sent',
  view: 'viewed',
  approve: 'approved',
  decline: 'declined',
  withdraw: 'withdrawn',
};

type Patch = Partial<
  Omit<ChangeOrderRow, 'organizationId' | 'id' | 'jobId' | 'seq' | 'status' | 'createdAt' | 'updatedAt'>
>;

/**
 * The one place a change order changes status: the state machine decides; the row, the job's audit event
 * (a change order is part of the job's record, on its history) and the live notice are written in the
 * caller's transaction; an approval is offered to webhook subscribers.
 */
export const changeChangeOrder = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids' | 'queue'>,
  input: {
    job: JobRow;
    order: ChangeOrderRow;
    action: ChangeOrderAction;
    patch?: Patch;
    actor: Actor;
    reason?: string | null;
    changes?: Record<string, unknown>;
  },
): Promise<ChangeOrderRow> => {
  const { job, order } = input;
  const name = changeOrderName(jobNumber(job.number), order.seq);
  const from = order.status;
  const t = changeOrderTransition(from, input.action);
  if (!t.ok)
    throw new AppError('invalid_transition', `${name} is ${from}; it cannot be ${PAST[input.action]}`, {
      fields: [{ field: 'status', message: `is ${from}` }],
    });
  const now = deps.clock.now();
  const [updated] = await tx.db
    .update(changeOrders)
    .set({ ...input.patch, status: t.to, updatedAt: now })
    .where(and(eq(changeOrders.organizationId, order.organizationId), eq(changeOrders.id, order.id)))
    .returning();
  if (!updated) throw new Error('change order update returned nothing');
  await recordChangeOrder(tx, deps, job, updated, `change_order.${PAST[input.action]}`, input.actor, {
    changes: { from, to: t.to, ...input.changes },
    reason: input.reason ?? null,
  });
  if (t.to === 'approved')
    await emitEvent(tx, deps, order.organizationId, 'change_order.approved', {
      changeOrderId: updated.id,
      jobId: job.id,
      jobNumber: jobNumber(job.number),
      seq: updated.seq,
      currency: updated.currency,
      beforeTotal: decimalString(updated.beforeTotal),
      afterTotal: decimalString(updated.afterTotal),
    });
  return updated;
};

/** The audit event on the job's history and the live notice of a change order's change. */
export const recordChangeOrder = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  job: JobRow,
  order: ChangeOrderRow,
  action: string,
  actor: Actor,
  extra: { changes?: Record<string, unknown>; reason?: string | null } = {},
) => {
  await appendAudit(tx, deps, {
    organizationId: order.organizationId,
    aggregateType: 'job',
    aggregateId: job.id,
    action,
    actor,
    changes: { changeOrderId: order.id, seq: order.seq, ...extra.changes },
    reason: extra.reason ?? null,
  });
  await publish(tx, {
    organizationId: order.organizationId,
    type: 'job.changed',
    id: job.id,
    number: jobNumber(job.number),
    status: job.status,
    billingStatus: job.billingStatus,
    action,
  });
};

/** A job's change orders, in their order. */
export const changeOrdersOf = (tx: Pick<Tx, 'db'>, organizationId: string, jobId: string) =>
  tx.db
    .select()
    .from(changeOrders)
    .where(and(eq(changeOrders.organizationId, organizationId), eq(changeOrders.jobId, jobId)))
    .orderBy(asc(changeOrders.seq));

/** What a person reads of a change order: its name, lines, the price before and after, the answer. */
export const answerFields = (row: ChangeOrderRow, jobNo: string) => ({
  seq: row.seq,
  name: changeOrderName(jobNo, row.seq),
  status: row.status as ChangeOrderStatus,
  reason: row.reason,
  lines: row.lines.map((l) => ({
    change: l.change,
    sku: l.sku,
    description: l.description,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    taxCodeId: l.taxCodeId ?? null,
  })),
  currency: row.currency,
  beforeTotal: decimalString(row.beforeTotal),
  afterTotal: decimalString(row.afterTotal),
  difference: decimalString(new Decimal(row.afterTotal).minus(row.beforeTotal).toFixed()),
  signerName: row.approval?.name ?? null,
  signedInPerson: row.approval ? row.approval.inPerson : null,
  declineReason: row.declineReason,
  answeredAt: row.answeredAt?.toISOString() ?? null,
});

export const changeOrderView = (row: ChangeOrderRow, jobNo: string): ChangeOrderView => ({
  id: row.id,
  jobId: row.jobId,
  ...answerFields(row, jobNo),
  photoIds: row.photoIds,
  sentTo: row.sentTo,
  sentAt: row.sentAt?.toISOString() ?? null,
  viewedAt: row.viewedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
});
