import fc from 'fast-check';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Session, signIn, type TestApp } from '../support/app';
import { makeOrganization, type OrgFixture, PASSWORD } from '../support/factories';
import { jpegHtmlPolyglot, jpegWithExif, multipart, pdfWithJavaScript, png, pngBomb } from '../support/files';

/**
 * R3, fuzzing: thousands of hostile requests at every write endpoint the OpenAPI document lists, both
 * generated from each operation's own request schema (then bent: a field of the wrong type, a required one
 * missing, an unknown one added, hostile strings) and plain property-based garbage from fast-check. The
 * caller is the organization's owner, so permission is never why a request fails. For every request:
 *  - no 5xx;
 *  - every 4xx is problem+json, and a 400 or 422 names the fields at fault;
 *  - a rejected request changes no row anywhere.
 * Full size (RELIABILITY_FULL=1): 10,000 requests; CI's bounded run: 2,500. FUZZ_SEED repeats a run.
 */
const FULL = process.env.RELIABILITY_FULL === '1';
const RUNS = FULL ? 10_000 : 2_500;
const WRITES = new Set(['post', 'put', 'patch', 'delete']);
/**
 * Routes that end the fuzzer's own session: signing out, and moving the session to another organization
 * (switching, opening one, joining by invitation), which ends the one in use. A valid random body to one of
 * them left every later request 401 in one run. They are exercised in the auth and memberships tests.
 */
const SKIP = new Set([
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/switch',
  'POST /api/v1/auth/organizations',
  'POST /api/v1/auth/invitations/{token}/accept',
]);
/** Failed sign-ins are recorded on purpose (throttling), so that table may grow on a rejected request. */
const GROWS_ON_REJECTION = new Set(['login_attempts']);

type Schema = OpenAPIV3_1.SchemaObject & OpenAPIV3_1.ReferenceObject;
type Operation = { method: string; path: string; body: Schema | undefined };

const HOSTILE: unknown[] = [
  null,
  '',
  ' ',
  '\u0000',
  "'; DROP TABLE jobs; --",
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '9'.repeat(400),
  '-1',
  '1e309',
  'NaN',
  '0.0000000001',
  '１２３',
  '😀'.repeat(100),
  'x'.repeat(70_000),
  -1,
  0,
  1.5,
  2 ** 53 + 1,
  1e308,
  true,
  [],
  {},
  { $gt: '' },
  [null],
];

