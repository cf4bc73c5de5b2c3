import { call } from './api';
import { db, type OutboxItem, type Photo } from './db';
import { afterFailure } from './outbox-rules';

export { backoffMs } from './outbox-rules';

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

/** A photo taken on this phone, uploaded once (the server keeps one per content); its server ID. */
export const uploadPhoto = async (jobId: string, photo: Photo): Promise<string> => {
  if (photo.serverId) return photo.serverId;
  const form = new FormData();
  form.append('category', photo.category);
  form.append('file', photo.blob, `${photo.id}.jpg`);
  const res = await call<{ id: string }>('POST', `/jobs/${jobId}/attachments`, form);
  await db.photos.update(photo.id, { serverId: res.id });
  return res.id;
};

/** The photos still on this phone among `photoIds`, uploaded (each once); their server IDs. */
const uploadAll = async (jobId: string, photoIds: string[]): Promise<string[]> => {
  const photos = (await db.photos.bulkGet(photoIds)).filter((p): p is Photo => p !== undefined);
  const ids: string[] = [];
  for (const p of photos) ids.push(await uploadPhoto(jobId, p));
  return ids;
};

const send = async (item: OutboxItem): Promise<Partial<OutboxItem>> => {
  if (item.kind === 'start') {
    await call('POST', `/jobs/${item.jobId}/start`);
    return { state: 'submitted' };
  }
  if (item.kind === 'visit_done') {
    await call('POST', `/jobs/${item.jobId}/visit-done`);
    return { state: 'submitted' };
  }
  if (item.kind === 'on_my_way') {
    // The tap's time goes with it: the customer's arrival window counts from then, not from the sync.
    await call('POST', `/jobs/${item.jobId}/on-my-way`, {
      etaMinutes: item.etaMinutes ?? 30,
      tappedAt: item.createdAt,
    });
    return { state: 'submitted' };
  }
  if (item.kind === 'message') {
    // The item's id is the message's: a retry after a lost answer is recorded once by the server.
    await call('POST', `/jobs/${item.jobId}/comments`, { id: item.id, body: item.text ?? '' });
    return { state: 'submitted' };
  }
  if (item.kind === 'quote') {
    if (!item.quote) return { state: 'needs_attention', reason: 'Nothing to send' };
    // The photos first, each once; then the draft, whose id is the item's: a retry drafts nothing twice.
    const photoIds = await uploadAll(item.jobId, item.photoIds ?? []);
    const made = await call<{ number: string }>('POST', `/jobs/${item.jobId}/quotes`, {
      id: item.id,
      ...item.quote,
      photoIds,
    });
    return {
      state: 'submitted',
      outcome: `Quote ${made.number} is with the office to send`,
      reason: undefined,
    };
  }
  if (!item.body) return { state: 'needs_attention', reason: 'Nothing to send' };
  // Photos first, each idempotent by its content; then the closeout that references them.
  const ids = await uploadAll(item.jobId, item.photoIds ?? []);
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
        const { patch, stop } = afterFailure(item, err, Date.now());
        await update(item.id, patch);
        if (stop) break;
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
