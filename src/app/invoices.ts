import Decimal from 'decimal.js';
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { planCredit, planRemainderCredit } from '../core/credit-plan';
import { AppError, notFound } from '../core/errors';
import {
  type CreditReason,
  en16931Breaches,
  type InvoiceDocument,
  type RuleBreach,
} from '../core/invoice-document';
import {
  type InvoiceAction,
  type InvoiceStatus,
  invoiceTransition,
  isInvoiceStatus,
} from '../core/invoice-lifecycle';
import { sumDecimals as sum } from '../core/money';
import { type Actor, SYSTEM_ACTOR } from '../core/principal';
import { businessDate } from '../core/time';
import { priceVisits, type Visit, type VisitLine } from '../core/visit-pricing';
import type { Tx } from '../db/client';
import {
  approvalRequests,
  invoicedWork,
  invoices,
  jobs,
  organizations,
  payments,
  series,
} from '../db/schema';
import { enqueuePushes } from './accounting/push';
import { appendAudit } from './audit';
import {
  advancesOf,
  assemble,
  type Built,
  buildDepositInvoice,
  buildJobInvoice,
  commonOf,
  documentMoney,
  documentOf,
  type InvoiceRow,
  type JobContext,
  lineTax,
  loadJobContext,
  type OrgRow,
  priceIn,
  profileOf,
  roundingFor,
  sellerOf,
} from './invoice-documents';
import { changeJob, changeJobsBilling, type JobRow, jobNumber, lockJob } from './jobs';
import type { Deps } from './ports';
import { nextNumber } from './sequences';
import { emitEvent, type WebhookEvent } from './webhooks';

type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue'>;
type Hold = { code: string; message: string };

const PREFIX = { invoice: 'INV', deposit_invoice: 'INV', credit_note: 'CN' } as const;

const lockInvoice = async (tx: Tx, organizationId: string, id: string): Promise<InvoiceRow> => {
  const [row] = await tx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, id)))
    .for('update');
  if (!row) throw notFound('invoice');
  return row;
};

const loadOrg = async (tx: Tx, organizationId: string): Promise<OrgRow> => {
  const [org] = await tx.db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw notFound('organization');
  return org;
};

/**
 * The one place an invoice's status changes: through the core table, with a guarded update on status and
 * version, and its audit event in the same transaction.
 */
const changeInvoice = async (
  tx: Tx,
  deps: Ctx,
  row: InvoiceRow,
  action: InvoiceAction,
  actor: Actor,
  patch: Partial<typeof invoices.$inferInsert> = {},
  extra: Record<string, unknown> = {},
  reason: string | null = null,
): Promise<InvoiceRow> => {
  if (!isInvoiceStatus(row.status)) throw new Error(`corrupt invoice status ${row.status}`);
  const t = invoiceTransition(row.status, action);
  if (!t.ok) {
    throw new AppError(
      row.status === 'draft' || row.status === 'needs_review' ? 'invalid_transition' : 'immutable',
      `${row.number ?? 'The draft'} is ${row.status}: it cannot ${action.replaceAll('_', ' ')}`,
      { fields: [{ field: 'status', message: `is ${row.status}` }], extra: { allowedFromHere: t.allowed } },
    );
  }
  const now = deps.clock.now();
  const [updated] = await tx.db
    .update(invoices)
    .set({ ...patch, status: t.to, updatedAt: now, version: row.version + 1 })
    .where(
      and(
        eq(invoices.organizationId, row.organizationId),
        eq(invoices.id, row.id),
        eq(invoices.status, row.status),
        eq(invoices.version, row.version),
      ),
    )
    .returning();
  if (!updated) throw new AppError('conflict', 'The invoice changed while this request ran; retry');
  await appendAudit(tx, deps, {
    organizationId: row.organizationId,
    aggregateType: 'invoice',
    aggregateId: row.id,
    action: `invoice.${action}`,
    actor,
    changes: { status: { before: row.status, after: t.to }, number: updated.number, ...extra },
    reason,
  });
  const event = INVOICE_EVENTS[action];
  if (event) {
    await emitEvent(tx, deps, row.organizationId, event, {
      invoiceId: row.id,
      kind: row.kind,
      number: updated.number,
      status: updated.status,
      jobId: row.jobId,
      currency: row.currency,
      payable: updated.payable,
      amountPaid: updated.amountPaid,
    });
  }
  return updated;
};

const INVOICE_EVENTS: Partial<Record<InvoiceAction, WebhookEvent>> = {
  issue: 'invoice.issued',
  send: 'invoice.sent',
  pay_full: 'invoice.paid',
  credit_full: 'invoice.credited',
};

const totalsColumns = (doc: InvoiceDocument) => ({
  currency: doc.calc.currency,
  exchangeRate: doc.exchange?.rate ?? '1',
  taxExclusive: doc.calc.totals.taxExclusive,
  taxTotal: doc.calc.totals.taxTotal,
  taxInclusive: doc.calc.totals.taxInclusive,
  prepaid: doc.calc.totals.prepaid,
  payable: doc.calc.totals.payable,
});

