import { AppError } from '../core/errors';

/**
 * Whether a failed queue job may succeed on a retry. A lost connection, a deadlock, a serialization
 * failure, a busy server or a concurrent change may; a domain refusal, bad data (SQLSTATE class 22) or a
 * broken constraint other than a race, or a bug (a TypeError) will fail the same way every time, and waits
 * for a person in needs_review instead.
 */
export const isRetryable = (err: unknown): boolean => {
  if (err instanceof AppError) return err.code === 'conflict';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code)) {
      // PostgreSQL: connection (08), transaction rollback (40), resources (53), operator (57), unique race.
      return ['08', '40', '53', '57'].includes(code.slice(0, 2)) || code === '23505';
    }
    // Node's network errors (ECONNRESET, ETIMEDOUT, …).
    return code.startsWith('E');
  }
  return !(err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError);
};
