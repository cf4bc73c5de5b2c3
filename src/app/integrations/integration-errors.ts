import { and, desc, eq, sql } from 'drizzle-orm';
import { PROVIDER_NAMES } from '../../contracts/connectors';
import { AppError, notFound } from '../../core/errors';
import { billingTransition } from '../../core/job-lifecycle';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { lockTransmissionOf } from '../../db/queries/peppol';
import {
  accountingPushes,
  connectors,
  integrationErrors,
  paymentRefunds,
  peppolTransmissions,
  webhookDeliveries,
} from '../../db/schema/index';
import { pushRefOfSubject } from '../accounting/push-ref';
import { notifyRole } from '../approvals/approvals';
import { appendAudit } from '../audit/audit';
import { changeJob, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { emitEvent } from './webhooks';

type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue' | 'reactions'>;
export type IntegrationErrorRow = typeof integrationErrors.$inferSelect;
type ConnectorState = { provider: string; status: 'active' | 'disabled' } | null;
/** A needs-review record with the state of the connector its step writes to (none for a webhook). */
export type IntegrationErrorEntry = IntegrationErrorRow & { connector: ConnectorState };

/**
 * Why the failed step cannot run again now, in words, or null when it can: a push to an accounting system
 * that was disconnected would only fail again, so it waits for the connection to come back.
 */
export const reprocessBlock = (e: { kind: IntegrationErrorRow['kind']; connector: ConnectorState }) =>
  e.kind === 'accounting_push' && e.connector?.status === 'disabled'
    ? `${PROVIDER_NAMES[e.connector.provider] ?? e.connector.provider} is disconnected: connect it again in Settings, then reprocess`
    : null;

const entries = (tx: Pick<Tx, 'db'>) =>
  tx.db
    .select({ error: integrationErrors, provider: connectors.provider, connectorStatus: connectors.status })
    .from(integrationErrors)
    .leftJoin(
      connectors,
      and(
        eq(connectors.organizationId, integrationErrors.organizationId),
        eq(connectors.id, integrationErrors.connectorId),
      ),
    );

const entryOf = (r: {
  error: IntegrationErrorRow;
  provider: string | null;
  connectorStatus: 'active' | 'disabled' | null;
}): IntegrationErrorEntry => ({
  ...r.error,
  connector: r.provider && r.connectorStatus ? { provider: r.provider, status: r.connectorStatus } : null,
});

export type NewIntegrationError = {
  organizationId: string;
  kind: IntegrationErrorRow['kind'];
  /** The failing step, e.g. push:{invoiceId}:{connectorId}: one open error per step. */
  subject: string;
  message: string;
  providerCode: string | null;
  attempts: number;
  connectorId: string | null;
  invoiceId: string | null;
  jobId: string | null;
  /**
   * Whether the job waits in needs_review for it (a document that never reached the books): false for a
   * payment or a credit's application, where the job's own documents are fine and only the entry is missing.
   */
  holdsJob?: boolean;
  /** What a person decides on (a provider contact that may be the customer). */
  detail?: IntegrationErrorRow['detail'];
};

/**
 * Puts a failure in the needs-review lane, in the caller's transaction: one open record per failing step
 * (a repeat updates its attempts and last-seen), the job to needs_review, billing users told in the app and
 * by e-mail, and an integration.failed event. Nothing fails silently.
 */
export const recordIntegrationError = async (
  tx: Tx,
  deps: Ctx,
  input: NewIntegrationError,
): Promise<IntegrationErrorRow> => {
  const now = deps.clock.now();
  const [existing] = await tx.db
    .select()
    .from(integrationErrors)
    .where(
      and(
        eq(integrationErrors.organizationId, input.organizationId),
        eq(integrationErrors.kind, input.kind),
        eq(integrationErrors.subject, input.subject),
        eq(integrationErrors.status, 'open'),
      ),
    )
    .for('update');
  if (existing) {
    const [row] = await tx.db
      .update(integrationErrors)
      .set({
        message: input.message,
        providerCode: input.providerCode,
        detail: input.detail ?? null,
        attempts: existing.attempts + input.attempts,
        lastSeenAt: now,
      })
      .where(
        and(
          eq(integrationErrors.organizationId, input.organizationId),
          eq(integrationErrors.id, existing.id),
        ),
      )
      .returning();
    return row ?? existing;
  }
  const id = deps.ids.uuid();
  const [row] = await tx.db
    .insert(integrationErrors)
    .values({
      organizationId: input.organizationId,
      kind: input.kind,
      subject: input.subject,
      message: input.message,
      providerCode: input.providerCode,
      detail: input.detail ?? null,
      attempts: input.attempts,
      connectorId: input.connectorId,
      invoiceId: input.invoiceId,
      jobId: input.jobId,
      id,
      firstSeenAt: now,
      lastSeenAt: now,
      status: 'open',
    })
    .returning();
  if (!row) throw new Error('integration error insert returned nothing');
  await appendAudit(tx, deps, {
    organizationId: input.organizationId,
    aggregateType: 'integration_error',
    aggregateId: id,
    action: 'integration.failed',
    actor: SYSTEM_ACTOR,
    first: true,
    changes: {
      kind: input.kind,
      subject: input.subject,
      providerCode: input.providerCode,
      attempts: input.attempts,
    },
    reason: input.message,
  });
  let number: string | null = null;
  if (input.jobId) {
    const job = await lockJob(tx, input.organizationId, input.jobId);
    number = jobNumber(job.number);
    const holds = input.holdsJob !== false && billingTransition(job.billingStatus, 'fail').ok;
    if (holds && job.billingStatus !== 'needs_review') {
      await changeJob(tx, deps, {
        organizationId: input.organizationId,
        jobId: input.jobId,
        actor: SYSTEM_ACTOR,
        locked: job,
        action: 'job.integration_failed',
        billing: 'fail',
        patch: { reviewFrom: job.billingStatus },
        reason: input.message,
        extraChanges: { integrationErrorId: id },
      });
    }
  }
  const summary = `${number ?? 'Closeout'}: ${input.message}`.slice(0, 280);
  if (input.jobId) {
    await notifyRole(
      tx,
      deps,
      input.organizationId,
      'billing',
      input.jobId,
      summary,
      `integration-error:${id}`,
      {
        kind: 'integration_error',
        action: 'Open the needs-review lane in Closeout to fix and reprocess it.',
      },
    );
  }
  await emitEvent(tx, deps, input.organizationId, 'integration.failed', {
    integrationErrorId: id,
    kind: input.kind,
    jobId: input.jobId,
    jobNumber: number,
    invoiceId: input.invoiceId,
    providerCode: input.providerCode,
    message: input.message,
  });
  return row;
};

/**
 * Settles an open error whose cause went away (a chargeback won; by Closeout), or that a person settled by the
 * action it asked for (unplaced money refunded; by them): resolved, audited.
 */
export const settleIntegrationError = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  kind: IntegrationErrorRow['kind'],
  subject: string,
  resolution: string,
  actor: Actor = SYSTEM_ACTOR,
) => {
  const [done] = await tx.db
    .update(integrationErrors)
    .set({ status: 'resolved', resolvedById: actor.id, resolvedAt: deps.clock.now(), resolution })
    .where(
      and(
        eq(integrationErrors.organizationId, organizationId),
        eq(integrationErrors.kind, kind),
        eq(integrationErrors.subject, subject),
        eq(integrationErrors.status, 'open'),
      ),
    )
    .returning();
  if (done)
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'integration_error',
      aggregateId: done.id,
      action: 'integration.settled',
      actor,
      changes: { status: { before: 'open', after: 'resolved' } },
      reason: resolution,
    });
};

