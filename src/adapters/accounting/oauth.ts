import { z } from 'zod';
import { ConnectorError, type OAuthClient, type OAuthEndpoints } from '../../app/accounting/port';
import type { Http } from '../../app/ports';
import type { Credentials } from '../../contracts/connectors';

/**
 * The OAuth 2.0 pieces both providers share (RFC 6749 authorization code, RFC 7636 PKCE verifier, RFC 7009
 * revocation): a form POST with the client's Basic credentials, answers parsed with a schema.
 */

const TokenReply = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});

const basic = (c: OAuthClient) =>
  `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;

const post = async (http: Http, url: string, client: OAuthClient, form: Record<string, string>) => {
  const res = await http(url, {
    method: 'POST',
    headers: {
      authorization: basic(client),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(15_000),
  }).catch((err: unknown) => {
    throw new ConnectorError(`could not reach ${new URL(url).host}: ${String(err)}`, {
      retryable: true,
      providerCode: 'network',
    });
  });
  const text = await res.text();
  return { res, text };
};

export const exchangeCode = async (args: {
  http: Http;
  endpoints: OAuthEndpoints;
  client: OAuthClient;
  code: string;
  redirectUri: string;
  codeVerifier: string | null;
}): Promise<Credentials> => {
  const { res, text } = await post(args.http, args.endpoints.tokenUrl, args.client, {
    grant_type: 'authorization_code',
    code: args.code,
    redirect_uri: args.redirectUri,
    ...(args.codeVerifier ? { code_verifier: args.codeVerifier } : {}),
  });
  if (!res.ok) {
    const reason = /"error"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? `HTTP ${res.status}`;
    throw new ConnectorError(`the provider refused the authorization code (${reason})`, {
      retryable: false,
      status: res.status,
      providerCode: reason,
    });
  }
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: refused below
  }
  const reply = TokenReply.safeParse(body);
  if (!reply.success)
    throw new ConnectorError('the provider answered the code exchange without tokens', {
      retryable: false,
      providerCode: 'bad_token_reply',
    });
  return {
    clientId: args.client.clientId,
    clientSecret: args.client.clientSecret,
    accessToken: reply.data.access_token,
    refreshToken: reply.data.refresh_token,
    expiresAt: Date.now() + reply.data.expires_in * 1000,
  };
};

export const revokeToken = async (args: {
  http: Http;
  endpoints: OAuthEndpoints;
  client: OAuthClient;
  token: string;
}): Promise<void> => {
  const { res, text } = await post(args.http, args.endpoints.revokeUrl, args.client, {
    token: args.token,
    token_type_hint: 'refresh_token',
  });
  if (!res.ok)
    throw new ConnectorError(
      `the provider did not revoke the token (HTTP ${res.status}): ${text.slice(0, 200)}`,
      {
        retryable: res.status >= 500,
        status: res.status,
        providerCode: `http_${res.status}`,
      },
    );
};

const XeroConnections = z.array(
  z
    .object({
      tenantId: z.string().min(1),
      tenantName: z.string().nullable().optional(),
      tenantType: z.string().optional(),
    })
    .loose(),
);

/** Xero: GET /connections lists the organisations the user granted. */
export const xeroTenants = async (args: { http: Http; endpoints: OAuthEndpoints; accessToken: string }) => {
  const url = args.endpoints.connectionsUrl ?? 'https://api.xero.com/connections';
  const res = await args
    .http(url, {
      headers: { authorization: `Bearer ${args.accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    })
    .catch((err: unknown) => {
      throw new ConnectorError(`could not reach Xero: ${String(err)}`, {
        retryable: true,
        providerCode: 'network',
      });
    });
  const parsed = XeroConnections.safeParse(await res.json().catch(() => null));
  if (!res.ok || !parsed.success)
    throw new ConnectorError(`Xero did not list the organisations (HTTP ${res.status})`, {
      retryable: res.status >= 500,
      providerCode: 'bad_reply',
    });
  return parsed.data
    .filter((c) => (c.tenantType ?? 'ORGANISATION') === 'ORGANISATION')
    .map((c) => ({ id: c.tenantId, name: c.tenantName ?? c.tenantId }));
};
