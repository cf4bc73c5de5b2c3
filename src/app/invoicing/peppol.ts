import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../../core/errors';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { lockTransmissionOf } from '../../db/queries/peppol';
import { invoices, organizations, peppolConnections, peppolTransmissions } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { lockOrganization } from '../directory/organizations';
import { recordIntegrationError } from '../integrations/integration-errors';
import { refusePrivateTargets } from '../integrations/outbound-targets';
import type { Deps } from '../ports';
import { documentOf } from './invoice-documents';
import { mailInvoice } from './invoice-email';
import { invoiceFile } from './invoice-packet';
import { type AccessPoint, PeppolRefused, PeppolRetryLater } from './peppol-port';

/**
 * Peppol as the customer's channel (#23): an issued document whose buyer has a Peppol ID (a Peppol BIS
 * document) goes to the organization's access point instead of the inbox, exactly once in its life: one
 * transmission row per document, whose ID is the key the access point dedupes on, so a retry after a lost
 * answer or a crash finds the same submission. A receiver not on the network gets the e-mail instead, said
 * so in the history; a refusal or a provider that stays down lands in the needs-review lane with reprocess;
 * delivery is confirmed afterwards from the access point's evidence.
 */

export type PeppolConnectionRow = typeof peppolConnections.$inferSelect;
type TransmissionRow = typeof peppolTransmissions.$inferSelect;
const Credentials = z.object({ apiKey: z.string().min(1) });

/** Tries of a provider that asks to slow down or does not answer before the send waits in the lane. */
export const PEPPOL_SEND_TRIES = 5;
/** When the access point is asked whether the receiver confirmed it, in seconds after the hand-over. */
export const PEPPOL_TRACK_DELAYS = [60, 300, 1800, 3600, 4 * 3600, 12 * 3600] as const;

export type ConnectPeppol = {
  provider: 'storecove';
  apiKey: string;
  senderAccount: string;
  apiBaseUrl?: string | undefined;
};

/** Connects (or reconnects) the organization's access point: the key sealed, never shown again. */
export const connectPeppol = async (
  deps: Deps,
  organizationId: string,
  input: ConnectPeppol,
  actor: Actor,
) => {
  if (input.apiBaseUrl) await refusePrivateTargets(deps, { 'body.apiBaseUrl': input.apiBaseUrl });
  return deps.database.transaction(async (tx) => {
    await lockOrganization(tx, organizationId);
    const now = deps.clock.now();
    const before = await peppolConnectionOf(tx, organizationId);
    const values = {
      provider: input.provider,
      status: 'active' as const,
      credentials: deps.secrets.seal(JSON.stringify({ apiKey: input.apiKey })),
      senderAccount: input.senderAccount,
      apiBaseUrl: input.apiBaseUrl ?? null,
      keyHint: input.apiKey.slice(-4),
      updatedAt: now,
    };
    if (before)
      await tx.db
        .update(peppolConnections)
        .set({ ...values, version: before.version + 1 })
        .where(eq(peppolConnections.organizationId, organizationId));
    else await tx.db.insert(peppolConnections).values({ organizationId, ...values, createdAt: now });
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.peppol_connected',
      actor,
      changes: { provider: input.provider, key: `…${values.keyHint}`, senderAccount: input.senderAccount },
    });
  });
};

/** Stops sending over Peppol: documents go by e-mail again; the connection is kept to confirm deliveries. */
export const disconnectPeppol = (deps: Deps, organizationId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    await lockOrganization(tx, organizationId);
    const [row] = await tx.db
      .update(peppolConnections)
      .set({ status: 'disabled', updatedAt: deps.clock.now() })
      .where(eq(peppolConnections.organizationId, organizationId))
      .returning();
    if (!row) throw notFound('Peppol access point');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.peppol_disconnected',
      actor,
      changes: { provider: row.provider },
    });
  });

export const peppolConnectionOf = async (tx: Pick<Tx, 'db'>, organizationId: string) => {
  const [row] = await tx.db
    .select()
    .from(peppolConnections)
    .where(eq(peppolConnections.organizationId, organizationId));
  return row ?? null;
};

/** The settings screen's view: connected or not, which account, and whether the business has its own ID. */
export const peppolSettingsOf = async (deps: Deps, organizationId: string) => {
  const c = await peppolConnectionOf(deps.database, organizationId);
  const [org] = await deps.database.db
    .select({ peppolEndpoint: organizations.peppolEndpoint })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  return {
    connected: c?.status === 'active',
    provider: c?.provider ?? null,
    keyHint: c ? `…${c.keyHint}` : null,
    senderAccount: c?.senderAccount ?? null,
    participantId: org?.peppolEndpoint ?? null,
  };
};

