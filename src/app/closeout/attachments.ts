import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import exifr from 'exifr';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import type { PhotoCategory } from '../../core/closeout-rules';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { attachments } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import { assertPassivePdf, MAX_IMAGE_PIXELS, reencodeImage } from '../files/safe-files';
import { lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';

/** What we accept as proof of work, by the content's magic bytes (never by name or declared type). */
export const ALLOWED_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/heic',
  'image/heif',
  'application/pdf',
]);
const GENERIC_DECLARED = new Set(['application/octet-stream', '']);

export type AttachmentRow = typeof attachments.$inferSelect;

const THUMBNAIL_PX = 320;

/** EXIF capture time and GPS, when the file carries them; a file without EXIF is fine. */
const readExif = async (bytes: Buffer, mime: string) => {
  if (mime === 'application/pdf') return {};
  try {
    const [tags, gps] = await Promise.all([
      exifr.parse(bytes, { pick: ['DateTimeOriginal', 'CreateDate'] }) as Promise<
        { DateTimeOriginal?: Date; CreateDate?: Date } | undefined
      >,
      exifr.gps(bytes).catch(() => undefined) as Promise<
        { latitude?: number; longitude?: number } | undefined
      >,
    ]);
    const capturedAt = tags?.DateTimeOriginal ?? tags?.CreateDate;
    return {
      capturedAt: capturedAt instanceof Date && !Number.isNaN(capturedAt.getTime()) ? capturedAt : null,
      latitude: typeof gps?.latitude === 'number' && Number.isFinite(gps.latitude) ? gps.latitude : null,
      longitude: typeof gps?.longitude === 'number' && Number.isFinite(gps.longitude) ? gps.longitude : null,
    };
  } catch {
    return {};
  }
};

/** A small JPEG for the packet and the photo grid; formats libvips cannot decode here simply get none. */
const thumbnail = async (bytes: Buffer, mime: string): Promise<Buffer | null> => {
  if (!mime.startsWith('image/')) return null;
  try {
    return await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS })
      .rotate()
      .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
      // JPEG has no transparency: a signature's clear background is paper white, not black.
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 75 })
      .toBuffer();
  } catch {
    return null;
  }
};

/**
 * Keeps a file (already encoded again) once per organization by its SHA-256, with a thumbnail when it is an
 * image libvips can read. Bytes first, then the caller's row: a crash in between leaves an unreferenced
 * object, never a row without bytes.
 */
export const storeFile = async (
  deps: Pick<Deps, 'storage'>,
  organizationId: string,
  bytes: Buffer,
  mime: string,
) => {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const storageKey = `${organizationId}/${sha256}`;
  if (!(await deps.storage.exists(storageKey))) await deps.storage.put(storageKey, bytes, mime);
  const thumb = await thumbnail(bytes, mime);
  const thumbnailKey = thumb ? `${storageKey}-thumb` : null;
  if (thumb && thumbnailKey && !(await deps.storage.exists(thumbnailKey)))
    await deps.storage.put(thumbnailKey, thumb, 'image/jpeg');
  return { sha256, storageKey, thumbnailKey };
};

/**
 * A stored image, small (its 320 px JPEG thumbnail, when it has one) or as kept; null when its bytes are gone.
 */
export const storedImage = async (
  deps: Pick<Deps, 'storage'>,
  row: { storageKey: string; thumbnailKey: string | null; mimeType: string },
  size: 'small' | 'large',
) => {
  const small = size === 'small' ? row.thumbnailKey : null;
  const bytes = await deps.storage.get(small ?? row.storageKey);
  return bytes ? { bytes, type: small ? 'image/jpeg' : row.mimeType } : null;
};

/**
 * Stores an upload for one job. The type is sniffed from the bytes and must match what the client declared;
 * bytes are stored once per organization by SHA-256, and the same file uploaded twice to a job in one
 * category is the same attachment.
 */
