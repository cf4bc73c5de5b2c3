import { agreedScope, type ChangeOrderLine, signedLines } from '../../core/change-orders';
import { AppError } from '../../core/errors';
import { BILLING_STATUS_WORDS, WORK_STATUS_WORDS } from '../../core/job-lifecycle';
import { printAmount } from '../../core/money';
import type { Tx } from '../../db/client';
import { approvedChangeOrders } from '../../db/queries/change-orders';
import { loadJobContext } from '../invoicing/invoice-documents';
import { advancedOf } from '../invoicing/progress-billing';
import { priceScope, type ScopePart, scopeParts } from '../invoicing/scope-pricing';
import { type JobRow, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { changeOrderOf, lockChangeOrder } from './change-order-store';

/** A change order's link answers this long after it was sent. */
export const LINK_DAYS = 30;

export const changeOrderLink = (deps: Pick<Deps, 'publicUrl'>, token: string) =>
  `${deps.publicUrl.replace(/\/$/, '')}/portal/#/change/${token}`;

/**
 * Whether the job's agreed scope can still change: not once it is invoiced (further work is a revision
 * with its own invoice) and not on a closed job.
 */
export const assertAmendable = (job: JobRow) => {
  const no = jobNumber(job.number);
  if (['invoiced', 'paid', 'not_billable'].includes(job.billingStatus))
    throw new AppError(
      'already_invoiced',
      `${no} is already invoiced: bill further work as additional work on it (a revision)`,
      {
        fields: [{ field: 'jobId', message: `is ${BILLING_STATUS_WORDS[job.billingStatus].toLowerCase()}` }],
      },
    );
  if (job.status === 'canceled' || job.status === 'no_show')
    throw new AppError('job_closed', `${no} is closed; its scope cannot change`, {
      fields: [{ field: 'jobId', message: `is ${WORK_STATUS_WORDS[job.status].toLowerCase()}` }],
    });
};

/**
 * The job's agreed scope as it stands (the estimate and the approved changes), read once per request: its
 * lines, the parts its price is made of, and that price, worked out on first need and kept.
 */
export const currentScope = async (tx: Tx, job: JobRow) => {
  const approved = await approvedChangeOrders(tx.db, job.organizationId, job.id);
  const ctx = await loadJobContext(tx, job);
  const parts: ScopePart[] = scopeParts(job, approved);
  let before: ReturnType<typeof priceScope> | null = null;
  let advanced: ReturnType<typeof advancedOf> | null = null;
  return {
    agreed: agreedScope(job.estimateLines, approved),
    parts,
    ctx,
    priceBefore: () => {
      before ??= priceScope(tx, job, ctx, parts);
      return before;
    },
    /** What the deposit and the progress steps already asked: no change takes the price below it. */
    advanced: () => {
      advanced ??= advancedOf(tx, job, ctx);
      return advanced;
    },
  };
};
export type Scope = Awaited<ReturnType<typeof currentScope>>;

/** A scope the invoice could not price (no exchange rate, no tax code, a negative total): a 409 saying why. */
const unpriced = (p: { problems: { message: string }[] }) =>
  new AppError('conflict', p.problems.map((x) => x.message).join('; '), {
    fields: [{ field: 'body.lines', message: p.problems[0]?.message ?? 'cannot be priced' }],
  });

/** The agreed price before and after a change, priced as the job's invoice would be. */
export const priceChange = async (
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
  // The deposit and the progress steps already asked are deducted by the final invoice: a price below
  // them would leave it negative, so the office credits or lowers them first, on record.
  const advanced = await scope.advanced();
  if (advanced.gt(after.payable)) {
    const asked = printAmount(advanced.toFixed(2), after.currency);
    throw new AppError(
      'conflict',
      `The change would bring the price to ${printAmount(after.payable, after.currency)}, below the ${asked} already asked in advance (the deposit and progress steps): credit them or lower the deposit first`,
      { fields: [{ field: 'body.lines', message: `brings the price below the ${asked} asked in advance` }] },
    );
  }
  return { currency: after.currency, beforeTotal: before.payable, afterTotal: after.payable };
};

/** Locks the job, then the change order (the order every path takes), and checks they belong together. */
export const lockBoth = async (tx: Tx, organizationId: string, id: string) => {
  const { jobId } = await changeOrderOf(tx, organizationId, id);
  const job = await lockJob(tx, organizationId, jobId);
  const order = await lockChangeOrder(tx, organizationId, id);
  return { job, order };
};
