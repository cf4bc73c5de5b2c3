import { z } from 'zod';
import { Decimal, Instant } from './common';

export const PostalAddress = z
  .object({
    line1: z.string(),
    line2: z.string().optional(),
    city: z.string(),
    region: z.string().optional(),
    postalCode: z.string(),
    country: z.string().length(2),
  })
  .meta({ id: 'PostalAddress' });

export const Site = z
  .object({ id: z.uuid(), name: z.string(), address: PostalAddress, accessNotes: z.string().nullable() })
  .meta({ id: 'Site' });

export const Customer = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    billingAddress: PostalAddress,
    taxId: z.string().nullable(),
    taxExempt: z.boolean(),
    paymentTermsDays: z.number().int().nullable(),
    sites: z.array(Site),
    createdAt: Instant,
    version: z.number().int(),
  })
  .meta({ id: 'Customer' });

export const TaxCode = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    category: z.string().nullable(),
    rate: Decimal,
    exemptionReasonCode: z.string().nullable(),
    exemptionReason: z.string().nullable(),
    jurisdiction: z.string().nullable(),
  })
  .meta({ id: 'TaxCode' });

export const CatalogItem = z
  .object({
    id: z.uuid(),
    sku: z.string(),
    name: z.string(),
    kind: z.enum(['labor', 'part', 'fee']),
    unitCode: z.string(),
    unitPrice: Decimal,
    taxCodeId: z.uuid(),
    glAccount: z.string().nullable(),
    active: z.boolean(),
  })
  .meta({ id: 'CatalogItem' });

export const JobType = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    trade: z.string(),
    defaultDurationMinutes: z.number().int(),
    billingMode: z.enum(['fixed', 'time_and_materials', 'per_visit', 'per_cycle']),
    closeoutRequirements: z.unknown(),
    approvalRules: z.unknown(),
    cancellationFee: Decimal.nullable(),
    noShowFee: Decimal.nullable(),
  })
  .meta({ id: 'JobType' });
