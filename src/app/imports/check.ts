import { and, eq, inArray, isNotNull, isNull, ne } from 'drizzle-orm';
import type { z } from 'zod';
import { CatalogItemBody, CreateCustomerBody } from '../../contracts/catalog';
import { CreateJobBody } from '../../contracts/jobs';
import { AppError } from '../../core/errors';
import {
  actionCounts,
  type Cells,
  type CustomerIndex,
  cellsOf,
  customerDraftOf,
  customerKeyOf,
  duplicateOf,
  emptyCustomerIndex,
  type ImportField,
  type ImportKind,
  type ImportMapping,
  type ItemDraft,
  indexCustomer,
  itemChanges,
  itemDraftOf,
  type JobDraft,
  jobDraftOf,
  jobKeyOf,
  type RowProblem,
  type TaxCodeRef,
} from '../../core/imports';
import { SYSTEM_ACTOR } from '../../core/principal';
import { normalizeName } from '../../core/tax';
import { printDate, zonedToInstant } from '../../core/time';
import type { Tx } from '../../db/client';
import {
  catalogItems,
  customers,
  importBatches,
  importRows,
  jobs,
  jobTypes,
  organizations,
  sites,
  taxCodes,
  users,
} from '../../db/schema/index';
import type { Deps } from '../ports';
import { failBatch, getImport, lockBatch, moveBatch } from './batches';
import { IMPORT_LIMITS, openSheet } from './read-file';

/**
 * The dry run (#25): every row of the file read, validated with the API's own schemas, compared with what the
 * organization already has and with the rows above it, and recorded with its action and its problems. Nothing
 * but the report is written. Rows are recorded a chunk at a time, so memory stays flat however long the file,
 * and a crash starts the check over (it is idempotent).
 */

const CHUNK = 1000;

type RowOut = typeof importRows.$inferInsert;

/** A zod issue on the API's schema, said as the office reads it, on the field of the file it came from. */
const problemsOfIssues = (issues: z.core.$ZodIssue[], fieldOfPath: (path: string) => ImportField | null) =>
  issues.map((i): RowProblem => {
    const path = i.path.join('.');
    const field = fieldOfPath(path) ?? 'name';
    const message =
      i.code === 'too_small'
        ? 'is empty'
        : i.code === 'too_big'
          ? `is longer than ${String((i as { maximum?: unknown }).maximum ?? 'allowed')} characters`
          : i.code === 'invalid_format' && (i as { format?: string }).format === 'email'
            ? 'is not an e-mail address'
            : path.endsWith('country')
              ? 'is not a two-letter country code'
              : `is not valid (${i.message})`;
    return { field, message };
  });

const CUSTOMER_PATHS: Record<string, ImportField> = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  taxId: 'taxId',
  paymentTermsDays: 'paymentTermsDays',
  'billingAddress.line1': 'line1',
  'billingAddress.line2': 'line2',
  'billingAddress.city': 'city',
  'billingAddress.region': 'region',
  'billingAddress.postalCode': 'postalCode',
  'billingAddress.country': 'country',
  'sites.0.name': 'siteName',
  'sites.0.accessNotes': 'accessNotes',
  'sites.0.address.line1': 'siteLine1',
  'sites.0.address.line2': 'siteLine2',
  'sites.0.address.city': 'siteCity',
  'sites.0.address.region': 'siteRegion',
  'sites.0.address.postalCode': 'sitePostalCode',
  'sites.0.address.country': 'siteCountry',
};
const customerFieldOf = (cells: Cells) => (path: string) => {
  if (/^contacts\.\d+\.email$/.test(path)) return 'email';
  if (/^contacts\.\d+\.phone$/.test(path)) return 'mobile';
  if (/^contacts\.\d+\.name$/.test(path)) return 'firstName';
  const field = CUSTOMER_PATHS[path];
  // A site made from the billing address reports on the billing columns.
  if (field?.startsWith('site') && !cells.siteLine1 && path.startsWith('sites.0.address'))
    return CUSTOMER_PATHS[path.replace('sites.0.address', 'billingAddress')] ?? null;
  return field ?? null;
};

type Prior = { recordId: string; label: string };

