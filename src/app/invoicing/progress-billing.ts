import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { InvoiceDocument } from '../../core/invoice-document';
import type { InvoiceStatus } from '../../core/invoice-lifecycle';
import { printAmount } from '../../core/money';
import type { Actor } from '../../core/principal';
import {
  type ContractGroup,
  contractGroupsOf,
  progressLines,
  progressProblem,
  progressStepAmount,
  progressStepInput,
  retainedLines,
} from '../../core/progress-billing';
import type { Tx } from '../../db/client';
import { jobs, quotes } from '../../db/schema';
import { type JobRow, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { buildDepositInvoice, buildJobInvoice, NO_ADVANCES } from './build-job-documents';
import {
  assemble,
  type Built,
  commonOf,
  documentOf,
  type InvoiceRow,
  type JobContext,
  loadJobContext,
} from './invoice-documents';
import { upsertDraft } from './invoice-store';
import { issueInvoice } from './issue-invoice';
import { depositKey, depositsOf, requiresDeposit } from './prepare-job-invoices';

/**
 * Progress (milestone) billing (#22): a fixed-price job's contract billed in steps as the work advances.
 * Each step is an advance document (an advance invoice with VAT, or a payment request where the
 * organization asks deposits that way) for the contract's VAT groups to a cumulative percent complete, its
 * note saying the contract value, what was billed before and what remains; the final invoice at closeout
 * bills the whole contract and deducts every step as it deducts a deposit. One document per percent (its
 * billing key), so a repeated click bills nothing twice.
 */

const LIVE = new Set(['draft', 'needs_review', 'issued', 'sent', 'partially_paid', 'paid']);
/** Where a job's billing stands when no further step may be billed: its final invoice is made or due. */
const FINAL = new Set(['invoice_ready', 'invoiced', 'paid', 'not_billable', 'needs_review']);

/** What is billed against the contract so far (its deposit and steps, net of credits), and the steps. */
const billedOf = (rows: InvoiceRow[]) => {
  let billed = new Decimal(0);
  let before = '0';
  const steps: {
    invoiceId: string;
    number: string | null;
    status: InvoiceStatus;
    percent: string;
    milestone: string | null;
    amount: string;
    retained: string;
  }[] = [];
  let held = new Decimal(0);
  for (const r of rows) {
    if (!LIVE.has(r.status)) continue;
    const doc = documentOf(r);
    // Net of its credit notes (a deposit given back in part, a step corrected), paid or not.
    const amount = new Decimal(doc.calc.totals.taxInclusive).minus(r.amountCredited);
    billed = billed.plus(amount);
    if (!doc.progress) continue;
    held = held.plus(doc.progress.retained ?? '0');
    if (new Decimal(doc.progress.percent).gt(before)) before = doc.progress.percent;
    steps.push({
      invoiceId: r.id,
      number: r.number,
      status: r.status as InvoiceStatus,
      percent: doc.progress.percent,
      milestone: doc.progress.milestone,
      amount: amount.toFixed(doc.calc.decimals),
      retained: new Decimal(doc.progress.retained ?? '0').toFixed(doc.calc.decimals),
    });
  }
  steps.sort((a, b) => new Decimal(a.percent).cmp(b.percent));
  return { billed, before, steps, held };
};

/**
 * The deposit a job requires and has not drafted yet, tax included (null: none): the `invoice.prepare` queue
 * job drafts it moments after the booking or the acceptance, and until then it counts as asked, so a step
 * or a change of scope in between cannot leave the deposit and the steps asking more than the price.
 */
const pendingDeposit = async (tx: Tx, job: JobRow, ctx: JobContext, rows: InvoiceRow[]) => {
  if (!requiresDeposit(job) || rows.some((r) => r.billingKey === depositKey(job))) return null;
  const built = await buildDepositInvoice(tx, job, ctx);
  return built.ok ? new Decimal(built.document.calc.totals.taxInclusive) : null;
};

/** What the job's advances ask (`billedOf`), its deposit about to be drafted counted in `billed`. */
const askedOf = async (tx: Tx, job: JobRow, ctx: JobContext) => {
  const rows = await depositsOf(tx, job);
  const asked = billedOf(rows);
  return { ...asked, billed: asked.billed.plus((await pendingDeposit(tx, job, ctx, rows)) ?? 0) };
};

/**
 * What a job's advances ask, tax included and net of credits: its deposit (drafted or about to be) and its
 * progress steps. The agreed price never goes below it (a change order taking off more is refused).
 */
export const advancedOf = async (tx: Tx, job: JobRow, ctx: JobContext) =>
  (await askedOf(tx, job, ctx)).billed;

const notFixed = () =>
  new AppError('validation_failed', 'Only a fixed-price job with its agreed price is billed in steps', {
    fields: [{ field: 'jobId', message: 'is not a fixed-price job with an estimate' }],
  });

/** The contract as the final invoice would bill it, with no advance deducted. */
const contractOf = async (tx: Tx, job: JobRow, ctx: JobContext) => {
  if (ctx.jobType.billingMode !== 'fixed') throw notFixed();
  const built = await buildJobInvoice(tx, job, ctx, NO_ADVANCES, null);
  if (!built.ok) {
    if (built.problems.some((p) => p.rule === 'fixed_price')) throw notFixed();
    throw new AppError('validation_failed', 'The contract cannot be priced', {
      fields: built.problems.map((p) => ({ field: 'jobId', message: p.message })),
    });
  }
  return built.document;
};

export type ProgressView = {
  /** Whether the job is billed in steps at all: a fixed-price job with its agreed price. */
  applies: boolean;
  currency: string;
  contract: string;
  billed: string;
  remaining: string;
  percentBilled: string;
  /** The contract's VAT groups (or its whole, for payment requests): what the browser prices a step from. */
  groups: ContractGroup[];
  decimals: number;
  /** How the calculator taxes a step: VAT groups, or none (US sales tax, payment requests). */
  scheme: 'vat' | 'us_sales_tax';
  /** The percent of each step held back until completion; null: none. */
  retainagePercent: string | null;
  /** Held back by the issued steps so far, tax included: the final invoice releases it. */
  retained: string;
  /** Whether another step may be billed now, and if not why. */
  open: boolean;
  closedReason: string | null;
  steps: ReturnType<typeof billedOf>['steps'];
};

const viewOf = async (
  tx: Tx,
  job: JobRow,
  ctx: JobContext,
  contract: InvoiceDocument,
): Promise<ProgressView> => {
  const { billed, before, steps, held } = await askedOf(tx, job, ctx);
  const request = ctx.org.depositModel === 'payment_request';
  const total = contract.calc.totals.taxInclusive;
  return {
    applies: true,
    currency: contract.calc.currency,
    contract: total,
    billed: billed.toFixed(contract.calc.decimals),
    remaining: new Decimal(total).minus(billed).toFixed(contract.calc.decimals),
    percentBilled: before,
    groups: request
      ? [{ tax: { category: null, rate: '0', jurisdiction: null }, net: total }]
      : contractGroupsOf(contract.calc.taxSubtotals),
    decimals: contract.calc.decimals,
    scheme: request || ctx.org.taxScheme !== 'vat' ? 'us_sales_tax' : 'vat',
    retainagePercent: job.retainagePercent === null ? null : new Decimal(job.retainagePercent).toFixed(),
    retained: held.toFixed(contract.calc.decimals),
    open: !FINAL.has(job.billingStatus) && !['canceled', 'no_show'].includes(job.status),
    closedReason: FINAL.has(job.billingStatus)
      ? 'The job is closed out: its final invoice bills the rest'
      : ['canceled', 'no_show'].includes(job.status)
        ? 'The job is closed without the work'
        : null,
    steps,
  };
};

/** A job's contract, what its steps billed, and what remains. */
export const progressOfJob = (deps: Deps, organizationId: string, jobId: string) =>
  deps.database.transaction(async (tx) => {
    const [job] = await tx.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, jobId)));
    if (!job) throw notFound('job');
    const ctx = await loadJobContext(tx, job);
    if (ctx.jobType.billingMode !== 'fixed' || job.estimateLines.length === 0)
      return {
        applies: false,
        currency: ctx.customer.invoiceCurrency ?? ctx.org.currency,
        contract: '0',
        billed: '0',
        remaining: '0',
        percentBilled: '0',
        groups: [],
        decimals: 2,
        scheme: ctx.org.taxScheme === 'vat' ? 'vat' : 'us_sales_tax',
        retainagePercent: null,
        retained: '0',
        open: false,
        closedReason: 'Only a fixed-price job with its agreed price is billed in steps',
        steps: [],
      } satisfies ProgressView;
    return viewOf(tx, job, ctx, await contractOf(tx, job, ctx));
  });

