import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateGate } from './http';

describe('the per-tenant rate gate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never runs more than its concurrency at once', async () => {
    const gate = new RateGate(5, 1000);
    let active = 0;
    let most = 0;
    const task = () =>
      gate.run(async () => {
        active++;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      });
    await Promise.all(Array.from({ length: 20 }, task));
    expect(most).toBe(5);
  });

  it('starts at most its per-minute budget in any 60 s window, then waits for the window to move', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-21T10:00:00Z') });
    const gate = new RateGate(10, 3, () => Date.now());
    const started: number[] = [];
    const calls = Array.from({ length: 5 }, () => gate.run(async () => started.push(Date.now())));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(59_000);
    await Promise.all(calls);
    expect(started).toHaveLength(5);
    expect((started[3] ?? 0) - (started[0] ?? 0)).toBeGreaterThanOrEqual(60_000);
  });
});
