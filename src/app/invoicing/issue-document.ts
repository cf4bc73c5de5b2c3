import { AppError } from '../../core/errors';
import { en16931Breaches } from '../../core/invoice-document';
import { PASSABLE_HOLDS } from '../../core/invoice-lifecycle';
import type { Actor } from '../../core/principal';
import { businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { invoicedWork } from '../../db/schema';
import { enqueuePushes } from '../accounting/push-queue';
import { changeJobsBilling } from '../jobs/job-store';
import { nextNumber } from '../system/sequences';
import { queueAutoSend } from './auto-send';
import { failJob } from './fail-job-invoicing';
import { documentOf, type InvoiceRow, type OrgRow } from './invoice-documents';
import { type Ctx, changeInvoice, loadOrg, PREFIX, toHold } from './invoice-store';

/** Jobs whose work an invoice bills: the job, or every visit line of a cycle invoice. */
export const billedJobIds = async (tx: Tx, row: InvoiceRow): Promise<string[]> => {
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
export const issueDocument = async (
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
  const blocking = row.holdReasons.filter((h) => !PASSABLE_HOLDS.includes(h.code));
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
  await queueAutoSend(tx, deps, org, issued);
  return issued;
};
