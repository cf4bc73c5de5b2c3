import { z } from 'zod';

export const PHOTO_CATEGORIES = [
  'before',
  'after',
  'serial_plate',
  'signature',
  'document',
  'other',
] as const;

/** What a closeout of this job type must carry to be invoice-ready. Evaluated by the closeout rules. */
export const CloseoutRequirements = z.strictObject({
  checklist: z.array(z.string().min(1).max(200)).max(50),
  photos: z.array(
    z.strictObject({ category: z.enum(PHOTO_CATEGORIES), min: z.number().int().min(1).max(20) }),
  ),
  signature: z.boolean(),
  serialNumbers: z.boolean(),
  partNumbers: z.boolean(),
  notes: z.boolean(),
});
export type CloseoutRequirements = z.infer<typeof CloseoutRequirements>;

export const APPROVAL_RULE_CODES = [
  'discount_above_percent',
  'labor_hours_over_estimate',
  'overtime_hours_above',
  'parts_over_estimate_percent',
  'total_over_estimate_percent',
  'missing_signature',
  'warranty_or_no_charge',
  'price_below_price_book',
  'invoice_total_above',
] as const;

export const ApprovalRule = z
  .strictObject({
    code: z.enum(APPROVAL_RULE_CODES),
    /** Threshold as a decimal string where the rule has one (percent, hours or an amount). */
    threshold: z
      .string()
      .regex(/^\d{1,12}(\.\d{1,4})?$/)
      .nullable(),
    approverRole: z.enum(['owner', 'approver', 'billing']),
    slaHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 14),
  })
  .refine((r) => r.code !== 'discount_above_percent' || r.threshold === null || Number(r.threshold) <= 100, {
    message: 'a discount threshold is a percent from 0 to 100',
    path: ['threshold'],
  });
export type ApprovalRule = z.infer<typeof ApprovalRule>;

export type JobTypeTemplate = {
  code: string;
  name: string;
  trade: 'hvac' | 'plumbing' | 'electrical' | 'cleaning' | 'landscaping' | 'pest_control';
  defaultDurationMinutes: number;
  billingMode: 'fixed' | 'time_and_materials' | 'per_visit' | 'per_cycle';
  closeoutRequirements: CloseoutRequirements;
  approvalRules: ApprovalRule[];
  cancellationFee: string | null;
  noShowFee: string | null;
};

const standardRules: ApprovalRule[] = [
  { code: 'discount_above_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
  { code: 'missing_signature', threshold: null, approverRole: 'approver', slaHours: 24 },
  { code: 'warranty_or_no_charge', threshold: null, approverRole: 'owner', slaHours: 48 },
  { code: 'price_below_price_book', threshold: null, approverRole: 'approver', slaHours: 24 },
];

/** Starter job types offered to a new organization, with closeout requirements a bookkeeper would sign off. */
export const STARTER_JOB_TYPES: JobTypeTemplate[] = [
  {
    code: 'HVAC-INSTALL',
    name: 'HVAC installation',
    trade: 'hvac',
    defaultDurationMinutes: 480,
    billingMode: 'fixed',
    closeoutRequirements: {
      checklist: ['Unit installed and levelled', 'Refrigerant charge checked', 'Thermostat commissioned'],
      photos: [
        { category: 'before', min: 1 },
        { category: 'after', min: 2 },
        { category: 'serial_plate', min: 1 },
      ],
      signature: true,
      serialNumbers: true,
      partNumbers: true,
      notes: true,
    },
    approvalRules: [
      ...standardRules,
      { code: 'parts_over_estimate_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
      { code: 'labor_hours_over_estimate', threshold: '2', approverRole: 'approver', slaHours: 24 },
    ],
    cancellationFee: '95.00',
    noShowFee: '75.00',
  },
  {
    code: 'REPAIR',
    name: 'Repair call-out',
    trade: 'hvac',
    defaultDurationMinutes: 120,
    billingMode: 'time_and_materials',
    closeoutRequirements: {
      checklist: ['Fault diagnosed', 'Repair tested'],
      photos: [
        { category: 'before', min: 1 },
        { category: 'after', min: 1 },
      ],
      signature: true,
      serialNumbers: false,
      partNumbers: true,
      notes: true,
    },
    approvalRules: [
      ...standardRules,
      { code: 'overtime_hours_above', threshold: '0', approverRole: 'approver', slaHours: 24 },
      { code: 'invoice_total_above', threshold: '1500', approverRole: 'owner', slaHours: 24 },
    ],
    cancellationFee: null,
    noShowFee: '65.00',
  },
  {
    code: 'MAINT',
    name: 'Maintenance visit',
    trade: 'hvac',
    defaultDurationMinutes: 60,
    billingMode: 'per_visit',
    closeoutRequirements: {
      checklist: ['Filters replaced', 'Condensate drain cleared', 'Safety controls tested'],
      photos: [{ category: 'after', min: 1 }],
      signature: false,
      serialNumbers: false,
      partNumbers: false,
      notes: false,
    },
    approvalRules: standardRules,
    cancellationFee: null,
    noShowFee: null,
  },
  {
    code: 'PLUMB',
    name: 'Plumbing call-out',
    trade: 'plumbing',
    defaultDurationMinutes: 90,
    billingMode: 'time_and_materials',
    closeoutRequirements: {
      checklist: ['Leak source found', 'Pressure tested after repair'],
      photos: [
        { category: 'before', min: 1 },
        { category: 'after', min: 1 },
      ],
      signature: true,
      serialNumbers: false,
      partNumbers: true,
      notes: true,
    },
    approvalRules: [
      ...standardRules,
      { code: 'invoice_total_above', threshold: '1000', approverRole: 'owner', slaHours: 24 },
    ],
    cancellationFee: null,
    noShowFee: '60.00',
  },
  {
    code: 'CLEAN',
    name: 'Recurring cleaning',
    trade: 'cleaning',
    defaultDurationMinutes: 180,
    billingMode: 'per_cycle',
    closeoutRequirements: {
      checklist: ['All rooms on the plan done', 'Waste removed'],
      photos: [{ category: 'after', min: 2 }],
      signature: false,
      serialNumbers: false,
      partNumbers: false,
      notes: false,
    },
    approvalRules: standardRules,
    cancellationFee: '40.00',
    noShowFee: '40.00',
  },
];
