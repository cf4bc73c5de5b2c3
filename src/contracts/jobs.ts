import { z } from 'zod';
import { MESSAGE_FIELDS, MESSAGE_KINDS, type MessageKind } from '../core/customer-messages';
import { BILLING_STATUSES, OPERATIONAL_STATUSES } from '../core/job-lifecycle';
import { unknownPlaceholders } from '../core/message-template';
import {
  Day,
  Decimal,
  DiscountPercent,
  Instant,
  NonNegativeAmount,
  NonNegativeUnitPrice,
  PageQuery,
  PositiveAmount,
  RetainagePercent,
  UnitPrice,
} from './common';

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
    /** The crew is not dispatched, nor the work started, before the deposit is received. */
    depositBeforeWork: z.boolean(),
    /** The accepted quote the job was booked from: its price is the customer's, changed only by change orders. */
    quoteNumber: z.string().nullable(),
    depositAmount: Decimal.nullable(),
    discountPercent: Decimal.nullable(),
    /** The percent of each progress invoice held back until completion; the final invoice releases it. */
    retainagePercent: Decimal.nullable(),
    taxCodeId: z.uuid().nullable(),
    poNumber: z.string().nullable(),
    depositReceived: Decimal.nullable(),
    estimateLines: z.array(
      z.object({
        sku: z.string().nullable(),
        description: z.string(),
        quantity: Decimal,
        unitPrice: UnitPrice,
        taxCodeId: z.uuid().nullable().optional(),
      }),
    ),
    customFields: z.record(z.string(), z.union([z.string(), z.number()])),
    closedReason: z.string().nullable(),
    closingFee: Decimal.nullable(),
    seriesId: z.uuid().nullable(),
    occurrenceDate: z.string().nullable(),
    /** Add-on or changed work after invoicing: the job this revision adds to. */
    revisionOf: z.uuid().nullable(),
    exception: z.boolean(),
    exceptionReason: z.string().nullable(),
    startedAt: Instant.nullable(),
    completedAt: Instant.nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'Job' });

export const JobListQuery = PageQuery.extend({
  from: Instant.optional(),
  to: Instant.optional(),
  technicianId: z.uuid().optional(),
  /** One customer's jobs (the customer page). */
  customerId: z.uuid().optional(),
  /** The exception queue: completed but not invoice-ready, or needing review. */
  exceptions: z.enum(['true', 'false']).optional(),
});

export const CustomFieldValues = z.record(z.string().max(40), z.union([z.string().max(2000), z.number()]));

export const EstimateLine = z.strictObject({
  sku: z.string().max(64).nullable(),
  description: z.string().trim().min(1).max(500),
  quantity: Decimal,
  unitPrice: NonNegativeUnitPrice,
  /** The line's own tax code; else the price book item's, else the organization's default. */
  taxCodeId: z.uuid().nullable().optional(),
});

/** The fields of a job that decide what the customer is billed: changed by billing and the owner only. */
export const BILLING_FACTS = [
  'depositRequired',
  'depositBeforeWork',
  'depositAmount',
  'depositReceived',
  'discountPercent',
  'retainagePercent',
  'taxCodeId',
  'poNumber',
  'billingOwnerId',
  'estimateLines',
] as const;
export type BillingFact = (typeof BILLING_FACTS)[number];

export const CreateJobBody = z.strictObject({
  customerId: z.uuid(),
  siteId: z.uuid(),
  jobTypeId: z.uuid(),
  scope: z.string().trim().min(1).max(4000),
  windowStart: Instant,
  windowEnd: Instant,
  crew: z.array(z.uuid()).max(20).default([]),
  billingOwnerId: z.uuid().nullable().optional(),
  depositRequired: z.boolean().optional(),
  depositBeforeWork: z.boolean().optional(),
  depositAmount: PositiveAmount.nullable().optional(),
  discountPercent: DiscountPercent.nullable().optional(),
  retainagePercent: RetainagePercent.nullable().optional(),
  taxCodeId: z.uuid().nullable().optional(),
  poNumber: z.string().trim().max(100).nullable().optional(),
  estimateLines: z.array(EstimateLine).max(200).optional(),
  customFields: CustomFieldValues.optional(),
});

