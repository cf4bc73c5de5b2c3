import type { ProblemT } from './types';

/** A refusal from the server, with its problem+json body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemT,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** No answer at all: the phone is offline or the server is unreachable. */
export class NetworkError extends Error {}

let csrf = '';
export const setCsrf = (token: string) => {
  csrf = token;
};

export const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${url}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(payload === undefined ? {} : { body: payload }),
    });
  } catch (err) {
    throw new NetworkError(err instanceof Error ? err.message : 'offline');
  }
  if (res.status === 204) return null as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { title: text.slice(0, 200) };
  }
  if (!res.ok) throw new ApiError(res.status, (data ?? { title: res.statusText }) as ProblemT);
  return data as T;
};
