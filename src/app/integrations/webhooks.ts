import { randomBytes } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../../contracts/integrations';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { webhookDeliveries, webhookSubscriptions } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import { jobNumber } from '../jobs/job-store';
import type { Deps, JobSubscriber } from '../ports';
import { refusePrivateTargets } from './outbound-targets';

/** Events a subscription may ask for. */
export { WEBHOOK_EVENTS, type WebhookEvent };

/** Attempts before a delivery is given up (with exponential backoff, about 17 hours in all). */
export const MAX_DELIVERY_ATTEMPTS = 10;
/** Seconds before the next attempt after `attempts` failed ones: 30 s, then doubling, at most 6 hours. */
export const backoffSeconds = (attempts: number) => Math.min(2 ** Math.max(0, attempts - 1) * 30, 6 * 3600);

type Ctx = Pick<Deps, 'clock' | 'ids' | 'queue'>;

/**
 * Organizations known to have no active subscription, until when. A subscription made in this process
 * clears its organization at once; another process notices within NO_SUBSCRIPTION_TTL_MS.
 */
const withoutSubscriptions = new Map<string, number>();
const NO_SUBSCRIPTION_TTL_MS = 5_000;

/**
 * Records an event for every active subscription of the organization that asked for it, and enqueues its
 * delivery, in the caller's transaction: a rolled-back change sends nothing.
 */
export const emitEvent = async (
  tx: Tx,
  deps: Ctx,
  organizationId: string,
  type: WebhookEvent,
  data: Record<string, unknown>,
): Promise<void> => {
  // Most organizations subscribe to nothing: remember that for a few seconds rather than ask on every change.
  const cached = withoutSubscriptions.get(organizationId);
  if (cached !== undefined && cached > Date.now()) return;
  const subs = await tx.db
    .select({ id: webhookSubscriptions.id, events: webhookSubscriptions.events })
    .from(webhookSubscriptions)
    .where(
      and(eq(webhookSubscriptions.organizationId, organizationId), eq(webhookSubscriptions.active, true)),
    );
  if (subs.length === 0) {
    withoutSubscriptions.set(organizationId, Date.now() + NO_SUBSCRIPTION_TTL_MS);
    return;
  }
  const matching = subs.filter((s) => s.events.includes(type));
  if (matching.length === 0) return;
  const now = deps.clock.now();
  const eventId = deps.ids.uuid();
  const payload = JSON.stringify({ type, timestamp: now.toISOString(), data });
  for (const s of matching) {
    const id = deps.ids.uuid();
    await tx.db.insert(webhookDeliveries).values({
      organizationId,
      id,
      subscriptionId: s.id,
      eventId,
      eventType: type,
      payload,
      status: 'pending',
      createdAt: now,
    });
    await deps.queue.enqueue(
      tx,
      { name: 'webhook.deliver', data: { organizationId, deliveryId: id } },
      { key: `${id}:0` },
    );
  }
};

/** Subscribers hear of completions and of jobs becoming billable, in the transaction that made them. */
export const emitJobEvents: JobSubscriber = async (tx, deps, { before, after }) => {
  const data = () => ({
    jobId: after.id,
    number: jobNumber(after.number),
    customerId: after.customerId,
    status: after.status,
    billingStatus: after.billingStatus,
    completedAt: after.completedAt?.toISOString() ?? null,
    version: after.version,
  });
  if (after.status === 'completed' && before.status !== 'completed')
    await emitEvent(tx, deps, after.organizationId, 'job.completed', data());
  if (after.billingStatus === 'invoice_ready' && before.billingStatus !== 'invoice_ready')
    await emitEvent(tx, deps, after.organizationId, 'job.invoice_ready', data());
};

/** Standard Webhooks signature (`v1,` and the HMAC of "{id}.{timestamp}.{body}"), by the standard's own library. */
export const signWebhook = (secret: string, id: string, timestamp: number, body: string): string =>
  new Webhook(secret).sign(id, new Date(timestamp * 1000), body);

export const createSubscription = async (
  deps: Deps,
  organizationId: string,
  input: { url: string; events: WebhookEvent[] },
  actor: Actor,
) => {
  await refusePrivateTargets(deps, { 'body.url': input.url });
  return deps.database.transaction(async (tx) => {
    const id = deps.ids.uuid();
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    withoutSubscriptions.delete(organizationId);
    const [row] = await tx.db
      .insert(webhookSubscriptions)
      .values({
        organizationId,
        id,
        url: input.url,
        events: [...new Set(input.events)],
        secret: deps.secrets.seal(secret),
        active: true,
        createdAt: deps.clock.now(),
      })
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'webhook_subscription',
      aggregateId: id,
      action: 'webhook.subscribed',
      actor,
      first: true,
      changes: { url: input.url, events: input.events },
    });
    if (!row) throw new Error('subscription insert returned nothing');
    // The secret is shown once, at creation.
    return { row, secret };
  });
};

export const deactivateSubscription = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const [row] = await tx.db
      .update(webhookSubscriptions)
      .set({ active: false })
      .where(and(eq(webhookSubscriptions.organizationId, organizationId), eq(webhookSubscriptions.id, id)))
      .returning();
    if (!row) throw notFound('webhook subscription');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'webhook_subscription',
      aggregateId: id,
      action: 'webhook.unsubscribed',
      actor,
      changes: { active: { before: true, after: false } },
    });
    return row;
  });

export const listSubscriptions = (deps: Deps, organizationId: string) =>
  deps.database.db
    .select()
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.organizationId, organizationId))
    .orderBy(webhookSubscriptions.createdAt);

/** One subscription of this organization, or 404. */
export const subscriptionOf = async (
  deps: Pick<Deps, 'database'>,
  organizationId: string,
  subscriptionId: string,
) => {
  const [sub] = await deps.database.db
    .select()
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.organizationId, organizationId),
        eq(webhookSubscriptions.id, subscriptionId),
      ),
    );
  if (!sub) throw notFound('webhook subscription');
  return sub;
};

export const deliveriesOf = async (
  deps: Deps,
  organizationId: string,
  subscriptionId: string,
  limit: number,
) => {
  await subscriptionOf(deps, organizationId, subscriptionId);
  return deps.database.db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.organizationId, organizationId),
        eq(webhookDeliveries.subscriptionId, subscriptionId),
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit);
};

export const assertEvents = (events: string[]): WebhookEvent[] => {
  const bad = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (bad.length > 0) throw new AppError('validation_failed', `unknown events: ${bad.join(', ')}`);
  return events as WebhookEvent[];
};
