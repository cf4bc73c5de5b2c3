import { z } from 'zod';

/** What the live stream tells: a job changed, a job's conversation moved, an invoice changed (paid, sent …), a quote changed. */
export const LIVE_EVENT_TYPES = ['job.changed', 'job.comment', 'invoice.changed', 'quote.changed'] as const;

/** One frame of the live stream (/api/v1/events): what changed and how. Organization-scoped by the server. */
export const LiveEventFrame = z.object({
  type: z.enum(LIVE_EVENT_TYPES),
  id: z.string(),
  number: z.string().optional(),
  status: z.string().optional(),
  billingStatus: z.string().optional(),
  version: z.number().int().optional(),
  action: z.string(),
});
export type LiveEventFrame = z.infer<typeof LiveEventFrame>;

/** A live event as the application publishes it: the frame, with the organization it belongs to. */
export const LiveEvent = LiveEventFrame.extend({ organizationId: z.uuid(), id: z.uuid() });
export type LiveEvent = z.infer<typeof LiveEvent>;
