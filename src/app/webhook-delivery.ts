import { and, eq } from 'drizzle-orm';
import { notFound } from '../core/errors';
import { webhookDeliveries, webhookSubscriptions } from '../db/schema';
import { recordIntegrationError } from './integration-errors';
import type { Deps, Http } from './ports';
import { backoffSeconds, MAX_DELIVERY_ATTEMPTS, signWebhook } from './webhooks';

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
  const http = deps.http ?? fetch;
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
  const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
  const signature = signWebhook(deps.secrets.open(row.s.secret), row.d.eventId, timestamp, row.d.payload);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await http(row.s.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': row.d.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
        'user-agent': 'Closeout-Webhooks/1',
      },
      body: row.d.payload,
      signal: AbortSignal.timeout(10_000),
      redirect: 'manual',
    });
    status = res.status;
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) error = `HTTP ${res.status}`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
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
