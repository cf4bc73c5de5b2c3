import { DEMO_PASSWORD } from '../../src/app/seed-demo';

/**
 * A signed-in API caller against a running server (session cookie + CSRF token), as the technician app, an
 * office user or an integrator would be: what browser tests use to arrange data and to check what arrived.
 */
export const caller = async (base: string, email: string, password = DEMO_PASSWORD) => {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status}`);
  const me = (await res.json()) as { csrfToken: string; user: { id: string } };
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const call = async <T>(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': me.csrfToken,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (r.status === 204 ? null : await r.json()) as T };
  };
  return { call, userId: me.user.id };
};
export type Api = Awaited<ReturnType<typeof caller>>;