type Context = {
  defaultCountry: string;
  mapping: ImportMapping;
  seen: Map<string, number>;
  customers: CustomerIndex;
  /** The rows above, indexed like customers (the `id` is the line). */
  file: CustomerIndex;
  prior: Map<string, Prior>;
  items: Map<string, ItemDraft & { id: string }>;
  codes: TaxCodeRef[];
  /** For jobs: what a row's customer, site, kind of work and crew are found among. */
  jobs: JobContext;
};

type JobContext = {
  timeZone: string;
  monthFirst: boolean;
  /** The old tool's customer IDs, as earlier customer imports recorded them (`id:…`), to our customers. */
  customerByKey: Map<string, string>;
  customersByName: Map<string, { id: string; name: string }[]>;
  sitesOf: Map<string, { id: string; line1: string; key: string }[]>;
  jobTypes: { id: string; code: string; name: string }[];
  technicians: { id: string; name: string; email: string }[];
  /** Jobs already booked, by customer and start: a row booking one again is a duplicate. */
  booked: Map<string, string>;
};

const emptyJobContext = (): JobContext => ({
  timeZone: 'UTC',
  monthFirst: false,
  customerByKey: new Map(),
  customersByName: new Map(),
  sitesOf: new Map(),
  jobTypes: [],
  technicians: [],
  booked: new Map(),
});

/** What an imported job row holds once checked: the job to book, as the API would take it, and its labels. */
export type JobValue = {
  customerId: string;
  siteId: string;
  jobTypeId: string;
  scope: string;
  windowStart: string;
  windowEnd: string;
  crew: string[];
  poNumber: string | null;
};

const withColumns = (problems: RowProblem[], mapping: ImportMapping) =>
  problems.map((p) => ({ ...p, column: mapping[p.field as ImportField] ?? null }));

const customerRow = (
  ctx: Context,
  line: number,
  cells: Cells,
  problems: RowProblem[],
): Omit<RowOut, 'organizationId' | 'batchId'> => {
  const { draft, problems: own } = customerDraftOf(cells, ctx.defaultCountry);
  problems.push(...own);
  // The schema's word on a field comes after the row's own, so `dedupe` keeps the row's.
  const parsed = CreateCustomerBody.safeParse(draft);
  if (!parsed.success) problems.push(...problemsOfIssues(parsed.error.issues, customerFieldOf(cells)));
  const label = draft.name || `Line ${line}`;
  const key = draft.name ? customerKeyOf(cells, draft) : null;
  const base = { line, kind: 'customers' as const, key, label, value: null, matchId: null, matchLabel: null };
  if (problems.length > 0)
    return { ...base, action: 'refused', problems: withColumns(dedupe(problems), ctx.mapping) };
  // A row above with the same ID, or the same e-mail, tax ID or name and address under another ID.
  const above = (key ? ctx.seen.get(key) : undefined) ?? duplicateOf(ctx.file, draft)?.id;
  if (above !== undefined)
    return {
      ...base,
      action: 'refused',
      problems: [
        { field: 'name', column: ctx.mapping.name ?? null, message: `is the same customer as line ${above}` },
      ],
    };
  if (key) ctx.seen.set(key, line);
  indexCustomer(ctx.file, { ...draft, id: String(line) });
  const prior = key ? ctx.prior.get(key) : undefined;
  if (prior)
    return {
      ...base,
      action: 'unchanged',
      problems: [],
      value: draft,
      matchId: prior.recordId,
      matchLabel: prior.label,
    };
  const dup = duplicateOf(ctx.customers, draft);
  if (dup)
    return {
      ...base,
      action: 'duplicate',
      problems: [],
      value: draft,
      matchId: dup.id,
      matchLabel: dup.name,
    };
  return { ...base, action: 'create', problems: [], value: draft };
};

