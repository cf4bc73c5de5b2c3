/** Overlapping assignments: two live jobs of one technician whose windows intersect. */
export type Window = { id: string; start: Date; end: Date; live: boolean };

export const overlapsByJob = (windows: readonly Window[]): Map<string, string[]> => {
  const live = windows.filter((w) => w.live).sort((a, b) => a.start.getTime() - b.start.getTime());
  const result = new Map<string, string[]>();
  for (let i = 0; i < live.length; i++) {
    const a = live[i];
    if (!a) continue;
    for (let j = i + 1; j < live.length; j++) {
      const b = live[j];
      if (!b || b.start >= a.end) break; // sorted by start: nothing later can overlap a
      result.set(a.id, [...(result.get(a.id) ?? []), b.id]);
      result.set(b.id, [...(result.get(b.id) ?? []), a.id]);
    }
  }
  return result;
};
