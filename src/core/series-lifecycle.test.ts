import { describe, expect, it } from 'vitest';
import { SERIES_STATUSES, type SeriesAction, seriesTransition } from './series-lifecycle';

describe('recurring service lifecycle', () => {
  it.each([
    ['active', 'split', 'continued'],
    ['active', 'pause', 'paused'],
    ['active', 'end', 'ended'],
    ['paused', 'resume', 'continued'],
    ['paused', 'end', 'ended'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(seriesTransition(from, action)).toEqual({ ok: true, to });
  });

  it('a continued or ended part takes no change, and a running one cannot be resumed', () => {
    const actions: SeriesAction[] = ['split', 'pause', 'resume', 'end'];
    for (const from of ['continued', 'ended'] as const)
      for (const a of actions) expect(seriesTransition(from, a)).toEqual({ ok: false, allowed: [] });
    expect(seriesTransition('active', 'resume')).toEqual({ ok: false, allowed: ['split', 'pause', 'end'] });
    expect(seriesTransition('paused', 'split')).toEqual({ ok: false, allowed: ['resume', 'end'] });
    expect(SERIES_STATUSES).toHaveLength(4);
  });
});
