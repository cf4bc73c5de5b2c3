import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { DELIVERY_RANK, replyIntent } from '../../core/sms';
import type { Tx } from '../../db/client';
import { customerMessages, organizations, smsConnections, smsOptOuts } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { lockOrganization } from '../directory/organizations';
import { refusePrivateTargets } from '../integrations/outbound-targets';
import type { Deps } from '../ports';
import type { SmsCredentials } from './sms-port';

/**
 * The organization's text-message account (#25): connecting Twilio, the numbers that replied STOP, and the
 * provider's signed delivery reports. Sending lives with the other customer messages (customer-messages.ts).
 */

export type SmsConnectionRow = typeof smsConnections.$inferSelect;
const Credentials = z.object({ accountSid: z.string().min(1), authToken: z.string().min(1) });

export type ConnectSms = {
  accountSid: string;
  authToken: string;
  sender: string;
  apiBaseUrl?: string | undefined;
  monthlyCap: number;
  quietStart: number;
  quietEnd: number;
};

const base = (deps: Pick<Deps, 'publicUrl'>) => deps.publicUrl.replace(/\/$/, '');
/** Where Twilio reports a text's delivery: signed, per organization. */
export const smsStatusUrl = (deps: Pick<Deps, 'publicUrl'>, organizationId: string) =>
  `${base(deps)}/api/v1/public/sms/${organizationId}/status`;
/** Where Twilio forwards the customers' replies (STOP, START): set it as the number's messaging webhook. */
export const smsInboundUrl = (deps: Pick<Deps, 'publicUrl'>, organizationId: string) =>
  `${base(deps)}/api/v1/public/sms/${organizationId}/inbound`;

/** Connects (or reconnects) the organization's Twilio account: the token sealed, never shown again. */
export const connectSms = async (deps: Deps, organizationId: string, input: ConnectSms, actor: Actor) => {
  if (input.apiBaseUrl) await refusePrivateTargets(deps, { 'body.apiBaseUrl': input.apiBaseUrl });
  return deps.database.transaction(async (tx) => {
    await lockOrganization(tx, organizationId);
    const now = deps.clock.now();
    const [before] = await tx.db
      .select()
      .from(smsConnections)
      .where(eq(smsConnections.organizationId, organizationId))
      .for('update');
    const values = {
      provider: 'twilio' as const,
      status: 'active' as const,
      credentials: deps.secrets.seal(
        JSON.stringify({ accountSid: input.accountSid, authToken: input.authToken }),
      ),
      sender: input.sender,
      apiBaseUrl: input.apiBaseUrl ?? null,
      keyHint: input.accountSid.slice(-4),
      monthlyCap: input.monthlyCap,
      quietStart: input.quietStart,
      quietEnd: input.quietEnd,
      updatedAt: now,
    };
    if (before)
      await tx.db
        .update(smsConnections)
        .set({ ...values, version: before.version + 1 })
        .where(eq(smsConnections.organizationId, organizationId));
    else await tx.db.insert(smsConnections).values({ organizationId, ...values, createdAt: now });
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.sms_connected',
      actor,
      changes: {
        provider: 'twilio',
        account: `…${values.keyHint}`,
        sender: input.sender,
        monthlyCap: input.monthlyCap,
        quietHours: `${input.quietStart}-${input.quietEnd}`,
      },
    });
  });
};

/** Stops texts: the account is kept (disabled), so its delivery reports still verify. */
export const disconnectSms = (deps: Deps, organizationId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    await lockOrganization(tx, organizationId);
    const [row] = await tx.db
      .update(smsConnections)
      .set({ status: 'disabled', updatedAt: deps.clock.now() })
      .where(eq(smsConnections.organizationId, organizationId))
      .returning();
    if (!row) throw notFound('text message account');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.sms_disconnected',
      actor,
      changes: { provider: row.provider },
    });
  });

export const smsConnectionOf = async (tx: Pick<Tx, 'db'>, organizationId: string) => {
  const [row] = await tx.db
    .select()
    .from(smsConnections)
    .where(eq(smsConnections.organizationId, organizationId));
  return row ?? null;
};

export const credentialsOf = (deps: Pick<Deps, 'secrets'>, c: SmsConnectionRow): SmsCredentials => ({
  ...Credentials.parse(JSON.parse(deps.secrets.open(c.credentials))),
  sender: c.sender,
  apiBaseUrl: c.apiBaseUrl,
});

/** Texts sent or on their way this calendar month in the business's time zone (what the cap counts). */
export const textsThisMonth = async (
  tx: Pick<Tx, 'db'>,
  organizationId: string,
  now: Date,
  timeZone: string,
) => {
  const [row] = await tx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(customerMessages)
    .where(
      and(
        eq(customerMessages.organizationId, organizationId),
        eq(customerMessages.channel, 'sms'),
        inArray(customerMessages.status, ['queued', 'sending', 'sent', 'unknown']),
        gte(
          customerMessages.createdAt,
          sql`(date_trunc('month', ${now.toISOString()}::timestamptz AT TIME ZONE ${timeZone}) AT TIME ZONE ${timeZone})`,
        ),
      ),
    );
  return row?.n ?? 0;
};

