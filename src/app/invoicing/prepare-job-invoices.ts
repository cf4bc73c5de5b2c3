import Decimal from 'decimal.js';
import { and, eq, inArray, isNotNull, type SQL } from 'drizzle-orm';
import { taxGroupKey } from '../../core/invoice-calc';
import { WORK_STATUS_WORDS } from '../../core/job-lifecycle';
import { SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { invoices, series } from '../../db/schema';
import { changeJob, type JobRow, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import {
  advancesOf,
  buildDepositInvoice,
  buildJobInvoice,
  keptOnRequest,
  NO_ADVANCES,
} from './build-job-documents';
import { creditInTx } from './credit-notes';
import { failJob } from './fail-job-invoicing';
import {
  documentOf,
  type InvoiceRow,
  type JobContext,
  loadJobContext,
  type OrgRow,
} from './invoice-documents';
import { changeInvoice, type Hold, outstandingOf, upsertDraft } from './invoice-store';
import { issueInvoice } from './issue-invoice';

const holdsFor = (org: OrgRow, job: JobRow, customerPoRequired: boolean, generation: number): Hold[] => [
  ...(org.invoiceAutoIssue
    ? []
    : [{ code: 'auto_issue_off', message: 'Auto-issue is off: issue from the billing queue' }]),
  ...(customerPoRequired && !job.poNumber
    ? [{ code: 'po_missing', message: 'The customer requires a PO number' }]
    : []),
  ...(generation > 0
    ? [{ code: 'after_credit', message: 'Re-invoice after a credit note: check and issue' }]
    : []),
];

const STEP_REPLACED =
  'The job was closed out before this progress step was issued: its final invoice bills the whole contract';
const DEPOSIT_REPLACED =
  'The job was closed out before this deposit request was issued: its final invoice bills the whole work';
const DEPOSIT_CANCELED = 'The job was closed before this deposit request was issued: nothing is asked for';

/** Whose a draft that could not be built is, for the billing queue's row. */
const unbuiltOf = (ctx: JobContext, job: JobRow) => ({
  currency: ctx.customer.invoiceCurrency ?? ctx.org.currency,
  jobNumbers: [jobNumber(job.number)],
  buyer: ctx.customer.name,
});

/** Whether a job asks a deposit: one is set, and the job is not closed without the work. */
export const requiresDeposit = (job: JobRow) =>
  job.depositRequired && !!job.depositAmount && !['canceled', 'no_show'].includes(job.status);

/** The billing key of a job's one deposit request. */
export const depositKey = (job: Pick<JobRow, 'id'>) => `deposit:${job.id}`;

/** A job's documents that meet `where`. */
const documentsOfJob = (tx: Pick<Tx, 'db'>, job: Pick<JobRow, 'organizationId' | 'id'>, ...where: SQL[]) =>
  tx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, job.organizationId), eq(invoices.jobId, job.id), ...where));

/** The job's advance documents (deposits, progress steps); `open`: only those never numbered, locked. */
export const depositsOf = (
  tx: Pick<Tx, 'db'>,
  job: Pick<JobRow, 'organizationId' | 'id'>,
  { open = false }: { open?: boolean } = {},
): Promise<InvoiceRow[]> => {
  const q = documentsOfJob(
    tx,
    job,
    eq(invoices.kind, 'deposit_invoice'),
    ...(open ? [inArray(invoices.status, ['draft', 'needs_review'])] : []),
  );
  return open ? q.for('update') : q;
};

/** The issued credit notes of a job's documents (those of its advances among them). */
export const jobCreditsOf = (tx: Pick<Tx, 'db'>, job: Pick<JobRow, 'organizationId' | 'id'>) =>
  documentsOfJob(tx, job, eq(invoices.kind, 'credit_note'), isNotNull(invoices.number));

const UNUSED_MEMO = (job: JobRow) =>
  `The work on ${jobNumber(job.number)} came to less than was asked in advance: what it did not use is given back`;

/**
 * When the work comes to less than its issued advances asked (a deposit above a small job's bill, a price
 * lowered after the steps), the final invoice could only be negative. What the work did not use is given
 * back first, on record: each advance invoice's excess per tax group (the oldest advances are used first),
 * then what was paid and kept on payment requests, as credit notes that are refunds due where paid. The
 * final invoice then deducts only what the work used, and comes to nothing in the groups it exhausted.
 */
