import Decimal from 'decimal.js';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { CloseoutBody } from '../../contracts/closeout';
import { SIGNATURE_EXCEPTION_WORDS } from '../../core/closeout-rules';
import { AppError, notFound } from '../../core/errors';
import type { IssuedHeader } from '../../core/invoice-document';
import { PHOTO_CATEGORIES } from '../../core/job-type-templates';
import type { Database } from '../../db/client';
import {
  attachments,
  closeoutSubmissions,
  invoiceFiles,
  invoices,
  jobs,
  organizations,
  users,
} from '../../db/schema';
import { enqueueAttachmentPushes } from '../accounting/push-queue';
import { sha256Hex } from '../auth/secrets';
import { EMPTY_PROOF, type Proof } from '../documents-port';
import { activePaymentConnection } from '../payments/payment-connections';
import { payUrl } from '../portal/pay-token';
import type { Deps } from '../ports';
import { documentOf, type InvoiceRow } from './invoice-documents';
import { approvalLog } from './invoice-queries';

export type ManifestPart = {
  name: string;
  kind: string;
  sha256: string;
  sizeBytes: number;
  mimeType: string;
};
export type Manifest = {
  invoice: { id: string; number: string; kind: string; issueDate: string; currency: string; payable: string };
  parts: ManifestPart[];
};

const headerOf = (row: InvoiceRow): IssuedHeader & { issuedAt: Date } => {
  if (!row.number || !row.issueDate || !row.issuedAt) throw new Error(`invoice ${row.id} is not issued`);
  return { number: row.number, issueDate: row.issueDate, dueDate: row.dueDate, issuedAt: row.issuedAt };
};

/**
 * The proof of a job's accepted closeout as records: its submission body, the photos it names (before the
 * work, then after it, then the rest, each in the order taken: the order a reader expects), and the
 * signature's attachment. Shared by the packet and the customer's page.
 */
export const proofRecords = async (deps: Pick<Deps, 'database'>, organizationId: string, jobId: string) => {
  const db = deps.database.db;
  const [submission] = await db
    .select()
    .from(closeoutSubmissions)
    .where(
      and(
        eq(closeoutSubmissions.organizationId, organizationId),
        eq(closeoutSubmissions.jobId, jobId),
        inArray(closeoutSubmissions.outcome, ['accepted', 'exception']),
      ),
    )
    .orderBy(desc(closeoutSubmissions.createdAt))
    .limit(1);
  const body = submission?.body as CloseoutBody | undefined;
  const ids = body
    ? [...new Set([...body.attachmentIds, ...(body.signature ? [body.signature.attachmentId] : [])])]
    : [];
  const rows = ids.length
    ? await db
        .select()
        .from(attachments)
        .where(and(eq(attachments.organizationId, organizationId), inArray(attachments.id, ids)))
    : [];
  const rank = (c: string) => PHOTO_CATEGORIES.indexOf(c as (typeof PHOTO_CATEGORIES)[number]);
  const shown = rows
    .filter((r) => r.category !== 'signature' && body?.attachmentIds.includes(r.id))
    .sort(
      (x, y) =>
        rank(x.category) - rank(y.category) ||
        (x.capturedAt?.getTime() ?? 0) - (y.capturedAt?.getTime() ?? 0) ||
        x.id.localeCompare(y.id),
    );
  const signature = body?.signature ? rows.find((r) => r.id === body.signature?.attachmentId) : undefined;
  return { body, shown, signature };
};

