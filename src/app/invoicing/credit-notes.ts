import Decimal from 'decimal.js';
import { and, eq, sql } from 'drizzle-orm';
import { planAdvanceCredit, planCredit, planRemainderCredit } from '../../core/credit-plan';
import { AppError } from '../../core/errors';
import type { CreditReason, InvoiceDocument } from '../../core/invoice-document';
import { sumDecimals as sum } from '../../core/money';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { invoicedWork, invoices } from '../../db/schema';
import { enqueueAllocationPushes } from '../accounting/push-queue';
import { appendAudit } from '../audit/audit';
import { emitEvent } from '../integrations/webhooks';
import { changeJob, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { assemble, documentOf, type InvoiceRow } from './invoice-documents';
import { type Ctx, changeInvoice, lockInvoice, outstandingOf, upsertDraft } from './invoice-store';
import { issueDocument } from './issue-document';
import { settleOwedNothing } from './record-payment';

export type CreditInput = {
  reason: CreditReason;
  memo?: string | null | undefined;
  /** Partial credit: positions of the original's lines and the quantity credited; absent = full credit. */
  lines?: { position: number; quantity: string }[] | undefined;
  /** Internal: withdraw this amount of a payment request (what is left unpaid on it). */
  withdraw?: string | undefined;
  /** Internal: give back this net of an advance invoice, per tax group (what the work did not use). */
  unused?: readonly { groupKey: string; net: string }[] | undefined;
  /**
   * Internal: what an unused-advance credit comes to, tax included, and in at most how many minor units a
   * rounding amount (BT-114) may take up the cents VAT rounded per document left: the advances then keep
   * exactly the work's price.
   */
  gross?: { amount: string; units: number } | undefined;
};

export const creditInTx = async (
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
  const priors = priorRows.flatMap((r) => (r.document.creditAllocation ? [r.document.creditAllocation] : []));
  const plan =
    input.withdraw !== undefined
      ? planRemainderCredit(doc, input.withdraw, new Decimal(original.amountPaid).isZero())
      : input.unused !== undefined
        ? planAdvanceCredit(doc, priors, input.unused)
        : planCredit(doc, priors, input.lines);
  if (!plan.ok)
    throw new AppError('validation_failed', plan.problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
      fields: plan.problems,
    });
  const { calc: _calc, lines: _lines, ...common } = doc;
  const preceding = { number: original.number, issueDate: original.issueDate };
  const build = (rounding?: { amount: string; units: number }) =>
    assemble(
      { ...common, memo: input.memo ?? null },
      'credit_note',
      {
        currency: doc.calc.currency,
        lines: plan.lines.map((l) => l.input),
        allowances: plan.allowances,
        charges: plan.charges,
        ...(rounding ? { rounding: rounding.amount, roundingUnits: rounding.units } : {}),
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
        preceding,
        creditReason: input.reason,
        period: doc.period,
        // Credited at the invoice's own rate, so the VAT stated in the organization's currency reverses exactly.
        exchange: doc.exchange ?? null,
      },
    );
  let built = build();
  if (built.ok && input.gross) {
    const drift = new Decimal(input.gross.amount).minus(built.document.calc.totals.taxInclusive);
    // A drift beyond the bound is not a rounding: the credit stays as computed, the final invoice's own
    // rounding takes up what is left.
    const rounded = drift.isZero() ? null : build({ amount: drift.toFixed(), units: input.gross.units });
    if (rounded?.ok) built = rounded;
  }
  if (!built.ok) throw new AppError('validation_failed', built.problems.map((p) => p.message).join('; '));
  built.document.creditAllocation = plan.allocation;
  // By construction a credit takes back at most what is left of the invoice's net; checked all the same.
  const netLeft = new Decimal(original.taxExclusive).minus(sum(priorRows.map((r) => r.tax_exclusive)));
  if (new Decimal(built.document.calc.totals.taxExclusive).gt(netLeft)) {
    throw new AppError(
      'credit_exceeds_invoice',
      `The credit exceeds the ${netLeft.toFixed(2)} not yet credited`,
      {
        fields: [
          {
            field: 'body.lines',
            message: `credits ${built.document.calc.totals.taxExclusive} net, at most ${netLeft.toFixed(2)} remain`,
          },
        ],
      },
    );
  }
  const credited = new Decimal(built.document.calc.totals.payable);
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
  let issued = await issueDocument(tx, deps, draft, actor);
  // What the credit settles of what the invoice still owed; the rest is the customer's (a refund due). The
  // credit note records it as credited, so only the rest can be refunded, and the accounting systems apply
  // exactly this much to the invoice.
  const owedBefore = Decimal.max(0, outstandingOf(original));
  const applied = Decimal.min(credited, owedBefore);
  if (applied.gt(0)) {
    const [withApplied] = await tx.db
      .update(invoices)
      .set({ amountCredited: applied.toFixed(), updatedAt: deps.clock.now() })
      .where(and(eq(invoices.organizationId, issued.organizationId), eq(invoices.id, issued.id)))
      .returning();
    if (withApplied) issued = withApplied;
    await enqueueAllocationPushes(tx, deps, {
      organizationId: original.organizationId,
      creditNoteId: issued.id,
      invoiceId: original.id,
      amount: applied.toFixed(),
    });
  }
  const totalCredited = new Decimal(original.amountCredited).plus(credited);
  // A deposit credited is a smaller deposit asked: the job's deposit is what is left of it, so a deposit due
  // before the work is met once the rest is paid (and a refund of it comes off what was received).
  if (original.kind === 'deposit_invoice' && original.jobId && !doc.progress) {
    const job = await lockJob(tx, original.organizationId, original.jobId);
    await changeJob(tx, deps, {
      organizationId: original.organizationId,
      jobId: job.id,
      actor,
      locked: job,
      action: 'job.deposit_credited',
      patch: {
        depositAmount: Decimal.max(0, new Decimal(job.depositAmount ?? '0').minus(credited)).toFixed(),
      },
      extraChanges: { creditNote: issued.number, amount: credited.toFixed() },
      reason: input.reason,
    });
  }
  if (plan.completes) {
    await changeInvoice(
      tx,
      deps,
      original,
      'credit_full',
      actor,
      { amountCredited: totalCredited.toFixed() },
      { creditNoteId: issued.id, creditNote: issued.number, appliedToBalance: applied.toFixed() },
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
        patch: { reviewFrom: null },
        extraChanges: { creditNoteId: issued.id, creditNote: issued.number, reason: input.reason },
      });
    }
  } else {
    const [after] = await tx.db
      .update(invoices)
      .set({
        amountCredited: totalCredited.toFixed(),
        updatedAt: deps.clock.now(),
        version: sql`${invoices.version} + 1`,
      })
      .where(and(eq(invoices.organizationId, original.organizationId), eq(invoices.id, original.id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId: original.organizationId,
      aggregateType: 'invoice',
      aggregateId: original.id,
      action: 'invoice.credited_partly',
      actor,
      changes: {
        amountCredited: { before: original.amountCredited, after: totalCredited.toFixed() },
        creditNote: issued.number,
        appliedToBalance: applied.toFixed(),
      },
      reason: input.reason,
    });
    // A partial credit is a credit too: receivers hear of every one, not only the full ones.
    await emitEvent(tx, deps, original.organizationId, 'invoice.credited', {
      invoiceId: original.id,
      kind: original.kind,
      number: original.number,
      status: original.status,
      jobId: original.jobId,
      currency: original.currency,
      payable: original.payable,
      amountPaid: original.amountPaid,
      amountCredited: totalCredited.toFixed(),
      creditNoteId: issued.id,
      creditNote: issued.number,
      full: false,
    });
    // Paid in part and the rest credited: nothing is owed any more, so the document (and its job) is settled.
    if (
      after &&
      new Decimal(after.amountPaid).gt(0) &&
      outstandingOf(after).isZero() &&
      ['issued', 'sent', 'partially_paid'].includes(after.status)
    )
      await settleOwedNothing(
        tx,
        deps,
        after,
        actor,
        { creditNoteId: issued.id, creditNote: issued.number },
        'The credit note settles what was still owed',
      );
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