const accessPointOf = (deps: Deps, c: PeppolConnectionRow): AccessPoint =>
  deps.accessPoints[c.provider].client(
    {
      ...Credentials.parse(JSON.parse(deps.secrets.open(c.credentials))),
      senderAccount: c.senderAccount,
      apiBaseUrl: c.apiBaseUrl,
    },
    deps.outbound.fetch,
    deps.accountingTimeoutMs ?? 15_000,
  );

const theTransmission = (t: Pick<TransmissionRow, 'organizationId' | 'id'>) =>
  and(eq(peppolTransmissions.organizationId, t.organizationId), eq(peppolTransmissions.id, t.id));

/**
 * The document's one transmission, claimed for this send: made on the first send; a send again by the
 * office after it went (a new version) is not a second transmission, and one that was refused or found no
 * receiver is tried afresh with a new key.
 */
const claim = (
  deps: Deps,
  organizationId: string,
  invoiceId: string,
  receiver: string,
  sendVersion: number,
) =>
  deps.database.transaction(async (tx) => {
    const existing = await lockTransmissionOf(tx, organizationId, invoiceId);
    const now = deps.clock.now();
    if (!existing) {
      const [row] = await tx.db
        .insert(peppolTransmissions)
        .values({
          organizationId,
          id: deps.ids.uuid(),
          invoiceId,
          receiver,
          status: 'sending',
          sendVersion,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new Error('transmission insert returned nothing');
      return row;
    }
    if (existing.sendVersion === sendVersion) return existing;
    if (existing.status === 'failed' || existing.status === 'unreachable') {
      const [row] = await tx.db
        .update(peppolTransmissions)
        .set({
          id: deps.ids.uuid(),
          status: 'sending',
          receiver,
          sendVersion,
          providerId: null,
          attempts: 0,
          lastError: null,
          updatedAt: now,
        })
        .where(theTransmission(existing))
        .returning();
      return row ?? existing;
    }
    return existing;
  });

const audit = (
  tx: Tx,
  deps: Deps,
  organizationId: string,
  invoiceId: string,
  action: string,
  changes: Record<string, unknown>,
  reason?: string,
) =>
  appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'invoice',
    aggregateId: invoiceId,
    action,
    actor: SYSTEM_ACTOR,
    changes,
    ...(reason ? { reason } : {}),
  });

/**
 * The `invoice.send` job: over Peppol where the document is a Peppol one and the organization has an access
 * point, else (or when the receiver is not on the network) by e-mail.
 */
export const deliverInvoice = async (
  deps: Deps,
  organizationId: string,
  invoiceId: string,
  sendVersion?: number,
) => {
  const [row] = await deps.database.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, invoiceId)));
  if (!row?.number) throw notFound('invoice');
  const doc = documentOf(row);
  // The document's own buyer as issued: the ID its UBL names is the one it goes to.
  const receiver = doc.profile === 'peppol' ? doc.buyer.endpoint : null;
  const connection = receiver ? await peppolConnectionOf(deps.database, organizationId) : null;
  if (!receiver || connection?.status !== 'active') return mailInvoice(deps, organizationId, invoiceId);
  const endpoint = `${receiver.scheme}:${receiver.id}`;

  const t = await claim(deps, organizationId, invoiceId, endpoint, sendVersion ?? row.version);
  // Already on the network: a send again by the office is a copy by e-mail, never a second e-invoice.
  if (t.status === 'accepted' || t.status === 'delivered')
    return t.sendVersion === (sendVersion ?? row.version)
      ? { peppol: t.providerId }
      : mailInvoice(deps, organizationId, invoiceId);
  if (t.status === 'failed') return { failed: t.lastError };
  if (t.status === 'unreachable') return mailInvoice(deps, organizationId, invoiceId);

  const ap = accessPointOf(deps, connection);
  const kind = row.kind === 'credit_note' ? ('creditNote' as const) : ('invoice' as const);
  const number = row.number;
  try {
    if (!t.providerId && !(await ap.canReceive(receiver, kind))) {
      await deps.database.transaction(async (tx) => {
        await tx.db
          .update(peppolTransmissions)
          .set({ status: 'unreachable', lastError: 'not on the Peppol network', updatedAt: deps.clock.now() })
          .where(theTransmission(t));
        await audit(
          tx,
          deps,
          organizationId,
          invoiceId,
          'invoice.peppol_unreachable',
          { receiver: endpoint },
          `${endpoint} does not take ${kind === 'creditNote' ? 'credit notes' : 'invoices'} over Peppol`,
        );
      });
      return mailInvoice(deps, organizationId, invoiceId);
    }
    const ubl = await invoiceFile(deps, organizationId, invoiceId, 'ubl');
    const submitted = await ap.submit({ idempotencyKey: t.id, receiver, kind, ubl: ubl.bytes });
    await deps.database.transaction(async (tx) => {
      await tx.db
        .update(peppolTransmissions)
        .set({ status: 'accepted', providerId: submitted.id, lastError: null, updatedAt: deps.clock.now() })
        .where(theTransmission(t));
      await audit(tx, deps, organizationId, invoiceId, 'invoice.peppol_sent', {
        receiver: endpoint,
        provider: connection.provider,
        transmission: submitted.id,
      });
      await queueTrack(tx, deps, organizationId, t.id, 0);
    });
    return { peppol: submitted.id };
  } catch (err) {
    if (err instanceof PeppolRefused) {
      await deps.database.transaction(async (tx) => {
        await tx.db
          .update(peppolTransmissions)
          .set({ status: 'failed', lastError: err.message, updatedAt: deps.clock.now() })
          .where(theTransmission(t));
        await audit(
          tx,
          deps,
          organizationId,
          invoiceId,
          'invoice.peppol_refused',
          { receiver: endpoint },
          err.message,
        );
        await laneEntry(tx, deps, row, t, `${number} was not sent over Peppol: ${err.message}`, err.code, 1);
      });
      return { failed: err.message };
    }
    const message = err instanceof Error ? err.message : String(err);
    const attempts = t.attempts + 1;
    const waits = await deps.database.transaction(async (tx) => {
      await tx.db
        .update(peppolTransmissions)
        .set({ attempts, lastError: message, updatedAt: deps.clock.now() })
        .where(theTransmission(t));
      if (attempts < PEPPOL_SEND_TRIES) return false;
      await laneEntry(
        tx,
        deps,
        row,
        t,
        `${number} is not sent yet: the Peppol access point did not take it after ${attempts} tries (${message})`,
        null,
        attempts,
      );
      return true;
    });
    if (waits || !(err instanceof PeppolRetryLater)) return { waiting: message };
    throw err;
  }
};