/**
 * Creates the draft for a billing key, or rebuilds it while it is still a draft. An issued document under
 * the key is left alone: its work is billed.
 */
const upsertDraft = async (
  tx: Tx,
  deps: Ctx,
  args: {
    organizationId: string;
    billingKey: string;
    kind: InvoiceDocument['kind'];
    jobId: string | null;
    seriesId?: string | null;
    correctsInvoiceId?: string | null;
    creditReason?: CreditReason | null;
    period?: { start: string; end: string } | null;
    built: Built;
    holds: Hold[];
    actor: Actor;
    /**
     * What the office sees of a draft that could not be made (which job, which customer, in what currency),
     * so the queue row says whose it is while its hold says why.
     */
    unbuilt?: { currency: string; jobNumbers: string[]; buyer: string };
  },
): Promise<InvoiceRow | null> => {
  const [existing] = await tx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, args.organizationId), eq(invoices.billingKey, args.billingKey)))
    .for('update');
  if (existing && existing.status !== 'draft' && existing.status !== 'needs_review') return null;
  const now = deps.clock.now();
  const holds = args.built.ok
    ? args.holds
    : [...args.holds, ...args.built.problems.map((p) => ({ code: p.rule, message: p.message }))];
  const stub = args.unbuilt
    ? { jobNumbers: args.unbuilt.jobNumbers, buyer: { name: args.unbuilt.buyer } }
    : {};
  const document = args.built.ok ? args.built.document : (existing?.document ?? stub);
  const columns = args.built.ok
    ? totalsColumns(args.built.document)
    : {
        currency: existing?.currency ?? args.unbuilt?.currency ?? 'XXX',
        exchangeRate: existing?.exchangeRate ?? '1',
        taxExclusive: '0',
        taxTotal: '0',
        taxInclusive: '0',
        prepaid: '0',
        payable: '0',
      };
  if (existing) {
    const [row] = await tx.db
      .update(invoices)
      .set({
        document,
        ...columns,
        holdReasons: holds,
        status: 'draft',
        updatedAt: now,
        version: existing.version + 1,
      })
      .where(and(eq(invoices.organizationId, existing.organizationId), eq(invoices.id, existing.id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId: args.organizationId,
      aggregateType: 'invoice',
      aggregateId: existing.id,
      action: 'invoice.draft_rebuilt',
      actor: args.actor,
      changes: {
        payable: { before: existing.payable, after: columns.payable },
        holds: holds.map((h) => h.code),
      },
    });
    return row ?? null;
  }
  const id = deps.ids.uuid();
  const [row] = await tx.db
    .insert(invoices)
    .values({
      organizationId: args.organizationId,
      id,
      kind: args.kind,
      status: 'draft',
      billingKey: args.billingKey,
      jobId: args.jobId,
      seriesId: args.seriesId ?? null,
      correctsInvoiceId: args.correctsInvoiceId ?? null,
      creditReason: args.creditReason ?? null,
      periodStart: args.period?.start ?? null,
      periodEnd: args.period?.end ?? null,
      document,
      ...columns,
      holdReasons: holds,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await appendAudit(tx, deps, {
    organizationId: args.organizationId,
    aggregateType: 'invoice',
    aggregateId: id,
    action: 'invoice.drafted',
    actor: args.actor,
    first: true,
    changes: {
      kind: args.kind,
      billingKey: args.billingKey,
      jobId: args.jobId,
      payable: columns.payable,
      holds: holds.map((h) => h.code),
    },
  });
  return row ?? null;
};

/** Jobs whose work an invoice bills: the job, or every visit line of a cycle invoice. */
const billedJobIds = async (tx: Tx, row: InvoiceRow): Promise<string[]> => {
  if (row.kind !== 'invoice') return [];
  if (row.seriesId) {
    const { rows } = await tx.raw.query<{ job_id: string }>(
      `SELECT job_id FROM invoiced_work WHERE organization_id = $1 AND invoice_id = $2`,
      [row.organizationId, row.id],
    );
    const fromDoc = (row.document as { cycleJobIds?: string[] }).cycleJobIds ?? [];
    return rows.length > 0 ? rows.map((r) => r.job_id) : fromDoc;
  }
  return row.jobId ? [row.jobId] : [];
};

/**
 * Issues a draft: our EN 16931 rules first (a breach sends the draft to needs_review with the rule IDs,
 * and the job with it), then the number from the gapless per-organization sequence, in this transaction.
 * The work is claimed in invoiced_work, so no second invoice can bill it; the packet renders from the queue.
 */
export const issueInvoice = async (
  tx: Tx,
  deps: Ctx,
  row: InvoiceRow,
  actor: Actor,
  /** What the caller already read in this transaction: the organization, and the jobs a new draft bills. */
  known: { org?: OrgRow; jobIds?: string[] } = {},
): Promise<InvoiceRow> => {
  if (row.status !== 'draft') {
    throw new AppError('invalid_transition', `The invoice is ${row.status}: only a draft is issued`, {
      fields: [{ field: 'status', message: `is ${row.status}` }],
    });
  }
  const blocking = row.holdReasons.filter(
    (h) => !['auto_issue_off', 'po_missing', 'after_credit'].includes(h.code),
  );
  if (blocking.length > 0) {
    throw new AppError(
      'conflict',
      `The draft cannot be issued: ${blocking.map((h) => h.message).join('; ')}`,
      {
        fields: blocking.map((h) => ({ field: h.code, message: h.message })),
      },
    );
  }
  const doc = documentOf(row);
  const breaches = en16931Breaches(doc);
  const jobIds = known.jobIds ?? (await billedJobIds(tx, row));
  if (breaches.length > 0) {
    const failed = await changeInvoice(
      tx,
      deps,
      row,
      'fail',
      actor,
      { holdReasons: breaches.map(toHold) },
      { rules: breaches.map((b) => b.rule) },
    );
    for (const jobId of jobIds) await failJob(tx, deps, row.organizationId, jobId, breaches);
    return failed;
  }
  const org = known.org ?? (await loadOrg(tx, row.organizationId));
  const now = deps.clock.now();
  const issueDate = businessDate(now, org.timeZone);
  const year = issueDate.slice(0, 4);
  const seq = await nextNumber(tx, row.organizationId, `${PREFIX[row.kind]}:${year}`, 1);
  const number = `${PREFIX[row.kind]}-${year}-${String(seq).padStart(5, '0')}`;
  const due = new Date(`${issueDate}T00:00:00Z`);
  due.setUTCDate(due.getUTCDate() + doc.paymentTermsDays);
  const issued = await changeInvoice(
    tx,
    deps,
    row,
    'issue',
    actor,
    { number, issueDate, dueDate: due.toISOString().slice(0, 10), issuedAt: now, holdReasons: [] },
    { payable: row.payable },
  );
  if (jobIds.length > 0) {
    // The primary key (organization, job) refuses a second live invoice for the same work.
    await tx.db.insert(invoicedWork).values(
      jobIds.map((jobId) => ({
        organizationId: row.organizationId,
        jobId,
        invoiceId: row.id,
        createdAt: now,
      })),
    );
    await changeJobsBilling(tx, deps, {
      organizationId: row.organizationId,
      jobIds,
      actor,
      action: 'job.invoiced',
      billing: 'invoice',
      patch: { invoicedAt: now },
      extraChanges: { invoiceId: row.id, invoiceNumber: number },
    });
  }
  await deps.queue.enqueue(
    tx,
    { name: 'invoice.render', data: { organizationId: row.organizationId, invoiceId: row.id } },
    { key: row.id },
  );
  // The push to each connected accounting system is enqueued by the change that causes it.
  await enqueuePushes(tx, deps, issued);
  // The final invoice asks for the whole supply less what was paid on a payment request: what is still
  // unpaid on the request is withdrawn, so the customer is not asked for it twice.
  if (row.kind === 'invoice')
    for (const jobId of jobIds)
      await withdrawUnpaidRequests(tx, deps, row.organizationId, jobId, number, actor);
  return issued;
};

const withdrawUnpaidRequests = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  jobId: string,
  invoiceNumber: string,
  actor: Actor,
) => {
  const requests = await tx.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        eq(invoices.jobId, jobId),
        eq(invoices.kind, 'deposit_invoice'),
        inArray(invoices.status, ['issued', 'sent', 'partially_paid']),
      ),
    )
    .for('update');
  for (const r of requests) {
    const unpaid = new Decimal(r.payable).minus(r.amountPaid).minus(r.amountCredited);
    if (documentOf(r).profile !== 'payment_request' || unpaid.lte(0)) continue;
    await creditInTx(
      tx,
      deps,
      r,
      {
        reason: 'replaced_by_invoice',
        memo: `Replaced by invoice ${invoiceNumber}, which asks for the whole amount less what was paid here`,
        withdraw: unpaid.toFixed(),
      },
      actor,
    );
    // Part paid and the rest withdrawn: the request is settled.
    const after = await lockInvoice(tx, organizationId, r.id);
    if (after.status === 'partially_paid')
      await changeInvoice(
        tx,
        deps,
        after,
        'pay_full',
        actor,
        { paidAt: deps.clock.now() },
        {
          withdrawn: unpaid.toFixed(),
        },
      );
  }
};

