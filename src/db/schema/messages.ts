import { foreignKey, index, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
    channel: text('channel', { enum: ['email'] }).notNull(),
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
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.id] }),
    uniqueIndex('customer_messages_key').on(t.organizationId, t.key),
    index('customer_messages_job_idx').on(t.organizationId, t.jobId, t.createdAt),
    foreignKey({ columns: [t.organizationId, t.jobId], foreignColumns: [jobs.organizationId, jobs.id] }),
    foreignKey({
      columns: [t.organizationId, t.customerId],
      foreignColumns: [customers.organizationId, customers.id],
    }),
  ],
);
