import { z } from 'zod';
import { BILLING_STATUSES, OPERATIONAL_STATUSES } from '../core/job-lifecycle';
import { SERIES_STATUSES } from '../core/series-lifecycle';
import { Day, DiscountPercent, Instant, PageQuery } from './common';

/** Recurring services: a rule on the wall clock of a time zone, each visit its own job. */
const LocalDate = Day;
const Reason = z.string().trim().min(1).max(1000);
const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');

export const CreateSeriesBody = z.strictObject({
  customerId: z.uuid(),
  siteId: z.uuid(),
  jobTypeId: z.uuid(),
  /** RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=FR, evaluated on the wall clock of timeZone. */
  rrule: z.string().trim().min(6).max(500),
  timeZone: z.string().max(64).optional(),
  startDate: LocalDate,
  startTime: LocalTime,
  durationMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .optional(),
  crew: z.array(z.uuid()).max(20).default([]),
  scope: z.string().trim().min(1).max(4000),
  billingRule: z.enum(['per_visit', 'per_cycle']),
  billingCycle: z.enum(['weekly', 'monthly', 'quarterly']).nullable().optional(),
  horizonDays: z.number().int().min(7).max(366).optional(),
  billingOwnerId: z.uuid().nullable().optional(),
  taxCodeId: z.uuid().nullable().optional(),
  discountPercent: DiscountPercent.nullable().optional(),
  poNumber: z.string().trim().max(100).nullable().optional(),
});

export const SplitSeriesBody = z.strictObject({
  fromDate: LocalDate,
  reason: Reason,
  rrule: z.string().trim().min(6).max(500).optional(),
  startTime: LocalTime.optional(),
  durationMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .optional(),
  crew: z.array(z.uuid()).max(20).optional(),
  scope: z.string().trim().min(1).max(4000).optional(),
});

const SeriesPart = z.object({
  id: z.uuid(),
  rrule: z.string(),
  startDate: z.string(),
  startTime: z.string(),
  endDate: z.string().nullable(),
  status: z.enum(SERIES_STATUSES),
  statusReason: z.string().nullable(),
  visits: z.number().int(),
});

export const Series = z
  .object({
    id: z.uuid(),
    customerId: z.uuid(),
    siteId: z.uuid(),
    jobTypeId: z.uuid(),
    rrule: z.string(),
    timeZone: z.string(),
    startDate: z.string(),
    startTime: z.string(),
    durationMinutes: z.number().int(),
    endDate: z.string().nullable(),
    crew: z.array(z.uuid()),
    billingRule: z.enum(['per_visit', 'per_cycle']),
    billingCycle: z.string().nullable(),
    horizonDays: z.number().int(),
    generatedUntil: z.string().nullable(),
    splitFrom: z.uuid().nullable(),
    scope: z.string(),
    status: z.enum(SERIES_STATUSES),
    /** Why it was paused or ended. */
    statusReason: z.string().nullable(),
    visits: z.array(
      z.object({
        id: z.uuid(),
        number: z.string(),
        occurrenceDate: z.string().nullable(),
        windowStart: Instant,
        status: z.enum(OPERATIONAL_STATUSES),
        billingStatus: z.enum(BILLING_STATUSES),
      }),
    ),
    /** Every part of the service, first to last: "this and following" and resuming each start a new part. */
    chain: z.array(SeriesPart),
  })
  .meta({ id: 'Series' });

/** Pause or end: no visits from this date on; unstarted ones are closed with the reason. */
export const StopSeriesBody = z.strictObject({ fromDate: LocalDate, reason: Reason });

/** Resume a paused service: a new part whose first visit is the rule's first day on or after fromDate. */
export const ResumeSeriesBody = z.strictObject({ fromDate: LocalDate });

export const SeriesListQuery = PageQuery.extend({
  customerId: z.uuid().optional(),
  /** Comma-separated statuses; by default every part but the continued ones (history). */
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(SERIES_STATUSES)))
    .optional(),
});

export const SeriesSummary = z
  .object({
    id: z.uuid(),
    customer: z.object({ id: z.uuid(), name: z.string() }),
    site: z.object({ id: z.uuid(), name: z.string(), addressLine: z.string() }),
    jobType: z.object({ id: z.uuid(), name: z.string() }),
    scope: z.string(),
    rrule: z.string(),
    startDate: z.string(),
    startTime: z.string(),
    durationMinutes: z.number().int(),
    endDate: z.string().nullable(),
    status: z.enum(SERIES_STATUSES),
    statusReason: z.string().nullable(),
    billingRule: z.enum(['per_visit', 'per_cycle']),
    billingCycle: z.string().nullable(),
    nextVisit: Instant.nullable(),
  })
  .meta({ id: 'SeriesSummary' });
