import { describe, expect, it } from 'vitest';
import { overlapsByJob } from './board';

const w = (id: string, start: string, end: string, live = true) => ({
  id,
  start: new Date(`2026-11-16T${start}:00Z`),
  end: new Date(`2026-11-16T${end}:00Z`),
  live,
});

describe('overlapping assignments', () => {
  it('flags both jobs of an overlap, and only them', () => {
    const m = overlapsByJob([w('a', '08:00', '10:00'), w('b', '09:30', '11:00'), w('c', '11:00', '12:00')]);
    expect(m.get('a')).toEqual(['b']);
    expect(m.get('b')).toEqual(['a']);
    expect(m.has('c')).toBe(false); // touching ends do not overlap
  });

  it('sees a long job overlapping several later ones', () => {
    const m = overlapsByJob([
      w('long', '08:00', '17:00'),
      w('x', '09:00', '10:00'),
      w('y', '13:00', '14:00'),
    ]);
    expect(m.get('long')).toEqual(['x', 'y']);
  });

  it('ignores canceled and no-show jobs', () => {
    expect(overlapsByJob([w('a', '08:00', '10:00'), w('b', '09:00', '10:00', false)]).size).toBe(0);
  });
});
