import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { paymentConnections } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { refusePrivateTargets } from '../integrations/outbound-targets';
import type { Deps } from '../ports';
import type { PaymentGateway } from './port';

export type PaymentConnectionRow = typeof paymentConnections.$inferSelect;

/** What the sealed credentials hold; parsed on every open, like any stored outside input. */
const PaymentCredentials = z.object({ secretKey: z.string().min(1), webhookSecret: z.string().min(1) });

export type ConnectPayments = {
  provider: 'stripe';
  secretKey: string;
  webhookSecret: string;
  apiBaseUrl?: string | undefined;
  methods: string[];
};

/** Where the provider sends its events for this account: the address to register in its dashboard. */
export const paymentEventsUrl = (
  deps: Pick<Deps, 'publicUrl'>,
  c: Pick<PaymentConnectionRow, 'organizationId' | 'id'>,
) => `${deps.publicUrl.replace(/\/$/, '')}/api/v1/public/payment-events/${c.organizationId}/${c.id}`;

/**
 * Connects (or reconnects with new keys) the organization's account at a payment provider: the keys are
 * sealed, never shown again (only the last four characters), and a stand-in API address must be public.
 */
export const connectPayments = async (
  deps: Deps,
  organizationId: string,
  input: ConnectPayments,
  actor: Actor,
) => {
  if (input.apiBaseUrl) await refusePrivateTargets(deps, { 'body.apiBaseUrl': input.apiBaseUrl });
  return deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const credentials = deps.secrets.seal(
      JSON.stringify({ secretKey: input.secretKey, webhookSecret: input.webhookSecret }),
    );
    const [before] = await tx.db
      .select()
      .from(paymentConnections)
      .where(
        and(
          eq(paymentConnections.organizationId, organizationId),
          eq(paymentConnections.provider, input.provider),
        ),
      )
      .for('update');
    const values = {
      status: 'active' as const,
      credentials,
      apiBaseUrl: input.apiBaseUrl ?? null,
      keyHint: input.secretKey.slice(-4),
      methods: input.methods,
      updatedAt: now,
    };
    const [row] = before
      ? await tx.db
          .update(paymentConnections)
          .set({ ...values, version: before.version + 1 })
          .where(
            and(eq(paymentConnections.organizationId, organizationId), eq(paymentConnections.id, before.id)),
          )
          .returning()
      : await tx.db
          .insert(paymentConnections)
          .values({
            organizationId,
            id: deps.ids.uuid(),
            provider: input.provider,
            createdAt: now,
            ...values,
          })
          .returning();
    if (!row) throw new Error('payment connection write returned nothing');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'payment_connection',
      aggregateId: row.id,
      action: before ? 'payment_connection.keys_replaced' : 'payment_connection.connected',
      actor,
      first: !before,
      changes: { provider: input.provider, methods: input.methods, keyHint: row.keyHint },
    });
    return row;
  });
};

/** One of the organization's payment connections, locked for a change in this transaction. */
export const lockPaymentConnection = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(paymentConnections)
    .where(and(eq(paymentConnections.organizationId, organizationId), eq(paymentConnections.id, id)))
    .for('update');
  if (!row) throw notFound('payment connection');
  return row;
};

/** Stops taking payments online: pay buttons disappear; the events of payments already made still land. */
export const disconnectPayments = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const before = await lockPaymentConnection(tx, organizationId, id);
    if (before.status === 'disabled')
      throw new AppError('invalid_transition', 'Online payments are already switched off', {
        fields: [{ field: 'status', message: 'is switched off' }],
      });
    const [row] = await tx.db
      .update(paymentConnections)
      .set({ status: 'disabled', updatedAt: deps.clock.now(), version: before.version + 1 })
      .where(and(eq(paymentConnections.organizationId, organizationId), eq(paymentConnections.id, id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'payment_connection',
      aggregateId: id,
      action: 'payment_connection.disconnected',
      actor,
      changes: { status: { before: 'active', after: 'disabled' } },
    });
    return row ?? before;
  });

export const listPaymentConnections = (deps: Deps, organizationId: string) =>
  deps.database.db
    .select()
    .from(paymentConnections)
    .where(eq(paymentConnections.organizationId, organizationId));

/** The organization's account that takes payments now, if any. */
export const activePaymentConnection = async (tx: Pick<Tx, 'db'>, organizationId: string) => {
  const [row] = await tx.db
    .select()
    .from(paymentConnections)
    .where(
      and(eq(paymentConnections.organizationId, organizationId), eq(paymentConnections.status, 'active')),
    )
    .limit(1);
  return row ?? null;
};

/** The provider's client for this account. */
export const gatewayOf = (deps: Deps, c: PaymentConnectionRow): PaymentGateway => {
  const creds = PaymentCredentials.parse(JSON.parse(deps.secrets.open(c.credentials)));
  return deps.payments[c.provider].gateway(
    { ...creds, apiBaseUrl: c.apiBaseUrl },
    deps.outbound.fetch,
    deps.accountingTimeoutMs ?? 15_000,
  );
};
