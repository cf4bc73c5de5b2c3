import { z } from 'zod';
import type { ApiKeyView } from '../app/auth/api-keys';
import { customerRemindersOf } from '../app/collections/customer-reminders';
import type { MemberRow } from '../app/directory/users';
import type { ApiKey, Organization, User } from '../contracts/auth';
import type { CatalogItem, Customer, CustomerDetail, JobType, TaxCode } from '../contracts/catalog';
import type { Job } from '../contracts/jobs';
import { decimalString, nullableDecimal } from '../core/decimal';
import { isLanguage } from '../core/i18n';
import { invoiceEmailTemplateOf } from '../core/invoice-email';
import { exceptionReason, isBillingException } from '../core/job-lifecycle';
import { ApprovalRule } from '../core/job-type-templates';
import { isRole } from '../core/roles';
import type { findJobs } from '../db/queries/jobs';
import type { timelineOf } from '../db/queries/timeline';
import type { catalogItems, customers, jobTypes, organizations, sites, taxCodes } from '../db/schema';

/** Shapes database rows into API objects: ISO instants, decimal strings, no secrets. */
export const userView = (u: MemberRow): z.infer<typeof User> => ({
  id: u.id,
  email: u.email,
  name: u.name,
  roles: u.roles.filter(isRole),
  laborRole: u.laborRole,
  hourlyRate: nullableDecimal(u.hourlyRate),
  active: u.active,
  createdAt: u.createdAt.toISOString(),
  secondFactor: u.totpEnabledAt !== null,
});

export const organizationView = (o: typeof organizations.$inferSelect): z.infer<typeof Organization> => ({
  id: o.id,
  slug: o.slug,
  name: o.name,
  legalName: o.legalName,
  country: o.country,
  currency: o.currency,
  timeZone: o.timeZone,
  language: isLanguage(o.language) ? o.language : 'en',
  taxScheme: o.taxScheme,
  vatId: o.vatId,
  replyToEmail: o.replyToEmail,
  paymentTermsDays: o.paymentTermsDays,
  peppolEndpoint: o.peppolEndpoint,
  companyId: o.companyId,
  iban: o.iban,
  address: o.address,
  invoiceAutoIssue: o.invoiceAutoIssue,
  invoiceAutoSend: o.invoiceAutoSend,
  invoiceAutoSendHour: o.invoiceAutoSendHour,
  quoteFollowUpDays: o.quoteFollowUpDays,
  remindersEnabled: o.remindersEnabled,
  reminderHour: o.reminderHour,
  writeOffApprovalAbove: nullableDecimal(o.writeOffApprovalAbove),
  depositModel: o.depositModel,
  laborPricing: o.laborPricing,
  payableRoundingIncrement: nullableDecimal(o.payableRoundingIncrement),
  brandColor: o.brandColor,
  hasLogo: o.logoKey !== null,
  twoFactorRequired: o.twoFactorRequired,
  defaultApprovalRules: z.array(ApprovalRule).parse(o.defaultApprovalRules),
  invoiceEmail: invoiceEmailTemplateOf(o),
});

