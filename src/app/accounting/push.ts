import { and, eq, sql } from 'drizzle-orm';
import { PROVIDER_NAMES } from '../../contracts/connectors';
import { notFound } from '../../core/errors';
import { SYSTEM_ACTOR } from '../../core/principal';
import { accountingPushes, connectors, customers, invoices } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { type NewIntegrationError, recordIntegrationError } from '../integrations/integration-errors';
import type { Deps, Http } from '../ports';
import { connectorFor } from './connectors';
import { invoiceCustomerId } from './entries';
import { ConnectorError } from './port';
import { attempt, type Loaded, Waiting } from './push-attempt';
import { releaseAfterReversal, releaseReversal, releaseWaiting } from './push-queue';
import { errorSubjectOf, type PushEntity, type PushRef } from './push-ref';

type PushRow = typeof accountingPushes.$inferSelect;

/** Attempts (each with pg-boss's backoff between them) before a retryable failure goes to needs_review. */
export const MAX_PUSH_ATTEMPTS = 6;
/** How long a run holds a push while calling the provider; renewed every third of it while the run lives. */
export const LEASE_SECONDS = 30;
/**
 * A run gives up (retryably) after this long, well inside the queue's 300 s expiry: the queue never hands
 * the same push to a second run because the first one looked dead.
 */
export const RUN_DEADLINE_MS = 200_000;

// ---------------------------------------------------------------- the push

const AUDIT_ACTION: Record<PushEntity, string> = {
  document: 'invoice.pushed',
  payment: 'invoice.payment_pushed',
  allocation: 'invoice.credit_applied_pushed',
  attachment: 'invoice.pdf_attached',
  report: 'invoice.report_attached',
  reversal: 'invoice.payment_removed_pushed',
  write_off: 'invoice.write_off_pushed',
};

const withDeadline = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectorError(`the provider took longer than ${Math.round(ms / 1000)} s`, {
            retryable: true,
            providerCode: 'deadline',
            outcomeUnknown: true,
          }),
        ),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
};

/**
 * Writes one thing (a document, a payment, an allocation) to one connector, exactly once:
 * 1. the run claims the push under a lease (attempt counted and committed before any call, so a crash
 *    leaves a trace); a second run while the lease lives does nothing;
 * 2. a payment or allocation whose documents are not at the provider yet waits, uncounted, for them;
 * 3. preflight: a broken mapping goes to needs_review with a precise message, no call made;
 * 4. after an attempt whose outcome is unknown, what was maybe created is looked up before creating it, and
 *    a foreign document with our number is a conflict, never taken for ours;
 * 5. the create carries the stable idempotency key.
 * Retryable failures are thrown for the queue to retry with backoff, up to MAX_PUSH_ATTEMPTS; the rest, and
 * the last retryable one, land in needs_review.
 */