const laneEntry = (
  tx: Tx,
  deps: Deps,
  row: typeof invoices.$inferSelect,
  t: TransmissionRow,
  message: string,
  providerCode: string | null,
  attempts: number,
) =>
  recordIntegrationError(tx, deps, {
    organizationId: row.organizationId,
    kind: 'peppol_send',
    subject: `peppol:${t.invoiceId}`,
    message,
    providerCode,
    attempts,
    connectorId: null,
    invoiceId: row.id,
    jobId: row.jobId,
    holdsJob: false,
  });

const queueTrack = (tx: Tx, deps: Deps, organizationId: string, transmissionId: string, step: number) =>
  deps.queue.enqueue(
    tx,
    { name: 'peppol.track', data: { organizationId, transmissionId, step } },
    { key: `peppol-track:${transmissionId}:${step}`, startAfterSeconds: PEPPOL_TRACK_DELAYS[step] ?? 3600 },
  );

/**
 * The `peppol.track` job: asks the access point whether the receiver confirmed the document. Delivered is
 * written to the history; a failure, or no confirmation after the last ask (about a day), goes to the lane.
 */
export const trackPeppol = async (
  deps: Deps,
  organizationId: string,
  transmissionId: string,
  step: number,
) => {
  const [t] = await deps.database.db
    .select()
    .from(peppolTransmissions)
    .where(
      and(eq(peppolTransmissions.organizationId, organizationId), eq(peppolTransmissions.id, transmissionId)),
    );
  if (t?.status !== 'accepted' || !t.providerId) return { skipped: t?.status ?? 'gone' };
  const connection = await peppolConnectionOf(deps.database, organizationId);
  if (!connection) return { skipped: 'no access point' };
  const answer = await accessPointOf(deps, connection).delivery(t.providerId);
  if (answer.state === 'pending' && step + 1 < PEPPOL_TRACK_DELAYS.length) {
    await deps.database.transaction((tx) => queueTrack(tx, deps, organizationId, transmissionId, step + 1));
    return { pending: step + 1 };
  }
  return deps.database.transaction(async (tx) => {
    const [row] = await tx.db
      .select()
      .from(invoices)
      .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, t.invoiceId)));
    if (!row) throw notFound('invoice');
    if (answer.state === 'delivered') {
      await tx.db
        .update(peppolTransmissions)
        .set({ status: 'delivered', updatedAt: deps.clock.now() })
        .where(theTransmission(t));
      await audit(tx, deps, organizationId, t.invoiceId, 'invoice.peppol_delivered', {
        receiver: t.receiver,
      });
      return { delivered: t.providerId };
    }
    const why =
      answer.state === 'failed'
        ? answer.reason
        : 'the receiving access point has not confirmed it after a day';
    if (answer.state === 'failed')
      await tx.db
        .update(peppolTransmissions)
        .set({ status: 'failed', lastError: why, updatedAt: deps.clock.now() })
        .where(theTransmission(t));
    await laneEntry(tx, deps, row, t, `${row.number} over Peppol: ${why}`, null, 1);
    return { failed: why };
  });
};
