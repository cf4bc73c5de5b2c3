/**
 * A recurring service's state machine. A series is a chain of parts: "this and following" and resuming a
 * paused service each end one part and continue in a new one (with its own ID, the old visits untouched),
 * so a part that was continued is closed for good and every change happens on the chain's last part.
 */
export const SERIES_STATUSES = ['active', 'paused', 'ended', 'continued'] as const;
export type SeriesStatus = (typeof SERIES_STATUSES)[number];

export type SeriesAction = 'split' | 'pause' | 'resume' | 'end';

const TABLE: Record<SeriesStatus, Partial<Record<SeriesAction, SeriesStatus>>> = {
  // Visits are generated up to the horizon; split ends this part and continues in a new one.
  active: { split: 'continued', pause: 'paused', end: 'ended' },
  // No visits from the pause date on; resuming continues in a new part from the chosen date.
  paused: { resume: 'continued', end: 'ended' },
  ended: {},
  continued: {},
};

export const isSeriesStatus = (s: string): s is SeriesStatus =>
  (SERIES_STATUSES as readonly string[]).includes(s);

export const seriesTransition = (
  from: SeriesStatus,
  action: SeriesAction,
): { ok: true; to: SeriesStatus } | { ok: false; allowed: SeriesAction[] } => {
  const to = TABLE[from][action];
  return to ? { ok: true, to } : { ok: false, allowed: Object.keys(TABLE[from]) as SeriesAction[] };
};
