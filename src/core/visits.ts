import type { FieldProblem } from './errors';

/**
 * A job done over several visits (#22): a project quoted with its days (rough-in Monday, finish next
 * Thursday), or a visit the office adds when the work needs another day. Pure rules, shared by the quote,
 * the job's visits and the board.
 */

/** A visit's window as the API and the quote carry it (ISO instants). */
export type VisitWindow = { start: string; end: string };
export type VisitStatus = 'planned' | 'done' | 'canceled';
export type Visit = { id: string; windowStart: Date; windowEnd: Date; status: VisitStatus };

/** More visits than this is a series' work (a repeating service), not a project's. */
export const MAX_VISITS = 30;

export const VISIT_STATUS_WORDS: Record<VisitStatus, string> = {
  planned: 'Planned',
  done: 'Done',
  canceled: 'Canceled',
};

const overlaps = (a: { start: Date; end: Date }, b: { start: Date; end: Date }) =>
  a.start < b.end && b.start < a.end;

/**
 * A quote's visits after the first: each ends after it starts and starts once the one before has ended,
 * so the plan reads in order and the crew is never booked twice on its own job.
 */
export const laterVisitProblems = (
  first: { start: Date; end: Date } | null,
  later: readonly VisitWindow[],
  field: string,
): FieldProblem[] => {
  if (later.length === 0) return [];
  if (!first) return [{ field, message: 'a project’s later visits need its first visit' }];
  if (later.length + 1 > MAX_VISITS)
    return [{ field, message: `at most ${MAX_VISITS} visits; a service that repeats is a series` }];
  const problems: FieldProblem[] = [];
  let before = first.end;
  later.forEach((v, i) => {
    const start = new Date(v.start);
    const end = new Date(v.end);
    if (end <= start)
      problems.push({ field: `${field}.${i}.end`, message: 'must be after the visit’s start' });
    else if (start < before)
      problems.push({ field: `${field}.${i}.start`, message: 'must be after the visit before it ends' });
    before = end > before ? end : before;
  });
  return problems;
};

/**
 * Where a visit may go among the job's others: not over another planned or done visit, and not before the
 * visit the crew works on now (the job's window) when it is a later one.
 */
export const placeProblems = (
  others: readonly Visit[],
  window: { start: Date; end: Date },
  notBefore: Date | null,
  field: string,
): FieldProblem[] => {
  if (window.end <= window.start)
    return [{ field: `${field}End`, message: 'must be after the visit’s start' }];
  if (notBefore && window.start < notBefore)
    return [{ field: `${field}Start`, message: 'must be after the visit the crew works on now' }];
  const clash = others.find(
    (o) => o.status !== 'canceled' && overlaps({ start: o.windowStart, end: o.windowEnd }, window),
  );
  return clash ? [{ field: `${field}Start`, message: 'overlaps another visit of this job' }] : [];
};

/** The visits that count (not canceled), in order, each with its number: "visit 2 of 3". */
export const numbered = <V extends Visit>(visits: readonly V[]): (V & { number: number; of: number })[] => {
  const live = visits
    .filter((v) => v.status !== 'canceled')
    .sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime());
  return live.map((v, i) => ({ ...v, number: i + 1, of: live.length }));
};

export const visitWords = (number: number, of: number) => `Visit ${number} of ${of}`;
