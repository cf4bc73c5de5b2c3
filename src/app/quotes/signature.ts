import { AppError } from '../../core/errors';

/**
 * A drawn signature's PNG from its data URL, refused unless it is a PNG with something drawn in it (an
 * empty canvas exports a PNG of about 100 bytes).
 */
export const signaturePng = (dataUrl: string): Buffer => {
  const png = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a' || png.length < 100)
    throw new AppError('validation_failed', 'The signature is not a drawing', {
      fields: [{ field: 'body.signature', message: 'draw your signature' }],
    });
  return png;
};
