import QRCode from 'qrcode';

/** A QR code as an image a page shows inline (an SVG data URI), error correction M as payment codes use. */
export const qrCodeImage = async (text: string) =>
  `data:image/svg+xml;base64,${Buffer.from(
    await QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
  ).toString('base64')}`;