/** The settings screen's view: connected or not, the sender, quiet hours, the cap and this month's use. */
export const smsSettingsOf = async (deps: Deps, organizationId: string) => {
  const c = await smsConnectionOf(deps.database, organizationId);
  const [org] = await deps.database.db
    .select({ timeZone: organizations.timeZone })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const [optOuts] = await deps.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(smsOptOuts)
    .where(eq(smsOptOuts.organizationId, organizationId));
  return {
    connected: c?.status === 'active',
    provider: c?.provider ?? null,
    accountHint: c ? `…${c.keyHint}` : null,
    sender: c?.sender ?? null,
    monthlyCap: c?.monthlyCap ?? 500,
    quietStart: c?.quietStart ?? 21,
    quietEnd: c?.quietEnd ?? 8,
    sentThisMonth: await textsThisMonth(
      deps.database,
      organizationId,
      deps.clock.now(),
      org?.timeZone ?? 'UTC',
    ),
    optedOut: optOuts?.n ?? 0,
    statusUrl: smsStatusUrl(deps, organizationId),
    inboundUrl: smsInboundUrl(deps, organizationId),
  };
};

export const isOptedOut = async (tx: Pick<Tx, 'db'>, organizationId: string, phone: string) => {
  const [row] = await tx.db
    .select({ at: smsOptOuts.optedOutAt })
    .from(smsOptOuts)
    .where(and(eq(smsOptOuts.organizationId, organizationId), eq(smsOptOuts.phone, phone)));
  return row?.at ?? null;
};

/** A request the provider signed, or a 403 naming the signature: nothing is done for an unsigned one. */
const verified = async (
  deps: Deps,
  organizationId: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
) => {
  const c = await smsConnectionOf(deps.database, organizationId);
  if (!c) throw notFound('text message account');
  const { authToken } = credentialsOf(deps, c);
  if (!signature || !deps.sms[c.provider].verify(authToken, signature, url, params))
    throw new AppError('forbidden', 'The request is not signed by the text message provider', {
      fields: [{ field: 'header.x-twilio-signature', message: 'missing or wrong' }],
    });
  return c;
};

/**
 * A delivery report (signed). Reports come more than once and out of order: a later stage is never replaced
 * by an earlier one. An undelivered or failed text shows on the job with the provider's error.
 */
export const recordDelivery = async (
  deps: Deps,
  organizationId: string,
  signature: string | undefined,
  params: Record<string, string>,
) => {
  await verified(deps, organizationId, signature, smsStatusUrl(deps, organizationId), params);
  const sid = params.MessageSid ?? params.SmsSid;
  const status = (params.MessageStatus ?? params.SmsStatus ?? '').toLowerCase();
  if (!sid || !(status in DELIVERY_RANK)) return { applied: false };
  return deps.database.transaction(async (tx) => {
    const [row] = await tx.db
      .select()
      .from(customerMessages)
      .where(and(eq(customerMessages.organizationId, organizationId), eq(customerMessages.providerId, sid)))
      .for('update');
    if (!row) return { applied: false };
    // A later stage already recorded stays: a report arriving late or twice changes nothing.
    if (row.delivery !== null && (DELIVERY_RANK[row.delivery] ?? 0) >= (DELIVERY_RANK[status] ?? 0))
      return { applied: false };
    const failed = status === 'undelivered' || status === 'failed';
    await tx.db
      .update(customerMessages)
      .set({
        delivery: status,
        ...(failed
          ? {
              status: 'failed' as const,
              reason: `The text was not delivered${params.ErrorCode ? ` (carrier error ${params.ErrorCode})` : ''}`,
            }
          : {}),
      })
      .where(and(eq(customerMessages.organizationId, organizationId), eq(customerMessages.id, row.id)));
    return { applied: true };
  });
};

/** A customer's reply: STOP (and its synonyms) stops every text to the number; START allows them again. */
export const recordReply = async (
  deps: Deps,
  organizationId: string,
  signature: string | undefined,
  params: Record<string, string>,
) => {
  await verified(deps, organizationId, signature, smsInboundUrl(deps, organizationId), params);
  const from = params.From ?? '';
  const intent = replyIntent(params.Body ?? '');
  if (!from.startsWith('+') || !intent) return { intent: null };
  await deps.database.transaction(async (tx) => {
    await lockOrganization(tx, organizationId);
    if (intent === 'stop')
      await tx.db
        .insert(smsOptOuts)
        .values({
          organizationId,
          phone: from,
          optedOutAt: deps.clock.now(),
          reply: (params.Body ?? '').slice(0, 160),
        })
        .onConflictDoNothing();
    else
      await tx.db
        .delete(smsOptOuts)
        .where(and(eq(smsOptOuts.organizationId, organizationId), eq(smsOptOuts.phone, from)));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: intent === 'stop' ? 'organization.sms_opted_out' : 'organization.sms_opted_in',
      actor: { type: 'system', id: null },
      changes: { phone: from, reply: (params.Body ?? '').slice(0, 160) },
    });
  });
  return { intent };
};
