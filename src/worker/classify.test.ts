import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors';
import { isRetryable } from './classify';

const pg = (code: string) => Object.assign(new Error('pg'), { code });

describe('which queue failures a retry can fix', () => {
  it.each([
    ['a concurrent change', new AppError('conflict', 'changed'), true],
    ['a domain refusal', new AppError('validation_failed', 'bad'), false],
    ['a missing record', new AppError('not_found', 'gone'), false],
    ['a lost connection', pg('08006'), true],
    ['a deadlock', pg('40P01'), true],
    ['a serialization failure', pg('40001'), true],
    ['a unique race', pg('23505'), true],
    ['numeric overflow', pg('22003'), false],
    ['a check violation', pg('23514'), false],
    ['a reset socket', pg('ECONNRESET'), true],
    ['a bug', new TypeError('x.find is not a function'), false],
    ['anything else', new Error('provider said 502'), true],
  ])('%s: %s', (_what, err, retry) => {
    expect(isRetryable(err)).toBe(retry);
  });
});