const itemRow = (
  ctx: Context,
  line: number,
  cells: Cells,
  problems: RowProblem[],
): Omit<RowOut, 'organizationId' | 'batchId'> => {
  const { draft, problems: own } = itemDraftOf(cells, ctx.codes);
  problems.push(...own);
  if (own.length === 0) {
    const parsed = CatalogItemBody.safeParse(draft);
    if (!parsed.success)
      problems.push(
        ...problemsOfIssues(parsed.error.issues, (p) => (p === 'unitCode' ? 'unit' : (p as ImportField))),
      );
  }
  const key = `sku:${draft.sku}`;
  const base = {
    line,
    kind: 'price_book' as const,
    key,
    label: draft.name ? `${draft.sku} · ${draft.name}` : `Line ${line}`,
    value: null,
    matchId: null,
    matchLabel: null,
  };
  if (problems.length > 0)
    return { ...base, action: 'refused', problems: withColumns(dedupe(problems), ctx.mapping) };
  if (ctx.seen.has(key))
    return {
      ...base,
      action: 'refused',
      problems: [
        {
          field: 'sku',
          column: ctx.mapping.sku ?? ctx.mapping.name ?? null,
          message: `is the same code as line ${ctx.seen.get(key)}`,
        },
      ],
    };
  ctx.seen.set(key, line);
  const existing = ctx.items.get(draft.sku);
  if (!existing) return { ...base, action: 'create', problems: [], value: draft };
  const changed = itemChanges(existing, draft);
  return {
    ...base,
    action: changed.length === 0 ? 'unchanged' : 'update',
    problems: [],
    value: draft,
    matchId: existing.id,
    matchLabel: `${existing.sku} · ${existing.name}`,
  };
};

/** The customer a job row names: by the old tool's ID (from an earlier import), else by a name only one has. */
const customerOfJob = (ctx: Context, d: JobDraft): { id: string } | RowProblem => {
  const j = ctx.jobs;
  if (d.customerSourceId) {
    const id = j.customerByKey.get(`id:${d.customerSourceId.toLowerCase()}`);
    if (id) return { id };
    if (!d.customer)
      return {
        field: 'customerSourceId',
        message: `matches no customer imported before: “${d.customerSourceId}” (import the customers first)`,
      };
  }
  const named = j.customersByName.get(normalizeName(d.customer ?? '')) ?? [];
  if (named.length === 1 && named[0]) return { id: named[0].id };
  if (named.length > 1)
    return {
      field: 'customer',
      message: `${named.length} customers are named “${d.customer}”: map their ID column to tell them apart`,
    };
  return {
    field: 'customer',
    message: `is no customer of yours: “${d.customer}” (import the customers first)`,
  };
};

