/**
 * The one HTTP client both web apps use: JSON (or a FormData upload) over fetch with the session cookie,
 * the CSRF token on writes, problem+json refusals as ApiError and no answer at all as NetworkError.
 */

/** RFC 9457 problem details as the API sends them, with Closeout's extensions. */
export type Problem = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
};

/** A refusal from the server, with its problem+json body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  /** The domain code the server gave (`already_invoiced`, `rescheduled_since` …): branch on it, never on the text. */
  get code(): string | undefined {
    return this.problem.code;
  }
}

/** No answer at all: offline, or the server is unreachable. */
export class NetworkError extends Error {}

export type ApiClient = {
  call: <T>(method: string, url: string, body?: unknown) => Promise<T>;
  setCsrf: (token: string | null) => void;
};

/** A client for the API under `base` ('/api/v1'); each app keeps one. */
export const createApiClient = (base: string): ApiClient => {
  let csrf: string | null = null;
  const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
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
      res = await fetch(`${base}${url}`, {
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
    if (!res.ok) throw new ApiError(res.status, (data ?? { title: res.statusText }) as Problem);
    return data as T;
  };
  return {
    call,
    setCsrf: (token) => {
      csrf = token;
    },
  };
};
