import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import type { ChangeOrderLine } from '../../core/change-orders';
import type { Tx } from '../client';
import {
  type attachments,
  type catalogItems,
  closeoutLines,
  closeoutSubmissions,
  customers,
  jobTypes,
  organizations,
  type timeEntries,
} from '../schema';

type CatalogItem = typeof catalogItems.$inferSelect;
type TimeEntry = typeof timeEntries.$inferSelect;
/** A row read inside JSON: its instants as ISO text. */
type Dated<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

export type Technician = {
  id: string;
  roles: string[];
  hourlyRate: string | null;
  laborRole: string | null;
  name: string;
};

/**
 * Everything deciding a closeout reads besides the job itself, in one statement: the organization's zone
 * and rules, the job type, the customer's overrides, a submission already stored under this ID, the
 * approved change orders, the technicians named, the price book items by SKU (the closeout's, the job
 * type's labour item, the change orders'), the attachments named, the job's time entries (only when a
 * labour line leaves its hours to them), its open timers and its audit chain's head.
 *
 * It runs after the job's row lock is taken (lockJob), never in the same statement: a statement that waits
 * for the lock reads with the snapshot it started with, so it would miss the submission or the audit event
 * the transaction it waited for committed.
 *
 * Numbers are read as text inside the JSON (NUMERIC as a JSON number would become a float).
 */
export const closeoutFacts = async (
  tx: Tx,
  a: {
    organizationId: string;
    jobId: string;
    jobTypeId: string;
    customerId: string;
    submissionId: string;
    skus: string[];
    technicianIds: string[];
    attachmentIds: string[];
    withEntries: boolean;
  },
) => {
  const org = a.organizationId;
  const [row] = await tx.db
    .select({
      jobType: jobTypes,
      timeZone: organizations.timeZone,
      defaultRules: organizations.defaultApprovalRules,
      laborPricing: organizations.laborPricing,
      overrides: customers.closeoutOverrides,
      priorJobId: closeoutSubmissions.jobId,
      priorHash: closeoutSubmissions.requestHash,
      priorResponse: closeoutSubmissions.response,
      changeOrders: sql<{ seq: number; lines: ChangeOrderLine[]; reason: string }[]>`(
        SELECT coalesce(jsonb_agg(jsonb_build_object('seq', co.seq, 'lines', co.lines, 'reason', co.reason)
                                  ORDER BY co.seq), '[]'::jsonb)
          FROM change_orders co
         WHERE co.organization_id = ${org} AND co.job_id = ${a.jobId} AND co.status = 'approved')`,
      technicians: sql<Technician[]>`(
        SELECT coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'roles', u.roles,
                                  'hourlyRate', u.hourly_rate::text, 'laborRole', u.labor_role, 'name', u.name)),
                        '[]'::jsonb)
          FROM users u
         WHERE u.organization_id = ${org} AND u.id = ANY(${sql.param(a.technicianIds)}::uuid[]))`,
      items: sql<Dated<CatalogItem>[]>`(
        SELECT coalesce(jsonb_agg(jsonb_build_object('organizationId', c.organization_id, 'id', c.id,
                                  'sku', c.sku, 'name', c.name, 'kind', c.kind, 'unitCode', c.unit_code,
                                  'unitPrice', c.unit_price::text, 'taxCodeId', c.tax_code_id,
                                  'glAccount', c.gl_account, 'active', c.active, 'createdAt', c.created_at)),
                        '[]'::jsonb)
          FROM catalog_items c
         WHERE c.organization_id = ${org}
           AND (c.sku = ANY(${sql.param(a.skus)}::text[]) OR c.sku = ${jobTypes.laborSku}
                OR c.sku IN (SELECT l->>'sku' FROM change_orders co, jsonb_array_elements(co.lines) l
                              WHERE co.organization_id = ${org} AND co.job_id = ${a.jobId}
                                AND co.status = 'approved')))`,
      attachments: sql<Pick<typeof attachments.$inferSelect, 'id' | 'jobId' | 'category'>[]>`(
        SELECT coalesce(jsonb_agg(jsonb_build_object('id', f.id, 'jobId', f.job_id, 'category', f.category)),
                        '[]'::jsonb)
          FROM attachments f
         WHERE f.organization_id = ${org} AND f.id = ANY(${sql.param(a.attachmentIds)}::uuid[]))`,
      entries: sql<Dated<TimeEntry>[]>`(
        SELECT coalesce(jsonb_agg(jsonb_build_object('organizationId', t.organization_id, 'id', t.id,
                                  'jobId', t.job_id, 'userId', t.user_id, 'startedAt', t.started_at,
                                  'endedAt', t.ended_at, 'createdAt', t.created_at)), '[]'::jsonb)
          FROM time_entries t
         WHERE ${a.withEntries} AND t.organization_id = ${org} AND t.job_id = ${a.jobId}
           AND t.user_id = ANY(${sql.param(a.technicianIds)}::uuid[]))`,
      openTimers: sql<{ id: string; userId: string }[]>`(
        SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'userId', t.user_id)), '[]'::jsonb)
          FROM time_entries t
         WHERE t.organization_id = ${org} AND t.job_id = ${a.jobId} AND t.ended_at IS NULL)`,
      auditHead: sql<{ seq: number; hash: string } | null>`(
        SELECT jsonb_build_object('seq', e.seq, 'hash', e.hash) FROM audit_events e
         WHERE e.organization_id = ${org} AND e.aggregate_type = 'job' AND e.aggregate_id = ${a.jobId}
         ORDER BY e.seq DESC LIMIT 1)`,
    })
    .from(jobTypes)
    .innerJoin(organizations, eq(organizations.id, jobTypes.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, jobTypes.organizationId), eq(customers.id, a.customerId)),
    )
    .leftJoin(
      closeoutSubmissions,
      and(eq(closeoutSubmissions.organizationId, org), eq(closeoutSubmissions.id, a.submissionId)),
    )
    .where(and(eq(jobTypes.organizationId, org), eq(jobTypes.id, a.jobTypeId)));
  if (!row) return undefined;
  const { priorJobId, priorHash, priorResponse, items, entries, ...facts } = row;
  return {
    ...facts,
    prior:
      priorJobId === null || priorHash === null
        ? null
        : { jobId: priorJobId, requestHash: priorHash, response: priorResponse },
    items: items.map((i): CatalogItem => ({ ...i, createdAt: new Date(i.createdAt) })),
    entries: entries.map(
      (e): TimeEntry => ({
        ...e,
        startedAt: new Date(e.startedAt),
        endedAt: e.endedAt === null ? null : new Date(e.endedAt),
        createdAt: new Date(e.createdAt),
      }),
    ),
  };
};

