import { Alert } from '@mantine/core';
import { type FormErrors, type UseFormReturnType, useForm } from '@mantine/form';
import { useState } from 'react';
import type { z } from 'zod';
import { ApiError } from './api';
import { messageOf } from './feedback';

/**
 * A schema's complaint in words a person uses. The contract's own messages (written for people: "must be
 * above 0", "ISO 3166-1 alpha-2, e.g. IE") pass through; zod's generic ones are replaced.
 */
const humanMessage = (i: z.core.$ZodIssue): string => {
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
type FieldMap = Record<string, string>;

/** The form's path for a body path: mapped as a whole or by its longest mapped prefix (`a.b.3` → `x.3`). */
const formPath = (path: string, fields: FieldMap): string => {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const mapped = fields[parts.slice(0, n).join('.')];
    if (mapped !== undefined) return [mapped, ...parts.slice(n)].join('.');
  }
  return path || '_form';
};

/** zod issues as Mantine field errors: `billingAddress.city` → "Required". */
const errorsOf = (issues: z.core.$ZodIssue[], fields: FieldMap): FormErrors => {
  const out: FormErrors = {};
  for (const i of issues) out[formPath(i.path.map(String).join('.'), fields)] ??= humanMessage(i);
  return out;
};

/** A server refusal's fields ("body.billingAddress.city") as the form's own paths. */
const serverErrorsOf = (err: ApiError, fields: FieldMap): FormErrors => {
  const out: FormErrors = {};
  for (const f of err.problem.errors ?? []) {
    out[formPath(f.field.replace(/^body\./, ''), fields)] = f.message;
  }
  return out;
};

/**
 * A form validated by the same `src/contracts` schema the server parses: the values become the request
 * body through `toBody` (blank text to null, numbers from inputs), the body is checked against the schema
 * on the way out, and a refusal from the server lands on the fields it names. The browser and the server
 * validate alike, so a person sees the same words either way. Forms using it set `noValidate`: the schema,
 * not the browser's bubbles, says what is missing, next to each field.
 */
export const useContractForm = <V extends Record<string, unknown>, S extends z.ZodType>({
  schema,
  initialValues,
  toBody,
  fields = {},
}: {
  schema: S;
  initialValues: V;
  toBody: (values: V) => z.input<S>;
  /** Body paths shown on another field of the form. */
  fields?: FieldMap;
}) => {
  const form: UseFormReturnType<V> = useForm<V>({
    mode: 'controlled',
    initialValues,
    validate: (values) => {
      const parsed = schema.safeParse(toBody(values));
      return parsed.success ? {} : errorsOf(parsed.error.issues, fields);
    },
  });
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The submit handler: validates, sends the parsed body, maps a refusal back onto the fields. */
  const submit = (send: (body: z.output<S>) => Promise<void>) =>
    form.onSubmit(async (values) => {
      setFormError(null);
      const parsed = schema.safeParse(toBody(values));
      if (!parsed.success) {
        form.setErrors(errorsOf(parsed.error.issues, fields));
        return;
      }
      setBusy(true);
      try {
        await send(parsed.data);
      } catch (err) {
        if (err instanceof ApiError && (err.problem.errors ?? []).length > 0)
          form.setErrors(serverErrorsOf(err, fields));
        setFormError(messageOf(err));
      } finally {
        setBusy(false);
      }
    });
  const errorAlert = formError ? (
    <Alert color="red" role="alert">
      {formError}
    </Alert>
  ) : null;
  return { form, submit, busy, formError, setFormError, errorAlert };
};

/** Blank text is "not given": null for the API. */
export const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());
