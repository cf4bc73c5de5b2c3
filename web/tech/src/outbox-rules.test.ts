import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from './api';
import type { OutboxItem } from './db';
import { afterFailure, backoffMs } from './outbox-rules';

const item = (kind: OutboxItem['kind'], attempts = 0): OutboxItem => ({
  id: 'i1',
  kind,
  jobId: 'j1',
  jobNumber: 'J-1001',
  createdAt: '2026-12-03T10:00:00.000Z',
  state: 'sending',
  attempts,
  nextAttemptAt: 0,
});
const refusal = (status: number, code: string | undefined, extra: Record<string, unknown> = {}) =>
  new ApiError(status, {
    status,
    title: 'Refused',
    detail: `refused: ${code ?? status}`,
    ...(code ? { code } : {}),
    ...extra,
  });
const NOW = 1_800_000_000_000;

describe('the technician outbox on a failed send', () => {
  it.each([
    // [what, kind, error, state, conflict shown, stops the pass]
    ['signed out', 'closeout', refusal(401, 'session_expired'), 'saved', false, true],
    ['start after the job moved on', 'start', refusal(409, 'invalid_transition'), 'submitted', false, false],
    ['on my way after starting', 'on_my_way', refusal(409, 'invalid_transition'), 'submitted', false, false],
    [
      'start on a job the office canceled',
      'start',
      refusal(409, 'job_closed'),
      'needs_attention',
      true,
      false,
    ],
    ['closeout on a canceled job', 'closeout', refusal(409, 'job_closed'), 'needs_attention', true, false],
    [
      'closeout after a reschedule',
      'closeout',
      refusal(409, 'changed_since'),
      'needs_attention',
      true,
      false,
    ],
    [
      'closeout on an invoiced job',
      'closeout',
      refusal(409, 'already_invoiced'),
      'needs_attention',
      true,
      false,
    ],
    ['closeout on a deleted job', 'closeout', refusal(404, undefined), 'needs_attention', true, false],
    [
      'closeout missing proof',
      'closeout',
      refusal(422, 'closeout_incomplete'),
      'needs_attention',
      false,
      false,
    ],
    [
      'closeout with bad data',
      'closeout',
      refusal(400, 'validation_failed'),
      'needs_attention',
      false,
      false,
    ],
    ['a server fault', 'closeout', refusal(503, 'not_ready'), 'saved', false, false],
    ['no connection', 'closeout', new NetworkError('offline'), 'saved', false, true],
  ] as const)('%s', (_what, kind, err, state, conflict, stop) => {
    const out = afterFailure(item(kind), err, NOW);
    expect(out.patch.state).toBe(state);
    expect(out.patch.conflict !== undefined).toBe(conflict);
    expect(out.stop).toBe(stop);
    if (state === 'needs_attention') expect(out.patch.reason).toBe(err.message);
  });

  it('keeps the missing list the office sent with a refused closeout', () => {
    const missing = [{ code: 'photo', category: 'after', message: 'An after photo' }];
    const out = afterFailure(item('closeout'), refusal(422, 'closeout_incomplete', { missing }), NOW);
    expect(out.patch.missing).toEqual(missing);
  });

  it('says when and what the office changed', () => {
    const job = { windowStart: '2026-12-04T14:00:00.000Z', status: 'scheduled' };
    const out = afterFailure(item('closeout'), refusal(409, 'changed_since', { job }), NOW);
    expect(out.patch.conflict).toEqual({ message: 'refused: changed_since', ...job });
  });

  it('backs off exponentially, at most five minutes, and counts attempts', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(backoffMs(20)).toBe(300_000);
    const out = afterFailure(item('closeout', 3), new NetworkError('offline'), NOW);
    expect(out.patch).toMatchObject({ attempts: 4, nextAttemptAt: NOW + 16_000 });
  });
});
