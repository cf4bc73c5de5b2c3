import { z } from 'zod';
import { SIGNATURE_EXCEPTION_REASONS, SIGNATURE_EXCEPTION_WORDS } from '../core/closeout-rules';
import { PHOTO_CATEGORIES } from '../core/job-type-templates';
import { Day, Decimal, Instant, isZeroDecimal, NonNegativeUnitPrice, UnitPrice } from './common';

/** A positive decimal string (quantities, hours): zero and negatives are refused by the schema. */
export const PositiveDecimal = Decimal.refine((v) => Number(v) > 0, 'must be greater than 0');
const NonNegativeDecimal = Decimal.refine((v) => !v.startsWith('-'), 'must not be negative');

export const LaborLine = z.strictObject({
  technicianId: z.uuid(),
  role: z.string().trim().max(100).optional(),
  /** Typed hours; when absent, the technician's time entries on this job are used. */
  hours: PositiveDecimal.refine((v) => Number(v) <= 24, 'at most 24 hours').optional(),
  /** Labor SKU from the price book (its rate applies unless rate is given). */
  sku: z.string().trim().min(1).max(64).optional(),
  rate: NonNegativeUnitPrice.optional(),
  billable: z.boolean().default(true),
  /** The business date the hours were worked; defaults to the job's date. */
  date: Day.optional(),
});

/** A part's quantity: a returned part or a trade-in is negative; zero bills nothing and is refused. */
const PartQuantity = Decimal.refine((v) => !isZeroDecimal(v), 'must not be 0 (a returned part is negative)');

export const PartLine = z.strictObject({
  sku: z.string().trim().min(1).max(64).optional(),
  description: z.string().trim().min(1).max(500).optional(),
  quantity: PartQuantity,
  /** Defaults to the price book's price for the SKU; required for an ad-hoc part. */
  unitPrice: NonNegativeUnitPrice.optional(),
  serialNumbers: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
  billable: z.boolean().default(true),
});

export const Adjustment = z.strictObject({
  kind: z.enum(['trip_charge', 'disposal_fee']),
  sku: z.string().trim().min(1).max(64).optional(),
  description: z.string().trim().min(1).max(500).optional(),
  amount: NonNegativeDecimal.optional(),
});

export { SIGNATURE_EXCEPTION_REASONS, SIGNATURE_EXCEPTION_WORDS };
export const EXCEPTION_FLAGS = [
  'overtime',
  'parts_outside_estimate',
  'warranty',
  'no_charge',
  'customer_dispute',
  'safety_issue',
] as const;

export const Gps = z.strictObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  accuracy: z.number().min(0).max(100_000),
});

const closeoutFields = {
  workPerformed: z.strictObject({
    checklist: z
      .array(z.strictObject({ item: z.string().trim().min(1).max(200), done: z.boolean() }))
      .max(100)
      .default([]),
    notes: z.string().max(10_000).default(''),
  }),
  labor: z.array(LaborLine).max(50).default([]),
  parts: z.array(PartLine).max(200).default([]),
  adjustments: z.array(Adjustment).max(20).default([]),
  attachmentIds: z.array(z.uuid()).max(200).default([]),
  signature: z
    .strictObject({
      attachmentId: z.uuid(),
      signerName: z.string().trim().min(1).max(200),
      signedAt: Instant,
    })
    .optional(),
  signatureException: z
    .strictObject({
      reasonCode: z.enum(SIGNATURE_EXCEPTION_REASONS),
      text: z.string().trim().min(3).max(1000),
    })
    .optional(),
  deviceTime: Instant,
  gps: Gps.optional(),
  exceptionFlags: z.array(z.enum(EXCEPTION_FLAGS)).max(10).default([]),
  customFields: z.record(z.string().max(40), z.union([z.string().max(2000), z.number()])).default({}),
};

export const CloseoutBody = z.strictObject({
  /** Client-generated: the idempotency key of this submission. */
  submissionId: z.uuid(),
  /** The job version the closeout was built on. */
  jobVersion: z.number().int().min(1).optional(),
  ...closeoutFields,
});
export type CloseoutBody = z.infer<typeof CloseoutBody>;