const returnUnusedAdvances = async (tx: Tx, deps: Deps, job: JobRow, ctx: JobContext) => {
  const deposits = await depositsOf(tx, job);
  if (!deposits.some((d) => d.number)) return [];
  const work = await buildJobInvoice(tx, job, ctx, NO_ADVANCES, null);
  if (!work.ok) return [];
  let advances = advancesOf(deposits, await jobCreditsOf(tx, job));
  const workGross = new Decimal(work.document.calc.totals.taxInclusive);
  if (new Decimal(advances.gross).plus(advances.prepaid).lte(workGross)) return [];
  const out: string[] = [];
  const byNumber = new Map(deposits.flatMap((d) => (d.number ? [[d.number, d] as const] : [])));
  // The work's taxable amount per group absorbs the advances' deductions, oldest first; the rest is unused.
  const left = new Map(
    work.document.calc.taxSubtotals.map((g) => [taxGroupKey(g), new Decimal(g.taxableAmount)] as const),
  );
  const unused = new Map<string, { groupKey: string; net: string }[]>();
  const ordered = [...advances.deductions].sort((a, b) => a.number.localeCompare(b.number));
  for (const d of ordered) {
    const key = taxGroupKey(d.tax);
    const used = Decimal.min(d.net, Decimal.max(left.get(key) ?? 0, 0));
    left.set(key, (left.get(key) ?? new Decimal(0)).minus(used));
    const rest = new Decimal(d.net).minus(used);
    if (rest.gt(0))
      unused.set(d.number, [...(unused.get(d.number) ?? []), { groupKey: key, net: rest.toFixed() }]);
  }
  // When the advances cover all of the work, the final invoice bills nothing, so the cents VAT rounded per
  // document (the advances, their credit notes) cannot land on it: the last credit note takes them up, and the
  // advances keep exactly the work's price, tax included.
  const covered = [...left.values()].every((v) => v.lte(0));
  let giveBack = new Decimal(advances.gross).minus(workGross);
  const last = [...unused.keys()].at(-1);
  for (const [number, amounts] of unused) {
    const advance = byNumber.get(number);
    if (!advance) continue;
    const credit = await creditInTx(
      tx,
      deps,
      advance,
      {
        reason: 'unused_advance',
        memo: UNUSED_MEMO(job),
        unused: amounts,
        ...(covered && number === last
          ? {
              gross: {
                amount: giveBack.toFixed(),
                units: advances.deductions.length + advances.creditRoundings + amounts.length,
              },
            }
          : {}),
      },
      SYSTEM_ACTOR,
    );
    giveBack = giveBack.minus(credit.payable);
    out.push(`unused:${credit.number}`);
  }
  // Payment requests bore no tax: what was paid and kept on them beyond what the work still asks.
  const after = await depositsOf(tx, job);
  advances = advancesOf(after, await jobCreditsOf(tx, job));
  let excess = new Decimal(advances.prepaid).minus(Decimal.max(0, workGross.minus(advances.gross)));
  const requests = after
    .filter((d) => d.number && documentOf(d).profile === 'payment_request')
    .sort((a, b) => (b.number ?? '').localeCompare(a.number ?? ''));
  for (const r of requests) {
    if (excess.lte(0)) break;
    const back = Decimal.min(keptOnRequest(r), excess);
    if (back.lte(0)) continue;
    // A credit settles what the request still asks before it refunds anything: it withdraws that too, so
    // exactly `back` of what was paid is given back.
    const credit = await creditInTx(
      tx,
      deps,
      r,
      { reason: 'unused_advance', memo: UNUSED_MEMO(job), withdraw: outstandingOf(r).plus(back).toFixed() },
      SYSTEM_ACTOR,
    );
    excess = excess.minus(back);
    out.push(`unused:${credit.number}`);
  }
  return out;
};

/**
 * A deposit request or progress step never issued when the work is billed (or the job closed) is void, on
 * record: the final invoice deducts only what was issued, so issuing it later would bill the work twice.
 */
const voidUnissuedAdvances = async (tx: Tx, deps: Deps, job: JobRow, reason: (d: InvoiceRow) => string) => {
  const open = await depositsOf(tx, job, { open: true });
  for (const d of open) await changeInvoice(tx, deps, d, 'discard', SYSTEM_ACTOR, {}, {}, reason(d));
  return open.length;
};

/**
 * Brings a job's invoices in line with the job (the `invoice.prepare` queue job; safe to run twice):
 * a deposit invoice for a deposit job, the final draft at invoice_ready (issued at once when the
 * organization auto-issues and nothing holds it), a credit note when a closed job's deposit was paid.
 */
