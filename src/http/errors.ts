import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type AppErrorCode, type FieldProblem } from '../core/errors';

/** Exhaustive: a new AppErrorCode without a status here does not compile. */
export const STATUS_OF: Record<AppErrorCode, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  session_expired: 401,
  invalid_credentials: 401,
  api_key_revoked: 401,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  already_in_use: 409,
  changed_since: 409,
  job_closed: 409,
  already_invoiced: 409,
  credit_exceeds_invoice: 400,
  payment_exceeds_outstanding: 400,
  nothing_to_invoice: 409,
  possible_duplicate: 409,
  immutable: 409,
  invalid_transition: 409,
  idempotency_conflict: 409,
  closeout_incomplete: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  not_ready: 503,
  customer_merged: 409,
  merge_conflict: 409,
  connector_disconnected: 409,
  second_factor_required: 401,
  second_factor_setup_required: 403,
};

const TITLE_OF: Record<AppErrorCode, string> = {
  validation_failed: 'Invalid request',
  unauthenticated: 'Not signed in',
  session_expired: 'Session expired',
  invalid_credentials: 'Wrong credentials',
  api_key_revoked: 'API key revoked',
  csrf_failed: 'Missing or wrong CSRF token',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  conflict: 'Conflict',
  already_in_use: 'Already in use',
  changed_since: 'Changed since you loaded it',
  job_closed: 'The job is closed',
  already_invoiced: 'Already invoiced',
  credit_exceeds_invoice: 'More than the invoice',
  payment_exceeds_outstanding: 'More than is owed',
  nothing_to_invoice: 'Nothing to invoice',
  possible_duplicate: 'Looks like an existing record',
  immutable: 'Cannot be changed once set',
  invalid_transition: 'Not allowed in the current status',
  idempotency_conflict: 'Idempotency key reused with a different request',
  closeout_incomplete: 'Closeout incomplete',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  not_ready: 'Not ready',
  customer_merged: 'Already merged into another customer',
  merge_conflict: 'These records cannot be merged as they are',
  connector_disconnected: 'The accounting system is disconnected',
  second_factor_required: 'A second factor is needed',
  second_factor_setup_required: 'Set up a second factor first',
};

export const PROBLEM_BASE = 'https://closeout.dev/problems/';

const fieldPath = (context: string | undefined, instancePath: string, keys?: unknown): string[] => {
  const base = [context ?? 'body', ...instancePath.split('/').filter(Boolean)].join('.');
  if (Array.isArray(keys) && keys.length > 0) return keys.map((k) => `${base}.${String(k)}`);
  return [base];
};

/** Turns any thrown value into an AppError; undefined means an unexpected failure (a 500). */
export const toAppError = (err: unknown): AppError | undefined => {
  if (err instanceof AppError) return err;
  const e = err as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(e)) {
    const fields: FieldProblem[] = e.validation.flatMap((v) =>
      fieldPath(e.validationContext, v.instancePath, (v.params as { keys?: unknown }).keys).map((field) => ({
        field,
        message: v.keyword === 'unrecognized_keys' ? 'unknown field' : (v.message ?? 'invalid'),
      })),
    );
    return new AppError('validation_failed', fields.map((f) => `${f.field}: ${f.message}`).join('; '), {
      fields,
    });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('validation_failed', 'The body is not valid JSON', {
        fields: [{ field: 'body', message: 'malformed JSON' }],
      });
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('payload_too_large', 'The file is larger than the upload limit', {
        fields: [{ field: 'file', message: 'too large' }],
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The body is larger than this endpoint accepts', {
        fields: [{ field: 'body', message: 'too large' }],
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('unsupported_media_type', 'Send application/json', {
        fields: [{ field: 'header.content-type', message: 'unsupported' }],
      });
  }
  if (e instanceof SyntaxError && (e as { statusCode?: number }).statusCode === 400) {
    return new AppError('validation_failed', 'The body is not valid JSON', {
      fields: [{ field: 'body', message: 'malformed JSON' }],
    });
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code: AppErrorCode =
      e.statusCode === 404 ? 'not_found' : e.statusCode === 413 ? 'payload_too_large' : 'validation_failed';
    return new AppError(code, e.message, { fields: [{ field: 'request', message: e.message }] });
  }
  return undefined;
};

export const sendProblem = (request: FastifyRequest, reply: FastifyReply, err: AppError) => {
  const status = STATUS_OF[err.code];
  const retryAfter = err.extra.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `${PROBLEM_BASE}${err.code}`,
      title: TITLE_OF[err.code],
      status,
      detail: err.message,
      instance: request.url.split('?')[0],
      code: err.code,
      requestId: request.id,
      errors: err.fields,
      ...err.extra,
    });
};

