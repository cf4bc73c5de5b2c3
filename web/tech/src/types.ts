import type { z } from 'zod';
import type { MissingItemSchema } from '../../../src/contracts/closeout';

/** RFC 9457 problem details as the API sends them, with Closeout's extensions. */
export type ProblemT = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
  missing?: z.infer<typeof MissingItemSchema>[];
  job?: { number?: string; status?: string; windowStart?: string; windowEnd?: string; version?: number };
  changedSince?: { action: string; at: string }[];
};