export const UpdateJobBody = z.strictObject({
  expectedVersion: z.number().int().min(1).optional(),
  reason: z.string().trim().min(1).max(1000).optional(),
  scope: z.string().trim().min(1).max(4000).optional(),
  billingOwnerId: z.uuid().nullable().optional(),
  depositRequired: z.boolean().optional(),
  depositBeforeWork: z.boolean().optional(),
  depositAmount: PositiveAmount.nullable().optional(),
  depositReceived: NonNegativeAmount.nullable().optional(),
  discountPercent: DiscountPercent.nullable().optional(),
  retainagePercent: RetainagePercent.nullable().optional(),
  taxCodeId: z.uuid().nullable().optional(),
  poNumber: z.string().trim().max(100).nullable().optional(),
  estimateLines: z.array(EstimateLine).max(200).optional(),
  customFields: CustomFieldValues.optional(),
});

export const RescheduleBody = z.strictObject({
  windowStart: Instant,
  windowEnd: Instant,
  reason: z.string().trim().min(1).max(1000),
  expectedVersion: z.number().int().min(1).optional(),
});

/** A visit of a job done over several days (#22). */
export const JobVisit = z
  .object({
    id: z.uuid(),
    windowStart: Instant,
    windowEnd: Instant,
    status: z.enum(['planned', 'done', 'canceled']),
    /** Its place among the visits that count (canceled ones have none): visit `number` of `of`. */
    number: z.number().int().nullable(),
    of: z.number().int(),
    /** The visit the crew works on next: the job's own window. */
    current: z.boolean(),
    closedAt: Instant.nullable(),
    closedReason: z.string().nullable(),
  })
  .meta({ id: 'JobVisit' });
export const JobVisits = z.object({ items: z.array(JobVisit) }).meta({ id: 'JobVisits' });
export type JobVisitT = z.infer<typeof JobVisit>;

export const AddVisitBody = z.strictObject({
  windowStart: Instant,
  windowEnd: Instant,
  reason: z.string().trim().min(1).max(1000).optional(),
});
export const MoveVisitBody = z.strictObject({
  windowStart: Instant,
  windowEnd: Instant,
  reason: z.string().trim().min(1).max(1000),
});
export const CancelVisitBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
export const VisitParams = z.strictObject({ id: z.uuid(), visitId: z.uuid() });

export const AssignBody = z.strictObject({
  add: z.array(z.uuid()).max(20).default([]),
  remove: z.array(z.uuid()).max(20).default([]),
  reason: z.string().trim().min(1).max(1000).optional(),
});

/** Billing closes a job as not billable: why, in words the timeline shows. */
export const NotBillableBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

export const CloseBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000),
  waiveFee: z.boolean().optional(),
});

export const TimelineEvent = z
  .object({
    seq: z.number().int(),
    at: Instant,
    action: z.string(),
    actor: z.object({
      type: z.enum(['user', 'api_key', 'system']),
      id: z.string().nullable(),
      name: z.string().nullable(),
    }),
    changes: z.record(z.string(), z.unknown()),
    reason: z.string().nullable(),
  })
  .meta({ id: 'TimelineEvent' });

export const Comment = z
  .object({
    id: z.uuid(),
    kind: z.enum(['comment', 'info_request']),
    body: z.string(),
    author: z.object({
      type: z.enum(['user', 'api_key', 'system']),
      id: z.string().nullable(),
      name: z.string().nullable(),
    }),
    createdAt: Instant,
  })
  .meta({ id: 'Comment' });

/** One of my notifications (e.g. the office asking for missing information, a payment received). */
export const Notification = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    jobId: z.uuid().nullable(),
    /** The invoice it is about (a payment received, an e-mail that could not go). */
    invoiceId: z.uuid().nullable(),
    body: z.string(),
    createdAt: Instant,
    read: z.boolean(),
  })
  .meta({ id: 'Notification' });

export const CommentBody = z.strictObject({
  body: z.string().trim().min(1).max(4000),
  /** Chosen by the client (the phone's outbox): sending the same message again records it once. */
  id: z.uuid().optional(),
});

