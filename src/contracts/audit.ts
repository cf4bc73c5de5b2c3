import { z } from 'zod';

/** The audit trail checked end to end: how much was walked, or the first event that does not hold. */
export const AuditVerification = z
  .object({
    ok: z.boolean(),
    events: z.number().int(),
    chains: z.number().int().optional(),
    checkpoints: z.number().int().optional(),
    broken: z
      .object({
        aggregateType: z.string(),
        aggregateId: z.string(),
        seq: z.number().int(),
        eventId: z.string().nullable(),
        reason: z.string(),
      })
      .optional(),
  })
  .meta({ id: 'AuditVerification' });
