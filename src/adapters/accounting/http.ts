import { z } from 'zod';
import { ConnectorError, type RefreshGuard } from '../../app/accounting/port';
import type { Http } from '../../app/ports';
import type { Credentials } from '../../contracts/connectors';

/**
 * A per-tenant gate: at most `concurrent` calls in flight and `perMinute` started in any 60 s window, in
 * this process. (Several worker processes each keep their own window; the provider's 429 and Retry-After
 * catch the rest.)
 *
 * Why not bottleneck: its per-minute limit is a reservoir refilled on a fixed 60 s timer, so two full
 * windows can meet at the refill and send twice the provider's minute limit within seconds (Xero answers
 * that with 429 and a minute's lock-out); the sliding window below never does. The rest of bottleneck
 * (clustering over Redis, priorities) is not needed in-process. Unit-tested in http.test.ts.
 */
export class RateGate {
  private active = 0;
  private readonly started: number[] = [];
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrent: number,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.started.length > 0 && (this.started[0] ?? 0) <= t - 60_000) this.started.shift();
      if (this.active < this.concurrent && this.started.length < this.perMinute) {
        this.active++;
        this.started.push(t);
        return;
      }
      if (this.active >= this.concurrent) await new Promise<void>((r) => this.waiting.push(r));
      else await new Promise((r) => setTimeout(r, (this.started[0] ?? t) + 60_000 - t));
    }
  }
}

const gates = new Map<string, RateGate>();
export const gateFor = (key: string, concurrent: number, perMinute: number): RateGate => {
  let gate = gates.get(key);
  if (!gate) {
    gate = new RateGate(concurrent, perMinute);
    gates.set(key, gate);
  }
  return gate;
};

const TokenReply = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().int().positive(),
});

export type ClientOptions = {
  http: Http;
  baseUrl: string;
  tokenUrl: string;
  credentials: Credentials;
  /** Serializes refreshes per connector and stores the rotated tokens at once (the old refresh token dies). */
  refreshGuard: RefreshGuard;
  gate: RateGate;
  timeoutMs?: number;
  /** Longest Retry-After the client waits in-line before giving the job back to the queue. */
  maxRetryAfterSeconds?: number;
  extraHeaders?: Record<string, string>;
};

/** Errors the provider reported in its body, as one line. */
export type ErrorReader = (status: number, body: unknown) => { code: string | null; message: string };

/**
 * An OAuth2 JSON client: refreshes the access token when it expires (or on a 401, once), waits out a
 * 429's Retry-After, and turns every failure into a typed ConnectorError.
 */
export const oauthClient = (opts: ClientOptions, readError: ErrorReader) => {
  let creds = opts.credentials;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  /** One refresh-token grant with the given credentials: the new ones (the refresh token rotated or kept). */
  const grant = async (current: Credentials): Promise<Credentials> => {
    const res = await opts
      .http(opts.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${current.clientId}:${current.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: current.refreshToken,
        }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      })
      .catch((err: unknown) => {
        throw new ConnectorError(`token refresh failed: ${String(err)}`, {
          retryable: true,
          providerCode: 'network',
        });
      });
    const text = await res.text();
    if (!res.ok) {
      throw new ConnectorError(`token refresh refused (${res.status}): ${text.slice(0, 200)}`, {
        retryable: res.status >= 500,
        status: res.status,
        providerCode: res.status === 400 ? 'invalid_grant' : `http_${res.status}`,
      });
    }
    const reply = TokenReply.safeParse(safeJson(text));
    if (!reply.success)
      throw new ConnectorError('token reply has no access token', {
        retryable: false,
        providerCode: 'bad_token_reply',
      });
    return {
      ...current,
      accessToken: reply.data.access_token,
      refreshToken: reply.data.refresh_token ?? current.refreshToken,
      expiresAt: Date.now() + reply.data.expires_in * 1000,
    };
  };
  // Another run may have rotated the token meanwhile: the guard hands back its fresh credentials instead.
  const refresh = async () => {
    creds = await opts.refreshGuard(creds, grant);
  };

  const call = async (
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    init: {
      query?: Record<string, string>;
      body?: unknown;
      /** A body sent as it is (a file's bytes, a multipart form) instead of JSON. */
      raw?: { body: Uint8Array<ArrayBuffer> | FormData; contentType?: string };
      headers?: Record<string, string>;
    } = {},
  ): Promise<unknown> => {
    const url = new URL(
      path.replace(/^\//, ''),
      opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`,
    );
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      if (!creds.accessToken || creds.expiresAt < Date.now() + 60_000) {
        await refresh();
        refreshed = true;
      }
      const res = await opts.gate
        .run(() =>
          opts.http(url, {
            method,
            headers: {
              authorization: `Bearer ${creds.accessToken}`,
              accept: 'application/json',
              ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
              ...(init.raw?.contentType ? { 'content-type': init.raw.contentType } : {}),
              ...opts.extraHeaders,
              ...init.headers,
            },
            ...(init.raw
              ? { body: init.raw.body }
              : init.body === undefined
                ? {}
                : { body: JSON.stringify(init.body) }),
            signal: AbortSignal.timeout(timeoutMs),
          }),
        )
        .catch((err: unknown) => {
          // A timeout or a dropped connection: the provider may have acted on it.
          throw new ConnectorError(
            `${method} ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`,
            {
              retryable: true,
              providerCode: err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'network',
              outcomeUnknown: method !== 'GET',
            },
          );
        });
      const text = await res.text();
      const body = text ? safeJson(text) : null;
      if (res.ok) return body;
      if (res.status === 401 && !refreshed) {
        await refresh();
        refreshed = true;
        continue;
      }
      if (res.status === 429) {
        const wait = Number(res.headers.get('retry-after') ?? '1');
        const max = opts.maxRetryAfterSeconds ?? 60;
        if (attempt < 3 && wait <= max) {
          await new Promise((r) => setTimeout(r, Math.max(0, wait) * 1000));
          continue;
        }
        throw new ConnectorError(`rate limited; retry after ${wait} s`, {
          retryable: true,
          status: 429,
          providerCode: 'rate_limited',
        });
      }
      const { code, message } = readError(res.status, body);
      throw new ConnectorError(`${method} ${url.pathname} ${res.status}: ${message}`, {
        retryable: res.status >= 500 || res.status === 408,
        status: res.status,
        providerCode: code ?? `http_${res.status}`,
        outcomeUnknown: res.status >= 500 && method !== 'GET',
      });
    }
  };
  return { call, credentials: () => creds };
};

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
