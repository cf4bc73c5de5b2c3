import { z } from 'zod';

/** One frame of the live stream (/api/v1/events): which job changed and how. Organization-scoped by the server. */
export const LiveEventFrame = z.object({
  type: z.enum(['job.changed', 'job.comment']),
  id: z.string(),
  number: z.string().optional(),
  status: z.string().optional(),
  billingStatus: z.string().optional(),
  version: z.number().int().optional(),
  action: z.string(),
});
export type LiveEventFrame = z.infer<typeof LiveEventFrame>;