/** The proof of the job's accepted closeout: photos (thumbnails) by category, the signature, time, place, approvals. */
export const proofOf = async (
  deps: Pick<Deps, 'database' | 'storage'>,
  organizationId: string,
  jobId: string | null,
) => {
  if (!jobId) return { proof: EMPTY_PROOF, files: [] as { name: string; key: string; mimeType: string }[] };
  const db = deps.database.db;
  const { body, shown, signature: sigRow } = await proofRecords(deps, organizationId, jobId);
  const [job] = await db
    .select({ completedAt: jobs.completedAt, timeZone: organizations.timeZone })
    .from(jobs)
    .innerJoin(organizations, eq(organizations.id, jobs.organizationId))
    .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, jobId)));
  const photos: Proof['photos'] = [];
  const files: { name: string; key: string; mimeType: string }[] = [];
  for (const a of shown) {
    const thumb = a.thumbnailKey ? await deps.storage.get(a.thumbnailKey) : null;
    if (thumb)
      photos.push({ category: a.category, image: thumb, capturedAt: a.capturedAt?.toISOString() ?? null });
    files.push({
      name: `proof/${a.category}-${a.id}${extension(a.mimeType)}`,
      key: a.storageKey,
      mimeType: a.mimeType,
    });
  }
  if (sigRow)
    files.push({
      name: `proof/signature-${sigRow.id}${extension(sigRow.mimeType)}`,
      key: sigRow.storageKey,
      mimeType: sigRow.mimeType,
    });
  const decided = (await approvalLog(deps.database, organizationId, [jobId])).filter(
    (a) => a.decidedAt && a.decidedById,
  );
  const names = decided.length
    ? await db
        .select({ id: users.id, name: users.name })
        .from(users)
        .where(
          inArray(
            users.id,
            decided.map((a) => a.decidedById as string),
          ),
        )
    : [];
  const proof: Proof = {
    photos,
    signature: body?.signature
      ? {
          image: sigRow ? await deps.storage.get(sigRow.storageKey) : null,
          signerName: body.signature.signerName,
          signedAt: body.signature.signedAt,
        }
      : null,
    signatureException: body?.signatureException
      ? [SIGNATURE_EXCEPTION_WORDS[body.signatureException.reasonCode], body.signatureException.text]
          .filter(Boolean)
          .join(': ')
      : null,
    completion: body
      ? {
          at: job?.completedAt?.toISOString() ?? body.deviceTime,
          latitude: body.gps?.latitude ?? null,
          longitude: body.gps?.longitude ?? null,
        }
      : null,
    workPerformed: body
      ? {
          checklist: body.workPerformed.checklist.filter((c) => c.done).map((c) => c.item),
          notes: body.workPerformed.notes,
        }
      : null,
    approvals: decided.map((a) => ({
      at: a.decidedAt?.toISOString() ?? '',
      by: names.find((n) => n.id === a.decidedById)?.name ?? a.decidedById ?? '',
      decision: a.status,
      comment: a.comment,
      rules: (a.rules as { code: string }[]).map((r) => r.code),
    })),
    timeZone: job?.timeZone ?? 'UTC',
  };
  return { proof, files };
};

const extension = (mime: string) =>
  mime === 'image/png' ? '.png' : mime === 'image/jpeg' ? '.jpg' : mime === 'application/pdf' ? '.pdf' : '';

/**
 * Renders an issued document's packet (the `invoice.render` queue job): PDF, UBL and a manifest with the
 * SHA-256 of every part, stored by content hash. The document is immutable and the PDF's dates come from
 * it, so a retry after a crash writes the same bytes and the insert is a no-op.
 */
export const renderPacket = async (deps: Deps, organizationId: string, invoiceId: string) => {
  const [row] = await deps.database.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, invoiceId)));
  if (!row) throw notFound('invoice');
  const header = headerOf(row);
  const doc = documentOf(row);
  const [org] = await deps.database.db
    .select()
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const logo = org?.logoKey ? await deps.storage.get(org.logoKey) : null;
  const { proof, files } =
    row.kind === 'invoice'
      ? await proofOf(deps, organizationId, row.jobId)
      : { proof: EMPTY_PROOF, files: [] };
  const render = await deps.renderers();
  // How the document is paid, fixed when it is issued: online where the organization took payments then
  // (the PDF carries the pay link for good, the UBL says so), and by transfer to its IBAN, with the code a
  // banking app scans for the amount due.
  const payable = row.kind !== 'credit_note' && new Decimal(doc.calc.totals.payable).gt(0);
  const url =
    payable && (await activePaymentConnection(deps.database, organizationId))
      ? payUrl(deps, organizationId, row.id)
      : null;
  const transferQr =
    payable && doc.iban
      ? deps.payments.bankTransfer.instructions({
          beneficiary: doc.seller.legalName ?? doc.seller.name,
          iban: doc.iban,
          amount: doc.calc.totals.payable,
          currency: row.currency,
          documentNumber: header.number,
        }).qrPayload
      : null;
  const ubl = Buffer.from(render.ubl(doc, header, { onlinePayment: url !== null }), 'utf8');
  const pdf = await render.invoicePdf(
    doc,
    header,
    proof,
    logo,
    url || transferQr ? { url, transferQr } : null,
  );
  const approvals = Buffer.from(JSON.stringify(proof.approvals, null, 2), 'utf8');
  const proofParts: ManifestPart[] = [];
  for (const f of files) {
    const bytes = await deps.storage.get(f.key);
    if (bytes)
      proofParts.push({
        name: f.name,
        kind: 'proof',
        sha256: sha256Hex(bytes),
        sizeBytes: bytes.length,
        mimeType: f.mimeType,
      });
  }
  const manifest: Manifest = {
    invoice: {
      id: row.id,
      number: header.number,
      kind: row.kind,
      issueDate: header.issueDate,
      currency: row.currency,
      payable: doc.calc.totals.payable,
    },
    parts: [
      {
        name: `${header.number}.pdf`,
        kind: 'pdf',
        sha256: sha256Hex(pdf),
        sizeBytes: pdf.length,
        mimeType: 'application/pdf',
      },
      {
        name: `${header.number}.xml`,
        kind: 'ubl',
        sha256: sha256Hex(ubl),
        sizeBytes: ubl.length,
        mimeType: 'application/xml',
      },
      {
        name: 'approval-log.json',
        kind: 'approval_log',
        sha256: sha256Hex(approvals),
        sizeBytes: approvals.length,
        mimeType: 'application/json',
      },
      ...proofParts,
    ],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2), 'utf8');
  const now = deps.clock.now();
  const parts = [
    { kind: 'pdf' as const, bytes: pdf, mimeType: 'application/pdf' },
    { kind: 'ubl' as const, bytes: ubl, mimeType: 'application/xml' },
    { kind: 'manifest' as const, bytes: manifestBytes, mimeType: 'application/json' },
  ];
  for (const p of parts) {
    const hash = sha256Hex(p.bytes);
    const key = `invoices/${organizationId}/${invoiceId}/${p.kind}-${hash}`;
    if (!(await deps.storage.exists(key))) await deps.storage.put(key, p.bytes, p.mimeType);
    await deps.database.db
      .insert(invoiceFiles)
      .values({
        organizationId,
        invoiceId,
        kind: p.kind,
        storageKey: key,
        sha256: hash,
        sizeBytes: p.bytes.length,
        mimeType: p.mimeType,
        createdAt: now,
      })
      .onConflictDoNothing();
  }
  // The accountant sees the proof where they work: the PDF goes to the document at each provider.
  await enqueueAttachmentPushes(deps, organizationId, invoiceId);
  return { number: header.number, parts: manifest.parts.length };
};

