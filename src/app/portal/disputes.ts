import { and, desc, eq } from 'drizzle-orm';
import { DISPUTE_REASON_WORDS, type DisputeReason, type DisputeResolution } from '../../core/disputes';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator } from '../../core/i18n';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { customers, disputes, invoices, organizations } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { recipientOf } from '../quotes/send-quote';
import { portalDocument } from './portal-view';

export type DisputeRow = typeof disputes.$inferSelect;

/** The document's open dispute, locked: the one a new message would clash with, and the one photos join. */
export const openDisputeOf = async (tx: Tx, organizationId: string, invoiceId: string) => {
  const [row] = await tx.db
    .select()
    .from(disputes)
    .where(
      and(
        eq(disputes.organizationId, organizationId),
        eq(disputes.invoiceId, invoiceId),
        eq(disputes.status, 'open'),
      ),
    )
    .for('update');
  return row ?? null;
};

/**
 * "Something's wrong" from the customer's page: what is wrong with the document, in their words. It reaches
 * billing at once (in the app and by e-mail), goes on the document's and the job's history, and waits in the
 * exception queue until the office settles it. One open dispute per document.
 */
export const raiseDispute = (
  deps: Deps,
  token: string,
  invoiceId: string,
  body: { reason: DisputeReason; comment: string },
  who: { ip: string; userAgent: string },
) =>
  deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const { who: owner, invoice } = await portalDocument(tx, token, invoiceId, now);
    const open = await openDisputeOf(tx, owner.organizationId, invoice.id);
    if (open)
      throw new AppError(
        'already_in_use',
        'We already have your message about this document: we will answer it',
        {
          fields: [{ field: 'id', message: 'already disputed' }],
        },
      );
    const id = deps.ids.uuid();
    const [row] = await tx.db
      .insert(disputes)
      .values({
        organizationId: owner.organizationId,
        id,
        invoiceId: invoice.id,
        customerId: owner.customerId,
        jobId: invoice.jobId,
        reason: body.reason,
        comment: body.comment,
        status: 'open',
        createdAt: now,
      })
      .returning();
    const changes = { disputeId: id, reason: body.reason, number: invoice.number, ip: who.ip };
    await appendAudit(tx, deps, {
      organizationId: owner.organizationId,
      aggregateType: 'invoice',
      aggregateId: invoice.id,
      action: 'invoice.disputed',
      actor: SYSTEM_ACTOR,
      changes,
      reason: body.comment,
    });
    if (invoice.jobId)
      await appendAudit(tx, deps, {
        organizationId: owner.organizationId,
        aggregateType: 'job',
        aggregateId: invoice.jobId,
        action: 'job.invoice_disputed',
        actor: SYSTEM_ACTOR,
        changes,
        reason: body.comment,
      });
    await notifyRole(
      tx,
      deps,
      owner.organizationId,
      'billing',
      invoice.jobId,
      `The customer disputes ${invoice.number}: ${DISPUTE_REASON_WORDS[body.reason].toLowerCase()}. “${body.comment}”`,
      `dispute:${id}`,
      {
        kind: 'dispute',
        invoiceId: invoice.id,
        action: 'Settle it from the exception queue: a credit note, a corrected invoice or an answer.',
      },
    );
    if (!row) throw new Error('dispute insert returned nothing');
    return row;
  });

/** Open disputes (or all), newest first, with the document's number and the customer's name. */
export const listDisputes = (
  deps: Deps,
  organizationId: string,
  filter: { status?: 'open' | 'resolved' | undefined; id?: string },
) =>
  deps.database.db
    .select({ dispute: disputes, number: invoices.number, customerName: customers.name })
    .from(disputes)
    .innerJoin(
      invoices,
      and(eq(invoices.organizationId, disputes.organizationId), eq(invoices.id, disputes.invoiceId)),
    )
    .innerJoin(
      customers,
      and(eq(customers.organizationId, disputes.organizationId), eq(customers.id, disputes.customerId)),
    )
    .where(
      and(
        eq(disputes.organizationId, organizationId),
        filter.status ? eq(disputes.status, filter.status) : undefined,
        filter.id ? eq(disputes.id, filter.id) : undefined,
      ),
    )
    .orderBy(desc(disputes.createdAt))
    .limit(200);

/**
 * The office settles a dispute: how (a credit note or corrected invoice made on the invoice's page, or an
 * answer) and what to tell the customer, who gets it by e-mail. Audited on the document's history.
 */
export const resolveDispute = async (
  deps: Deps,
  organizationId: string,
  id: string,
  body: { resolution: DisputeResolution; reply: string },
  actor: Actor,
) => {
  const done = await deps.database.transaction(async (tx) => {
    const [row] = await tx.db
      .select()
      .from(disputes)
      .where(and(eq(disputes.organizationId, organizationId), eq(disputes.id, id)))
      .for('update');
    if (!row) throw notFound('dispute');
    if (row.status !== 'open')
      throw new AppError('invalid_transition', 'This dispute is already settled', {
        fields: [{ field: 'status', message: 'is settled' }],
      });
    const [after] = await tx.db
      .update(disputes)
      .set({
        status: 'resolved',
        resolution: body.resolution,
        reply: body.reply,
        resolvedById: actor.type === 'user' ? actor.id : null,
        resolvedAt: deps.clock.now(),
      })
      .where(and(eq(disputes.organizationId, organizationId), eq(disputes.id, id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'invoice',
      aggregateId: row.invoiceId,
      action: 'invoice.dispute_resolved',
      actor,
      changes: { disputeId: id, resolution: body.resolution },
      reason: body.reply,
    });
    const [party] = await tx.db
      .select({
        customer: customers,
        number: invoices.number,
        org: organizations.name,
        orgLanguage: organizations.language,
      })
      .from(invoices)
      .innerJoin(
        customers,
        and(eq(customers.organizationId, invoices.organizationId), eq(customers.id, row.customerId)),
      )
      .innerJoin(organizations, eq(organizations.id, invoices.organizationId))
      .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, row.invoiceId)));
    return { dispute: after ?? row, party };
  });
  const to = done.party ? recipientOf(done.party.customer) : null;
  if (done.party && to) {
    const { customer, org } = done.party;
    const number = done.party.number ?? '';
    const w = customerTranslator(customer.language, done.party.orgLanguage);
    await deps.mailer.send({
      to: [to],
      subject: w.t('customerEmails.disputeReply.subject', {
        number,
        resolution: w.t(`customerEmails.disputeReply.resolutions.${body.resolution}`),
      }),
      text: [
        w.t('customerEmails.dear', { name: customer.name }),
        '',
        w.t('customerEmails.disputeReply.thanks', { number }),
        '',
        body.reply,
        '',
        org,
        '',
      ].join('\n'),
      fromName: org,
    });
  }
  return done.dispute;
};