/**
 * Re-runs the failed step with the same idempotency key: the record is resolved (audited: who, when), the
 * job leaves needs_review for the step it failed in, and the step is enqueued again.
 */
/**
 * Reprocess of a send in the lane: the same transmission again with a fresh budget of tries (its key kept,
 * so one the provider did take is not taken twice).
 */
const retryPeppolSend = async (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  invoiceId: string,
  errorId: string,
) => {
  const before = await lockTransmissionOf(tx, organizationId, invoiceId);
  if (!before || before.status === 'delivered') return;
  // One the receiving side turned down after the provider took it is a new submission, with a new key.
  const fresh = before.status === 'failed' && before.providerId !== null;
  const [t] = await tx.db
    .update(peppolTransmissions)
    .set({
      status: 'sending',
      attempts: 0,
      lastError: null,
      updatedAt: deps.clock.now(),
      ...(fresh ? { id: deps.ids.uuid(), providerId: null } : {}),
    })
    .where(and(eq(peppolTransmissions.organizationId, organizationId), eq(peppolTransmissions.id, before.id)))
    .returning();
  if (!t) return;
  await deps.queue.enqueue(
    tx,
    { name: 'invoice.send', data: { organizationId, invoiceId, sendVersion: t.sendVersion } },
    { key: `peppol:${t.id}:reprocess:${errorId}` },
  );
};

