import Decimal from 'decimal.js';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ChangeOrderLineInput, CreateChangeOrderBody } from '../../contracts/change-orders';
import {
  agreedScope,
  type ChangeOrderLine,
  changeOrderName,
  isOpenChangeOrder,
  overRemovals,
  signedLines,
  withScopeTax,
} from '../../core/change-orders';
import { decimalString } from '../../core/decimal';
import { AppError, type FieldProblem, invalidAll } from '../../core/errors';
import { printAmount } from '../../core/money';
import type { Actor } from '../../core/principal';
import { addDays, businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { itemsBySku } from '../../db/queries/directory';
import { changeOrders, customers } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { randomToken, sha256Hex } from '../auth/secrets';
import { checkLineAmount, fromPriceBook } from '../catalog/price-book-lines';
import { loadJobContext } from '../invoicing/invoice-documents';
import { approvedChangeOrders, priceScope, type ScopePart, scopeParts } from '../invoicing/scope-pricing';
import { type JobRow, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { recipientOf } from '../quotes/send-quote';
import { signaturePng } from '../quotes/signature';
import {
  type ChangeOrderRow,
  changeChangeOrder,
  changeOrderOf,
  lockChangeOrder,
  recordChangeOrder,
} from './change-order-store';

/** A change order's link answers this long after it was sent. */
const LINK_DAYS = 30;

export const changeOrderLink = (deps: Pick<Deps, 'publicUrl'>, token: string) =>
  `${deps.publicUrl.replace(/\/$/, '')}/portal/#/change/${token}`;

/**
 * Whether the job's agreed scope can still change: not once it is invoiced (further work is a revision
 * with its own invoice) and not on a closed job.
 */
const assertAmendable = (job: JobRow) => {
  const no = jobNumber(job.number);
  if (['invoiced', 'paid', 'not_billable'].includes(job.billingStatus))
    throw new AppError(
      'already_invoiced',
      `${no} is already invoiced: bill further work as additional work on it (a revision)`,
      { fields: [{ field: 'jobId', message: `is ${job.billingStatus.replace('_', ' ')}` }] },
    );
  if (job.status === 'canceled' || job.status === 'no_show')
    throw new AppError('job_closed', `${no} is closed; its scope cannot change`, {
      fields: [{ field: 'jobId', message: `is ${job.status.replace('_', '-')}` }],
    });
};

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
 * The job's agreed scope as it stands (the estimate and the approved changes), read once per request: its
 * lines, the parts its price is made of, and that price, worked out on first need and kept.
 */
const currentScope = async (tx: Tx, job: JobRow) => {
  const approved = await approvedChangeOrders(tx, job.organizationId, job.id);
  const ctx = await loadJobContext(tx, job);
  const parts: ScopePart[] = scopeParts(job, approved);
  let before: ReturnType<typeof priceScope> | null = null;
  return {
    agreed: agreedScope(job.estimateLines, approved),
    parts,
    ctx,
    priceBefore: () => {
      before ??= priceScope(tx, job, ctx, parts);
      return before;
    },
  };
};
type Scope = Awaited<ReturnType<typeof currentScope>>;

/** A scope the invoice could not price (no exchange rate, no tax code, a negative total): a 409 saying why. */
const unpriced = (p: { problems: { message: string }[] }) =>
  new AppError('conflict', p.problems.map((x) => x.message).join('; '), {
    fields: [{ field: 'body.lines', message: p.problems[0]?.message ?? 'cannot be priced' }],
  });

/** The agreed price before and after a change, priced as the job's invoice would be. */
const priceChange = async (
  tx: Tx,
  job: JobRow,
  scope: Scope,
  lines: readonly ChangeOrderLine[],
  seq: number,
) => {
  const before = await scope.priceBefore();
  if (!before.ok) throw unpriced(before);
  const after = await priceScope(tx, job, scope.ctx, [
    ...scope.parts,
    { heading: `Change order ${seq}`, lines: signedLines(lines) },
  ]);
  if (!after.ok) throw unpriced(after);
  return { currency: after.currency, beforeTotal: before.payable, afterTotal: after.payable };
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
      changes: { lines, beforeTotal: priced.beforeTotal, afterTotal: priced.afterTotal },
      reason: body.reason,
    });
    return { job, order };
  });

/** Locks the job, then the change order (the order every path takes), and checks they belong together. */
export const lockBoth = async (tx: Tx, organizationId: string, id: string) => {
  const { jobId } = await changeOrderOf(tx, organizationId, id);
  const job = await lockJob(tx, organizationId, jobId);
  const order = await lockChangeOrder(tx, organizationId, id);
  return { job, order };
};

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

/**
 * Sends the change order to the customer by e-mail with a link (again, with the same link, when sent
 * already): the customer approves with a signature or declines on the page, no account needed.
 */
export const sendChangeOrder = (
  deps: Deps,
  organizationId: string,
  id: string,
  body: { to?: string | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { job, order } = await lockBoth(tx, organizationId, id);
    assertAmendable(job);
    const [customer] = await tx.db
      .select()
      .from(customers)
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, job.customerId)));
    const to = body.to ?? (customer ? recipientOf(customer) : null);
    if (!to)
      throw new AppError(
        'validation_failed',
        `${customer?.name ?? 'The customer'} has no e-mail address: give one`,
        {
          fields: [{ field: 'body.to', message: 'no e-mail address for the customer' }],
        },
      );
    const existing = order.linkSealed ? deps.secrets.open(order.linkSealed) : null;
    const token = existing ?? randomToken();
    const now = deps.clock.now();
    const updated = await changeChangeOrder(tx, deps, {
      job,
      order,
      action: 'send',
      actor,
      patch: {
        sentTo: to,
        sentAt: now,
        linkHash: sha256Hex(token),
        linkSealed: existing ? order.linkSealed : deps.secrets.seal(token),
        linkExpiresAt: new Date(`${addDays(businessDate(now, 'UTC'), LINK_DAYS)}T23:59:59Z`),
      },
      changes: { to },
    });
    await deps.queue.enqueue(
      tx,
      { name: 'change_order.send', data: { organizationId, changeOrderId: id, to } },
      { key: `${id}:${now.getTime()}` },
    );
    return { job, order: updated, link: changeOrderLink(deps, token) };
  });
