import { z } from 'zod';
import { Decimal, Instant, PageQuery } from './common';

export const OPERATIONAL_STATUSES = [
  'scheduled',
  'dispatched',
  'in_progress',
  'completed',
  'canceled',
  'no_show',
] as const;
export const BILLING_STATUSES = [
  'not_ready',
  'needs_info',
  'needs_approval',
  'invoice_ready',
  'invoiced',
  'paid',
  'needs_review',
  'not_billable',
] as const;

export const Job = z
  .object({
    id: z.uuid(),
    number: z.string(),
    customerId: z.uuid(),
    customerName: z.string(),
    siteId: z.uuid(),
    siteName: z.string(),
    jobTypeId: z.uuid(),
    jobTypeName: z.string(),
    scope: z.string(),
    windowStart: Instant,
    windowEnd: Instant,
    status: z.enum(OPERATIONAL_STATUSES),
    billingStatus: z.enum(BILLING_STATUSES),
    billingOwnerId: z.uuid().nullable(),
    crew: z.array(z.object({ userId: z.uuid(), name: z.string() })),
    depositRequired: z.boolean(),
    depositAmount: Decimal.nullable(),
    discountPercent: Decimal.nullable(),
    taxCodeId: z.uuid().nullable(),
    poNumber: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'Job' });

export const JobListQuery = PageQuery.extend({
  from: Instant.optional(),
  to: Instant.optional(),
  technicianId: z.uuid().optional(),
});
