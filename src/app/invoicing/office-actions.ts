import { and, eq } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { invoices } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { returnFromReview } from './fail-job-invoicing';
import { documentOf, profileOf, sellerOf } from './invoice-documents';
import { changeInvoice, loadOrg, lockInvoice, sendIn } from './invoice-store';
import { issueInvoice } from './issue-invoice';

/** What billing does to a draft or an issued invoice from the office: issue, edit, send, reprocess. */
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
    return sendIn(tx, deps, row, actor);
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
      if (job.billingStatus === 'needs_review') await returnFromReview(tx, deps, organizationId, job, actor);
    }
    return back;
  });