export const reprocessIntegrationError = (
  deps: Deps,
  organizationId: string,
  id: string,
  actor: Actor,
  note: string | null,
) =>
  deps.database.transaction(async (tx) => {
    const [err] = await tx.db
      .select()
      .from(integrationErrors)
      .where(and(eq(integrationErrors.organizationId, organizationId), eq(integrationErrors.id, id)))
      .for('update');
    if (!err) throw notFound('integration error');
    const [state] = await entries(tx).where(
      and(eq(integrationErrors.organizationId, organizationId), eq(integrationErrors.id, id)),
    );
    const blocked = state ? reprocessBlock(entryOf(state)) : null;
    if (blocked && err.status === 'open')
      throw new AppError('connector_disconnected', blocked, {
        fields: [{ field: 'connectorId', message: 'is disconnected' }],
      });
    if (err.status !== 'open') {
      throw new AppError('invalid_transition', 'This error is already resolved', {
        fields: [{ field: 'status', message: `is ${err.status}` }],
      });
    }
    const now = deps.clock.now();
    const [resolved] = await tx.db
      .update(integrationErrors)
      .set({ status: 'resolved', resolvedById: actor.id, resolvedAt: now, resolution: note ?? 'reprocessed' })
      .where(and(eq(integrationErrors.organizationId, organizationId), eq(integrationErrors.id, id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'integration_error',
      aggregateId: id,
      action: 'integration.reprocessed',
      actor,
      changes: { status: { before: 'open', after: 'resolved' } },
      reason: note,
    });
    if (err.jobId) {
      const job = await lockJob(tx, organizationId, err.jobId);
      if (job.billingStatus === 'needs_review') {
        await changeJob(tx, deps, {
          organizationId,
          jobId: err.jobId,
          actor,
          locked: job,
          action: 'job.reprocessed',
          billing:
            job.reviewFrom === 'paid'
              ? 'resume_paid'
              : job.reviewFrom === 'invoiced'
                ? 'resume'
                : 'reprocess',
          patch: { reviewFrom: null },
          extraChanges: { integrationErrorId: id },
        });
      }
    }
    const push = err.kind === 'accounting_push' ? pushRefOfSubject(err.subject) : null;
    if (push && err.invoiceId) {
      // A fresh start: the full budget of attempts again, no lease, the same idempotency key.
      const thisPush = and(
        eq(accountingPushes.organizationId, organizationId),
        eq(accountingPushes.connectorId, push.connectorId),
        eq(accountingPushes.entity, push.entity),
        eq(accountingPushes.subjectId, push.subjectId),
      );
      await tx.db
        .update(accountingPushes)
        .set({ status: 'pending', attempts: 0, leaseOwner: null, leaseUntil: null, updatedAt: now })
        .where(thisPush);
      await deps.queue.enqueue(
        tx,
        {
          name: 'accounting.push',
          data: {
            organizationId,
            invoiceId: err.invoiceId,
            connectorId: push.connectorId,
            ...(push.entity === 'document' ? {} : { entity: push.entity, subjectId: push.subjectId }),
          },
        },
        { key: `${push.subjectId}:${push.connectorId}:reprocess:${id}` },
      );
    }
    if (err.kind === 'peppol_send' && err.invoiceId)
      await retryPeppolSend(tx, deps, organizationId, err.invoiceId, id);
    if (err.kind === 'webhook') {
      const deliveryId = err.subject.replace(/^webhook:/, '');
      await tx.db
        .update(webhookDeliveries)
        .set({ status: 'pending', attempts: sql`0` })
        .where(
          and(eq(webhookDeliveries.organizationId, organizationId), eq(webhookDeliveries.id, deliveryId)),
        );
      await deps.queue.enqueue(
        tx,
        { name: 'webhook.deliver', data: { organizationId, deliveryId } },
        { key: `${deliveryId}:reprocess:${id}` },
      );
    }
    const refundId =
      err.kind === 'online_payment' ? /^online-refund:(.+)$/.exec(err.subject)?.[1] : undefined;
    if (refundId) {
      // A refund Stripe never answered: asked again, with the same key, the full budget of tries again. One
      // that was refused or failed stays as it is (its entry only says what to do by hand).
      const again = await tx.db
        .update(paymentRefunds)
        .set({ attempts: 0, lastError: null, updatedAt: now })
        .where(
          and(
            eq(paymentRefunds.organizationId, organizationId),
            eq(paymentRefunds.id, refundId),
            eq(paymentRefunds.status, 'requested'),
          ),
        )
        .returning({ id: paymentRefunds.id });
      if (again.length > 0)
        await deps.queue.enqueue(
          tx,
          { name: 'payments.refund', data: { organizationId, refundId } },
          { key: `refund:${refundId}:reprocess:${id}` },
        );
    }
    return { ...(resolved ?? err), connector: state ? entryOf(state).connector : null };
  });

export const listIntegrationErrors = async (
  deps: Deps,
  organizationId: string,
  status: IntegrationErrorRow['status'] | undefined,
  limit: number,
): Promise<IntegrationErrorEntry[]> =>
  (
    await entries(deps.database)
      .where(
        and(
          eq(integrationErrors.organizationId, organizationId),
          status ? eq(integrationErrors.status, status) : undefined,
        ),
      )
      .orderBy(desc(integrationErrors.lastSeenAt))
      .limit(limit)
  ).map(entryOf);

export const getIntegrationError = async (
  deps: Deps,
  organizationId: string,
  id: string,
): Promise<IntegrationErrorEntry | undefined> => {
  const [row] = await entries(deps.database).where(
    and(eq(integrationErrors.organizationId, organizationId), eq(integrationErrors.id, id)),
  );
  return row ? entryOf(row) : undefined;
};