export type CloseoutFacts = NonNullable<Awaited<ReturnType<typeof closeoutFacts>>>;

/** The closeout_lines column of each of a line's fields, for jsonb_populate_recordset. */
const LINE_COLUMNS = Object.entries(getTableColumns(closeoutLines)).map(([key, column]) => [
  key,
  column.name,
]);

/**
 * What a decided closeout writes besides the job and its audit events, in one statement: the job's lines
 * (replacing the previous closeout's when asked), its open timers closed, the author's draft dropped and
 * the submission with its decision. Written out whole: built once, prepared once.
 */
const RECORD_CLOSEOUT = `
WITH replaced AS (
  DELETE FROM closeout_lines WHERE organization_id = $1 AND job_id = $2 AND $3::boolean
), added AS (
  INSERT INTO closeout_lines SELECT * FROM jsonb_populate_recordset(NULL::closeout_lines, $4::jsonb)
), timers AS (
  UPDATE time_entries SET ended_at = $5
   WHERE organization_id = $1 AND job_id = $2 AND id = ANY($6::uuid[]) AND ended_at IS NULL
), draft AS (
  DELETE FROM closeout_drafts WHERE organization_id = $1 AND job_id = $2 AND author_id = $7
)
INSERT INTO closeout_submissions (organization_id, id, job_id, source, request_hash, body, outcome, missing,
                                  response_status, response, actor_type, actor_id, created_at)
VALUES ($1, $8, $2, $9, $10, $11::jsonb, $12, $13::jsonb, $14, $15::jsonb, $16, $17, $5)`;

export const recordCloseout = async (
  tx: Tx,
  a: {
    organizationId: string;
    jobId: string;
    replaceLines: boolean;
    lines: (typeof closeoutLines.$inferInsert)[];
    at: Date;
    closeTimers: string[];
    /** The draft of this author is dropped; null drops none. */
    draftAuthorId: string | null;
    submission: Omit<typeof closeoutSubmissions.$inferInsert, 'organizationId' | 'jobId' | 'createdAt'>;
  },
) => {
  const lines = a.lines.map((l) =>
    Object.fromEntries(LINE_COLUMNS.map(([key, name]) => [name, l[key as keyof typeof l] ?? null])),
  );
  const s = a.submission;
  await tx.raw.query(RECORD_CLOSEOUT, [
    a.organizationId,
    a.jobId,
    a.replaceLines,
    JSON.stringify(lines),
    a.at,
    a.closeTimers,
    a.draftAuthorId,
    s.id,
    s.source,
    s.requestHash,
    JSON.stringify(s.body),
    s.outcome,
    JSON.stringify(s.missing),
    s.responseStatus,
    JSON.stringify(s.response),
    s.actorType,
    s.actorId ?? null,
  ]);
};