export const prepareJobInvoices = (deps: Deps, organizationId: string, jobId: string) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    const ctx = await loadJobContext(tx, job);
    const actor = SYSTEM_ACTOR;
    const out: string[] = [];

    // A deposit asked for work done before it was issued is voided below when the final invoice is drafted.
    if (requiresDeposit(job)) {
      const draft = await upsertDraft(tx, deps, {
        organizationId,
        billingKey: depositKey(job),
        kind: 'deposit_invoice',
        jobId: job.id,
        built: await buildDepositInvoice(tx, job, ctx),
        unbuilt: unbuiltOf(ctx, job),
        holds: ctx.org.invoiceAutoIssue
          ? []
          : [{ code: 'auto_issue_off', message: 'Auto-issue is off: issue from the billing queue' }],
        actor,
      });
      if (draft && draft.holdReasons.length === 0)
        await issueInvoice(tx, deps, draft, actor, { org: ctx.org });
      if (draft) out.push(`deposit:${draft.status}`);
    }

    // An approved closeout with no billable line (a warranty repair, work under contract) bills nothing: the
    // job closes as not billable instead of failing BR-16 into review. A fixed-price job bills its price.
    if (job.billingStatus === 'invoice_ready')
      await voidUnissuedAdvances(tx, deps, job, (d) =>
        documentOf(d).progress ? STEP_REPLACED : DEPOSIT_REPLACED,
      );

    if (
      job.billingStatus === 'invoice_ready' &&
      job.closingFee === null &&
      ctx.jobType.billingMode !== 'fixed' &&
      (await billableLineCount(tx, organizationId, job.id)) === 0
    ) {
      await changeJob(tx, deps, {
        organizationId,
        jobId: job.id,
        actor,
        locked: job,
        action: 'job.closed_not_billable',
        billing: 'close_not_billable',
        reason: 'No billable line: nothing to invoice',
      });
      return [...out, 'not_billable'];
    }

    if (job.billingStatus === 'invoice_ready') {
      const [cycle] = job.seriesId
        ? await tx.db
            .select({ billingRule: series.billingRule })
            .from(series)
            .where(and(eq(series.organizationId, organizationId), eq(series.id, job.seriesId)))
        : [];
      if (cycle?.billingRule === 'per_cycle') return [...out, 'per_cycle'];
      const { rows } = await tx.raw.query<{ n: string }>(
        `SELECT count(*) AS n FROM invoices WHERE organization_id = $1 AND job_id = $2 AND kind = 'invoice' AND status = 'credited'`,
        [organizationId, job.id],
      );
      const generation = Number(rows[0]?.n ?? 0);
      out.push(...(await returnUnusedAdvances(tx, deps, job, ctx)));
      const built = await buildJobInvoice(
        tx,
        job,
        ctx,
        advancesOf(await depositsOf(tx, job), await jobCreditsOf(tx, job)),
        null,
      );
      const draft = await upsertDraft(tx, deps, {
        organizationId,
        billingKey: `job:${job.id}:${generation}`,
        kind: 'invoice',
        jobId: job.id,
        built,
        unbuilt: unbuiltOf(ctx, job),
        holds: holdsFor(ctx.org, job, ctx.customer.invoicePreferences.poRequired, generation),
        actor,
      });
      if (draft && draft.holdReasons.length === 0)
        await issueInvoice(tx, deps, draft, actor, { org: ctx.org });
      else if (draft && !built.ok) await failJob(tx, deps, organizationId, job.id, built.problems);
      if (draft) out.push(`invoice:${draft.status}`);
    }

    if (job.billingStatus === 'not_billable' && ['canceled', 'no_show'].includes(job.status)) {
      if (await voidUnissuedAdvances(tx, deps, job, () => DEPOSIT_CANCELED)) out.push('deposit:voided');
      for (const d of await depositsOf(tx, job)) {
        const refundable = new Decimal(d.amountPaid).minus(d.amountCredited);
        if (d.number && refundable.gt(0)) {
          const credit = await creditInTx(
            tx,
            deps,
            d,
            {
              reason: 'canceled_job',
              memo: `Refund of the deposit: ${jobNumber(job.number)} was ${WORK_STATUS_WORDS[job.status].toLowerCase()}`,
            },
            actor,
          );
          out.push(`refund:${credit.number}`);
        }
      }
    }
    return out;
  });

/** Billable closeout lines of a job (none: nothing to invoice, the job is not billable). */
const billableLineCount = async (tx: Tx, organizationId: string, jobId: string): Promise<number> => {
  const { rows } = await tx.raw.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM closeout_lines WHERE organization_id = $1 AND job_id = $2 AND billable`,
    [organizationId, jobId],
  );
  return rows[0]?.n ?? 0;
};
