import Dexie, { type EntityTable, type Table } from 'dexie';
import type { z } from 'zod';
import type { CloseoutBody, MissingItemSchema } from '../../../src/contracts/closeout';
import type { OnSiteQuoteBody } from '../../../src/contracts/quotes';
import type { WorkOrdersT } from '../../../src/contracts/work-orders';
import type { PhotoCategory } from '../../../src/core/closeout-rules';

export type Missing = z.infer<typeof MissingItemSchema>;

/** The signed-in technician, kept so the app opens without a connection. */
export type Session = {
  key: 'session';
  userId: string;
  name: string;
  email: string;
  csrfToken: string;
  /** The organization this phone works for, and the person's others (absent on sessions stored before). */
  organizationName?: string;
  organizations?: { id: string; name: string; current: boolean }[];
};

/** What the office changed on a job this phone holds work for, found when the work orders refreshed. */
export type Notices = {
  key: 'notices';
  items: { jobId: string; jobNumber: string; message: string; at: string }[];
};

/** The last work orders the server sent, with when they arrived. */
export type Snapshot = { key: 'work'; data: WorkOrdersT; fetchedAt: string };

export type Photo = {
  id: string;
  jobId: string;
  category: PhotoCategory;
  blob: Blob;
  sha256: string;
  takenAt: string;
  /** The server's attachment ID once uploaded (uploads are idempotent by SHA-256). */
  serverId?: string | undefined;
};

/** A closeout being filled in on this phone; saved on every change. */
export type Draft = {
  jobId: string;
  checklistDone: string[];
  notes: string;
  laborHours: string;
  parts: {
    key: string;
    sku?: string | undefined;
    description: string;
    quantity: string;
    unitPrice: string;
    serial: string;
  }[];
  photoIds: string[];
  signature: { photoId: string; signerName: string; signedAt: string } | null;
  signatureException: {
    reasonCode: 'customer_refused' | 'customer_absent' | 'remote_job' | 'other';
    text: string;
  } | null;
  timer: { startedAt: string | null; elapsedMs: number };
  /** The job type's closeout-stage custom fields, as typed (numbers are sent as numbers). */
  customFields?: Record<string, string> | undefined;
  updatedAt: string;
};

export const OUTBOX_STATES = ['saved', 'sending', 'submitted', 'needs_attention'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** What the office changed while the phone was away, as the server told it at sync. */
export type Conflict = { message: string; windowStart?: string | undefined; status?: string | undefined };

/** One thing to tell the server, kept until it has been told. Closeouts are keyed by their submissionId. */
export type OutboxItem = {
  id: string;
  kind: 'closeout' | 'on_my_way' | 'start' | 'visit_done' | 'message' | 'quote';
  jobId: string;
  jobNumber: string;
  createdAt: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  /** Closeouts: the body without its attachment references, which are filled in after the uploads. */
  body?: Omit<CloseoutBody, 'attachmentIds' | 'signature'> | undefined;
  photoIds?: string[] | undefined;
  /** Visit done: the visit the crew left (the job's current one when it was tapped). */
  visitId?: string | undefined;
  /** On my way: the technician's estimate of minutes to arrive, told to the customer as a window. */
  etaMinutes?: number | undefined;
  /** Messages: the text for the job's conversation; the item's id is the message's id (sent once). */
  text?: string | undefined;
  /** Quotes drafted on site: the item's id is the quote's (drafted once); its photos are `photoIds`. */
  quote?: Omit<OnSiteQuoteBody, 'id' | 'photoIds'> | undefined;
  signature?: { photoId: string; signerName: string; signedAt: string } | null | undefined;
  reason?: string | undefined;
  missing?: Missing[] | undefined;
  conflict?: Conflict | undefined;
  outcome?: string | undefined;
};

export const db = new Dexie('closeout-tech') as Dexie & {
  meta: Table<Session | Snapshot | Notices, string>;
  drafts: EntityTable<Draft, 'jobId'>;
  photos: EntityTable<Photo, 'id'>;
  outbox: EntityTable<OutboxItem, 'id'>;
};
db.version(1).stores({
  meta: 'key',
  drafts: 'jobId',
  photos: 'id, jobId',
  outbox: 'id, jobId, state, createdAt',
});

export const emptyDraft = (jobId: string): Draft => ({
  jobId,
  checklistDone: [],
  notes: '',
  laborHours: '',
  parts: [],
  photoIds: [],
  signature: null,
  signatureException: null,
  timer: { startedAt: null, elapsedMs: 0 },
  updatedAt: new Date().toISOString(),
});

export const getSession = async (): Promise<Session | undefined> =>
  (await db.meta.get('session')) as Session | undefined;
export const getSnapshot = async (): Promise<Snapshot | undefined> =>
  (await db.meta.get('work')) as Snapshot | undefined;
export const getNotices = async (): Promise<Notices['items']> =>
  ((await db.meta.get('notices')) as Notices | undefined)?.items ?? [];
