import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { AppError } from '../../core/errors';

/**
 * What an upload may be before it is stored (#27): images are measured from their header before any pixel is
 * decoded (a 20,000 × 20,000 PNG is a decompression bomb, not a photo), then decoded within that bound and
 * encoded again, so only pixels survive: no metadata, comment segments, trailing bytes or HTML hidden in a
 * polyglot. A PDF carrying JavaScript, launch actions or embedded files is refused.
 */

/** The largest image accepted: 50 megapixels (a phone's photo is 12 to 48). */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** The logo goes into every PDF: at most this many pixels on its longer side once stored. */
export const LOGO_MAX_PX = 1200;

/** Images stored re-encoded, and therefore safe to show inline. */
export const REENCODED = new Set(['image/jpeg', 'image/png', 'image/webp']);

const refuse = (message: string, field = 'file') =>
  new AppError('unsupported_media_type', message, { fields: [{ field, message }] });

/** Width and height from the header alone; a file whose header cannot be read is refused. */
export const measureImage = async (bytes: Buffer, field = 'file') => {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw refuse('The image cannot be read', field);
  }
  const { width, height } = meta;
  if (!width || !height) throw refuse('The image has no size', field);
  if (width * height > MAX_IMAGE_PIXELS)
    throw new AppError(
      'payload_too_large',
      `The image is ${width} × ${height} pixels; at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels are accepted`,
      { fields: [{ field, message: `${width} × ${height} pixels is too large` }] },
    );
  return { width, height };
};

/**
 * Decodes (bounded) and encodes an image again in its own format, turned upright by its EXIF orientation,
 * with nothing kept but the pixels. HEIC, which this build cannot encode, is kept as sent and only ever
 * served as a download.
 */
export const reencodeImage = async (bytes: Buffer, mime: string, maxSide?: number): Promise<Buffer> => {
  if (!REENCODED.has(mime)) return bytes;
  await measureImage(bytes);
  let img = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).rotate();
  if (maxSide) img = img.resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true });
  if (mime === 'image/jpeg') return img.jpeg({ quality: 90 }).toBuffer();
  if (mime === 'image/png') return img.png().toBuffer();
  return img.webp({ quality: 90 }).toBuffer();
};

/** PDF names that run code or carry other files; matched after #xx escapes in names are decoded. */
const ACTIVE = /\/(JavaScript|JS|Launch|EmbeddedFile|EmbeddedFiles|RichMedia|XFA|SubmitForm|ImportData)\b/;
/** Streams inflated to look inside (object streams hide dictionaries), each at most this large. */
const MAX_STREAMS = 2000;
const MAX_INFLATED = 8 * 1024 * 1024;

const unescapeNames = (text: string) =>
  text.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** What active content a PDF holds, by name, looking in its plain objects and its compressed streams. */
export const activePdfContent = (bytes: Buffer): string | null => {
  const plain = unescapeNames(bytes.toString('latin1'));
  const found = ACTIVE.exec(plain);
  if (found) return found[1] ?? 'active content';
  let at = 0;
  for (let n = 0; n < MAX_STREAMS; n++) {
    const start = plain.indexOf('stream', at);
    if (start < 0) break;
    let from = start + 'stream'.length;
    if (plain[from] === '\r') from++;
    if (plain[from] === '\n') from++;
    const end = plain.indexOf('endstream', from);
    if (end < 0) break;
    at = end + 'endstream'.length;
    try {
      const inner = unescapeNames(
        inflateSync(bytes.subarray(from, end), { maxOutputLength: MAX_INFLATED }).toString('latin1'),
      );
      const hit = ACTIVE.exec(inner);
      if (hit) return hit[1] ?? 'active content';
    } catch {
      // Not a Flate stream (an image, a font): nothing to read in it.
    }
  }
  return null;
};

/** Refuses a PDF that could run something when opened. */
export const assertPassivePdf = (bytes: Buffer) => {
  const active = activePdfContent(bytes);
  if (active)
    throw refuse(
      `The PDF contains ${active === 'JS' || active === 'JavaScript' ? 'JavaScript' : `active content (${active})`}: print it to a plain PDF and upload that`,
    );
};