export const uploadAttachment = async (
  deps: Deps,
  input: {
    organizationId: string;
    jobId: string;
    category: PhotoCategory;
    bytes: Buffer;
    declaredType: string;
    originalName: string | null;
    actor: Actor;
  },
): Promise<{ attachment: AttachmentRow; created: boolean }> => {
  const sniffed = await fileTypeFromBuffer(input.bytes);
  if (!sniffed || !ALLOWED_TYPES.has(sniffed.mime)) {
    throw new AppError(
      'unsupported_media_type',
      `Only JPEG, PNG, WebP, HEIC and PDF are accepted${sniffed ? `, not ${sniffed.mime}` : ''}`,
      {
        fields: [
          { field: 'file', message: sniffed ? `content is ${sniffed.mime}` : 'content type not recognized' },
        ],
      },
    );
  }
  const declared = input.declaredType.toLowerCase().split(';')[0]?.trim() ?? '';
  const sameFamily =
    declared === sniffed.mime ||
    (declared === 'image/jpg' && sniffed.mime === 'image/jpeg') ||
    (declared.startsWith('image/hei') && sniffed.mime.startsWith('image/hei'));
  if (!GENERIC_DECLARED.has(declared) && !sameFamily) {
    throw new AppError(
      'unsupported_media_type',
      `The file says it is ${declared} but its content is ${sniffed.mime}`,
      {
        fields: [{ field: 'file', message: `declared ${declared}, content is ${sniffed.mime}` }],
      },
    );
  }
  // When and where it was taken is read from the original; what is stored is only its pixels, encoded again.
  if (sniffed.mime === 'application/pdf') assertPassivePdf(input.bytes);
  const exif = await readExif(input.bytes, sniffed.mime);
  const stored = await reencodeImage(input.bytes, sniffed.mime);
  const { sha256, storageKey, thumbnailKey } = await storeFile(
    deps,
    input.organizationId,
    stored,
    sniffed.mime,
  );

  return deps.database.transaction(async (tx) => {
    await lockJob(tx, input.organizationId, input.jobId);
    const [existing] = await tx.db
      .select()
      .from(attachments)
      .where(
        and(
          eq(attachments.organizationId, input.organizationId),
          eq(attachments.jobId, input.jobId),
          eq(attachments.sha256, sha256),
          eq(attachments.category, input.category),
        ),
      );
    if (existing) return { attachment: existing, created: false };
    const [row] = await tx.db
      .insert(attachments)
      .values({
        organizationId: input.organizationId,
        id: deps.ids.uuid(),
        jobId: input.jobId,
        category: input.category,
        sha256,
        mimeType: sniffed.mime,
        sizeBytes: stored.length,
        storageKey,
        thumbnailKey,
        originalName: input.originalName?.slice(0, 255) ?? null,
        capturedAt: exif.capturedAt ?? null,
        latitude: exif.latitude ?? null,
        longitude: exif.longitude ?? null,
        uploadedByType: input.actor.type,
        uploadedById: input.actor.id,
        createdAt: deps.clock.now(),
      })
      .returning();
    if (!row) throw new Error('attachment insert returned nothing');
    await appendAudit(tx, deps, {
      organizationId: input.organizationId,
      aggregateType: 'job',
      aggregateId: input.jobId,
      action: 'job.attachment_added',
      actor: input.actor,
      changes: {
        attachmentId: row.id,
        category: row.category,
        sha256,
        mimeType: row.mimeType,
        sizeBytes: row.sizeBytes,
      },
    });
    return { attachment: row, created: true };
  });
};

export const getAttachment = async (deps: Deps, organizationId: string, id: string) => {
  const [row] = await deps.database.db
    .select()
    .from(attachments)
    .where(and(eq(attachments.organizationId, organizationId), eq(attachments.id, id)));
  if (!row) throw notFound('attachment');
  return row;
};

export const listAttachments = (deps: Deps, organizationId: string, jobId: string) =>
  deps.database.db
    .select()
    .from(attachments)
    .where(and(eq(attachments.organizationId, organizationId), eq(attachments.jobId, jobId)))
    .orderBy(asc(attachments.createdAt), asc(attachments.id));

/**
 * Archives attachments no accepted closeout references once they are older than the retention period,
 * and deletes their bytes when no live attachment shares them. Referenced attachments (the proof behind
 * an invoice) are kept.
 */
export const purgeUnreferencedAttachments = async (deps: Deps, olderThanDays: number) => {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanDays * 86_400_000);
  const { rows } = await deps.database.raw.query<{
    organization_id: string;
    id: string;
    storage_key: string;
    thumbnail_key: string | null;
  }>(
    `SELECT a.organization_id, a.id, a.storage_key, a.thumbnail_key
       FROM attachments a
      WHERE a.archived_at IS NULL AND a.created_at < $1
        AND NOT EXISTS (
          SELECT 1 FROM closeout_submissions s
           WHERE s.organization_id = a.organization_id AND s.job_id = a.job_id
             AND s.outcome IN ('accepted', 'exception')
             AND (s.body->'attachmentIds' ? a.id::text OR s.body->'signature'->>'attachmentId' = a.id::text))
      LIMIT 1000`,
    [cutoff],
  );
  let bytesDeleted = 0;
  for (const r of rows) {
    await deps.database.transaction(async (tx) => {
      await tx.raw.query('UPDATE attachments SET archived_at = $1 WHERE organization_id = $2 AND id = $3', [
        deps.clock.now(),
        r.organization_id,
        r.id,
      ]);
      await appendAudit(tx, deps, {
        organizationId: r.organization_id,
        aggregateType: 'attachment',
        aggregateId: r.id,
        action: 'attachment.archived',
        actor: { type: 'system', id: null },
        changes: { reason: `unreferenced for ${olderThanDays} days` },
      });
    });
    const { rows: live } = await deps.database.raw.query(
      'SELECT 1 FROM attachments WHERE storage_key = $1 AND archived_at IS NULL LIMIT 1',
      [r.storage_key],
    );
    if (live.length === 0) {
      await deps.storage.delete(r.storage_key);
      if (r.thumbnail_key) await deps.storage.delete(r.thumbnail_key);
      bytesDeleted++;
    }
  }
  return { archived: rows.length, bytesDeleted };
};
