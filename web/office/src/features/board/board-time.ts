import { businessDate, zonedToInstant } from '../../../../../src/core/time';
import type { BoardJobT } from '../../shared/api';

export const DAY_START = 6;
export const DAY_END = 20;
export const HOURS = Array.from({ length: DAY_END - DAY_START }, (_, i) => DAY_START + i);
export const UNASSIGNED = 'unassigned';
export const DRAG_TYPE = 'application/x-closeout-job';

export const dayLabel = (date: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-IE', { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(
    zonedToInstant(date, '12:00', timeZone),
  );

/** A proposed move: where the job is going, prefilled by a drop or by the card's Move button, editable in the dialog. */
export type Move = {
  job: BoardJobT;
  fromTech: string;
  toTech: string;
  day: string;
  time: string;
};

export const dateLabelOf = (iso: string, tz: string) => dayLabel(businessDate(new Date(iso), tz), tz);

/** The window a move lands on: the chosen day and start on the organization's clock, the same length as before. */
export const windowOf = (move: Move, tz: string): { windowStart: string; windowEnd: string } | null => {
  const start = zonedToInstant(move.day, move.time, tz);
  if (Number.isNaN(start.getTime())) return null;
  const length = new Date(move.job.windowEnd).getTime() - new Date(move.job.windowStart).getTime();
  return { windowStart: start.toISOString(), windowEnd: new Date(start.getTime() + length).toISOString() };
};
