/**
 * Every failure the API can report. Adding a code without an HTTP status fails to compile (see http/errors).
 * Domain codes say what happened so clients branch on the code, never on the message: `changed_since` (reload
 * and try again), `job_closed` (canceled or no-show: nothing more happens to it), `already_invoiced` (correct
 * with a credit note), `already_in_use` (a unique value taken),
 * `connector_disconnected` (connect the accounting system again first), `second_factor_required` (send the code from
 * the authenticator app, or a recovery code, with the password), `second_factor_setup_required` (the organization
 * requires a second factor: set one up under /me/two-factor first). `conflict` is a race inside the request: retry.
 */
export const APP_ERROR_CODES = [
  'validation_failed',
  'unauthenticated',
  'session_expired',
  'invalid_credentials',
  'api_key_revoked',
  'csrf_failed',
  'forbidden',
  'not_found',
  'conflict',
  'already_in_use',
  'changed_since',
  'job_closed',
  'already_invoiced',
  'credit_exceeds_invoice',
  'payment_exceeds_outstanding',
  'nothing_to_invoice',
  'possible_duplicate',
  'immutable',
  'invalid_transition',
  'idempotency_conflict',
  'closeout_incomplete',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'not_ready',
  'customer_merged',
  'merge_conflict',
  'connector_disconnected',
  'second_factor_required',
  'second_factor_setup_required',
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export type FieldProblem = { field: string; message: string };

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly fields: FieldProblem[];
  readonly extra: Record<string, unknown>;

  constructor(
    code: AppErrorCode,
    message: string,
    options: { fields?: FieldProblem[]; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.fields = options.fields ?? [];
    this.extra = options.extra ?? {};
  }
}

export const notFound = (entity: string, field = 'id'): AppError =>
  new AppError('not_found', `${entity} not found`, { fields: [{ field, message: `no such ${entity}` }] });

export const invalid = (field: string, message: string): AppError =>
  new AppError('validation_failed', `${field}: ${message}`, { fields: [{ field, message }] });

/** A refusal naming every field that was wrong at once, so a form shows them all in one round trip. */
export const invalidAll = (problems: FieldProblem[]): AppError =>
  new AppError('validation_failed', problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
    fields: problems,
  });
