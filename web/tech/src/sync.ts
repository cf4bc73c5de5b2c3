import { ApiError, call, NetworkError } from './api';
import { type Conflict, db, type OutboxItem, type Photo } from './db';
import type { ProblemT } from './types';

/** Backoff after a network error or a server fault: 2 s, 4 s, 8 s … at most 5 minutes. */
export const backoffMs = (attempts: number): number =>
  Math.min(300_000, 2_000 * 2 ** Math.max(0, attempts - 1));

const listeners = new Set<() => void>();
/** Screens subscribe to re-read the outbox after each step of a sync. */
export const onOutboxChange = (fn: () => void) => {
  listeners.add(fn);
  return () => listeners.delete(fn);
};
const changed = () => {
  for (const fn of listeners) fn();
};

const update = async (id: string, patch: Partial<OutboxItem>) => {
  await db.outbox.update(id, patch);
  changed();
};

export const enqueue = async (
  item: Omit<OutboxItem, 'state' | 'attempts' | 'nextAttemptAt' | 'createdAt'>,
) => {
  await db.outbox.put({
    ...item,
    state: 'saved',
    attempts: 0,
    nextAttemptAt: 0,
    createdAt: new Date().toISOString(),
  });
  changed();
};

const uploadPhoto = async (jobId: string, photo: Photo): Promise<string> => {
  if (photo.serverId) return photo.serverId;
  const form = new FormData();
  form.append('category', photo.category);
  form.append('file', photo.blob, `${photo.id}.jpg`);
  const res = await call<{ id: string }>('POST', `/jobs/${jobId}/attachments`, form);
  await db.photos.update(photo.id, { serverId: res.id });
  return res.id;
};

/** The office changed the job while the phone was away: say what, in words. */
const conflictOf = (p: ProblemT): Conflict => ({
  message: p.detail ?? p.title ?? 'The office changed this job',
  windowStart: p.job?.windowStart,
  status: p.job?.status,
});

const send = async (item: OutboxItem): Promise<Partial<OutboxItem>> => {
  if (item.kind === 'on_my_way' || item.kind === 'start') {
    await call('POST', `/jobs/${item.jobId}/${item.kind === 'start' ? 'start' : 'on-my-way'}`);
    return { state: 'submitted' };
  }
  if (!item.body) return { state: 'needs_attention', reason: 'Nothing to send' };
  // Photos first, each idempotent by its content; then the closeout that references them.
  const photos = (await db.photos.bulkGet(item.photoIds ?? [])).filter((p): p is Photo => p !== undefined);
  const ids: string[] = [];
  for (const p of photos) ids.push(await uploadPhoto(item.jobId, p));
  let signature: { attachmentId: string; signerName: string; signedAt: string } | undefined;
  if (item.signature) {
    const image = await db.photos.get(item.signature.photoId);
    if (!image) return { state: 'needs_attention', reason: 'The signature image is missing on this phone' };
    signature = {
      attachmentId: await uploadPhoto(item.jobId, image),
      signerName: item.signature.signerName,
      signedAt: item.signature.signedAt,
    };
  }
  const result = await call<{ outcome: string; job: { number: string; billingStatus: string } }>(
    'POST',
    `/jobs/${item.jobId}/closeouts`,
    { ...item.body, attachmentIds: ids, ...(signature ? { signature } : {}) },
  );
  return {
    state: 'submitted',
    outcome:
      result.outcome === 'exception'
        ? 'Submitted; waiting for the office to approve the exception'
        : 'Submitted',
    reason: undefined,
    missing: undefined,
  };
};

let running: Promise<number> | null = null;

/**
 * Sends what is due, oldest first. A closeout sent twice is still one closeout: the server keeps the
 * first answer for its submissionId. Returns how many items reached the server in this pass.
 */
export const syncOutbox = (opts: { force?: boolean } = {}): Promise<number> => {
  if (running) return running;
  running = (async () => {
    let sent = 0;
    const now = Date.now();
    const due = (await db.outbox.orderBy('createdAt').toArray()).filter(
      (i) => (i.state === 'saved' || i.state === 'sending') && (opts.force || i.nextAttemptAt <= now),
    );
    for (const item of due) {
      await update(item.id, { state: 'sending' });
      try {
        await update(item.id, await send(item));
        sent += 1;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          await update(item.id, { state: 'saved', reason: 'Sign in again to send this' });
          break;
        }
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
          const p = err.problem as ProblemT;
          // The job already moved on (started twice, on my way after starting): nothing left to tell.
          if (item.kind !== 'closeout' && (p.code === 'invalid_transition' || err.status === 409)) {
            await update(item.id, { state: 'submitted', reason: undefined });
            continue;
          }
          await update(item.id, {
            state: 'needs_attention',
            reason: p.detail ?? p.title ?? `Refused (${err.status})`,
            missing: p.missing,
            conflict:
              err.status === 409 || p.code === 'invalid_transition' || err.status === 404
                ? conflictOf(p)
                : undefined,
          });
          continue;
        }
        // Offline or a server fault: keep it on the phone and try again later.
        const attempts = item.attempts + 1;
        await update(item.id, {
          state: 'saved',
          attempts,
          nextAttemptAt: Date.now() + backoffMs(attempts),
          reason:
            err instanceof NetworkError
              ? 'No connection; will send when there is one'
              : 'The server had a problem; will retry',
        });
        if (err instanceof NetworkError) break;
      }
    }
    return sent;
  })().finally(() => {
    running = null;
  });
  return running;
};

export const STATE_LABEL: Record<OutboxItem['state'], string> = {
  saved: 'Saved on this phone',
  sending: 'Sending',
  submitted: 'Submitted to office',
  needs_attention: 'Needs attention',
};
