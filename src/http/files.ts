import type { FastifyReply } from 'fastify';

/** PDFs open in place (the office previews them inline); everything else downloads. */
export const sendFile = (reply: FastifyReply, bytes: Buffer, type: string, name: string, sha256?: string) => {
  const disposition = type === 'application/pdf' ? 'inline' : 'attachment';
  reply.header('content-type', type).header('content-disposition', `${disposition}; filename="${name}"`);
  if (sha256) reply.header('etag', `"${sha256}"`);
  return reply.send(bytes);
};

/** A photo we encoded ourselves, shown in the page: its type as stored, never sniffed as anything else. */
export const sendPhoto = (reply: FastifyReply, photo: { bytes: Buffer; type: string }) =>
  reply
    .type(photo.type)
    .header('cache-control', 'private, max-age=3600')
    .header('x-content-type-options', 'nosniff')
    .send(photo.bytes);
