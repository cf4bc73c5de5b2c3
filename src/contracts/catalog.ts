import { z } from 'zod';
import { CustomFieldDefs } from '../core/custom-fields';
import { LANGUAGES } from '../core/i18n/languages';
import { ApprovalRule, CloseoutRequirements } from '../core/job-type-templates';
import { isValidTimeZone } from '../core/time';
import {
  CurrencyCode,
  Decimal,
  Instant,
  NonNegativeUnitPrice,
  PageQuery,
  PeppolEndpoint,
  UnitPrice,
} from './common';

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
    peppolEndpoint: z.string().nullable(),
    taxExempt: z.boolean(),
    paymentTermsDays: z.number().int().nullable(),
    /** The currency the customer is invoiced in when not the organization's; null: the organization's. */
    invoiceCurrency: z.string().nullable(),
    /** The customer's IANA time zone when not the organization's; null: the organization's. */
    timeZone: z.string().nullable(),
    /** The language the customer reads their documents in; null: the organization's. */
    language: z.enum(LANGUAGES).nullable(),
    sites: z.array(Site),
    /** A duplicate merged into another customer: the one that was kept. Merged customers leave the list. */
    mergedIntoId: z.uuid().nullable(),
    /** Payment reminders: their schedule (null: the default), never, or paused until a date and why. */
    reminders: z.object({
      scheduleId: z.uuid().nullable(),
      excluded: z.boolean(),
      pausedUntil: z.string().nullable(),
      pauseReason: z.string().nullable(),
    }),
    createdAt: Instant,
    version: z.number().int(),
  })
  .meta({ id: 'Customer' });

export const MergeCustomerBody = z.strictObject({
  /** The duplicate whose jobs, sites, services, invoices and contacts move into this customer. */
  duplicateId: z.uuid(),
});

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
    unitPrice: UnitPrice,
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
    customFields: z.unknown(),
    laborSku: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'JobType' });

const Address = z.strictObject({
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  city: z.string().trim().min(1).max(100),
  region: z.string().trim().max(100).optional(),
  postalCode: z.string().trim().min(1).max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. IE'),
});

export const ContactInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().nullable().default(null),
  phone: z.string().trim().max(40).nullable().default(null),
  role: z.string().trim().max(100).nullable().default(null),
  invoiceRecipient: z.boolean().default(false),
});

export const InvoicePreferencesInput = z.strictObject({
  channel: z.enum(['email', 'peppol', 'post', 'portal']),
  consolidation: z.enum(['per_job', 'per_cycle']),
  poRequired: z.boolean(),
});

export const CloseoutOverridesInput = z.strictObject({
  signature: z.boolean().optional(),
  photos: z
    .array(
      z.strictObject({
        category: z.enum(['before', 'after', 'serial_plate', 'signature', 'document', 'other']),
        min: z.number().int().min(1).max(20),
      }),
    )
    .optional(),
  serialNumbers: z.boolean().optional(),
  notes: z.boolean().optional(),
});

export const SiteInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  address: Address,
  accessNotes: z.string().trim().max(2000).nullable().optional(),
});

export const CreateCustomerBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254).nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  billingAddress: Address,
  taxId: z.string().trim().max(40).nullable().optional(),
  /** Peppol participant ID `scheme:id` (EAS code, e.g. 0088:7300010000001). */
  peppolEndpoint: PeppolEndpoint.nullable().optional(),
  taxExempt: z.boolean().optional(),
  taxExemptionReason: z.string().trim().max(500).nullable().optional(),
  paymentTermsDays: z.number().int().min(0).max(365).nullable().optional(),
  /** Invoice this customer in another currency (ISO 4217); null or the organization's: its own. */
  invoiceCurrency: CurrencyCode.nullable().optional(),
  /** The customer lives in another time zone than the business (IANA); null: the business's. */
  timeZone: z
    .string()
    .max(64)
    .refine(isValidTimeZone, 'not an IANA time zone, e.g. America/New_York')
    .nullable()
    .optional(),
  /** The language the customer reads their documents in; null: the organization's. */
  language: z.enum(LANGUAGES).nullable().optional(),
  contacts: z.array(ContactInput).max(50).optional(),
  invoicePreferences: InvoicePreferencesInput.optional(),
  closeoutOverrides: CloseoutOverridesInput.optional(),
  sites: z.array(SiteInput).max(100).optional(),
  /** Create even though it looks like an existing customer (after the caller saw the candidates). */
  confirmDuplicate: z.boolean().optional(),
});

export const UpdateCustomerBody = CreateCustomerBody.omit({ sites: true, confirmDuplicate: true })
  .partial()
  .extend({ expectedVersion: z.number().int().min(1).optional() });

export const ExternalIdParams = z.strictObject({
  id: z.uuid(),
  connector: z.enum(['xero', 'quickbooks', 'webhook', 'csv']),
});
export const ExternalIdBody = z.strictObject({ externalId: z.string().trim().min(1).max(200) });
export const SiteParams = z.strictObject({ id: z.uuid(), siteId: z.uuid() });

export const CustomerDetail = Customer.extend({
  taxExemptionReason: z.string().nullable(),
  contacts: z.array(
    z.object({
      name: z.string(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      role: z.string().nullable(),
      invoiceRecipient: z.boolean(),
    }),
  ),
  invoicePreferences: z.object({ channel: z.string(), consolidation: z.string(), poRequired: z.boolean() }),
  closeoutOverrides: z.record(z.string(), z.unknown()),
  externalIds: z.record(z.string(), z.string()),
}).meta({ id: 'CustomerDetail' });

export const TaxCodeBody = z.strictObject({
  code: z.string().trim().min(1).max(20),
  name: z.string().trim().min(1).max(100),
  category: z.string().nullable(),
  rate: Decimal,
  exemptionReasonCode: z.string().trim().max(40).nullable().optional(),
  exemptionReason: z.string().trim().max(300).nullable().optional(),
  jurisdiction: z.string().trim().max(100).nullable().optional(),
});

export const CatalogItemBody = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  kind: z.enum(['labor', 'part', 'fee']),
  unitCode: z.string().regex(/^[A-Z0-9]{2,3}$/, 'a UN/ECE Recommendation 20 code such as HUR, C62, MTR'),
  unitPrice: NonNegativeUnitPrice,
  taxCodeId: z.uuid(),
  glAccount: z.string().trim().max(40).nullable().optional(),
  active: z.boolean().optional(),
});

export const JobTypeBody = z.strictObject({
  code: z.string().regex(/^[A-Z0-9-]{2,20}$/, 'upper-case letters, digits and -'),
  name: z.string().trim().min(1).max(100),
  trade: z.enum(['hvac', 'plumbing', 'electrical', 'cleaning', 'landscaping', 'pest_control']),
  defaultDurationMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60),
  billingMode: z.enum(['fixed', 'time_and_materials', 'per_visit', 'per_cycle']),
  closeoutRequirements: CloseoutRequirements,
  approvalRules: z.array(ApprovalRule).max(20),
  customFields: CustomFieldDefs.optional(),
  cancellationFee: Decimal.nullable().optional(),
  noShowFee: Decimal.nullable().optional(),
  /** The price book's labour item (SKU) this work is billed at. */
  laborSku: z.string().trim().min(1).max(64).nullable().optional(),
});

export const CustomerListQuery = PageQuery.extend({ q: z.string().trim().min(1).max(100).optional() });