export const pushToAccounting = async (deps: Deps & { http?: Http }, ref: PushRef) => {
  const thisPush = and(
    eq(accountingPushes.organizationId, ref.organizationId),
    eq(accountingPushes.connectorId, ref.connectorId),
    eq(accountingPushes.entity, ref.entity),
    eq(accountingPushes.subjectId, ref.subjectId),
  );
  const runId = deps.ids.uuid();
  const lease = sql`now() + make_interval(secs => ${LEASE_SECONDS})`;
  const claim = await deps.database.transaction(async (tx) => {
    const [push] = await tx.db
      .select({
        row: accountingPushes,
        held: sql<boolean>`coalesce(${accountingPushes.leaseUntil} > now(), false)`,
      })
      .from(accountingPushes)
      .where(thisPush)
      .for('update');
    if (!push) throw notFound('accounting push');
    if (push.row.status !== 'pending') return { kind: 'settled' as const, push: push.row };
    if (push.held) return { kind: 'busy' as const, push: push.row };
    const [counted] = await tx.db
      .update(accountingPushes)
      .set({
        attempts: push.row.attempts + 1,
        leaseOwner: runId,
        leaseUntil: lease,
        updatedAt: deps.clock.now(),
      })
      .where(thisPush)
      .returning();
    return { kind: 'claimed' as const, push: counted ?? push.row };
  });
  // Another run is calling the provider for this push: this one gives the job back to the queue, whose
  // retry (with backoff) finds it done, or claims it once a dead run's lease ran out.
  if (claim.kind === 'busy')
    throw new ConnectorError('another run is pushing this now; retried later', {
      retryable: true,
      providerCode: 'busy',
    });
  if (claim.kind !== 'claimed') return { status: claim.push.status, externalId: claim.push.externalId };
  const push = claim.push;
  const mine = and(thisPush, eq(accountingPushes.leaseOwner, runId));
  const renew = setInterval(
    () => {
      deps.database.db
        .update(accountingPushes)
        .set({ leaseUntil: lease })
        .where(mine)
        .catch(() => {});
    },
    (LEASE_SECONDS * 1000) / 3,
  );
  renew.unref();
  const settle = (patch: Partial<PushRow>) =>
    deps.database.db
      .update(accountingPushes)
      .set({ ...patch, leaseOwner: null, leaseUntil: null, updatedAt: deps.clock.now() })
      .where(mine);

  try {
    const [row] = await deps.database.db
      .select({ invoice: invoices, customer: customers, connector: connectors })
      .from(invoices)
      .innerJoin(
        connectors,
        and(eq(connectors.organizationId, invoices.organizationId), eq(connectors.id, ref.connectorId)),
      )
      .innerJoin(
        customers,
        and(
          eq(customers.organizationId, invoices.organizationId),
          eq(customers.id, invoiceCustomerId(invoices)),
        ),
      )
      .where(and(eq(invoices.organizationId, ref.organizationId), eq(invoices.id, ref.invoiceId)));
    if (!row) throw notFound('invoice');
    const provider = row.connector.provider;
    const loaded: Loaded = { ...row, api: connectorFor(deps, row.connector) };
    const fail = (
      message: string,
      providerCode: string | null,
      detail: NewIntegrationError['detail'] = null,
    ) =>
      deps.database.transaction(async (tx) => {
        await tx.db
          .update(accountingPushes)
          .set({
            status: 'failed',
            lastError: message,
            leaseOwner: null,
            leaseUntil: null,
            updatedAt: deps.clock.now(),
          })
          .where(thisPush);
        await recordIntegrationError(tx, deps, {
          organizationId: ref.organizationId,
          kind: 'accounting_push',
          subject: errorSubjectOf(ref),
          message: `${PROVIDER_NAMES[provider] ?? provider}: ${row.invoice.number}: ${message}`,
          providerCode,
          attempts: push.attempts,
          connectorId: ref.connectorId,
          invoiceId: ref.invoiceId,
          jobId: row.invoice.jobId,
          holdsJob: ref.entity === 'document',
          detail,
        });
        return { status: 'failed' as const, message };
      });

    try {
      const done = await withDeadline(attempt(deps, ref, push, loaded), RUN_DEADLINE_MS);
      await deps.database.transaction(async (tx) => {
        const now = deps.clock.now();
        await tx.db
          .update(accountingPushes)
          .set({
            status: 'done',
            externalId: done.externalId,
            externalNumber: done.externalNumber ?? null,
            lastError: null,
            leaseOwner: null,
            leaseUntil: null,
            updatedAt: now,
            doneAt: now,
          })
          .where(thisPush);
        await appendAudit(tx, deps, {
          organizationId: ref.organizationId,
          aggregateType: 'invoice',
          aggregateId: ref.invoiceId,
          action: AUDIT_ACTION[ref.entity],
          actor: SYSTEM_ACTOR,
          changes: {
            provider,
            externalId: done.externalId,
            attempts: push.attempts,
            foundExisting: done.foundExisting,
            ...done.audit,
          },
        });
        if (ref.entity === 'document') await releaseWaiting(tx, deps, ref);
        if (ref.entity === 'payment') await releaseReversal(tx, deps, ref);
        if (ref.entity === 'reversal') await releaseAfterReversal(tx, deps, ref);
        if (done.mismatch)
          await recordIntegrationError(tx, deps, {
            organizationId: ref.organizationId,
            kind: 'accounting_push',
            subject: `total:${ref.subjectId}:${ref.connectorId}`,
            message: done.mismatch,
            providerCode: 'total_mismatch',
            attempts: push.attempts,
            connectorId: ref.connectorId,
            invoiceId: ref.invoiceId,
            jobId: row.invoice.jobId,
            holdsJob: false,
          });
      });
      return { status: 'done' as const, externalId: done.externalId, foundExisting: done.foundExisting };
    } catch (err) {
      if (err instanceof Waiting) {
        // Not an attempt: it runs again when its documents are done (or the sweep finds it).
        await settle({ attempts: push.attempts - 1, lastError: err.message });
        return { status: 'waiting' as const, message: err.message };
      }
      if (!(err instanceof ConnectorError)) throw err;
      if (err.retryable && push.attempts < MAX_PUSH_ATTEMPTS) {
        await settle({ lastError: `${err.providerCode ?? ''} ${err.message}`.trim() });
        throw err;
      }
      return fail(
        err.retryable ? `gave up after ${push.attempts} attempts: ${err.message}` : err.message,
        err.providerCode,
        err.contactMatch ? { contactMatch: err.contactMatch } : null,
      );
    }
  } catch (err) {
    // Anything else (a bug, the database gone): the lease is let go so the queue's retry may run.
    if (!(err instanceof ConnectorError)) await settle({}).catch(() => {});
    throw err;
  } finally {
    clearInterval(renew);
  }
};

/** A document's pushes: the document itself first, then its attachment, payments and application, oldest first. */
export const pushesOf = (deps: Deps, organizationId: string, invoiceId: string) =>
  deps.database.db
    .select()
    .from(accountingPushes)
    .where(
      and(eq(accountingPushes.organizationId, organizationId), eq(accountingPushes.invoiceId, invoiceId)),
    )
    .orderBy(
      sql`CASE ${accountingPushes.entity} WHEN 'document' THEN 0 WHEN 'attachment' THEN 1 WHEN 'report' THEN 1 WHEN 'payment' THEN 2 WHEN 'reversal' THEN 4 ELSE 3 END`,
      accountingPushes.createdAt,
    );