const jobRow = (
  ctx: Context,
  line: number,
  cells: Cells,
  problems: RowProblem[],
): Omit<RowOut, 'organizationId' | 'batchId'> => {
  const j = ctx.jobs;
  const { draft, problems: own } = jobDraftOf(cells, j.monthFirst);
  problems.push(...own);
  const who = draft.customer || draft.customerSourceId ? customerOfJob(ctx, draft) : null;
  const customerId = who && 'id' in who ? who.id : null;
  if (who && !('id' in who)) problems.push(who);
  let siteId: string | null = null;
  if (customerId) {
    const theirs = j.sitesOf.get(customerId) ?? [];
    const wanted = draft.siteLine1 ? normalizeName(draft.siteLine1) : null;
    const site = wanted ? theirs.find((s) => s.key === wanted) : theirs[0];
    if (site) siteId = site.id;
    else
      problems.push(
        wanted
          ? { field: 'siteLine1', message: `is not an address of this customer: “${draft.siteLine1}”` }
          : { field: 'customer', message: 'has no site to go to: add one to the customer first' },
      );
  }
  const wantedType = draft.jobType?.toLowerCase();
  const jobType = wantedType
    ? j.jobTypes.find((t) => t.code.toLowerCase() === wantedType || t.name.toLowerCase() === wantedType)
    : j.jobTypes.length === 1
      ? j.jobTypes[0]
      : undefined;
  if (!jobType)
    problems.push({
      field: 'jobType',
      message: `${draft.jobType ? `is not a kind of work of yours: “${draft.jobType}”` : 'is needed'}: one of ${j.jobTypes
        .map((t) => t.name)
        .slice(0, 8)
        .join(', ')}`,
    });
  const crew: string[] = [];
  for (const name of draft.technicians) {
    const v = name.toLowerCase();
    const tech = j.technicians.find((t) => t.name.toLowerCase() === v || t.email.toLowerCase() === v);
    if (tech) crew.push(tech.id);
    else problems.push({ field: 'technicians', message: `“${name}” is not an active technician here` });
  }
  const windowStart = draft.day ? zonedToInstant(draft.day, draft.start, j.timeZone).toISOString() : '';
  const windowEnd = draft.day ? zonedToInstant(draft.day, draft.end, j.timeZone).toISOString() : '';
  const value: JobValue | null =
    customerId && siteId && jobType
      ? {
          customerId,
          siteId,
          jobTypeId: jobType.id,
          scope: draft.scope,
          windowStart,
          windowEnd,
          crew: [...new Set(crew)],
          poNumber: draft.poNumber,
        }
      : null;
  if (value && problems.length === 0) {
    const parsed = CreateJobBody.safeParse(value);
    if (!parsed.success)
      problems.push(
        ...problemsOfIssues(parsed.error.issues, (p) =>
          p === 'scope' ? 'scope' : p === 'poNumber' ? 'poNumber' : 'date',
        ),
      );
  }
  const when = draft.day
    ? `, ${printDate(draft.day)}, ${draft.anyTime ? 'any time that day' : `${draft.start} to ${draft.end}`}`
    : '';
  const label = `${draft.sourceId ? `${draft.sourceId} · ` : ''}${draft.customer ?? draft.customerSourceId ?? `Line ${line}`}${when}`;
  const key = customerId && draft.day ? jobKeyOf(draft, customerId) : null;
  const base = { line, kind: 'jobs' as const, key, label, value: null, matchId: null, matchLabel: null };
  if (problems.length > 0 || !value)
    return {
      ...base,
      action: 'refused',
      problems: withColumns(dedupe(problems), ctx.mapping),
    };
  if (key && ctx.seen.has(key))
    return {
      ...base,
      action: 'refused',
      problems: withColumns(
        [
          {
            field: draft.sourceId ? 'sourceId' : 'date',
            message: `is the same job as line ${ctx.seen.get(key)}`,
          },
        ],
        ctx.mapping,
      ),
    };
  if (key) ctx.seen.set(key, line);
  const prior = key ? ctx.prior.get(key) : undefined;
  if (prior)
    return {
      ...base,
      action: 'unchanged',
      problems: [],
      value,
      matchId: prior.recordId,
      matchLabel: prior.label,
    };
  const booked = j.booked.get(`${customerId}|${windowStart}`);
  if (booked)
    return {
      ...base,
      action: 'duplicate',
      problems: [],
      value,
      matchId: booked,
      matchLabel: 'a job already booked then',
    };
  return { ...base, action: 'create', problems: [], value };
};

/** One problem per field: the first said is the one to fix (a formula in the name, not also "no name"). */
const dedupe = (problems: RowProblem[]) => {
  const seen = new Set<string>();
  return problems.filter((p) => {
    if (seen.has(p.field)) return false;
    seen.add(p.field);
    return true;
  });
};

/**
 * The organization's customers as duplicates are found among them (one read per run, held in memory), and
 * their names by ID. The dry run and the import both compare rows with it.
 */
export const customerIndexOf = async (tx: Pick<Tx, 'db'>, organizationId: string) => {
  const rows = await tx.db
    .select({
      id: customers.id,
      name: customers.name,
      email: customers.email,
      taxId: customers.taxId,
      billingAddress: customers.billingAddress,
    })
    .from(customers)
    .where(and(eq(customers.organizationId, organizationId), isNull(customers.mergedIntoId)));
  const index = emptyCustomerIndex();
  for (const r of rows) indexCustomer(index, r);
  return { index, names: new Map(rows.map((r) => [r.id, r.name])) };
};