const toHold = (b: RuleBreach): Hold => ({ code: b.rule, message: b.message });

/** Sends a job whose invoice step failed to needs_review, remembering the step it failed in. */
export const failJob = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  jobId: string,
  breaches: RuleBreach[],
) => {
  const job = await lockJob(tx, organizationId, jobId);
  if (job.billingStatus !== 'invoice_ready' && job.billingStatus !== 'invoiced') return null;
  return changeJob(tx, deps, {
    organizationId,
    jobId,
    actor: SYSTEM_ACTOR,
    locked: job,
    action: 'job.invoice_failed',
    billing: 'fail',
    patch: { reviewFrom: job.billingStatus },
    reason: breaches
      .map((b) => (b.rule ? `${b.rule}: ${b.message}` : b.message))
      .join('; ')
      .slice(0, 1000),
    extraChanges: { rules: breaches.map((b) => b.rule).filter(Boolean) },
  });
};

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

/** The job's issued deposit documents: the final invoice deducts them (advancesOf). */
const unbuiltOf = (ctx: JobContext, job: JobRow) => ({
  currency: ctx.customer.invoiceCurrency ?? ctx.org.currency,
  jobNumbers: [jobNumber(job.number)],
  buyer: ctx.customer.name,
});

const depositsOf = (tx: Tx, job: JobRow): Promise<InvoiceRow[]> =>
  tx.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, job.organizationId),
        eq(invoices.jobId, job.id),
        eq(invoices.kind, 'deposit_invoice'),
      ),
    );

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

    if (job.depositRequired && job.depositAmount && !['canceled', 'no_show'].includes(job.status)) {
      const draft = await upsertDraft(tx, deps, {
        organizationId,
        billingKey: `deposit:${job.id}`,
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
      const built = await buildJobInvoice(tx, job, ctx, advancesOf(await depositsOf(tx, job)), null);
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
      const deposits = await tx.db
        .select()
        .from(invoices)
        .where(
          and(
            eq(invoices.organizationId, organizationId),
            eq(invoices.jobId, job.id),
            eq(invoices.kind, 'deposit_invoice'),
          ),
        );
      for (const d of deposits) {
        const refundable = new Decimal(d.amountPaid).minus(d.amountCredited);
        if (d.number && refundable.gt(0)) {
          const credit = await creditInTx(
            tx,
            deps,
            d,
            {
              reason: 'canceled_job',
              memo: `Refund of the deposit: ${jobNumber(job.number)} was ${job.status.replace('_', '-')}`,
            },
            actor,
          );
          out.push(`refund:${credit.number}`);
        } else if (d.status === 'draft') {
          out.push('deposit:draft_left');
        }
      }
    }
    return out;
  });