export const invoiceFile = async (
  deps: Pick<Deps, 'database' | 'storage'>,
  organizationId: string,
  invoiceId: string,
  kind: 'pdf' | 'ubl' | 'manifest',
) => {
  const [file] = await deps.database.db
    .select()
    .from(invoiceFiles)
    .where(
      and(
        eq(invoiceFiles.organizationId, organizationId),
        eq(invoiceFiles.invoiceId, invoiceId),
        eq(invoiceFiles.kind, kind),
      ),
    );
  if (!file) {
    throw new AppError('not_ready', 'The packet is still being rendered; try again shortly', {
      fields: [{ field: kind, message: 'not rendered yet' }],
      extra: { retryAfterSeconds: 2 },
    });
  }
  const bytes = await deps.storage.get(file.storageKey);
  if (!bytes) throw new Error(`stored ${kind} of ${invoiceId} is missing`);
  return { file, bytes };
};

/** The whole packet as one ZIP: manifest, PDF, UBL, approval log and the original proof files. */
export const packetZip = async (deps: Deps, organizationId: string, row: InvoiceRow): Promise<Buffer> => {
  const manifest = await invoiceFile(deps, organizationId, row.id, 'manifest');
  const pdf = await invoiceFile(deps, organizationId, row.id, 'pdf');
  const ubl = await invoiceFile(deps, organizationId, row.id, 'ubl');
  const parsed = JSON.parse(manifest.bytes.toString('utf8')) as Manifest;
  const { proof, files } =
    row.kind === 'invoice'
      ? await proofOf(deps, organizationId, row.jobId)
      : { proof: EMPTY_PROOF, files: [] };
  const entries: Record<string, Uint8Array> = {
    'manifest.json': manifest.bytes,
    [`${row.number}.pdf`]: pdf.bytes,
    [`${row.number}.xml`]: ubl.bytes,
    'approval-log.json': Buffer.from(JSON.stringify(proof.approvals, null, 2), 'utf8'),
  };
  for (const f of files) {
    if (!parsed.parts.some((p) => p.name === f.name)) continue;
    const bytes = await deps.storage.get(f.key);
    if (bytes) entries[f.name] = bytes;
  }
  // A fixed mtime keeps the archive's bytes stable for the same packet.
  // fflate loads on first use, like the renderers.
  const { zipSync } = await import('fflate');
  return Buffer.from(zipSync(entries, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') }));
};

export type { Database };

/**
 * Renders, right away, the packets of a job's issued documents that have none yet: the prepare job calls it
 * after its transaction commits, so a packet is ready without waiting for the render queue's next poll (the
 * queued render stays as the safety net and finds the files there).
 */
export const renderPendingOfJob = async (deps: Deps, organizationId: string, jobId: string) => {
  const { rows } = await deps.database.raw.query<{ id: string }>(
    `SELECT i.id FROM invoices i
      WHERE i.organization_id = $1 AND i.job_id = $2 AND i.number IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM invoice_files f
                         WHERE f.organization_id = i.organization_id AND f.invoice_id = i.id AND f.kind = 'manifest')`,
    [organizationId, jobId],
  );
  for (const r of rows) await renderPacket(deps, organizationId, r.id);
  return rows.length;
};
