import { describe, expect, it } from 'vitest';
import { laterVisitProblems, numbered, placeProblems, type Visit } from './visits';

const at = (h: number, day = 8) => new Date(Date.UTC(2026, 11, day, h));
const iso = (h: number, day = 8) => at(h, day).toISOString();
const visit = (id: string, start: Date, end: Date, status: Visit['status'] = 'planned'): Visit => ({
  id,
  windowStart: start,
  windowEnd: end,
  status,
});

describe('a job’s visits', () => {
  it('takes a plan in order and names each visit out of order', () => {
    const first = { start: at(9), end: at(13) };
    expect(laterVisitProblems(first, [{ start: iso(9, 9), end: iso(13, 9) }], 'later')).toEqual([]);
    expect(
      laterVisitProblems(
        first,
        [
          { start: iso(12), end: iso(15) },
          { start: iso(10, 10), end: iso(9, 10) },
        ],
        'later',
      ).map((p) => p.field),
    ).toEqual(['later.0.start', 'later.1.end']);
    expect(laterVisitProblems(null, [{ start: iso(9, 9), end: iso(13, 9) }], 'later')).toEqual([
      { field: 'later', message: 'a project’s later visits need its first visit' },
    ]);
    const many = Array.from({ length: 30 }, (_, i) => ({ start: iso(9, 9 + i), end: iso(10, 9 + i) }));
    expect(laterVisitProblems(first, many, 'later')[0]?.message).toMatch(/at most 30 visits/);
  });

  it('places a visit neither over another counted one nor before the current one', () => {
    const others = [visit('a', at(9), at(13)), visit('b', at(9, 10), at(13, 10), 'canceled')];
    expect(placeProblems(others, { start: at(12), end: at(14) }, null, 'w')[0]?.message).toBe(
      'overlaps another visit of this job',
    );
    // A canceled visit's time is free again.
    expect(placeProblems(others, { start: at(10, 10), end: at(12, 10) }, null, 'w')).toEqual([]);
    expect(placeProblems(others, { start: at(14), end: at(15) }, at(16), 'w')).toEqual([
      { field: 'wStart', message: 'must be after the visit the crew works on now' },
    ]);
    expect(placeProblems([], { start: at(14), end: at(14) }, null, 'w')[0]?.field).toBe('wEnd');
  });

  it('numbers the visits that count, in time order', () => {
    const out = numbered([
      visit('late', at(9, 12), at(10, 12)),
      visit('gone', at(9, 10), at(10, 10), 'canceled'),
      visit('early', at(9), at(10), 'done'),
    ]);
    expect(out.map((v) => [v.id, v.number, v.of])).toEqual([
      ['early', 1, 2],
      ['late', 2, 2],
    ]);
  });
});
