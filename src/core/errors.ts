/** Every failure the API can report. Adding a code without an HTTP status fails to compile (see http/errors). */
export type AppErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'session_expired'
  | 'invalid_credentials'
  | 'api_key_revoked'
  | 'csrf_failed'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'possible_duplicate'
  | 'immutable'
  | 'invalid_transition'
  | 'idempotency_conflict'
  | 'closeout_incomplete'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'not_ready';

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
