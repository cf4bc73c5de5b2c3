import { z } from 'zod';
import { CustomFieldDefs } from '../core/custom-fields';
import { CloseoutRequirements } from '../core/job-type-templates';
import { VAT_CATEGORIES } from '../core/tax';
import { PostalAddress } from './catalog';
import { ChangeOrder } from './change-orders';
import { Decimal, Instant, UnitPrice } from './common';
import { Job, JobVisit } from './jobs';

export const TaxTreatmentView = z
  .object({
    category: z.enum(VAT_CATEGORIES).nullable(),
    rate: z.string(),
    exemptionReasonCode: z.string().nullable().optional(),
    exemptionReason: z.string().nullable().optional(),
    jurisdiction: z.string().nullable().optional(),
  })
  .meta({ id: 'TaxTreatment' });

export const WorkOrdersQuery = z.strictObject({
  /** Days after today to include (today and yesterday are always in). */
  days: z.coerce.number().int().min(0).max(14).default(3),
});

/**
 * Everything the technician app needs to work a job offline: the job, where it is, what its closeout
 * must carry (the job type's requirements with the customer's overrides), and how its lines are taxed,
 * so the phone runs the same rules and the same calculator the server runs.
 */
export const WorkOrder = z
  .object({
    job: Job,
    site: z.object({ name: z.string(), address: PostalAddress, accessNotes: z.string().nullable() }),
    jobType: z.object({
      name: z.string(),
      billingMode: z.enum(['fixed', 'time_and_materials', 'per_visit', 'per_cycle']),
      requirements: CloseoutRequirements,
      customFields: CustomFieldDefs,
      /** The price book's labour item the work is billed at (organization.laborPricing decides). */
      laborSku: z.string().nullable(),
    }),
    /** Tax of a line by its price-book tax code; lines without one take defaultTax. */
    taxByCode: z.record(z.string(), TaxTreatmentView),
    defaultTax: TaxTreatmentView.nullable(),
    /** The job's change orders: the approved ones are part of the agreed price, the open ones await the customer. */
    changeOrders: z.array(ChangeOrder),
    /** A job done over several days: its visits in order (none for a one-visit job). */
    visits: z.array(JobVisit),
    /** The job's conversation: the office's questions and comments, and the crew's replies, oldest first. */
    messages: z.array(
      z.object({
        id: z.uuid(),
        kind: z.enum(['comment', 'info_request']),
        author: z.string(),
        fromMe: z.boolean(),
        body: z.string(),
        createdAt: Instant,
      }),
    ),
  })
  .meta({ id: 'WorkOrder' });

export const WorkOrders = z
  .object({
    generatedAt: Instant,
    organization: z.object({
      name: z.string(),
      currency: z.string(),
      taxScheme: z.enum(['vat', 'us_sales_tax']),
      timeZone: z.string(),
      laborPricing: z.enum(['price_book', 'technician_rate']),
    }),
    technician: z.object({ id: z.uuid(), name: z.string(), hourlyRate: Decimal.nullable() }),
    items: z.array(WorkOrder),
    /** The active price book, for part search offline. */
    priceBook: z.array(
      z.object({
        sku: z.string(),
        name: z.string(),
        kind: z.enum(['labor', 'part', 'fee']),
        unitCode: z.string(),
        unitPrice: UnitPrice,
        taxCodeId: z.uuid(),
      }),
    ),
  })
  .meta({ id: 'WorkOrders' });
export type WorkOrdersT = z.infer<typeof WorkOrders>;
export type WorkOrderT = z.infer<typeof WorkOrder>;
