import type { z } from 'zod';
import type { Me } from '../../../src/contracts/auth';
import type { Job } from '../../../src/contracts/jobs';

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
