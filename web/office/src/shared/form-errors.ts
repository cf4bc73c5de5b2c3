import type { FormErrors } from '@mantine/form';
import type { z } from 'zod';

/**
 * A schema's complaint in words a person uses. The contract's own messages (written for people: "must be
 * above 0", "ISO 3166-1 alpha-2, e.g. IE") pass through; zod's generic ones are replaced.
 */
export const humanMessage = (i: z.core.$ZodIssue): string => {
  switch (i.code) {
    case 'too_small':
      if (i.origin === 'string' && Number(i.minimum) <= 1) return 'Required';
      if (i.origin === 'string') return `At least ${i.minimum} characters`;
      if (i.origin === 'array') return Number(i.minimum) <= 1 ? 'Add at least one' : `At least ${i.minimum}`;
      return `At least ${i.minimum}`;
    case 'too_big':
      if (i.origin === 'string') return `At most ${i.maximum} characters`;
      return `At most ${i.maximum}`;
    case 'invalid_format':
      if (i.format === 'email') return 'Not an e-mail address';
      if (i.format === 'url') return 'Not a web address';
      return i.message.startsWith('Invalid') ? 'Not in the expected form' : i.message;
    case 'invalid_type':
      return i.input === undefined || i.input === null ? 'Required' : 'Not a valid value';
    case 'invalid_value':
      return 'Choose one of the options';
    default:
      return i.message;
  }
};

/** Where a body field's complaint shows when the form asks for it differently (windowStart → the date). */
export type FieldMap = Record<string, string>;

/** The form's path for a body path: mapped as a whole or by its longest mapped prefix (`a.b.3` → `x.3`). */
export const formPath = (path: string, fields: FieldMap): string => {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const mapped = fields[parts.slice(0, n).join('.')];
    if (mapped !== undefined) return [mapped, ...parts.slice(n)].join('.');
  }
  return path || '_form';
};

/** zod issues as Mantine field errors: `billingAddress.city` → "Required". */
export const errorsOf = (issues: z.core.$ZodIssue[], fields: FieldMap): FormErrors => {
  const out: FormErrors = {};
  for (const i of issues) out[formPath(i.path.map(String).join('.'), fields)] ??= humanMessage(i);
  return out;
};

/** A server refusal's fields ("body.billingAddress.city") as the form's own paths. */
export const serverErrorsOf = (
  errors: readonly { field: string; message: string }[],
  fields: FieldMap,
): FormErrors => {
  const out: FormErrors = {};
  for (const f of errors) {
    out[formPath(f.field.replace(/^body\./, ''), fields)] = f.message;
  }
  return out;
};
