import { z } from 'zod';
import { en } from './i18n/en';

export const PHOTO_CATEGORIES = [
  'before',
  'after',
  'serial_plate',
  'signature',
  'document',
  'other',
] as const;

/** How a customer's document and page head each category of photo. */
export const PHOTO_CATEGORY_WORDS: Record<(typeof PHOTO_CATEGORIES)[number], string> = en.proof.categories;

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

export const TRADES = ['hvac', 'plumbing', 'electrical', 'cleaning', 'landscaping', 'pest_control'] as const;
export type Trade = (typeof TRADES)[number];

/** A trade as the owner reads it. */
export const TRADE_WORDS: Record<Trade, string> = {
  hvac: 'Heating and air conditioning',
  plumbing: 'Plumbing',
  electrical: 'Electrical',
  cleaning: 'Cleaning',
  landscaping: 'Landscaping',
  pest_control: 'Pest control',
};

export type JobTypeTemplate = {
  code: string;
  name: string;
  trade: Trade;
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
  {
    code: 'ELEC',
    name: 'Electrical call-out',
    trade: 'electrical',
    defaultDurationMinutes: 120,
    billingMode: 'time_and_materials',
    closeoutRequirements: {
      checklist: [
        'Circuit isolated before work',
        'Insulation and continuity tested',
        'Protective devices tested',
      ],
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
    code: 'ELEC-CERT',
    name: 'Inspection and certificate',
    trade: 'electrical',
    defaultDurationMinutes: 180,
    billingMode: 'fixed',
    closeoutRequirements: {
      checklist: ['Every circuit tested and recorded', 'Certificate issued to the customer'],
      photos: [
        { category: 'document', min: 1 },
        { category: 'after', min: 1 },
      ],
      signature: true,
      serialNumbers: false,
      partNumbers: false,
      notes: true,
    },
    approvalRules: standardRules,
    cancellationFee: '60.00',
    noShowFee: '60.00',
  },
  {
    code: 'LAWN',
    name: 'Grounds maintenance visit',
    trade: 'landscaping',
    defaultDurationMinutes: 120,
    billingMode: 'per_visit',
    closeoutRequirements: {
      checklist: ['Lawns cut and edged', 'Beds weeded', 'Clippings removed'],
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
    code: 'LAND-PROJECT',
    name: 'Landscaping project',
    trade: 'landscaping',
    defaultDurationMinutes: 480,
    billingMode: 'fixed',
    closeoutRequirements: {
      checklist: ['Work matches the agreed plan', 'Site left clean'],
      photos: [
        { category: 'before', min: 1 },
        { category: 'after', min: 2 },
      ],
      signature: true,
      serialNumbers: false,
      partNumbers: true,
      notes: true,
    },
    approvalRules: [
      ...standardRules,
      { code: 'parts_over_estimate_percent', threshold: '10', approverRole: 'approver', slaHours: 24 },
      { code: 'total_over_estimate_percent', threshold: '10', approverRole: 'owner', slaHours: 24 },
    ],
    cancellationFee: '95.00',
    noShowFee: '75.00',
  },
  {
    code: 'PEST',
    name: 'Pest treatment',
    trade: 'pest_control',
    defaultDurationMinutes: 60,
    billingMode: 'per_visit',
    closeoutRequirements: {
      checklist: ['Products and quantities recorded', 'Bait stations checked', 'Safety advice given'],
      photos: [
        { category: 'document', min: 1 },
        { category: 'after', min: 1 },
      ],
      signature: true,
      serialNumbers: false,
      partNumbers: true,
      notes: true,
    },
    approvalRules: standardRules,
    cancellationFee: null,
    noShowFee: '45.00',
  },
];

/** Starter price-book lines per trade: the labour rate the trade's job types bill at, common parts and fees. */
export type PriceBookTemplate = {
  sku: string;
  name: string;
  kind: 'labor' | 'part' | 'fee';
  unitCode: string;
  unitPrice: string;
};

export const STARTER_PRICE_BOOK: Record<Trade, { laborSku: string; items: PriceBookTemplate[] }> = {
  hvac: {
    laborSku: 'LAB-TECH',
    items: [
      { sku: 'LAB-TECH', name: 'Technician labour', kind: 'labor', unitCode: 'HUR', unitPrice: '85.00' },
      { sku: 'PRT-FILTER-16', name: 'Air filter 16x25x1', kind: 'part', unitCode: 'C62', unitPrice: '14.90' },
      { sku: 'PRT-CAP-45', name: 'Run capacitor 45/5 µF', kind: 'part', unitCode: 'C62', unitPrice: '38.50' },
      { sku: 'FEE-TRIP', name: 'Trip charge', kind: 'fee', unitCode: 'C62', unitPrice: '45.00' },
    ],
  },
  plumbing: {
    laborSku: 'LAB-PLUMB',
    items: [
      { sku: 'LAB-PLUMB', name: 'Plumber labour', kind: 'labor', unitCode: 'HUR', unitPrice: '70.00' },
      {
        sku: 'PRT-VALVE-15',
        name: 'Isolation valve 15 mm',
        kind: 'part',
        unitCode: 'C62',
        unitPrice: '12.75',
      },
      { sku: 'PRT-PIPE-15', name: 'Copper pipe 15 mm', kind: 'part', unitCode: 'MTR', unitPrice: '6.40' },
      { sku: 'FEE-TRIP', name: 'Trip charge', kind: 'fee', unitCode: 'C62', unitPrice: '45.00' },
    ],
  },
  electrical: {
    laborSku: 'LAB-ELEC',
    items: [
      { sku: 'LAB-ELEC', name: 'Electrician labour', kind: 'labor', unitCode: 'HUR', unitPrice: '75.00' },
      { sku: 'PRT-RCBO', name: 'RCBO 32 A', kind: 'part', unitCode: 'C62', unitPrice: '42.00' },
      {
        sku: 'PRT-CABLE-25',
        name: 'Twin and earth cable 2.5 mm²',
        kind: 'part',
        unitCode: 'MTR',
        unitPrice: '1.90',
      },
      { sku: 'FEE-CERT', name: 'Test certificate', kind: 'fee', unitCode: 'C62', unitPrice: '60.00' },
    ],
  },
  cleaning: {
    laborSku: 'LAB-CLEAN',
    items: [
      { sku: 'LAB-CLEAN', name: 'Cleaner labour', kind: 'labor', unitCode: 'HUR', unitPrice: '32.00' },
      { sku: 'FEE-SUPPLIES', name: 'Cleaning supplies', kind: 'fee', unitCode: 'C62', unitPrice: '12.00' },
    ],
  },
  landscaping: {
    laborSku: 'LAB-GARDEN',
    items: [
      { sku: 'LAB-GARDEN', name: 'Gardener labour', kind: 'labor', unitCode: 'HUR', unitPrice: '38.00' },
      { sku: 'PRT-MULCH', name: 'Bark mulch', kind: 'part', unitCode: 'MTQ', unitPrice: '55.00' },
      {
        sku: 'FEE-GREEN-WASTE',
        name: 'Green waste removal',
        kind: 'fee',
        unitCode: 'C62',
        unitPrice: '30.00',
      },
    ],
  },
  pest_control: {
    laborSku: 'LAB-PEST',
    items: [
      { sku: 'LAB-PEST', name: 'Technician labour', kind: 'labor', unitCode: 'HUR', unitPrice: '65.00' },
      { sku: 'PRT-BAIT-STATION', name: 'Bait station', kind: 'part', unitCode: 'C62', unitPrice: '18.00' },
      { sku: 'FEE-CALLOUT', name: 'Call-out fee', kind: 'fee', unitCode: 'C62', unitPrice: '45.00' },
    ],
  },
};
