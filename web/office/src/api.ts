import type { z } from 'zod';
import type { Me, User } from '../../../src/contracts/auth';
import type { CatalogItem, Customer, JobType, TaxCode } from '../../../src/contracts/catalog';
import type { AttachmentView, CloseoutRecordView, FiredRuleView } from '../../../src/contracts/closeout';
import type { CycleRunDetail, Invoice } from '../../../src/contracts/invoices';
import type { Board, BoardJob, Job, TimelineEvent } from '../../../src/contracts/jobs';

export type MeT = z.infer<typeof Me>;
export type JobT = z.infer<typeof Job>;
export type ProblemT = {
  title: string;
  detail: string;
  status: number;
  errors: { field: string; message: string }[];
};

export class ApiError extends Error {
  constructor(readonly problem: ProblemT) {
    super(problem.detail);
  }
}

let csrfToken: string | null = null;

/** JSON over fetch with the session cookie; cookie writes carry the CSRF token from /me or login. */
export const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return null as T;
  const data: unknown = await res.json();
  if (!res.ok) throw new ApiError(data as ProblemT);
  return data as T;
};

export const loadMe = async (): Promise<MeT | null> => {
  try {
    const me = await api<MeT>('GET', '/api/v1/me');
    csrfToken = me.csrfToken;
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.problem.status === 401) return null;
    throw err;
  }
};

export const signIn = async (email: string, password: string): Promise<MeT> => {
  const me = await api<MeT>('POST', '/api/v1/auth/login', { email, password });
  csrfToken = me.csrfToken;
  return me;
};

export const signOut = async (): Promise<void> => {
  await api('POST', '/api/v1/auth/logout');
  csrfToken = null;
};

export type BoardT = z.infer<typeof Board>;
export type BoardJobT = z.infer<typeof BoardJob>;
export type CustomerT = z.infer<typeof Customer>;
export type JobTypeT = z.infer<typeof JobType>;
export type TaxCodeT = z.infer<typeof TaxCode>;
export type CatalogItemT = z.infer<typeof CatalogItem>;
export type UserT = z.infer<typeof User>;
export type InvoiceT = z.infer<typeof Invoice>;
export type CycleRunT = z.infer<typeof CycleRunDetail>;
export type CloseoutRecordT = z.infer<typeof CloseoutRecordView>;
export type AttachmentT = z.infer<typeof AttachmentView>;
export type TimelineEventT = z.infer<typeof TimelineEvent>;
export type FiredRuleT = z.infer<typeof FiredRuleView>;
export type ApprovalT = {
  id: string;
  jobId: string;
  jobNumber: string | null;
  submissionId: string;
  rules: FiredRuleT[];
  approverRole: string;
  status: 'pending' | 'approved' | 'rejected' | 'superseded';
  requestedBy: string | null;
  createdAt: string;
  dueAt: string;
  overdue: boolean;
  escalatedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
};
export type IntegrationErrorT = {
  id: string;
  kind: 'accounting_push' | 'webhook';
  connectorId: string | null;
  invoiceId: string | null;
  jobId: string | null;
  providerCode: string | null;
  message: string;
  attempts: number;
  firstSeenAt: string;
  lastSeenAt: string;
  status: 'open' | 'resolved';
  resolvedAt: string | null;
};
export type Page<T> = { items: T[]; nextCursor?: string | null };

/** Every page of a cursor-paginated list (settings and pickers want the whole list). */
export const listAll = async <T>(url: string): Promise<T[]> => {
  const out: T[] = [];
  let cursor: string | null | undefined;
  const sep = url.includes('?') ? '&' : '?';
  do {
    const page = await api<Page<T>>(
      'GET',
      `${url}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
};