export const apiKeyView = (k: ApiKeyView): z.infer<typeof ApiKey> => ({
  ...k,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

export const customerView = (
  c: typeof customers.$inferSelect & { sites: (typeof sites.$inferSelect)[] },
): z.infer<typeof Customer> => ({
  id: c.id,
  name: c.name,
  email: c.email,
  phone: c.phone,
  billingAddress: c.billingAddress,
  taxId: c.taxId,
  peppolEndpoint: c.peppolEndpoint,
  taxExempt: c.taxExempt,
  paymentTermsDays: c.paymentTermsDays,
  invoiceCurrency: c.invoiceCurrency,
  timeZone: c.timeZone,
  language: isLanguage(c.language) ? c.language : null,
  sites: c.sites.map((s) => ({ id: s.id, name: s.name, address: s.address, accessNotes: s.accessNotes })),
  mergedIntoId: c.mergedIntoId,
  reminders: customerRemindersOf(c),
  createdAt: c.createdAt.toISOString(),
  version: c.version,
});

export const taxCodeView = (t: typeof taxCodes.$inferSelect): z.infer<typeof TaxCode> => ({
  id: t.id,
  code: t.code,
  name: t.name,
  category: t.category,
  rate: decimalString(t.rate, 0),
  exemptionReasonCode: t.exemptionReasonCode,
  exemptionReason: t.exemptionReason,
  jurisdiction: t.jurisdiction,
});

export const catalogItemView = (i: typeof catalogItems.$inferSelect): z.infer<typeof CatalogItem> => ({
  id: i.id,
  sku: i.sku,
  name: i.name,
  kind: i.kind,
  unitCode: i.unitCode,
  unitPrice: decimalString(i.unitPrice),
  taxCodeId: i.taxCodeId,
  glAccount: i.glAccount,
  active: i.active,
});

export const jobTypeView = (t: typeof jobTypes.$inferSelect): z.infer<typeof JobType> => ({
  id: t.id,
  code: t.code,
  name: t.name,
  trade: t.trade,
  defaultDurationMinutes: t.defaultDurationMinutes,
  billingMode: t.billingMode,
  closeoutRequirements: t.closeoutRequirements,
  approvalRules: t.approvalRules,
  cancellationFee: nullableDecimal(t.cancellationFee),
  noShowFee: nullableDecimal(t.noShowFee),
  customFields: t.customFields,
  laborSku: t.laborSku,
  version: t.version,
});

type JobRow = Awaited<ReturnType<typeof findJobs>>[number];

export const jobView = (r: JobRow): z.infer<typeof Job> => ({
  id: r.job.id,
  number: `J-${r.job.number}`,
  customerId: r.job.customerId,
  customerName: r.customerName,
  siteId: r.job.siteId,
  siteName: r.siteName,
  jobTypeId: r.job.jobTypeId,
  jobTypeName: r.jobTypeName,
  scope: r.job.scope,
  windowStart: r.job.windowStart.toISOString(),
  windowEnd: r.job.windowEnd.toISOString(),
  status: r.job.status as z.infer<typeof Job>['status'],
  billingStatus: r.job.billingStatus as z.infer<typeof Job>['billingStatus'],
  billingOwnerId: r.job.billingOwnerId,
  crew: r.crew,
  depositRequired: r.job.depositRequired,
  depositBeforeWork: r.job.depositBeforeWork,
  quoteNumber: r.quoteNumber,
  depositAmount: nullableDecimal(r.job.depositAmount),
  discountPercent: nullableDecimal(r.job.discountPercent, 0),
  retainagePercent: nullableDecimal(r.job.retainagePercent, 0),
  taxCodeId: r.job.taxCodeId,
  poNumber: r.job.poNumber,
  depositReceived: nullableDecimal(r.job.depositReceived),
  estimateLines: r.job.estimateLines,
  customFields: r.job.customFields,
  closedReason: r.job.closedReason,
  closingFee: nullableDecimal(r.job.closingFee),
  seriesId: r.job.seriesId,
  occurrenceDate: r.job.occurrenceDate,
  revisionOf: r.job.revisionOf,
  exception: isBillingException(r.job.status, r.job.billingStatus),
  exceptionReason: exceptionReason(r.job.status, r.job.billingStatus),
  startedAt: r.job.startedAt?.toISOString() ?? null,
  completedAt: r.job.completedAt?.toISOString() ?? null,
  version: r.job.version,
});

export const customerDetailView = (
  c: typeof customers.$inferSelect & { sites: (typeof sites.$inferSelect)[] },
): z.infer<typeof CustomerDetail> => ({
  ...customerView(c),
  taxExemptionReason: c.taxExemptionReason,
  contacts: c.contacts,
  invoicePreferences: c.invoicePreferences,
  closeoutOverrides: c.closeoutOverrides,
  externalIds: c.externalIds,
});

/** One audit event of a record's history, as the timeline endpoints return it. */
export const timelineEventView = (e: Awaited<ReturnType<typeof timelineOf>>[number]) => ({
  seq: e.seq,
  at: e.at.toISOString(),
  action: e.action,
  actor: { type: e.actorType, id: e.actorId, name: e.actorName },
  changes: JSON.parse(e.changes) as Record<string, unknown>,
  reason: e.reason,
});
