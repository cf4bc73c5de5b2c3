import { and, asc, eq, sql } from 'drizzle-orm';
import { fileTypeFromBuffer } from 'file-type';
import { MAX_QUOTE_PHOTOS } from '../../contracts/quotes';
import { AppError, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { quotePhotos, quotes } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { storedImage, storeFile } from '../closeout/attachments';
import { REENCODED, reencodeImage } from '../files/safe-files';
import type { Deps } from '../ports';
import { lockQuote, type QuoteRow, type QuoteVersionRow, statusOf } from './quote-store';

/** The longest side a quote's photo is kept at: enough to see a boiler's plate, small enough for a phone. */
const QUOTE_PHOTO_MAX_PX = 1600;

type Db = Pick<Tx, 'db'>['db'];

/** Photos change with the offer until the customer accepts it: then they are part of what was agreed. */
const assertChangeable = (quote: QuoteRow, version: QuoteVersionRow) => {
  if (quote.jobId || statusOf(version) === 'accepted')
    throw new AppError('invalid_transition', `${quote.number} was accepted: its photos are part of it now`, {
      fields: [{ field: 'id', message: 'accepted' }],
    });
};

/** Refuses a quote of another organization (or none) before an upload is read. */
export const ensureQuote = async (db: Db, organizationId: string, quoteId: string) => {
  const [q] = await db
    .select({ id: quotes.id })
    .from(quotes)
    .where(and(eq(quotes.organizationId, organizationId), eq(quotes.id, quoteId)));
  if (!q) throw notFound('quote');
};

/** The quote's photo IDs, in the order they were added. */
export const quotePhotoIds = async (db: Db, organizationId: string, quoteId: string) =>
  (
    await db
      .select({ id: quotePhotos.id })
      .from(quotePhotos)
      .where(and(eq(quotePhotos.organizationId, organizationId), eq(quotePhotos.quoteId, quoteId)))
      .orderBy(asc(quotePhotos.createdAt), asc(quotePhotos.id))
  ).map((r) => r.id);

/**
 * A photo from the site visit added to a quote: only a JPEG, PNG or WebP (sniffed, never as declared), kept
 * as its pixels only (no location or camera data reaches the customer), with a thumbnail; the same photo
 * twice is one photo. At most MAX_QUOTE_PHOTOS, and none once the quote is accepted.
 */
export const addQuotePhoto = async (
  deps: Deps,
  organizationId: string,
  quoteId: string,
  sent: Buffer,
  actor: Actor,
) => {
  const sniffed = await fileTypeFromBuffer(sent);
  if (!sniffed || !REENCODED.has(sniffed.mime))
    throw new AppError('unsupported_media_type', 'A photo is a JPEG, PNG or WebP image', {
      fields: [{ field: 'file', message: `is ${sniffed?.mime ?? 'not an image'}` }],
    });
  const bytes = await reencodeImage(sent, sniffed.mime, QUOTE_PHOTO_MAX_PX);
  const { sha256, storageKey, thumbnailKey } = await storeFile(deps, organizationId, bytes, sniffed.mime);
  return deps.database.transaction(async (tx) => {
    const { quote, version } = await lockQuote(tx, organizationId, quoteId);
    assertChangeable(quote, version);
    const [same] = await tx.db
      .select({ id: quotePhotos.id })
      .from(quotePhotos)
      .where(
        and(
          eq(quotePhotos.organizationId, organizationId),
          eq(quotePhotos.quoteId, quoteId),
          eq(quotePhotos.sha256, sha256),
        ),
      );
    if (same) return { id: same.id, created: false };
    const [count] = await tx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(quotePhotos)
      .where(and(eq(quotePhotos.organizationId, organizationId), eq(quotePhotos.quoteId, quoteId)));
    if ((count?.n ?? 0) >= MAX_QUOTE_PHOTOS)
      throw new AppError('validation_failed', `At most ${MAX_QUOTE_PHOTOS} photos on a quote`, {
        fields: [{ field: 'file', message: `${MAX_QUOTE_PHOTOS} photos already` }],
      });
    const id = deps.ids.uuid();
    await tx.db.insert(quotePhotos).values({
      organizationId,
      id,
      quoteId,
      storageKey,
      thumbnailKey,
      sha256,
      mimeType: sniffed.mime,
      sizeBytes: bytes.length,
      createdBy: actor.type === 'user' ? actor.id : null,
      createdAt: deps.clock.now(),
    });
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'quote',
      aggregateId: quoteId,
      action: 'quote.photo_added',
      actor,
      changes: { photoId: id, sha256 },
    });
    return { id, created: true };
  });
};

/** A photo taken off a quote that is not accepted yet. */
export const removeQuotePhoto = (
  deps: Deps,
  organizationId: string,
  quoteId: string,
  photoId: string,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { quote, version } = await lockQuote(tx, organizationId, quoteId);
    assertChangeable(quote, version);
    const gone = await tx.db
      .delete(quotePhotos)
      .where(
        and(
          eq(quotePhotos.organizationId, organizationId),
          eq(quotePhotos.quoteId, quoteId),
          eq(quotePhotos.id, photoId),
        ),
      )
      .returning({ id: quotePhotos.id });
    if (gone.length === 0) throw notFound('photo', 'photoId');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'quote',
      aggregateId: quoteId,
      action: 'quote.photo_removed',
      actor,
      changes: { photoId },
    });
  });

/** One of a quote's photos, small (a 320 px JPEG) or as kept. */
export const quotePhoto = async (
  deps: Deps,
  organizationId: string,
  quoteId: string,
  photoId: string,
  size: 'small' | 'large',
) => {
  const [row] = await deps.database.db
    .select()
    .from(quotePhotos)
    .where(
      and(
        eq(quotePhotos.organizationId, organizationId),
        eq(quotePhotos.quoteId, quoteId),
        eq(quotePhotos.id, photoId),
      ),
    );
  if (!row) throw notFound('photo', 'photoId');
  const photo = await storedImage(deps, row, size);
  if (!photo) throw notFound('photo', 'photoId');
  return photo;
};