/** What the dry run compares rows with: existing customers or items, earlier imports' keys, the tax codes. */
export const contextOf = async (
  tx: Pick<Tx, 'db'>,
  organizationId: string,
  batchId: string,
  kind: ImportKind,
  mapping: ImportMapping,
): Promise<Context> => {
  const [org] = await tx.db
    .select({ country: organizations.country, timeZone: organizations.timeZone })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const ctx: Context = {
    defaultCountry: org?.country ?? 'IE',
    mapping,
    seen: new Map(),
    customers: emptyCustomerIndex(),
    file: emptyCustomerIndex(),
    prior: new Map(),
    items: new Map(),
    codes: [],
    jobs: emptyJobContext(),
  };
  if (kind === 'jobs') {
    ctx.jobs = await jobContextOf(tx, organizationId, org?.country ?? 'IE', org?.timeZone ?? 'UTC');
    for (const p of await priorImports(tx, organizationId, batchId, 'jobs'))
      if (p.key && p.recordId) ctx.prior.set(p.key, { recordId: p.recordId, label: 'imported before' });
  } else if (kind === 'customers') {
    const { index, names: live } = await customerIndexOf(tx, organizationId);
    ctx.customers = index;
    const earlier = await priorImports(tx, organizationId, batchId, 'customers');
    for (const e of earlier) {
      const name = e.recordId ? live.get(e.recordId) : undefined;
      if (e.key && e.recordId && name) ctx.prior.set(e.key, { recordId: e.recordId, label: name });
    }
  } else {
    ctx.codes = await tx.db
      .select({
        id: taxCodes.id,
        code: taxCodes.code,
        name: taxCodes.name,
        rate: taxCodes.rate,
        category: taxCodes.category,
      })
      .from(taxCodes)
      .where(eq(taxCodes.organizationId, organizationId));
    const items = await tx.db
      .select()
      .from(catalogItems)
      .where(eq(catalogItems.organizationId, organizationId));
    for (const i of items) ctx.items.set(i.sku, { ...i, glAccount: i.glAccount ?? null });
  }
  return ctx;
};

/** The keys and records of the earlier imports' rows of a kind, done and still standing (but this batch's). */
const priorImports = (tx: Pick<Tx, 'db'>, organizationId: string, batchId: string | null, kind: ImportKind) =>
  tx.db
    .select({ key: importRows.key, recordId: importRows.recordId })
    .from(importRows)
    .innerJoin(
      importBatches,
      and(
        eq(importBatches.organizationId, importRows.organizationId),
        eq(importBatches.id, importRows.batchId),
      ),
    )
    .where(
      and(
        eq(importRows.organizationId, organizationId),
        eq(importRows.kind, kind),
        eq(importRows.done, true),
        isNotNull(importRows.recordId),
        batchId ? ne(importRows.batchId, batchId) : undefined,
        inArray(importBatches.status, ['imported', 'importing', 'failed']),
      ),
    );

/** The customers, sites, kinds of work, technicians and jobs a job import finds its rows' among (one read). */
const jobContextOf = async (
  tx: Pick<Tx, 'db'>,
  organizationId: string,
  country: string,
  timeZone: string,
): Promise<JobContext> => {
  const j: JobContext = { ...emptyJobContext(), timeZone, monthFirst: country === 'US' };
  const live = await tx.db
    .select({ id: customers.id, name: customers.name })
    .from(customers)
    .where(and(eq(customers.organizationId, organizationId), isNull(customers.mergedIntoId)));
  const liveIds = new Set(live.map((c) => c.id));
  for (const c of live) {
    const k = normalizeName(c.name);
    j.customersByName.set(k, [...(j.customersByName.get(k) ?? []), c]);
  }
  for (const p of await priorImports(tx, organizationId, null, 'customers'))
    if (p.key?.startsWith('id:') && p.recordId && liveIds.has(p.recordId))
      j.customerByKey.set(p.key, p.recordId);
  for (const s of await tx.db
    .select({ id: sites.id, customerId: sites.customerId, address: sites.address })
    .from(sites)
    .where(eq(sites.organizationId, organizationId))) {
    const entry = { id: s.id, line1: s.address.line1, key: normalizeName(s.address.line1) };
    j.sitesOf.set(s.customerId, [...(j.sitesOf.get(s.customerId) ?? []), entry]);
  }
  j.jobTypes = await tx.db
    .select({ id: jobTypes.id, code: jobTypes.code, name: jobTypes.name })
    .from(jobTypes)
    .where(eq(jobTypes.organizationId, organizationId));
  j.technicians = (
    await tx.db
      .select({ id: users.id, name: users.name, email: users.email, roles: users.roles })
      .from(users)
      .where(and(eq(users.organizationId, organizationId), eq(users.active, true)))
  ).filter((u) => u.roles.includes('technician'));
  for (const b of await tx.db
    .select({ id: jobs.id, customerId: jobs.customerId, windowStart: jobs.windowStart })
    .from(jobs)
    .where(and(eq(jobs.organizationId, organizationId), ne(jobs.status, 'canceled'))))
    j.booked.set(`${b.customerId}|${b.windowStart.toISOString()}`, b.id);
  return j;
};

