import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { fileTypeFromBuffer } from 'file-type';
import { DISPUTE_PHOTO_TYPES, MAX_DISPUTE_PHOTOS } from '../../contracts/portal';
import { AppError, notFound } from '../../core/errors';
import { SYSTEM_ACTOR } from '../../core/principal';
import { disputePhotos } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { sha256Hex } from '../auth/secrets';
import { reencodeImage } from '../files/safe-files';
import type { Deps } from '../ports';
import { openDisputeOf } from './disputes';
import { portalDocument } from './portal-view';

/** A dispute photo's longer side once stored: enough to see a scratch or a missing part. */
const PHOTO_MAX_PX = 1600;

/**
 * A photo the customer adds to their open dispute about a document, from the same link: only an image
 * (sniffed, never as declared), re-encoded so only its pixels are kept, at most MAX_DISPUTE_PHOTOS, audited on
 * the document's history. Refused when nothing is disputed: the words come first.
 */
export const addDisputePhoto = async (deps: Deps, token: string, invoiceId: string, sent: Buffer) => {
  const sniffed = await fileTypeFromBuffer(sent);
  const mime = DISPUTE_PHOTO_TYPES.find((t) => t === sniffed?.mime);
  if (!mime)
    throw new AppError('unsupported_media_type', 'A photo is a JPEG, PNG or WebP image', {
      fields: [{ field: 'file', message: `is ${sniffed?.mime ?? 'not an image'}` }],
    });
  const bytes = await reencodeImage(sent, mime, PHOTO_MAX_PX);
  const sha256 = sha256Hex(bytes);
  return deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const { who, invoice } = await portalDocument(tx, token, invoiceId, now);
    const dispute = await openDisputeOf(tx, who.organizationId, invoice.id);
    if (!dispute)
      throw new AppError('invalid_transition', 'Tell us what is wrong first, then add your photos', {
        fields: [{ field: 'id', message: 'nothing is disputed on this document' }],
      });
    const [count] = await tx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(disputePhotos)
      .where(
        and(eq(disputePhotos.organizationId, who.organizationId), eq(disputePhotos.disputeId, dispute.id)),
      );
    if ((count?.n ?? 0) >= MAX_DISPUTE_PHOTOS)
      throw new AppError('validation_failed', `At most ${MAX_DISPUTE_PHOTOS} photos with one message`, {
        fields: [{ field: 'file', message: `${MAX_DISPUTE_PHOTOS} photos already` }],
      });
    const key = `disputes/${who.organizationId}/${dispute.id}/${sha256}`;
    if (!(await deps.storage.exists(key))) await deps.storage.put(key, bytes, mime);
    const id = deps.ids.uuid();
    await tx.db.insert(disputePhotos).values({
      organizationId: who.organizationId,
      id,
      disputeId: dispute.id,
      storageKey: key,
      sha256,
      mimeType: mime,
      sizeBytes: bytes.length,
      createdAt: now,
    });
    await appendAudit(tx, deps, {
      organizationId: who.organizationId,
      aggregateType: 'invoice',
      aggregateId: invoice.id,
      action: 'invoice.dispute_photo_added',
      actor: SYSTEM_ACTOR,
      changes: { disputeId: dispute.id, photoId: id, sha256 },
    });
    return { disputeId: dispute.id, photos: (count?.n ?? 0) + 1 };
  });
};

/** The photo IDs of each dispute, oldest first. */
export const photosOfDisputes = async (deps: Deps, organizationId: string, disputeIds: string[]) => {
  if (disputeIds.length === 0) return new Map<string, string[]>();
  const rows = await deps.database.db
    .select({ id: disputePhotos.id, disputeId: disputePhotos.disputeId })
    .from(disputePhotos)
    .where(
      and(eq(disputePhotos.organizationId, organizationId), inArray(disputePhotos.disputeId, disputeIds)),
    )
    .orderBy(asc(disputePhotos.createdAt), asc(disputePhotos.id));
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.disputeId, [...(out.get(r.disputeId) ?? []), r.id]);
  return out;
};

/** One of a dispute's photos, for the office. */
export const disputePhoto = async (
  deps: Deps,
  organizationId: string,
  disputeId: string,
  photoId: string,
) => {
  const [row] = await deps.database.db
    .select()
    .from(disputePhotos)
    .where(
      and(
        eq(disputePhotos.organizationId, organizationId),
        eq(disputePhotos.disputeId, disputeId),
        eq(disputePhotos.id, photoId),
      ),
    );
  if (!row) throw notFound('dispute photo', 'photoId');
  const bytes = await deps.storage.get(row.storageKey);
  if (!bytes) throw new Error(`stored dispute photo ${photoId} is missing`);
  return { bytes, mimeType: row.mimeType, sha256: row.sha256 };
};
