import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

/**
 * A local stand-in for the part of Twilio Closeout uses, written for the tests: the Messages resource of the
 * 2010-04-01 API (form-encoded, HTTP basic auth with the account SID and token), failing as Twilio does:
 * 21211 for a number that is not one, 21610 for a number that replied STOP at the carrier, 429 (20429) when
 * asked to slow down, 500, and a lost answer (the text accepted, the connection cut before the reply).
 * Delivery reports and customers' replies are signed with the official library's own helper, so the real
 * verification runs; they can be sent twice and out of order.
 */
export type FakeText = { sid: string; to: string; from: string; body: string; statusCallback: string | null };
export type FakeTwilio = {
  url: string;
  accountSid: string;
  authToken: string;
  sender: string;
  texts: FakeText[];
  /** Numbers Twilio itself blocks (they replied STOP to the sender). */
  blocked: Set<string>;
  /** The next requests' fates, in order. */
  failNext: ('rate_limit' | 'server_error' | 'lose_answer')[];
  /** How a signed post reaches Closeout: over HTTP by default; an in-process test app may take it directly. */
  send: (
    url: string,
    headers: Record<string, string>,
    body: string,
  ) => Promise<{ status: number; body: string }>;
  /** Posts a delivery report for a text, signed, to the callback it named. */
  report(
    sid: string,
    status: string,
    errorCode?: string,
    signWith?: string,
  ): Promise<{ status: number; body: string }>;
  /** Posts a customer's reply to an inbound URL, signed. */
  reply(inboundUrl: string, from: string, body: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
};

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

export const startFakeTwilio = async (): Promise<FakeTwilio> => {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const fake: FakeTwilio = {
    url: '',
    accountSid,
    authToken,
    sender: '+353861110000',
    texts: [],
    blocked: new Set(),
    failNext: [],
    send: async (url, headers, body) => {
      const r = await fetch(url, { method: 'POST', headers, body });
      return { status: r.status, body: await r.text() };
    },
    async report(sid, status, errorCode, signWith = authToken) {
      const text = fake.texts.find((t) => t.sid === sid);
      if (!text?.statusCallback) throw new Error(`no callback for ${sid}`);
      const params: Record<string, string> = {
        AccountSid: accountSid,
        MessageSid: sid,
        SmsSid: sid,
        MessageStatus: status,
        SmsStatus: status,
        To: text.to,
        From: text.from,
        ...(errorCode ? { ErrorCode: errorCode } : {}),
      };
      const signature = twilio.getExpectedTwilioSignature(signWith, text.statusCallback, params);
      return fake.send(
        text.statusCallback,
        { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        form(params),
      );
    },
    async reply(inboundUrl, from, body) {
      const params = {
        AccountSid: accountSid,
        MessageSid: `SM${randomBytes(16).toString('hex')}`,
        From: from,
        To: fake.sender,
        Body: body,
      };
      const signature = twilio.getExpectedTwilioSignature(authToken, inboundUrl, params);
      return fake.send(
        inboundUrl,
        { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        form(params),
      );
    },
    close: () => new Promise((r) => server.close(() => r())),
  };

  const error = (res: http.ServerResponse, status: number, code: number, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
    );
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
    if (req.method !== 'POST' || req.url !== path)
      return error(res, 404, 20404, 'The requested resource was not found');
    const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (auth !== `${accountSid}:${authToken}`) return error(res, 401, 20003, 'Authenticate');
    const fate = fake.failNext.shift();
    if (fate === 'rate_limit') return error(res, 429, 20429, 'Too Many Requests');
    if (fate === 'server_error') return error(res, 500, 20500, 'Internal Server Error');
    const p = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
    const to = p.To ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to))
      return error(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (fake.blocked.has(to)) return error(res, 400, 21610, 'Attempt to send to unsubscribed recipient');
    const text: FakeText = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to,
      from: p.From ?? p.MessagingServiceSid ?? '',
      body: p.Body ?? '',
      statusCallback: p.StatusCallback ?? null,
    };
    fake.texts.push(text);
    // The text is taken; the answer never arrives.
    if (fate === 'lose_answer') return req.socket.destroy();
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        sid: text.sid,
        account_sid: accountSid,
        to,
        from: text.from,
        body: text.body,
        status: 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        date_created: new Date().toUTCString(),
        uri: `${path.replace('.json', '')}/${text.sid}.json`,
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
};
