import type { z } from 'zod';
import type { Approval } from '../../../../src/contracts/approvals';
import type { Me, User } from '../../../../src/contracts/auth';
import type { CycleRunDetail } from '../../../../src/contracts/billing';
import type {
  CatalogItem,
  Customer,
  CustomerDetail,
  JobType,
  TaxCode,
} from '../../../../src/contracts/catalog';
import type { AttachmentView, CloseoutRecordView, FiredRuleView } from '../../../../src/contracts/closeout';
import type { IntegrationError } from '../../../../src/contracts/integrations';
import type { Invoice } from '../../../../src/contracts/invoices';
import type { Board, BoardJob, Job, JobVisit, TimelineEvent } from '../../../../src/contracts/jobs';
import { ApiError, createApiClient } from '../../../shared/api-client';

export type MeT = z.infer<typeof Me>;
export type JobT = z.infer<typeof Job>;
export { ApiError, NetworkError } from '../../../shared/api-client';

const client = createApiClient('');

/** JSON over fetch with the session cookie; cookie writes carry the CSRF token from /me or login. */
export const api = <T>(method: string, url: string, body?: unknown): Promise<T> =>
  client.call<T>(method, url, body);

export const loadMe = async (): Promise<MeT | null> => {
  try {
    const me = await api<MeT>('GET', '/api/v1/me');
    client.setCsrf(me.csrfToken);
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
};

export const signIn = async (email: string, password: string, code?: string): Promise<MeT> => {
  const me = await api<MeT>(
    'POST',
    '/api/v1/auth/login',
    code ? { email, password, code } : { email, password },
  );
  client.setCsrf(me.csrfToken);
  return me;
};

/**
 * A call that moves the session to another organization (switching, joining one, opening one): the server
 * answers with who the person is there, under a new cookie and a new CSRF token.
 */
export const moveTo = async (url: string, body: unknown = {}): Promise<MeT> => {
  const me = await api<MeT>('POST', url, body);
  client.setCsrf(me.csrfToken);
  return me;
};

export const signOut = async (): Promise<void> => {
  await api('POST', '/api/v1/auth/logout');
  client.setCsrf(null);
};

export type BoardT = z.infer<typeof Board>;
export type BoardJobT = z.infer<typeof BoardJob>;
export type JobVisitT = z.infer<typeof JobVisit>;
export type CustomerT = z.infer<typeof Customer>;
export type CustomerDetailT = z.infer<typeof CustomerDetail>;
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
export type ApprovalT = Approval;
export type IntegrationErrorT = IntegrationError;
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
