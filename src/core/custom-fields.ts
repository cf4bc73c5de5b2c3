import { z } from 'zod';
import type { FieldProblem } from './errors';

/** A job type's own billing-relevant field: facts live in fields, never in free text. */
export const CustomFieldDef = z
  .strictObject({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _'),
    label: z.string().trim().min(1).max(100),
    type: z.enum(['text', 'number', 'date', 'choice']),
    options: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
    required: z.boolean(),
    capture: z.enum(['booking', 'closeout']),
    printOnInvoice: z.boolean(),
  })
  .refine((d) => (d.type === 'choice') === (d.options !== undefined), {
    message: 'options are required for choice fields and only for them',
    path: ['options'],
  });
export type CustomFieldDef = z.infer<typeof CustomFieldDef>;

export const CustomFieldDefs = z
  .array(CustomFieldDef)
  .max(40)
  .refine((defs) => new Set(defs.map((d) => d.key)).size === defs.length, { message: 'keys must be unique' });

export type CustomFieldValues = Record<string, string | number>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks values against the definitions at one stage. Fields of a later stage may be absent; unknown keys
 * and wrong types are refused. Returns the problems, each naming its field under `prefix`.
 */
export const customFieldProblems = (
  defs: readonly CustomFieldDef[],
  values: CustomFieldValues,
  stage: 'booking' | 'closeout',
  prefix = 'body.customFields',
): FieldProblem[] => {
  const problems: FieldProblem[] = [];
  const byKey = new Map(defs.map((d) => [d.key, d]));
  for (const key of Object.keys(values)) {
    if (!byKey.has(key))
      problems.push({ field: `${prefix}.${key}`, message: 'not a field of this job type' });
  }
  for (const def of defs) {
    const value = values[def.key];
    const field = `${prefix}.${def.key}`;
    const due = def.capture === 'booking' || stage === 'closeout';
    if (value === undefined || value === '') {
      if (def.required && due) problems.push({ field, message: `${def.label} is required` });
      continue;
    }
    if (def.type === 'number' && (typeof value !== 'number' || !Number.isFinite(value)))
      problems.push({ field, message: 'must be a number' });
    if (def.type === 'text' && (typeof value !== 'string' || value.length > 2000))
      problems.push({ field, message: 'must be text of at most 2000 characters' });
    if (def.type === 'date' && (typeof value !== 'string' || !DATE.test(value)))
      problems.push({ field, message: 'must be a date YYYY-MM-DD' });
    if (def.type === 'choice' && !def.options?.includes(String(value)))
      problems.push({ field, message: `must be one of ${def.options?.join(', ')}` });
  }
  return problems;
};
