import { z } from 'zod';

export const Uuid = z.uuid();
export const IdParams = z.strictObject({ id: z.uuid() });

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** RFC 9457 problem details, with the fields that were wrong and the request they belong to. */
export const Problem = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })),
  })
  .meta({ id: 'Problem' });

/** Decimal amounts travel as strings, never as JSON numbers. */
export const Decimal = z.string().regex(/^-?\d{1,14}(\.\d{1,4})?$/, 'must be a decimal string like "12.50"');

/** Instants travel as ISO 8601 strings in UTC. */
export const Instant = z.iso.datetime();
