import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the part of Storecove's API v2 Closeout uses, written for the tests, keeping state
 * like the real one: the participants on the network (and the documents each takes), and submissions by
 * their idempotency GUID, so a repeat is the same submission. It fails as an access point does: 401 for a
 * wrong key, 422 for a receiver not on the network or a document that is not Peppol BIS Billing 3.0 or not
 * the type it says, 429 with Retry-After, 500, and a lost answer (the document taken, the connection cut
 * before the reply). Delivery evidence is 404 until the test says the receiving side confirmed it.
 */
export type FakeSubmission = {
  guid: string;
  idempotencyGuid: string;
  legalEntityId: number;
  receiver: string;
  documentTypeId: string;
  processId: string;
  ubl: string;
  evidence: 'pending' | 'delivered' | 'failed';
};

export type FakeAccessPoint = {
  url: string;
  apiKey: string;
  legalEntityId: string;
  /** `scheme:id` → the document kinds it takes ('invoice', 'creditnote'). */
  participants: Map<string, Set<string>>;
  submissions: FakeSubmission[];
  /** Every request, in order: method and path. */
  requests: string[];
  /** The next submissions' fates, in order. */
  failNext: ('rate_limit' | 'server_error' | 'lose_answer')[];
  close(): Promise<void>;
};

const PEPPOL_CUSTOMIZATION = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';

export const startFakeAccessPoint = async (): Promise<FakeAccessPoint> => {
  const fake: FakeAccessPoint = {
    url: '',
    apiKey: randomBytes(20).toString('hex'),
    legalEntityId: '100443',
    participants: new Map(),
    submissions: [],
    requests: [],
    failNext: [],
    close: async () => {},
  };
  const reply = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').replace(/^\/api\/v2/, '');
      fake.requests.push(`${req.method} ${path}`);
      if (req.headers.authorization !== `Bearer ${fake.apiKey}`)
        return reply(res, 401, { message: 'Unauthorized' });
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length
          ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
          : {};
      } catch {
        return reply(res, 400, { message: 'Malformed JSON' });
      }
      if (req.method === 'POST' && path === '/discovery/receives') {
        const takes = fake.participants.get(`${String(body.scheme)}:${String(body.identifier)}`);
        const wanted = (body.documentTypes as string[] | undefined) ?? ['invoice'];
        return reply(res, 200, { code: takes && wanted.every((d) => takes.has(d)) ? 'OK' : 'NOK' });
      }
      if (req.method === 'POST' && path === '/document_submissions') {
        const fate = fake.failNext.shift();
        if (fate === 'rate_limit')
          return reply(res, 429, { message: 'Too Many Requests' }, { 'retry-after': '1' });
        if (fate === 'server_error') return reply(res, 500, { message: 'Internal Server Error' });
        const key = String(body.idempotencyGuid ?? '');
        const known = fake.submissions.find((s) => s.idempotencyGuid === key && key);
        if (known) return reply(res, 200, { guid: known.guid });
        const routing = body.routing as { eIdentifiers?: { scheme: string; id: string }[] } | undefined;
        const doc = (body.document as { rawDocumentData?: Record<string, unknown> } | undefined)
          ?.rawDocumentData;
        const target = routing?.eIdentifiers?.[0];
        const receiver = target ? `${target.scheme}:${target.id}` : '';
        const ubl = Buffer.from(String(doc?.document ?? ''), 'base64').toString('utf8');
        const documentTypeId = String(doc?.documentTypeId ?? '');
        const problems: { source: string; details: string }[] = [];
        if (String(body.legalEntityId) !== fake.legalEntityId)
          problems.push({ source: 'legalEntityId', details: 'Legal entity not found' });
        if (!fake.participants.has(receiver))
          problems.push({
            source: 'routing',
            details: `${receiver} is not registered on the Peppol network`,
          });
        if (!ubl.includes(`<cbc:CustomizationID>${PEPPOL_CUSTOMIZATION}</cbc:CustomizationID>`))
          problems.push({ source: 'document', details: 'Not a Peppol BIS Billing 3.0 document' });
        const root = /<(\w+)\s+xmlns="urn:oasis:names:specification:ubl:schema:xsd:(\w+)-2"/.exec(ubl);
        if (!root || !documentTypeId.includes(`::${root[1]}##`))
          problems.push({ source: 'documentTypeId', details: 'The document is not of the type named' });
        if (!key) problems.push({ source: 'idempotencyGuid', details: 'is required' });
        if (problems.length > 0) return reply(res, 422, problems);
        const submission: FakeSubmission = {
          guid: randomUUID(),
          idempotencyGuid: key,
          legalEntityId: Number(body.legalEntityId),
          receiver,
          documentTypeId,
          processId: String(doc?.processId ?? ''),
          ubl,
          evidence: 'pending',
        };
        fake.submissions.push(submission);
        if (fate === 'lose_answer') return req.socket.destroy();
        return reply(res, 200, { guid: submission.guid });
      }
      const evidence = /^\/document_submissions\/([^/]+)\/evidence\/sending$/.exec(path);
      if (req.method === 'GET' && evidence) {
        const s = fake.submissions.find((x) => x.guid === evidence[1]);
        if (!s || s.evidence === 'pending') return reply(res, 404, { message: 'Not found' });
        return reply(res, 200, {
          guid: s.guid,
          network: 'peppol',
          ...(s.evidence === 'failed' ? { status: 'failed' } : { evidence: { message_id: `as4-${s.guid}` } }),
        });
      }
      return reply(res, 404, { message: 'Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
};