/**
 * Where a NUL character (U+0000) sits in a parsed input, as a field path, or undefined. PostgreSQL stores no
 * NUL in text or jsonb, so such input would otherwise fail deep in a handler as a 500.
 */
const nulAt = (value: unknown, at: string): { at: string; message: string } | undefined => {
  // Iterative, and bounded in depth: a body nested thousands of levels deep must not overflow the stack
  // (it answered 500 on every JSON route), and no contract of ours nests anywhere near MAX_DEPTH.
  const stack: { value: unknown; at: string; depth: number }[] = [{ value, at, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as (typeof stack)[number];
    const v = item.value;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { at: item.at, message: NUL };
      if (LONE_SURROGATE.test(v)) return { at: item.at, message: SURROGATE };
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    if (item.depth >= MAX_DEPTH) throw tooDeep(at);
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i] as readonly [string, unknown];
      if (k.includes('\u0000')) return { at: item.at, message: NUL };
      if (LONE_SURROGATE.test(k)) return { at: item.at, message: SURROGATE };
      stack.push({ value: x, at: `${item.at}.${k}`, depth: item.depth + 1 });
    }
  }
  return undefined;
};

/**
 * Half of a UTF-16 surrogate pair without its other half: not text (PostgreSQL refuses to store it, which
 * answered 500). Refused with the NUL character.
 */
const NUL = 'must not contain the NUL character (U+0000)';
const SURROGATE = 'must be valid Unicode text (it holds half of a surrogate pair)';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deeper than any contract nests: refused before a schema or a handler walks it. */
const MAX_DEPTH = 32;
const tooDeep = (at: string) =>
  new AppError('validation_failed', `${at}: nested more than ${MAX_DEPTH} levels deep`, {
    fields: [{ field: at, message: `nested more than ${MAX_DEPTH} levels deep` }],
  });

/** Throws a 400 naming the field when the input holds a NUL character (multipart parts are checked by hand). */
export const refuseNul = (value: unknown, at: string): void => {
  const found = nulAt(value, at);
  if (found)
    throw new AppError('validation_failed', `${found.at}: ${found.message}`, {
      fields: [{ field: found.at, message: found.message }],
    });
};

export const registerErrorHandling = (app: FastifyInstance) => {
  // Before any schema or handler sees the input: refuse NUL characters, naming the field.
  app.addHook('preValidation', async (request) => {
    refuseNul(request.params, 'params');
    refuseNul(request.query, 'query');
    refuseNul(request.body, 'body');
  });
  app.setErrorHandler((err, request, reply) => {
    const appError = toAppError(err);
    if (appError) {
      request.log.info({ code: appError.code, fields: appError.fields }, appError.message);
      return sendProblem(request, reply, appError);
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .code(500)
      .type('application/problem+json')
      .send({
        type: `${PROBLEM_BASE}internal`,
        title: 'Internal error',
        status: 500,
        detail: 'Something went wrong on our side. The request ID identifies it in our logs.',
        instance: request.url.split('?')[0],
        code: 'internal',
        requestId: request.id,
        errors: [],
      });
  });
};
