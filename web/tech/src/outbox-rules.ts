import { refusalText } from '../../shared/refusal';
import { ApiError, NetworkError } from './api';
import type { Conflict, OutboxItem } from './db';
import type { ProblemT } from './types';

/** Backoff after a network error or a server fault: 2 s, 4 s, 8 s … at most 5 minutes. */
export const backoffMs = (attempts: number): number =>
  Math.min(300_000, 2_000 * 2 ** Math.max(0, attempts - 1));

/** Codes that mean "the office changed or closed this job while the phone was away": show what, in words. */
const OFFICE_CHANGED = new Set([
  'changed_since',
  'job_closed',
  'already_invoiced',
  'invalid_transition',
  'not_found',
]);

/** The office changed the job while the phone was away: say what, in words. */
export const conflictOf = (p: ProblemT): Conflict => ({
  message: p.detail ?? p.title ?? 'The office changed this job',
  windowStart: p.job?.windowStart,
  status: p.job?.status,
});

export type AfterFailure = {
  /** What to write on the outbox item. */
  patch: Partial<OutboxItem>;
  /** Stop this sync pass: nothing else will get through either (offline, signed out). */
  stop: boolean;
};

/**
 * The outbox's state machine on a failed send, by the server's problem code, never its wording:
 * - signed out: kept, the person signs in again;
 * - a start or on-my-way the job has already moved past (`invalid_transition`): nothing left to tell;
 * - the office changed or closed the job (`changed_since`, `job_closed`, `already_invoiced`, …): needs the
 *   technician's attention, with what changed;
 * - any other refusal (proof missing, bad data): needs attention with the server's reason and missing list;
 * - offline or a server fault: kept, retried with backoff.
 */
export const afterFailure = (item: OutboxItem, err: unknown, now: number): AfterFailure => {
  if (err instanceof ApiError && err.status === 401)
    return { patch: { state: 'saved', reason: 'Sign in again to send this' }, stop: true };
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
    const p = err.problem as ProblemT;
    const code = p.code ?? (err.status === 404 ? 'not_found' : undefined);
    if (item.kind !== 'closeout' && code === 'invalid_transition')
      return { patch: { state: 'submitted', reason: undefined }, stop: false };
    return {
      patch: {
        state: 'needs_attention',
        reason: refusalText(err) || p.title || `Refused (${err.status})`,
        missing: p.missing,
        conflict: code !== undefined && OFFICE_CHANGED.has(code) ? conflictOf(p) : undefined,
      },
      stop: false,
    };
  }
  const attempts = item.attempts + 1;
  const offline = err instanceof NetworkError;
  return {
    patch: {
      state: 'saved',
      attempts,
      nextAttemptAt: now + backoffMs(attempts),
      reason: offline ? 'No connection; will send when there is one' : 'The server had a problem; will retry',
    },
    stop: offline,
  };
};
