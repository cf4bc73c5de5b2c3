import type { WorkOrdersT } from '../../../src/contracts/work-orders';
import { call } from './api';
import { db, getNotices, getSnapshot } from './db';
import { fmt } from './format';

const when = (iso: string, timeZone: string) =>
  fmt(iso, timeZone, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });

/** The crew left the visit it was on done (a job of several visits): the job moved on by their doing. */
const leftDone = (old: WorkOrdersT['items'][number], now: WorkOrdersT['items'][number]) => {
  const was = old.visits.find((v) => v.current);
  return was !== undefined && now.visits.some((v) => v.id === was.id && v.status === 'done');
};

/**
 * Fetches the technician's work orders and keeps them for offline use. Where this phone holds a draft or
 * an unsent closeout for a job the office has since canceled, moved or taken away, it records a notice:
 * nothing the technician did is overwritten, and they are told what changed.
 */
export const refreshWork = async (): Promise<WorkOrdersT> => {
  const data = await call<WorkOrdersT>('GET', '/my/work-orders?days=3');
  const before = await getSnapshot();
  const tz = data.organization.timeZone;
  const heldJobs = new Set([
    ...(await db.drafts.toCollection().primaryKeys()),
    ...(await db.outbox.where('state').anyOf('saved', 'sending', 'needs_attention').toArray()).map(
      (o) => o.jobId,
    ),
  ]);
  const notices = await getNotices();
  const at = new Date().toISOString();
  for (const old of before?.data.items ?? []) {
    if (!heldJobs.has(old.job.id)) continue;
    const now = data.items.find((w) => w.job.id === old.job.id);
    const n = old.job.number;
    const add = (message: string) => {
      if (!notices.some((x) => x.jobId === old.job.id && x.message === message))
        notices.push({ jobId: old.job.id, jobNumber: n, message, at });
    };
    if (!now) add(`${n} is no longer assigned to you. Your work on it is kept on this phone.`);
    else if (now.job.status === 'canceled' && old.job.status !== 'canceled')
      add(`The office canceled ${n}${now.job.closedReason ? `: ${now.job.closedReason}` : ''}.`);
    else if (now.job.windowStart !== old.job.windowStart && !leftDone(old, now))
      add(`The office moved ${n} to ${when(now.job.windowStart, tz)}.`);
  }
  await db.transaction('rw', db.meta, async () => {
    await db.meta.put({ key: 'work', data, fetchedAt: at });
    await db.meta.put({ key: 'notices', items: notices });
  });
  return data;
};

export const dismissNotice = async (jobId: string, message: string) => {
  const items = (await getNotices()).filter((n) => !(n.jobId === jobId && n.message === message));
  await db.meta.put({ key: 'notices', items });
};