/** Discards the job's drafts that were never numbered (draft or needs_review): they go void, on record. */
export const discardOpenDrafts = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  jobId: string,
  actor: Actor,
  reason: string,
): Promise<InvoiceRow[]> => {
  const open = await tx.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        eq(invoices.jobId, jobId),
        inArray(invoices.status, ['draft', 'needs_review']),
      ),
    )
    .for('update');
  const out: InvoiceRow[] = [];
  for (const row of open) out.push(await changeInvoice(tx, deps, row, 'discard', actor, {}, {}, reason));
  return out;
};

/** Billable closeout lines of a job (none: nothing to invoice, the job is not billable). */
const billableLineCount = async (tx: Tx, organizationId: string, jobId: string): Promise<number> => {
  const { rows } = await tx.raw.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM closeout_lines WHERE organization_id = $1 AND job_id = $2 AND billable`,
    [organizationId, jobId],
  );
  return rows[0]?.n ?? 0;
};

// ---------------------------------------------------------------- office actions

export const issueById = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const row = await lockInvoice(tx, organizationId, id);
    return issueInvoice(tx, deps, row, actor);
  });

/** Draft fields the office may set; everything else comes from the job. An issued document is immutable. */
export const updateDraft = (
  deps: Deps,
  organizationId: string,
  id: string,
  patch: { memo?: string | null | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const row = await lockInvoice(tx, organizationId, id);
    if (row.status !== 'draft') {
      throw new AppError(
        'immutable',
        `${row.number ?? 'The invoice'} is ${row.status}: correct it with a credit note`,
        {
          fields: [{ field: 'status', message: `is ${row.status}` }],
        },
      );
    }
    const doc = documentOf(row);
    const memo = patch.memo === undefined ? doc.memo : patch.memo;
    const [updated] = await tx.db
      .update(invoices)
      .set({ document: { ...doc, memo }, updatedAt: deps.clock.now(), version: row.version + 1 })
      .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'invoice',
      aggregateId: id,
      action: 'invoice.draft_edited',
      actor,
      changes: { memo: { before: doc.memo, after: memo } },
    });
    if (!updated) throw new Error('draft update returned nothing');
    return updated;
  });

export const sendInvoice = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const row = await lockInvoice(tx, organizationId, id);
    const sent = await changeInvoice(tx, deps, row, 'send', actor, { sentAt: deps.clock.now() });
    await deps.queue.enqueue(
      tx,
      { name: 'invoice.send', data: { organizationId, invoiceId: id } },
      { key: `${id}:${sent.version}` },
    );
    return sent;
  });

export type PaymentInput = {
  invoiceId: string;
  amount: string;
  receivedOn: string;
  method: 'card' | 'bank_transfer' | 'cash' | 'check' | 'other';
  reference?: string | null | undefined;
};

/**
 * Records a full or partial payment; the invoice's status follows the outstanding amount. A paid deposit
 * is written to the job and rebuilds its final draft, where it shows as prepaid.
 */
export const recordPayment = (deps: Deps, organizationId: string, input: PaymentInput, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const row = await lockInvoice(tx, organizationId, input.invoiceId);
    // On a credit note the "payment" is the refund paid out to the customer: what is outstanding is refund due.
    const outstanding = new Decimal(row.payable).minus(row.amountPaid).minus(row.amountCredited);
    const amount = new Decimal(input.amount);
    if (amount.gt(outstanding)) {
      throw new AppError(
        'validation_failed',
        `The payment exceeds the ${outstanding.toFixed(2)} outstanding`,
        {
          fields: [{ field: 'body.amount', message: `at most ${outstanding.toFixed(2)}` }],
        },
      );
    }
    if (input.reference) {
      const [dup] = await tx.db
        .select({ id: payments.id })
        .from(payments)
        .where(
          and(
            eq(payments.organizationId, organizationId),
            eq(payments.invoiceId, row.id),
            eq(payments.reference, input.reference),
          ),
        );
      if (dup)
        throw new AppError('conflict', 'A payment with this reference is already recorded', {
          fields: [{ field: 'body.reference', message: 'already recorded' }],
        });
    }
    const now = deps.clock.now();
    const id = deps.ids.uuid();
    const paid = new Decimal(row.amountPaid).plus(amount);
    const full = paid.plus(row.amountCredited).gte(row.payable);
    await tx.db.insert(payments).values({
      organizationId,
      id,
      invoiceId: row.id,
      amount: amount.toFixed(),
      receivedOn: input.receivedOn,
      method: input.method,
      reference: input.reference ?? null,
      recordedByType: actor.type,
      recordedById: actor.id,
      createdAt: now,
    });
    const updated = await changeInvoice(
      tx,
      deps,
      row,
      full ? 'pay_full' : 'pay_part',
      actor,
      { amountPaid: paid.toFixed(), ...(full ? { paidAt: now } : {}) },
      { paymentId: id, amount: amount.toFixed(), method: input.method },
    );
    if (row.kind === 'deposit_invoice' && row.jobId) {
      const job = await lockJob(tx, organizationId, row.jobId);
      await changeJob(tx, deps, {
        organizationId,
        jobId: job.id,
        actor,
        locked: job,
        action: 'job.deposit_received',
        patch: { depositReceived: new Decimal(job.depositReceived ?? '0').plus(amount).toFixed() },
      });
    } else if (full) {
      for (const jobId of await billedJobIds(tx, row)) {
        const job = await lockJob(tx, organizationId, jobId);
        if (job.billingStatus !== 'invoiced') continue;
        await changeJob(tx, deps, {
          organizationId,
          jobId,
          actor,
          locked: job,
          action: 'job.paid',
          billing: 'pay',
          patch: { paidAt: now },
        });
      }
    }
    return { paymentId: id, invoice: updated };
  });

export type CreditInput = {
  reason: CreditReason;
  memo?: string | null | undefined;
  /** Partial credit: positions of the original's lines and the quantity credited; absent = full credit. */
  lines?: { position: number; quantity: string }[] | undefined;
  /** Internal: withdraw this amount of a payment request (what is left unpaid on it). */
  withdraw?: string | undefined;
};

const creditInTx = async (
  tx: Tx,
  deps: Ctx,
  original: InvoiceRow,
  input: CreditInput,
  actor: Actor,
): Promise<InvoiceRow> => {
  if (
    !original.number ||
    !original.issueDate ||
    original.kind === 'credit_note' ||
    !['issued', 'sent', 'partially_paid', 'paid'].includes(original.status)
  ) {
    throw new AppError(
      'invalid_transition',
      `Only an issued invoice is credited; this one is ${original.status}`,
      {
        fields: [{ field: 'status', message: `is ${original.status}` }],
      },
    );
  }
  const doc = documentOf(original);
  const { rows: priorRows } = await tx.raw.query<{ document: InvoiceDocument; tax_exclusive: string }>(
    `SELECT document, tax_exclusive FROM invoices
      WHERE organization_id = $1 AND corrects_invoice_id = $2 AND number IS NOT NULL`,
    [original.organizationId, original.id],
  );
  const plan =
    input.withdraw !== undefined
      ? planRemainderCredit(doc, input.withdraw, new Decimal(original.amountPaid).isZero())
      : planCredit(
          doc,
          priorRows.flatMap((r) => (r.document.creditAllocation ? [r.document.creditAllocation] : [])),
          input.lines,
        );
  if (!plan.ok)
    throw new AppError('validation_failed', plan.problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
      fields: plan.problems,
    });
  const { calc: _calc, lines: _lines, ...common } = doc;
  const built = assemble(
    { ...common, memo: input.memo ?? null },
    'credit_note',
    {
      currency: doc.calc.currency,
      lines: plan.lines.map((l) => l.input),
      allowances: plan.allowances,
      charges: plan.charges,
    },
    plan.lines.map(({ source: l }, i) => ({
      position: i + 1,
      description: l.description,
      sku: l.sku,
      unitCode: l.unitCode,
      kind: l.kind,
      jobNumber: l.jobNumber,
      serviceDate: l.serviceDate,
    })),
    {
      preceding: { number: original.number, issueDate: original.issueDate },
      creditReason: input.reason,
      period: doc.period,
      // Credited at the invoice's own rate, so the VAT stated in the organization's currency reverses exactly.
      exchange: doc.exchange ?? null,
    },
  );
  if (!built.ok) throw new AppError('validation_failed', built.problems.map((p) => p.message).join('; '));
  built.document.creditAllocation = plan.allocation;
  // By construction a credit takes back at most what is left of the invoice's net; checked all the same.
  const netLeft = new Decimal(original.taxExclusive).minus(sum(priorRows.map((r) => r.tax_exclusive)));
  if (new Decimal(built.document.calc.totals.taxExclusive).gt(netLeft)) {
    throw new AppError('validation_failed', `The credit exceeds the ${netLeft.toFixed(2)} not yet credited`, {
      fields: [
        {
          field: 'body.lines',
          message: `credits ${built.document.calc.totals.taxExclusive} net, at most ${netLeft.toFixed(2)} remain`,
        },
      ],
    });
  }
  const credited = new Decimal(built.document.calc.totals.taxInclusive);
  const creditId = deps.ids.uuid();
  const draft = await upsertDraft(tx, deps, {
    organizationId: original.organizationId,
    billingKey: `credit:${creditId}`,
    kind: 'credit_note',
    jobId: original.jobId,
    seriesId: original.seriesId,
    correctsInvoiceId: original.id,
    creditReason: input.reason,
    period: doc.period,
    built,
    holds: [],
    actor,
  });
  if (!draft) throw new Error('credit note draft not created');
  const issued = await issueInvoice(tx, deps, draft, actor);
  const totalCredited = new Decimal(original.amountCredited).plus(credited);
  if (plan.completes) {
    await changeInvoice(
      tx,
      deps,
      original,
      'credit_full',
      actor,
      { amountCredited: totalCredited.toFixed() },
      { creditNoteId: issued.id, creditNote: issued.number },
      input.reason,
    );
    // The work is released: the job waits for its corrected invoice.
    const released = await tx.db
      .delete(invoicedWork)
      .where(
        and(
          eq(invoicedWork.organizationId, original.organizationId),
          eq(invoicedWork.invoiceId, original.id),
        ),
      )
      .returning();
    for (const w of released) {
      await changeJob(tx, deps, {
        organizationId: original.organizationId,
        jobId: w.jobId,
        actor,
        action: 'job.invoice_credited',
        billing: 'credit',
        extraChanges: { creditNoteId: issued.id, creditNote: issued.number, reason: input.reason },
      });
    }
  } else {
    await tx.db
      .update(invoices)
      .set({
        amountCredited: totalCredited.toFixed(),
        updatedAt: deps.clock.now(),
        version: sql`${invoices.version} + 1`,
      })
      .where(and(eq(invoices.organizationId, original.organizationId), eq(invoices.id, original.id)));
    await appendAudit(tx, deps, {
      organizationId: original.organizationId,
      aggregateType: 'invoice',
      aggregateId: original.id,
      action: 'invoice.credited_partly',
      actor,
      changes: {
        amountCredited: { before: original.amountCredited, after: totalCredited.toFixed() },
        creditNote: issued.number,
      },
      reason: input.reason,
    });
  }
  return issued;
};

/** A correction: a credit note (full or partial) referencing the invoice; a full one lets the job be invoiced anew. */
export const createCreditNote = (
  deps: Deps,
  organizationId: string,
  invoiceId: string,
  input: CreditInput,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const original = await lockInvoice(tx, organizationId, invoiceId);
    return creditInTx(tx, deps, original, input, actor);
  });

/** Returns a needs_review draft to draft after the office fixed its cause; issue it again from there. */
export const reprocessInvoice = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const row = await lockInvoice(tx, organizationId, id);
    // The cause is usually a seller setting (VAT ID, address): the document takes the current ones. A job's
    // invoice is rebuilt in full by invoice.prepare once the job is invoice-ready again.
    const org = await loadOrg(tx, organizationId);
    const doc = documentOf(row);
    const document = doc.calc ? { ...doc, seller: sellerOf(org), profile: profileOf(org, doc.buyer) } : doc;
    const back = await changeInvoice(tx, deps, row, 'reprocess', actor, { holdReasons: [], document });
    for (const jobId of row.jobId ? [row.jobId] : []) {
      const job = await lockJob(tx, organizationId, jobId);
      if (job.billingStatus === 'needs_review')
        await changeJob(tx, deps, {
          organizationId,
          jobId,
          actor,
          locked: job,
          action: 'job.reprocessed',
          billing: 'reprocess',
          patch: { reviewFrom: null },
        });
    }
    return back;
  });

// ---------------------------------------------------------------- reads

export const getInvoice = async (deps: Deps, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, id)));
  return row;
};

export const paymentsOf = (deps: Deps, organizationId: string, invoiceId: string) =>
  deps.database.db
    .select()
    .from(payments)
    .where(and(eq(payments.organizationId, organizationId), eq(payments.invoiceId, invoiceId)))
    .orderBy(payments.createdAt);

export const listInvoices = async (
  deps: Deps,
  organizationId: string,
  f: {
    status?: InvoiceStatus | undefined;
    kind?: InvoiceRow['kind'] | undefined;
    jobId?: string | undefined;
    customerId?: string | undefined;
    jobTypeId?: string | undefined;
    createdFrom?: string | undefined;
    createdTo?: string | undefined;
    limit: number;
    before?: { createdAt: Date; id: string } | undefined;
  },
) =>
  deps.database.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        f.status ? eq(invoices.status, f.status) : undefined,
        f.kind ? eq(invoices.kind, f.kind) : undefined,
        f.jobId ? eq(invoices.jobId, f.jobId) : undefined,
        f.customerId || f.jobTypeId
          ? inArray(
              invoices.jobId,
              deps.database.db
                .select({ id: jobs.id })
                .from(jobs)
                .where(
                  and(
                    eq(jobs.organizationId, organizationId),
                    f.customerId ? eq(jobs.customerId, f.customerId) : undefined,
                    f.jobTypeId ? eq(jobs.jobTypeId, f.jobTypeId) : undefined,
                  ),
                ),
            )
          : undefined,
        f.createdFrom ? gte(invoices.createdAt, new Date(f.createdFrom)) : undefined,
        f.createdTo ? lt(invoices.createdAt, new Date(f.createdTo)) : undefined,
        f.before
          ? sql`(${invoices.createdAt}, ${invoices.id}) < (${f.before.createdAt}, ${f.before.id})`
          : undefined,
      ),
    )
    .orderBy(desc(invoices.createdAt), desc(invoices.id))
    .limit(f.limit + 1);

/** The approval decisions on a job, for the packet's approval log. */
export const approvalLog = async (tx: Tx | Deps['database'], organizationId: string, jobIds: string[]) => {
  if (jobIds.length === 0) return [];
  return tx.db
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.organizationId, organizationId), inArray(approvalRequests.jobId, jobIds)))
    .orderBy(approvalRequests.createdAt);
};

export { commonOf, documentOf, type InvoiceRow };

/** A billing period's end is not before its start (named as the request's `body.periodEnd`). */
export const assertPeriod = (period: { start: string; end: string }) => {
  if (period.end < period.start)
    throw new AppError('validation_failed', 'periodEnd is before periodStart', {
      fields: [{ field: 'body.periodEnd', message: 'before periodStart' }],
    });
};

const NOTHING_READY = 'No visit of this cycle is ready to invoice';
/**
 * invoiceCycle's refusal when no visit of the period can be billed (all unfinished, or already invoiced):
 * an answer, unlike its other conflicts (a missing tax code, a concurrent change).
 */
export const isNothingReady = (err: unknown): err is AppError =>
  err instanceof AppError && err.code === 'conflict' && err.message === NOTHING_READY;

/**
 * One invoice per customer per billing cycle of a per-cycle series: every visit in the period that is
 * invoice-ready, each line naming the visit's job number and date. Visits not complete when the cycle
 * closes are listed as exceptions on the invoice (and stay open for the next cycle).
 */
export const invoiceCycle = (
  deps: Deps,
  organizationId: string,
  seriesId: string,
  period: { start: string; end: string },
  actor: Actor,
  /** Runs in the invoice's own transaction once it is made (a cycle run records its item there). */
  onInvoiced?: (tx: Tx, invoice: InvoiceRow) => Promise<void>,
) =>
  deps.database.transaction(async (tx) => {
    const [s] = await tx.db
      .select()
      .from(series)
      .where(and(eq(series.organizationId, organizationId), eq(series.id, seriesId)))
      .for('update');
    if (!s) throw notFound('series');
    if (s.billingRule !== 'per_cycle') {
      throw new AppError('invalid_transition', 'This series is billed per visit, not per cycle', {
        fields: [{ field: 'billingRule', message: `is ${s.billingRule}` }],
      });
    }
    assertPeriod(period);
    const visits = await tx.db
      .select()
      .from(jobs)
      .where(
        and(
          eq(jobs.organizationId, organizationId),
          eq(jobs.seriesId, seriesId),
          sql`${jobs.occurrenceDate} BETWEEN ${period.start} AND ${period.end}`,
        ),
      )
      .orderBy(jobs.occurrenceDate)
      .for('update');
    const billed = visits.length
      ? await tx.db
          .select({ jobId: invoicedWork.jobId })
          .from(invoicedWork)
          .where(
            and(
              eq(invoicedWork.organizationId, organizationId),
              inArray(
                invoicedWork.jobId,
                visits.map((v) => v.id),
              ),
            ),
          )
      : [];
    const billedIds = new Set(billed.map((b) => b.jobId));
    const ready = visits.filter((v) => v.billingStatus === 'invoice_ready' && !billedIds.has(v.id));
    const exceptions = visits
      .filter(
        (v) =>
          !['invoice_ready', 'invoiced', 'paid', 'not_billable'].includes(v.billingStatus) &&
          !['canceled', 'no_show'].includes(v.status),
      )
      .map(
        (v) =>
          `${jobNumber(v.number)} ${v.occurrenceDate}: ${v.status}, ${v.billingStatus.replaceAll('_', ' ')}`,
      );
    const first = ready[0];
    if (!first) {
      throw new AppError('conflict', NOTHING_READY, {
        fields: [{ field: 'body.periodStart', message: 'no invoice-ready visits in the period' }],
        extra: { exceptions },
      });
    }
    const ctx = await loadJobContext(tx, first);
    // The cycle's supply ends with its period: its prices convert at the rate valid then.
    const priced$ = await documentMoney(tx, ctx, period.end);
    if (!priced$.ok)
      throw new AppError('conflict', priced$.problems.map((p) => p.message).join('; '), {
        fields: [{ field: 'body.periodStart', message: priced$.problems[0]?.message ?? '' }],
      });
    const { money } = priced$;
    // All the visits' lines in one query, in visit order.
    const { rows: allLines } = await tx.raw.query<{
      job_id: string;
      kind: VisitLine['kind'];
      description: string;
      quantity: string;
      unit_price: string;
      list_price: string | null;
      unit_code: string;
      sku: string | null;
      tax_code_id: string | null;
    }>(
      `SELECT job_id, kind, description, quantity, unit_price, list_price, unit_code, sku, tax_code_id FROM closeout_lines
        WHERE organization_id = $1 AND job_id = ANY($2::uuid[]) AND billable ORDER BY job_id, position`,
      [organizationId, ready.map((v) => v.id)],
    );
    // Each visit priced as its own invoice would price it (priceVisits): per-visit and per-cycle billing of
    // the same work come to the same net.
    const priceable: Visit[] = ready.map((v) => {
      const taxOf = lineTax(ctx, v);
      return {
        jobNumber: jobNumber(v.number),
        serviceDate: v.occurrenceDate,
        discountPercent: v.discountPercent,
        lines: allLines
          .filter((l) => l.job_id === v.id)
          .map((r) => {
            const tax = taxOf(r.tax_code_id);
            if (!tax) throw new AppError('conflict', 'The organization has no tax code');
            return {
              kind: r.kind,
              description: r.description,
              sku: r.sku,
              unitCode: r.unit_code,
              quantity: r.quantity,
              unitPrice: priceIn(money, r.unit_price),
              listPrice: r.list_price === null ? null : priceIn(money, r.list_price),
              tax,
            };
          }),
      };
    });
    const priced = priceVisits(priceable);
    const common = commonOf(ctx, first, null);
    const built = assemble(
      {
        ...common,
        jobNumbers: ready.map((v) => jobNumber(v.number)),
        serviceDate: null,
        buyerReference: first.poNumber ?? `Cycle ${period.start}`,
      },
      'invoice',
      {
        currency: money.currency,
        lines: priced.lines,
        allowances: priced.allowances,
        charges: priced.charges,
        payableRoundingIncrement: roundingFor(ctx.org, money),
      },
      priced.meta,
      { exceptions, period, exchange: money.exchange },
    );
    if (built.ok) built.document.cycleJobIds = ready.map((v) => v.id);
    const { rows: gen } = await tx.raw.query<{ n: string }>(
      `SELECT count(*) AS n FROM invoices
        WHERE organization_id = $1 AND series_id = $2 AND period_start = $3 AND status NOT IN ('draft', 'needs_review')`,
      [organizationId, seriesId, period.start],
    );
    const draft = await upsertDraft(tx, deps, {
      organizationId,
      billingKey: `cycle:${seriesId}:${period.start}:${Number(gen[0]?.n ?? 0)}`,
      kind: 'invoice',
      jobId: null,
      seriesId,
      period,
      built,
      holds: ctx.org.invoiceAutoIssue
        ? []
        : [{ code: 'auto_issue_off', message: 'Auto-issue is off: issue from the billing queue' }],
      actor,
    });
    if (!draft) throw new Error('cycle draft not created');
    if (!built.ok) throw new AppError('validation_failed', built.problems.map((p) => p.message).join('; '));
    // The draft was made in this transaction: nothing claims its visits yet but these.
    const invoice =
      draft.holdReasons.length === 0
        ? await issueInvoice(tx, deps, draft, actor, { org: ctx.org, jobIds: ready.map((v) => v.id) })
        : draft;
    await onInvoiced?.(tx, invoice);
    return invoice;
  });