/** A draft is anything the app has so far: every field optional, nothing validated beyond shape. */
export const CloseoutDraftBody = z.strictObject({
  ...Object.fromEntries(Object.entries(closeoutFields).map(([k, v]) => [k, v.optional()])),
}) as unknown as z.ZodType<Partial<Omit<CloseoutBody, 'submissionId' | 'jobVersion'>>>;

/** Office corrections use the same closeout shape (and validation), with a reason and their own key. */
export const OfficeEditBody = CloseoutBody.extend({ reason: z.string().trim().min(1).max(1000) });

export const MissingItemSchema = z.object({
  code: z.string(),
  field: z.string(),
  message: z.string(),
  required: z.union([z.string(), z.number(), z.boolean()]),
  found: z.union([z.string(), z.number(), z.boolean()]),
});

/** A rule that fired on a closeout: what was observed against which threshold, and who decides. */
export const FiredRuleView = z
  .object({
    code: z.string(),
    observed: z.string(),
    threshold: z.string().nullable(),
    approverRole: z.string(),
    slaHours: z.number(),
    message: z.string(),
  })
  .meta({ id: 'FiredRule' });

export const CloseoutResult = z
  .object({
    submissionId: z.uuid(),
    outcome: z.enum(['accepted', 'exception']),
    job: z.object({
      id: z.uuid(),
      number: z.string(),
      status: z.string(),
      billingStatus: z.string(),
      version: z.number().int(),
    }),
    missing: z.array(MissingItemSchema),
    exceptionReason: z.string().nullable(),
    approval: z
      .object({
        id: z.uuid(),
        dueAt: Instant,
        rules: z.array(FiredRuleView),
      })
      .nullable(),
  })
  .meta({ id: 'CloseoutResult' });

export const AttachmentView = z
  .object({
    id: z.uuid(),
    jobId: z.uuid(),
    category: z.enum(PHOTO_CATEGORIES),
    sha256: z.string(),
    mimeType: z.string(),
    sizeBytes: z.number().int(),
    capturedAt: Instant.nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    hasThumbnail: z.boolean(),
    createdAt: Instant,
  })
  .meta({ id: 'Attachment' });

export const TimeEntryView = z
  .object({
    id: z.uuid(),
    jobId: z.uuid(),
    userId: z.uuid(),
    startedAt: Instant,
    endedAt: Instant.nullable(),
  })
  .meta({ id: 'TimeEntry' });

/** The stored body of a submission, read back for display: whatever shape it had, only known fields. */
export const StoredCloseout = CloseoutBody.partial().loose();

export const CloseoutRecordView = z
  .object({
    current: z
      .object({
        submissionId: z.uuid(),
        source: z.enum(['technician', 'office_edit']),
        outcome: z.enum(['accepted', 'exception']),
        submittedAt: Instant,
        submittedBy: z.string().nullable(),
        checklist: z.array(z.object({ item: z.string(), done: z.boolean() })),
        notes: z.string(),
        signature: z.object({ attachmentId: z.uuid(), signerName: z.string(), signedAt: Instant }).nullable(),
        signatureException: z.object({ reasonCode: z.string(), text: z.string() }).nullable(),
        deviceTime: Instant.nullable(),
        gps: z.object({ latitude: z.number(), longitude: z.number(), accuracy: z.number() }).nullable(),
        exceptionFlags: z.array(z.string()),
        attachmentIds: z.array(z.uuid()),
      })
      .nullable(),
    lines: z.array(
      z.object({
        position: z.number().int(),
        kind: z.enum(['labor', 'part', 'adjustment']),
        sku: z.string().nullable(),
        description: z.string(),
        quantity: Decimal,
        unitCode: z.string(),
        unitPrice: UnitPrice,
        listPrice: UnitPrice.nullable(),
        billable: z.boolean(),
        serialNumbers: z.array(z.string()),
      }),
    ),
    /** The latest submission as sent (in force or refused): what an office correction starts from. */
    latestBody: z.record(z.string(), z.unknown()).nullable(),
    /** What the latest refused submission lacked; empty once a submission is in force after it. */
    missing: z.array(MissingItemSchema),
    submissions: z.array(
      z.object({
        id: z.uuid(),
        source: z.enum(['technician', 'office_edit']),
        outcome: z.enum(['accepted', 'incomplete', 'exception']),
        createdAt: Instant,
        by: z.string().nullable(),
        missingCount: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'CloseoutRecord' });