export const BoardQuery = z.strictObject({
  date: Day,
  days: z.coerce.number().int().min(1).max(7).default(1),
  technicianId: z.uuid().optional(),
});

export const BoardJob = z.object({
  id: z.uuid(),
  number: z.string(),
  customerName: z.string(),
  siteName: z.string(),
  jobTypeName: z.string(),
  windowStart: Instant,
  windowEnd: Instant,
  status: z.enum(OPERATIONAL_STATUSES),
  billingStatus: z.enum(BILLING_STATUSES),
  exception: z.boolean(),
  /** The cards (jobs, or later visits by their visitId) this one overlaps for the same technician. */
  overlapsWith: z.array(z.uuid()),
  version: z.number().int(),
  /** A job done over several visits: which one this card is ("visit 2 of 3"). */
  visit: z.object({ number: z.number().int(), of: z.number().int() }).nullable(),
  /** Set on a card for one of the job's other visits (not the one the crew works on next): the visit's ID. */
  visitId: z.uuid().nullable(),
});

export const Board = z
  .object({
    from: Instant,
    to: Instant,
    timeZone: z.string(),
    rows: z.array(
      z.object({ technician: z.object({ id: z.uuid(), name: z.string() }), jobs: z.array(BoardJob) }),
    ),
    unassigned: z.array(BoardJob),
  })
  .meta({ id: 'Board' });

export const CreateRevisionBody = z.strictObject({
  scope: z.string().trim().min(1).max(4000),
  windowStart: Instant,
  windowEnd: Instant,
  crew: z.array(z.uuid()).max(20).optional(),
  reason: z.string().trim().min(1).max(1000),
});

/** "On my way" from the technician's phone: the estimate, and when it was tapped (the phone may sync later). */
export const OnMyWayBody = z.strictObject({
  etaMinutes: z.number().int().min(1).max(600).optional(),
  tappedAt: Instant.optional(),
});

export const CustomerMessage = z
  .object({
    id: z.uuid(),
    kind: z.enum(MESSAGE_KINDS),
    channel: z.enum(['email', 'sms']),
    recipient: z.string().nullable(),
    subject: z.string(),
    body: z.string(),
    status: z.enum(['queued', 'sending', 'sent', 'skipped', 'failed', 'unknown']),
    reason: z.string().nullable(),
    createdAt: Instant,
    sentAt: Instant.nullable(),
    /** A text's last delivery report from the provider (sent, delivered, undelivered, failed); null for e-mail. */
    delivery: z.string().nullable(),
  })
  .meta({ id: 'CustomerMessage' });

const MessageTemplateBody = z.strictObject({
  enabled: z.boolean(),
  subject: z.string().trim().min(1).max(300).optional(),
  body: z.string().trim().min(1).max(5000).optional(),
  /** Also by text message when texts are connected (default true). */
  sms: z.boolean().optional(),
  /** The text's own words: at most three segments. */
  text: z.string().trim().min(1).max(459).optional(),
});

/** Each kind on or off, in the organization's own words (placeholders only) or the default. */
export const CustomerMessageSettingsBody = z
  .strictObject(
    Object.fromEntries(MESSAGE_KINDS.map((k) => [k, MessageTemplateBody.optional()])) as Record<
      MessageKind,
      z.ZodOptional<typeof MessageTemplateBody>
    >,
  )
  .superRefine((v, ctx) => {
    for (const kind of MESSAGE_KINDS)
      for (const field of ['subject', 'body', 'text'] as const) {
        const unknown = unknownPlaceholders(v[kind]?.[field] ?? '', MESSAGE_FIELDS);
        if (unknown.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: [kind, field],
            message: `no such placeholder: ${unknown.map((u) => `{{${u}}}`).join(', ')}`,
          });
      }
  });

export const CustomerMessageSettings = z.object({
  items: z.array(
    z.object({
      kind: z.enum(MESSAGE_KINDS),
      enabled: z.boolean(),
      subject: z.string(),
      body: z.string(),
      /** Whether the words are the organization's own (false: Closeout's default). */
      custom: z.boolean(),
      /** Also sent by text message (when texts are connected), and the text's words in force. */
      sms: z.boolean(),
      text: z.string(),
    }),
  ),
  fields: z.record(z.string(), z.string()),
});
