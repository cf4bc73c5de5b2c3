import { and, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { invoices } from '../../db/schema';
import { creditInTx } from './credit-notes';
import { documentOf, type InvoiceRow, type OrgRow } from './invoice-documents';
import { type Ctx, outstandingOf } from './invoice-store';
import { billedJobIds, issueDocument } from './issue-document';
import { settleOwedNothing } from './record-payment';

/**
 * Issues a draft (issueDocument) and, for a final invoice, withdraws what is still unpaid on the job's
 * payment requests: the final invoice asks for the whole supply less what was paid on them, so the customer
 * is not asked for it twice.
 */
export const issueInvoice = async (
  tx: Tx,
  deps: Ctx,
  row: InvoiceRow,
  actor: Actor,
  known: { org?: OrgRow; jobIds?: string[] } = {},
): Promise<InvoiceRow> => {
  const issued = await issueDocument(tx, deps, row, actor, known);
  if (row.kind !== 'invoice' || !issued.number || issued.status === 'needs_review') return issued;
  for (const jobId of known.jobIds ?? (await billedJobIds(tx, row)))
    await withdrawUnpaidRequests(tx, deps, row.organizationId, jobId, issued.number, actor);
  if (issued.status !== 'issued' || outstandingOf(issued).gt(0)) return issued;
  // Nothing is due (the advances paid for all the work): the invoice is settled as it is issued, and its
  // jobs are paid, rather than waiting in receivables for a payment of nothing.
  return settleOwedNothing(tx, deps, issued, actor, {
    settled: 'nothing due: the advances paid for the work',
  });
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
    const unpaid = outstandingOf(r);
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
    // Part paid and the rest withdrawn: the credit settles the request (creditInTx).
  }
};
