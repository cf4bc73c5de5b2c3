import { Alert } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { useState } from 'react';
import type { z } from 'zod';
import { ApiError } from './api';
import { messageOf } from './feedback';
import { errorsOf, type FieldMap, serverErrorsOf } from './form-errors';

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
  check = () => ({}),
}: {
  schema: S;
  initialValues: V;
  toBody: (values: V) => z.input<S>;
  /** Body paths shown on another field of the form. */
  fields?: FieldMap;
  /** What the schema cannot know (a kind of work's own required fields): errors by form path. */
  check?: (values: V) => Record<string, string>;
}) => {
  const form: UseFormReturnType<V> = useForm<V>({
    mode: 'controlled',
    initialValues,
    validate: (values) => {
      const parsed = schema.safeParse(toBody(values));
      return { ...(parsed.success ? {} : errorsOf(parsed.error.issues, fields)), ...check(values) };
    },
  });
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The submit handler: validates, sends the parsed body, maps a refusal back onto the fields. */
  const submit = (send: (body: z.output<S>) => Promise<void>) =>
    form.onSubmit(async (values) => {
      setFormError(null);
      const parsed = schema.safeParse(toBody(values));
      const unmet = check(values);
      if (!parsed.success || Object.keys(unmet).length > 0) {
        form.setErrors({ ...(parsed.success ? {} : errorsOf(parsed.error.issues, fields)), ...unmet });
        return;
      }
      setBusy(true);
      try {
        await send(parsed.data);
      } catch (err) {
        if (err instanceof ApiError && (err.problem.errors ?? []).length > 0)
          form.setErrors(serverErrorsOf(err.problem.errors ?? [], fields));
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
