import { z } from 'zod';

/** Every background job: its queue name and payload schema. Workers parse payloads with these before acting. */
export const queuePayloads = {
  'maintenance.purge': z.strictObject({ olderThanDays: z.number().int().min(1).max(365) }),
  /** Records every audit chain's head for one organization, or for all when organizationId is absent. */
  'audit.checkpoint': z.strictObject({ organizationId: z.uuid().optional() }),
  /** Generates recurring visits up to each series' horizon. */
  'series.extend': z.strictObject({}),
  /** Escalates overdue approval requests to the owner role. */
  'approvals.escalate': z.strictObject({}),
  'email.send': z.strictObject({
    to: z.array(z.email()).min(1).max(100),
    subject: z.string().min(1).max(300),
    text: z.string().max(20_000),
  }),
  /** Archives attachments no accepted closeout references after this many days. */
  'attachments.retention': z.strictObject({ olderThanDays: z.number().int().min(1).max(3650) }),
} as const;

export type QueueName = keyof typeof queuePayloads;
export type QueueJob = {
  [K in QueueName]: { name: K; data: z.infer<(typeof queuePayloads)[K]> };
}[QueueName];

export const QUEUE_NAMES = Object.keys(queuePayloads) as QueueName[];