describe.runIf(process.env.TEST_DATABASE_URL)('R3 fuzzing every write endpoint on PostgreSQL', () => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let operations: Operation[];
  let doc: OpenAPIV3_1.Document;
  let countsSql: string;

  beforeAll(async () => {
    t = await createTestApp('postgres');
    org = await makeOrganization(t.deps, 'fuzz');
    owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    operations = [];
    for (const [path, item] of Object.entries(doc.paths ?? {}))
      for (const [method, op] of Object.entries(item ?? {})) {
        if (!WRITES.has(method) || SKIP.has(`${method.toUpperCase()} ${path}`)) continue;
        const content = (op as OpenAPIV3_1.OperationObject).requestBody as
          | OpenAPIV3_1.RequestBodyObject
          | undefined;
        operations.push({ method, path, body: content?.content?.['application/json']?.schema as Schema });
      }
    const { rows } = await t.database.raw.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const tables = rows.map((r) => r.name).filter((n) => !GROWS_ON_REJECTION.has(n));
    // A function takes at most 100 arguments: one object per 40 tables, merged.
    const chunks: string[][] = [];
    for (let i = 0; i < tables.length; i += 40) chunks.push(tables.slice(i, i + 40));
    countsSql = `SELECT ${chunks
      .map((c) => `jsonb_build_object(${c.map((n) => `'${n}', (SELECT count(*) FROM "${n}")`).join(', ')})`)
      .join(' || ')} AS c`;
  }, 120_000);
  afterAll(() => t?.close());

  const counts = async () =>
    JSON.stringify((await t.database.raw.query<{ c: unknown }>(countsSql)).rows[0]?.c);

  const resolve = (s: Schema): Schema => {
    if (!s.$ref) return s;
    const name = s.$ref.split('/').pop() ?? '';
    return resolve(doc.components?.schemas?.[name] as Schema);
  };

  const knownIds = () => [
    org.jobId,
    org.otherJobId,
    org.customerId,
    org.siteId,
    org.jobTypeId,
    org.taxCodeId,
    org.catalogItemId,
    org.users.technician.id,
    org.users.owner.id,
  ];

  /** Values that mostly satisfy the schema, so requests get past the first check and into the handlers. */
  const valueFor = (input: Schema, depth = 0): fc.Arbitrary<unknown> => {
    const s = resolve(input);
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (alternatives?.length) return fc.oneof(...alternatives.map((a) => valueFor(a, depth)));
    if (s.allOf?.length) return valueFor(s.allOf[0] as Schema, depth);
    const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (type.length > 1)
      return fc.oneof(...type.map((one) => valueFor({ ...s, type: one } as Schema, depth)));
    switch (type[0]) {
      case 'object': {
        if (depth > 4) return fc.constant({});
        const props = Object.fromEntries(
          Object.entries(s.properties ?? {}).map(([k, v]) => [k, valueFor(v as Schema, depth + 1)]),
        );
        return fc.record(props, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
      }
      case 'array':
        return fc.array(valueFor(((s as OpenAPIV3_1.ArraySchemaObject).items ?? {}) as Schema, depth + 1), {
          minLength: s.minItems ?? 0,
          maxLength: Math.min(s.maxItems ?? 3, Math.max(s.minItems ?? 0, 3)),
        });
      case 'integer':
        return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 100_000 });
      case 'number':
        return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 100_000, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'string':
        return stringFor(s);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };

  const stringFor = (s: Schema): fc.Arbitrary<string> => {
    const iso = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true });
    switch (s.format) {
      case 'uuid':
        return fc.oneof(fc.constantFrom(...knownIds()), fc.uuid());
      case 'date-time':
        return iso.map((d) => d.toISOString());
      case 'date':
        return iso.map((d) => d.toISOString().slice(0, 10));
      case 'email':
        return fc.emailAddress();
      case 'uri':
        return fc.webUrl();
    }
    if (s.pattern) return fc.stringMatching(new RegExp(s.pattern), { maxLength: s.maxLength ?? 40 });
    return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) });
  };

  /** A near-valid body bent in one way, or garbage. */
  const bodyFor = (op: Operation): fc.Arbitrary<unknown> => {
    const garbage = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...HOSTILE));
    if (!op.body) return fc.oneof(fc.constant({}), garbage);
    // An empty object is its own case: every optional field left out at once (a PATCH changing nothing).
    const empty = fc.constant({});
    const valid = valueFor(op.body);
    const bent = fc
      .tuple(valid, fc.nat(), fc.constantFrom(...HOSTILE), fc.nat(3))
      .map(([v, pick, bad, how]) => {
        if (!v || typeof v !== 'object' || Array.isArray(v)) return bad;
        const keys = Object.keys(v);
        const copy: Record<string, unknown> = { ...v };
        if (how === 0 || keys.length === 0) copy[`unexpected${pick % 3}`] = bad;
        else if (how === 1) delete copy[keys[pick % keys.length] as string];
        else copy[keys[pick % keys.length] as string] = bad;
        return copy;
      });
    return fc.oneof(
      { arbitrary: valid, weight: 2 },
      { arbitrary: bent, weight: 5 },
      { arbitrary: garbage, weight: 2 },
      { arbitrary: empty, weight: 1 },
    );
  };

  const paramFor = fc.oneof(
    { arbitrary: fc.nat(8), weight: 6 },
    {
      arbitrary: fc.constantFrom('not-a-uuid', '0', '..%2F..%2Fetc', '%00', 'xero', 'quickbooks'),
      weight: 2,
    },
    { arbitrary: fc.uuid(), weight: 2 },
  );

  it(`answers ${RUNS} hostile writes without a 5xx, with problem+json naming the fields, changing nothing when refusing`, async () => {
    const seen = new Map<string, Map<number, number>>();
    const request = fc
      .constantFrom(...operations)
      .chain((op) => fc.tuple(fc.constant(op), bodyFor(op), paramFor, paramFor, fc.nat(9)));
    const before = { value: await counts() };
    await fc.assert(
      fc.asyncProperty(request, async ([op, body, p1, p2, asText]) => {
        const ids = knownIds();
        const param = (p: number | string) => (typeof p === 'number' ? (ids[p] as string) : p);
        const url = op.path
          .replace(/\{siteId\}/, param(p2))
          .replace(/\{connector\}/, typeof p2 === 'number' ? 'xero' : p2)
          .replace(/\{[A-Za-z]+\}/g, param(p1));
        const payload = asText === 0 ? 'not json {' : JSON.stringify(body ?? null);
        const res = await t.app.inject({
          method: op.method.toUpperCase() as 'POST',
          url,
          headers: { ...as(owner, true), 'content-type': 'application/json' },
          payload,
        });
        const key = `${op.method.toUpperCase()} ${op.path}`;
        const byStatus = seen.get(key) ?? new Map<number, number>();
        byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
        seen.set(key, byStatus);
        const what = `${key} ${url} ${payload.slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 500)}`;
        expect(res.statusCode, what).toBeLessThan(500);
        if (res.statusCode >= 400) {
          expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
          const problem = res.json() as { status: number; errors?: { field?: unknown }[] };
          expect(problem.status, what).toBe(res.statusCode);
          if (res.statusCode === 400 || res.statusCode === 422) {
            expect(problem.errors?.length, what).toBeGreaterThan(0);
            for (const e of problem.errors ?? [])
              expect(typeof e.field === 'string' && e.field, what).toBeTruthy();
          }
          expect(await counts(), `rows changed by a refused ${what}`).toBe(before.value);
        } else before.value = await counts();
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
      },
    );
    // Every write endpoint was hit, and most answered more than one way.
    expect([...seen.keys()].sort()).toEqual(
      operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort(),
    );
    const total = [...seen.values()].reduce((n, m) => n + [...m.values()].reduce((a, b) => a + b, 0), 0);
    const statuses = new Map<number, number>();
    for (const m of seen.values()) for (const [s, n] of m) statuses.set(s, (statuses.get(s) ?? 0) + n);
    console.info(
      `R3: ${total} requests over ${operations.length} write operations; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(total).toBeGreaterThanOrEqual(RUNS);
  }, 900_000);

  /** What a refusal must be: problem+json with its status, and nothing written. */
  const expectRefusal = async (
    res: Awaited<ReturnType<TestApp['app']['inject']>>,
    what: string,
    before: string,
  ) => {
    expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, what).toBeLessThan(500);
    expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
    expect(await counts(), `rows changed by a refused ${what}`).toBe(before);
  };

  it('refuses a body nested 5,000 levels deep at every JSON write with 400 naming the body, changing nothing', async () => {
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const deepArray = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const before = await counts();
    for (const op of operations.filter((o) => o.body)) {
      const url = op.path
        .replace(/\{siteId\}/, org.siteId)
        .replace(/\{connector\}/, 'xero')
        .replace(/\{[A-Za-z]+\}/g, org.jobId);
      for (const payload of [deep, deepArray]) {
        const res = await t.app.inject({
          method: op.method.toUpperCase() as 'POST',
          url,
          headers: { ...as(owner, true), 'content-type': 'application/json' },
          payload,
        });
        const what = `${op.method.toUpperCase()} ${op.path} nested`;
        // A route that answers 404 for the made-up record, or 413 for the size, has refused it too.
        await expectRefusal(res, what, before);
        if (res.statusCode === 400)
          expect((res.json() as { errors: { field: string }[] }).errors[0]?.field, what).toMatch(/^body/);
      }
    }
  }, 300_000);

  it('refuses hostile uploads at both upload endpoints, and serves what it keeps without active content', async () => {
    const files = [
      { name: 'bomb.png', type: 'image/png', bytes: await pngBomb() },
      { name: 'open-action.pdf', type: 'application/pdf', bytes: pdfWithJavaScript(false) },
      { name: 'hidden.pdf', type: 'application/pdf', bytes: pdfWithJavaScript(true) },
      { name: 'page.html', type: 'image/jpeg', bytes: Buffer.from('<html><script>alert(1)</script></html>') },
      { name: 'empty.png', type: 'image/png', bytes: Buffer.alloc(0) },
      { name: 'cut.png', type: 'image/png', bytes: (await png(3)).subarray(0, 40) },
      {
        name: 'random.bin',
        type: 'application/octet-stream',
        bytes: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      },
    ];
    const targets = [
      {
        method: 'POST' as const,
        url: `/api/v1/jobs/${org.jobId}/attachments`,
        fields: { category: 'before' },
      },
      { method: 'PUT' as const, url: '/api/v1/organization/logo', fields: {} },
    ];
    for (const target of targets) {
      for (const file of files) {
        const before = await counts();
        const body = multipart(target.fields, file);
        const res = await t.app.inject({
          method: target.method,
          url: target.url,
          headers: { ...as(owner, true), ...body.headers },
          payload: body.payload,
        });
        await expectRefusal(
          res,
          `${target.url} ${file.name} -> ${res.statusCode} ${res.body.slice(0, 200)}`,
          before,
        );
      }
      // Bad multipart: no file, a field of the wrong name, a category that does not exist.
      for (const body of [
        multipart(target.fields, null),
        multipart(
          { category: 'selfie' },
          { name: 'a.jpg', type: 'image/jpeg', bytes: await jpegWithExif(2) },
        ),
      ]) {
        if (target.method === 'PUT' && body.payload.includes('selfie')) continue;
        const before = await counts();
        const res = await t.app.inject({
          method: target.method,
          url: target.url,
          headers: { ...as(owner, true), ...body.headers },
          payload: body.payload,
        });
        await expectRefusal(res, `${target.url} malformed multipart`, before);
      }
    }
    // The polyglot is a real JPEG: kept, but only its pixels (the script in its comment is gone).
    const poly = multipart(
      { category: 'before' },
      { name: 'poly.jpg', type: 'image/jpeg', bytes: await jpegHtmlPolyglot() },
    );
    const kept = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${org.jobId}/attachments`,
      headers: { ...as(owner, true), ...poly.headers },
      payload: poly.payload,
    });
    expect(kept.statusCode).toBe(201);
    const served = await t.app.inject({
      method: 'GET',
      url: `/api/v1/attachments/${(kept.json() as { id: string }).id}/content`,
      headers: as(owner),
    });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.includes(Buffer.from('<script'))).toBe(false);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
  }, 120_000);
});
