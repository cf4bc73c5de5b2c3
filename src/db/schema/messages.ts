import {
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { MESSAGE_KINDS } from '../../core/customer-messages';
import { instant } from './columns';
import { customers, jobs, orgId } from './operations';

/**
 * Every message sent (or not sent, and why) to a customer about a visit: the job's timeline shows them.
 * The key makes each one once: a booking confirmed twice, a retried worker, a second "on my way" tap in
 * the same minute insert nothing. A message is `sending` while the provider has it: a worker that dies
 * then leaves it `unknown`, shown, and never sent twice.
 */
export const customerMessages = pgTable(
  'customer_messages',
  {
    organizationId: orgId(),
    id: uuid('id').notNull(),
    jobId: uuid('job_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    kind: text('kind', { enum: MESSAGE_KINDS }).notNull(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    /** The address it goes to; null when the customer has none (the message is then `skipped`). */
    recipient: text('recipient'),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    /** For the calendar file: the visit's window as it was when the message was written. */
    window: jsonb('window').$type<{ start: string; end: string | null } | null>(),
    key: text('key').notNull(),
    status: text('status', { enum: ['queued', 'sending', 'sent', 'skipped', 'failed', 'unknown'] }).notNull(),
    /** Why it was skipped or failed, in words. */
    reason: text('reason'),
    createdAt: instant('created_at').notNull(),
    sentAt: instant('sent_at'),
    /** The provider's ID of a text (Twilio's message SID): how its delivery reports find it. */
    providerId: text('provider_id'),
    /** The last delivery report of a text (sent, delivered, undelivered, failed), reports out of order tolerated. */
    delivery: text('delivery'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('customer_messages_key').on(t.organizationId, t.key),
    index('customer_messages_job_idx').on(t.organizationId, t.jobId, t.createdAt),
    index('customer_messages_provider_idx').on(t.organizationId, t.providerId),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
    foreignKey({
      columns: [t.organizationId, t.customerId],
      foreignColumns: [customers.organizationId, customers.id],
    }),
  ],
);

/**
 * The organization's text-message account (Twilio first): sealed credentials, the number texts come from,
 * quiet hours in the business's time zone and a monthly cap. One per organization.
 */
export const smsConnections = pgTable('sms_connections', {
  organizationId: orgId().primaryKey(),
  provider: text('provider', { enum: ['twilio'] }).notNull(),
  status: text('status', { enum: ['active', 'disabled'] }).notNull(),
  /** Sealed JSON: { accountSid, authToken }. */
  credentials: text('credentials').notNull(),
  /** The sender: a number in E.164 or a messaging service (MG…). */
  sender: text('sender').notNull(),
  /** A stand-in for the provider's API (a gateway, a test's fake); the provider's own when null. */
  apiBaseUrl: text('api_base_url'),
  keyHint: text('key_hint').notNull(),
  monthlyCap: integer('monthly_cap').notNull().default(500),
  quietStart: integer('quiet_start').notNull().default(21),
  quietEnd: integer('quiet_end').notNull().default(8),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
  version: integer('version').notNull().default(1),
});

/** A number that replied STOP: no text goes to it until it replies START. */
export const smsOptOuts = pgTable(
  'sms_opt_outs',
  {
    organizationId: orgId(),
    /** E.164. */
    phone: text('phone').notNull(),
    optedOutAt: instant('opted_out_at').notNull(),
    /** What the customer wrote. */
    reply: text('reply').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.phone] })],
);