/**
 * Bills the next step of a fixed-price job, to `percent` complete (with a milestone's name if it has one):
 * issued at once where the organization auto-issues, else a draft in the billing queue.
 */
export const billProgress = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  input: { percent: string; milestone?: string | null | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    const ctx = await loadJobContext(tx, job);
    const contract = await contractOf(tx, job, ctx);
    const view = await viewOf(tx, job, ctx, contract);
    if (!view.open)
      throw new AppError('invalid_transition', view.closedReason ?? 'No further step can be billed', {
        fields: [{ field: 'jobId', message: view.closedReason ?? 'is closed' }],
      });
    const percent = new Decimal(input.percent).toFixed();
    const problem = progressProblem(view.percentBilled, percent);
    if (problem)
      throw new AppError('validation_failed', `The step cannot be billed: ${problem.message}`, {
        fields: [problem],
      });
    const lines = progressLines(view.groups, view.percentBilled, percent, view.decimals);
    const retained = retainedLines(lines, view.retainagePercent, view.decimals);
    if (lines.length === 0)
      throw new AppError('validation_failed', 'The step comes to nothing: choose a higher percent', {
        fields: [{ field: 'percent', message: 'bills nothing more than the steps before' }],
      });
    const request = ctx.org.depositModel === 'payment_request';
    const [quote] = await tx.db
      .select({ number: quotes.number })
      .from(quotes)
      .where(and(eq(quotes.organizationId, organizationId), eq(quotes.jobId, job.id)));
    const number = jobNumber(job.number);
    const milestone = input.milestone?.trim() || null;
    const vatOf = (l: { tax: { category: string | null; rate: string } }) =>
      lines.length > 1 && l.tax.category ? ` (VAT ${l.tax.rate} %)` : '';
    const common = commonOf(ctx, job, null);
    const build = (memo: string | null): Built =>
      assemble(
        {
          ...common,
          memo,
          serviceDate: null,
          ...(request ? { profile: 'payment_request' as const } : {}),
        },
        'deposit_invoice',
        { currency: view.currency, ...progressStepInput({ lines, retained }, view.retainagePercent) },
        lines.map((l, i) => ({
          position: i + 1,
          description:
            `${milestone ?? 'Progress'}: ${percent} % of the contract for ${number}${vatOf(l)}`.slice(0, 300),
          sku: null,
          unitCode: 'C62',
          kind: 'deposit' as const,
          jobNumber: number,
          serviceDate: null,
        })),
        { exchange: contract.exchange ?? null },
      );
    // What the step asks, tax included, as the calculator taxes it.
    const priced = build(null);
    if (!priced.ok)
      throw new AppError('validation_failed', 'The step cannot be priced', {
        fields: priced.problems.map((p) => ({ field: 'percent', message: p.message })),
      });
    const stepGross = priced.document.calc.totals.taxInclusive;
    const after = new Decimal(view.remaining).minus(stepGross);
    if (after.lt(0))
      throw new AppError(
        'validation_failed',
        `The step would bill more than the contract: ${printAmount(view.remaining, view.currency)} remains after the deposit and the steps before`,
        { fields: [{ field: 'percent', message: 'bills more than remains of the contract' }] },
      );
    const money = (v: Decimal.Value) => printAmount(new Decimal(v).toFixed(view.decimals), view.currency);
    // What retainage holds back, tax included: the same calculation the office's screen shows live.
    const held = progressStepAmount(view, percent)?.retained ?? '0';
    const heldWords = new Decimal(held).gt(0)
      ? ` after ${money(held)} retainage held back (${view.retainagePercent} %, released by the final invoice)`
      : '';
    const built = build(
      [
        `Progress billing for ${number}${quote ? ` (${quote.number})` : ''}: ${percent} % complete${milestone ? `, ${milestone}` : ''}.`,
        `Contract value ${money(view.contract)}; billed before ${money(view.billed)}; this invoice ${money(stepGross)}${heldWords}; remaining after it ${money(after)}.`,
      ].join('\n'),
    );
    const withProgress: Built = built.ok
      ? {
          ok: true,
          document: {
            ...built.document,
            progress: {
              percent,
              milestone,
              contract: view.contract,
              ...(retained.length > 0 ? { retained: held } : {}),
            },
          },
        }
      : built;
    const draft = await upsertDraft(tx, deps, {
      organizationId,
      billingKey: `progress:${job.id}:${percent}`,
      kind: 'deposit_invoice',
      jobId: job.id,
      built: withProgress,
      holds: ctx.org.invoiceAutoIssue
        ? []
        : [{ code: 'auto_issue_off', message: 'Auto-issue is off: issue from the billing queue' }],
      actor,
    });
    if (!draft)
      throw new AppError('conflict', `${percent} % is already billed`, {
        fields: [{ field: 'percent', message: 'is already billed' }],
      });
    const out =
      draft.holdReasons.length === 0 ? await issueInvoice(tx, deps, draft, actor, { org: ctx.org }) : draft;
    return { invoiceId: out.id, number: out.number, status: out.status };
  });
