import { and, eq } from 'drizzle-orm';
import { notFound } from '../../core/errors';
import { webhookDeliveries, webhookSubscriptions } from '../../db/schema/index';
import type { Deps, Http } from '../ports';
import { recordIntegrationError } from './integration-errors';
import { backoffSeconds, MAX_DELIVERY_ATTEMPTS, signWebhook, subscriptionOf } from './webhooks';

/** One signed POST (Standard Webhooks headers): the receiver's status, or why there was none. */
const postSigned = async (
  deps: Pick<Deps, 'clock'>,
  http: Http,
  m: { url: string; secret: string; eventId: string; payload: string },
): Promise<{ status: number | null; error: string | null }> => {
  const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
  try {
    const res = await http(m.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': m.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(m.secret, m.eventId, timestamp, m.payload),
        'user-agent': 'Closeout-Webhooks/1',
      },
      body: m.payload,
      signal: AbortSignal.timeout(10_000),
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, error: res.ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    return { status: null, error: err instanceof Error ? err.message : String(err) };
  }
};

/**
 * The settings' Test button: a signed `ping` event sent now, outside the delivery log, so the receiver can
 * check its signature verification. The answer says what the receiver said.
 */
export const pingSubscription = async (
  deps: Deps & { http?: Http },
  organizationId: string,
  subscriptionId: string,
) => {
  const sub = await subscriptionOf(deps, organizationId, subscriptionId);
  const eventId = `ping_${deps.ids.uuid()}`;
  const payload = JSON.stringify({
    type: 'ping',
    timestamp: deps.clock.now().toISOString(),
    data: { subscriptionId, organizationId },
  });
  const started = Date.now();
  const { status, error } = await postSigned(deps, deps.http ?? deps.outbound.fetch, {
    url: sub.url,
    secret: deps.secrets.open(sub.secret),
    eventId,
    payload,
  });
  return {
    ok: error === null,
    eventId,
    statusCode: status,
    message: error ?? `Delivered: HTTP ${status}`,
    durationMs: Date.now() - started,
  };
};

/**
 * Delivers one event (the `webhook.deliver` queue job). A 2xx is delivered; anything else is retried
 * with exponential backoff by enqueueing the next attempt, and given up after MAX_DELIVERY_ATTEMPTS with an
 * integration error. Every attempt is in the delivery log.
 */
export const deliverWebhook = async (
  deps: Deps & { http?: Http },
  organizationId: string,
  deliveryId: string,
) => {
  const http = deps.http ?? deps.outbound.fetch;
  const [row] = await deps.database.db
    .select({ d: webhookDeliveries, s: webhookSubscriptions })
    .from(webhookDeliveries)
    .innerJoin(
      webhookSubscriptions,
      and(
        eq(webhookSubscriptions.organizationId, webhookDeliveries.organizationId),
        eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId),
      ),
    )
    .where(and(eq(webhookDeliveries.organizationId, organizationId), eq(webhookDeliveries.id, deliveryId)));
  if (!row) throw notFound('webhook delivery');
  if (row.d.status !== 'pending' || !row.s.active) return { status: row.d.status, skipped: true };
  const { status, error } = await postSigned(deps, http, {
    url: row.s.url,
    secret: deps.secrets.open(row.s.secret),
    eventId: row.d.eventId,
    payload: row.d.payload,
  });
  const attempts = row.d.attempts + 1;
  const now = deps.clock.now();
  return deps.database.transaction(async (tx) => {
    if (!error) {
      await tx.db
        .update(webhookDeliveries)
        .set({
          status: 'delivered',
          attempts,
          lastStatusCode: status,
          lastError: null,
          lastAttemptAt: now,
          deliveredAt: now,
        })
        .where(
          and(eq(webhookDeliveries.organizationId, organizationId), eq(webhookDeliveries.id, deliveryId)),
        );
      return { status: 'delivered', attempts };
    }
    const givingUp = attempts >= MAX_DELIVERY_ATTEMPTS;
    await tx.db
      .update(webhookDeliveries)
      .set({
        status: givingUp ? 'failed' : 'pending',
        attempts,
        lastStatusCode: status,
        lastError: error,
        lastAttemptAt: now,
      })
      .where(and(eq(webhookDeliveries.organizationId, organizationId), eq(webhookDeliveries.id, deliveryId)));
    if (givingUp) {
      await recordIntegrationError(tx, deps, {
        organizationId,
        kind: 'webhook',
        subject: `webhook:${deliveryId}`,
        message: `Webhook ${row.d.eventType} to ${row.s.url} failed ${attempts} times: ${error}`,
        providerCode: status === null ? 'network' : `http_${status}`,
        attempts,
        connectorId: null,
        invoiceId: null,
        jobId: null,
      });
      return { status: 'failed', attempts };
    }
    await deps.queue.enqueue(
      tx,
      { name: 'webhook.deliver', data: { organizationId, deliveryId } },
      { key: `${deliveryId}:${attempts}`, startAfterSeconds: backoffSeconds(attempts) },
    );
    return { status: 'retrying', attempts, inSeconds: backoffSeconds(attempts) };
  });
};