export const rowOf = (ctx: Context, kind: ImportKind, line: number, raw: Record<string, string>) => {
  const { cells, problems } = cellsOf(raw, ctx.mapping);
  if (kind === 'jobs') return jobRow(ctx, line, cells, problems);
  return kind === 'customers' ? customerRow(ctx, line, cells, problems) : itemRow(ctx, line, cells, problems);
};

/** The `import.check` queue job. A batch re-mapped meanwhile (another version) is left to its own job. */
export const runImportCheck = async (
  deps: Deps,
  organizationId: string,
  batchId: string,
  version: number,
) => {
  const batch = await getImport(deps, organizationId, batchId);
  if (batch.status !== 'checking' || batch.version !== version) return { skipped: batch.status };
  try {
    return await check(deps, batch);
  } catch (err) {
    if (err instanceof AppError && err.code === 'validation_failed') {
      await failBatch(deps, organizationId, batchId, err.message, SYSTEM_ACTOR);
      return { failed: err.message };
    }
    throw err;
  }
};

class Superseded extends Error {}

const check = async (deps: Deps, batch: Awaited<ReturnType<typeof getImport>>) => {
  const { organizationId, id: batchId } = batch;
  const bytes = await deps.storage.get(batch.storageKey);
  if (!bytes) {
    await failBatch(
      deps,
      organizationId,
      batchId,
      'The file is no longer stored; upload it again',
      SYSTEM_ACTOR,
    );
    return { failed: 'file missing' };
  }
  const sheet = await openSheet(bytes);
  // A first pass counts the rows (parsing only): a file over the limit stops before anything is written,
  // and the progress bar knows its end from the start.
  let total = 0;
  for await (const _ of sheet.rows()) {
    if (++total > IMPORT_LIMITS.rows) {
      const why = `The file has more than ${IMPORT_LIMITS.rows.toLocaleString('en')} rows; split it into smaller files`;
      await failBatch(deps, organizationId, batchId, why, SYSTEM_ACTOR);
      return { failed: why };
    }
  }
  await deps.database.transaction(async (tx) => {
    await tx.db
      .delete(importRows)
      .where(and(eq(importRows.organizationId, organizationId), eq(importRows.batchId, batchId)));
    await tx.db
      .update(importBatches)
      .set({ totalRows: total })
      .where(
        and(
          eq(importBatches.organizationId, organizationId),
          eq(importBatches.id, batchId),
          eq(importBatches.version, batch.version),
        ),
      );
  });
  const ctx = await contextOf(deps.database, organizationId, batchId, batch.kind, batch.mapping);
  const summary: Record<string, number> = {};
  let chunk: RowOut[] = [];
  let done = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const rows = chunk;
    chunk = [];
    await deps.database.transaction(async (tx) => {
      await tx.db.insert(importRows).values(rows);
      const moved = await tx.db
        .update(importBatches)
        .set({ doneRows: done })
        .where(
          and(
            eq(importBatches.organizationId, organizationId),
            eq(importBatches.id, batchId),
            eq(importBatches.version, batch.version),
          ),
        )
        .returning({ id: importBatches.id });
      if (moved.length === 0) throw new Superseded();
    });
  };
  try {
    for await (const { line, cells } of sheet.rows()) {
      done++;
      if (done > IMPORT_LIMITS.rows) {
        await failBatch(
          deps,
          organizationId,
          batchId,
          `The file has more than ${IMPORT_LIMITS.rows.toLocaleString('en')} rows; split it into smaller files`,
          SYSTEM_ACTOR,
        );
        return { failed: 'too many rows' };
      }
      const row = rowOf(ctx, batch.kind, line, cells);
      summary[row.action] = (summary[row.action] ?? 0) + 1;
      chunk.push({ ...row, organizationId, batchId });
      if (chunk.length >= CHUNK) await flush();
    }
    await flush();
  } catch (err) {
    if (err instanceof Superseded) return { skipped: 'superseded' };
    throw err;
  }
  await deps.database.transaction(async (tx) => {
    const current = await lockBatch(tx, organizationId, batchId);
    if (current.status !== 'checking' || current.version !== batch.version) return;
    await moveBatch(tx, deps, current, 'checked', SYSTEM_ACTOR, {
      totalRows: done,
      doneRows: done,
      summary: actionCounts(summary),
      checkedAt: deps.clock.now(),
    });
  });
  return { rows: done, summary };
};
