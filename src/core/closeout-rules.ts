import type { CloseoutRequirements, PHOTO_CATEGORIES } from './job-type-templates';

export const SIGNATURE_EXCEPTION_REASONS = [
  'customer_refused',
  'customer_absent',
  'remote_job',
  'other',
] as const;
/** Why there is no signature, as the technician picks it and the customer reads it on the invoice. */
export const SIGNATURE_EXCEPTION_WORDS: Record<(typeof SIGNATURE_EXCEPTION_REASONS)[number], string> = {
  customer_absent: 'Customer not there',
  customer_refused: 'Customer refused',
  remote_job: 'Remote job, nobody to sign',
  other: 'Other',
};

export type PhotoCategory = (typeof PHOTO_CATEGORIES)[number];

/** What a closeout must still supply, one entry per gap, precise enough to show the technician. */
export type MissingItem = {
  code:
    | 'checklist_item'
    | 'photos'
    | 'serial_number'
    | 'signature'
    | 'part_line_incomplete'
    | 'notes'
    | 'labor_hours'
    | 'custom_field';
  field: string;
  message: string;
  required: string | number | boolean;
  found: string | number | boolean;
};

/** Customer-level overrides of the job type's requirements (e.g. this customer always signs). */
export type CloseoutOverrides = Partial<
  Pick<CloseoutRequirements, 'signature' | 'serialNumbers' | 'notes' | 'photos'>
>;

/** The facts of a closeout the rules look at; the server and the technician app both build this. */
export type CloseoutFacts = {
  checklistDone: string[];
  notes: string;
  photos: Partial<Record<PhotoCategory, number>>;
  serialNumbers: number;
  hasSignature: boolean;
  hasSignatureException: boolean;
  partLines: {
    sku?: string | null | undefined;
    description?: string | null | undefined;
    quantity?: string | null | undefined;
    unitPrice?: string | null | undefined;
  }[];
  laborHours: number;
  /** Required closeout-stage custom fields still empty, by key and label. */
  missingCustomFields?: { key: string; label: string }[];
};

/** The job type's requirements with the customer's overrides applied; photo minimums take the larger. */
export const effectiveRequirements = (
  base: CloseoutRequirements,
  overrides: CloseoutOverrides = {},
): CloseoutRequirements => {
  const photos = new Map(base.photos.map((p) => [p.category, p.min]));
  for (const p of overrides.photos ?? [])
    photos.set(p.category, Math.max(p.min, photos.get(p.category) ?? 0));
  return {
    ...base,
    signature: overrides.signature ?? base.signature,
    serialNumbers: overrides.serialNumbers ?? base.serialNumbers,
    notes: overrides.notes ?? base.notes,
    photos: [...photos].map(([category, min]) => ({ category, min })),
  };
};

/**
 * Every item a closeout still lacks against its requirements. Pure: the technician app runs the same
 * function offline, so what it shows as missing is what the server will refuse.
 */
export const missingItems = (
  req: CloseoutRequirements,
  billingMode: 'fixed' | 'time_and_materials' | 'per_visit' | 'per_cycle',
  facts: CloseoutFacts,
): MissingItem[] => {
  const missing: MissingItem[] = [];
  for (const item of req.checklist) {
    if (!facts.checklistDone.includes(item))
      missing.push({
        code: 'checklist_item',
        field: 'workPerformed.checklist',
        message: `Not done: ${item}`,
        required: item,
        found: 'not done',
      });
  }
  for (const p of req.photos) {
    const n = facts.photos[p.category] ?? 0;
    if (n < p.min)
      missing.push({
        code: 'photos',
        field: `attachments.${p.category}`,
        message: `${p.min} ${p.category.replace('_', ' ')} photo${p.min > 1 ? 's' : ''} required, ${n} attached`,
        required: p.min,
        found: n,
      });
  }
  if (req.serialNumbers && facts.serialNumbers === 0)
    missing.push({
      code: 'serial_number',
      field: 'parts.serialNumbers',
      message: 'A serial number is required',
      required: 1,
      found: 0,
    });
  if (req.signature && !facts.hasSignature && !facts.hasSignatureException)
    missing.push({
      code: 'signature',
      field: 'signature',
      message: 'A signature is required, or a signature exception with its reason',
      required: true,
      found: false,
    });
  facts.partLines.forEach((line, i) => {
    const gaps = [
      !line.sku && !line.description ? 'SKU or description' : null,
      !line.quantity ? 'quantity' : null,
      !line.unitPrice ? 'unit price' : null,
    ].filter((g): g is string => g !== null);
    if (req.partNumbers && gaps.length > 0)
      missing.push({
        code: 'part_line_incomplete',
        field: `parts.${i}`,
        message: `Part line ${i + 1} needs ${gaps.join(', ')}`,
        required: 'sku or description, quantity, unit price',
        found: `${gaps.join(', ')} missing`,
      });
  });
  if (req.notes && facts.notes.trim().length === 0)
    missing.push({
      code: 'notes',
      field: 'workPerformed.notes',
      message: 'Notes are required',
      required: true,
      found: false,
    });
  if (billingMode === 'time_and_materials' && !(facts.laborHours > 0))
    missing.push({
      code: 'labor_hours',
      field: 'labor',
      message: 'Time-and-materials work needs labor hours',
      required: '> 0',
      found: facts.laborHours,
    });
  for (const f of facts.missingCustomFields ?? [])
    missing.push({
      code: 'custom_field',
      field: `customFields.${f.key}`,
      message: `${f.label} is required`,
      required: true,
      found: false,
    });
  return missing;
};

export type CloseoutOutcome = 'accepted' | 'incomplete' | 'exception';

/** Complete and clean goes on to billing; complete by way of a stated exception waits for a person. */
export const outcomeOf = (missing: readonly MissingItem[], hasException: boolean): CloseoutOutcome =>
  missing.length > 0 ? 'incomplete' : hasException ? 'exception' : 'accepted';
