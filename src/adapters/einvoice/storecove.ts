import { z } from 'zod';
import {
  type AccessPoint,
  type AccessPointProviders,
  PEPPOL_BILLING_PROCESS,
  PEPPOL_DOCUMENT_TYPES,
  type PeppolCredentials,
  PeppolRefused,
  PeppolRetryLater,
} from '../../app/invoicing/peppol-port';

/**
 * Storecove's API v2, the first Peppol access point behind the port. Storecove publishes no Node library, so
 * this speaks its REST API over the outbound fetch, with every answer parsed:
 * - `POST /discovery/receives`: whether a participant takes invoices on Peppol (`{code: "OK" | "NOK"}`);
 * - `POST /document_submissions`: our UBL as raw document data (`parse: false`, so it is routed as we made
 *   it), with `idempotencyGuid` set from our transmission's ID, so a retry is the same submission;
 * - `GET /document_submissions/{guid}/evidence/sending`: the proof of delivery once the receiving access
 *   point confirmed it (404 until then).
 * 429 and 5xx, a timeout and a cut connection may go again with the same key; 401, 403 and 422 are refusals.
 */
const STORECOVE_API = 'https://api.storecove.com/api/v2';

const Discovery = z.object({ code: z.string() });
const Submitted = z.object({ guid: z.string().min(1) });
const Evidence = z.object({ guid: z.string().optional(), status: z.string().optional() }).loose();
const Problems = z.union([
  z.array(z.object({ source: z.string().optional(), details: z.string().optional() }).loose()),
  z.object({ message: z.string().optional() }).loose(),
]);

/** The provider's words for a refusal, whatever shape its error body takes. */
const problemWords = (status: number, body: string) => {
  let parsed: z.infer<typeof Problems> | null = null;
  try {
    const r = Problems.safeParse(JSON.parse(body));
    parsed = r.success ? r.data : null;
  } catch {
    parsed = null;
  }
  const words = Array.isArray(parsed)
    ? parsed.map((p) => [p.source, p.details].filter(Boolean).join(': ')).join('; ')
    : (parsed?.message ?? '');
  return words || `HTTP ${status}`;
};

const client = (
  credentials: PeppolCredentials,
  fetch: typeof globalThis.fetch,
  timeoutMs: number,
): AccessPoint => {
  const base = (credentials.apiBaseUrl ?? STORECOVE_API).replace(/\/$/, '');
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${credentials.apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PeppolRetryLater(
        `Storecove did not answer (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const text = await res.text().catch(() => '');
    if (res.status === 429 || res.status >= 500)
      throw new PeppolRetryLater(`Storecove answered ${res.status}: ${problemWords(res.status, text)}`);
    return { status: res.status, text };
  };
  const json = <T>(schema: z.ZodType<T>, text: string, what: string): T => {
    const r = schema.safeParse(
      (() => {
        try {
          return JSON.parse(text);
        } catch {
          return null;
        }
      })(),
    );
    if (!r.success) throw new PeppolRetryLater(`Storecove's answer to ${what} was not understood`);
    return r.data;
  };
  const refuse = (status: number, text: string): never => {
    throw new PeppolRefused(
      status === 401 || status === 403
        ? 'Storecove refused the API key: connect the access point again with a valid key'
        : `Storecove refused it: ${problemWords(status, text)}`,
      String(status),
    );
  };
  return {
    async canReceive(receiver, kind) {
      const r = await call('POST', '/discovery/receives', {
        documentTypes: [kind === 'creditNote' ? 'creditnote' : 'invoice'],
        network: 'peppol',
        metaScheme: 'iso6523-actorid-upis',
        scheme: receiver.scheme,
        identifier: receiver.id,
      });
      if (r.status !== 200) return refuse(r.status, r.text);
      return json(Discovery, r.text, 'the look-up').code === 'OK';
    },
    async submit(document) {
      const r = await call('POST', '/document_submissions', {
        legalEntityId: Number(credentials.senderAccount),
        idempotencyGuid: document.idempotencyKey,
        routing: {
          eIdentifiers: [{ scheme: document.receiver.scheme, id: document.receiver.id }],
          emails: [],
        },
        document: {
          documentType: 'invoice',
          rawDocumentData: {
            document: document.ubl.toString('base64'),
            parse: false,
            parseStrategy: 'ubl',
            processId: PEPPOL_BILLING_PROCESS,
            documentTypeId: PEPPOL_DOCUMENT_TYPES[document.kind],
          },
        },
      });
      if (r.status !== 200 && r.status !== 201) return refuse(r.status, r.text);
      return { id: json(Submitted, r.text, 'the submission').guid };
    },
    async delivery(id) {
      const r = await call('GET', `/document_submissions/${encodeURIComponent(id)}/evidence/sending`);
      if (r.status === 404) return { state: 'pending' };
      if (r.status !== 200) return refuse(r.status, r.text);
      const evidence = json(Evidence, r.text, 'the evidence');
      return evidence.status === 'failed'
        ? { state: 'failed', reason: 'The receiving access point did not accept it' }
        : { state: 'delivered' };
    },
  };
};

export const ACCESS_POINTS: AccessPointProviders = { storecove: { client } };
