import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fileTypeFromBuffer } from 'file-type';
import { z } from 'zod';
import {
  type AttachmentRow,
  getAttachment,
  listAttachments,
  uploadAttachment,
} from '../../app/closeout/attachments';
import { setLogo } from '../../app/directory/organizations';
import { REENCODED } from '../../app/files/safe-files';
import { addDisputePhoto } from '../../app/portal/dispute-photos';
import type { Deps } from '../../app/ports';
import { addQuotePhoto, ensureQuote } from '../../app/quotes/quote-photos';
import { AttachmentView } from '../../contracts/closeout';
import { IdParams, Problem } from '../../contracts/common';
import { MAX_DISPUTE_PHOTOS, PortalDocumentParams } from '../../contracts/portal';
import { MAX_QUOTE_PHOTOS } from '../../contracts/quotes';
import { AppError, notFound } from '../../core/errors';
import { PHOTO_CATEGORIES } from '../../core/job-type-templates';
import { actorOf, type Principal } from '../../core/principal';
import { principalOf } from '../auth';
import { ensureJobVisible } from '../job-access';
import { publicLinkRoutes } from '../public-limit';
import { onlyFile, UPLOAD_ERRORS, uploadedFile } from '../uploads';

const errors = UPLOAD_ERRORS;

export const attachmentView = (a: AttachmentRow): z.infer<typeof AttachmentView> => ({
  id: a.id,
  jobId: a.jobId,
  category: a.category,
  sha256: a.sha256,
  mimeType: a.mimeType,
  sizeBytes: a.sizeBytes,
  capturedAt: a.capturedAt?.toISOString() ?? null,
  latitude: a.latitude,
  longitude: a.longitude,
  hasThumbnail: a.thumbnailKey !== null,
  createdAt: a.createdAt.toISOString(),
});

const Category = z.enum(PHOTO_CATEGORIES);

/** Uploads and downloads of proof of work. Bytes are served only to callers who may see the job. */
export const attachmentRoutes = async (root: FastifyInstance, deps: Deps) => {
  await root.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      limits: { fileSize: deps.attachmentMaxBytes, files: 1, fields: 5, parts: 6, fieldSize: 1000 },
      throwFileSizeLimit: true,
    });
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const ensureVisible = (p: Principal, jobId: string) => ensureJobVisible(deps, p, jobId);

    app.post(
      '/jobs/:id/attachments',
      {
        config: { access: 'jobs.attach' },
        schema: {
          tags: ['closeout'],
          summary:
            'Upload proof of work as multipart/form-data: a "category" field (before, after, serial_plate, signature, document, other) and then one "file". JPEG, PNG, WebP, HEIC or PDF, sniffed from the content',
          consumes: ['multipart/form-data'],
          params: IdParams,
          response: { 200: AttachmentView, 201: AttachmentView, ...errors },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        await ensureVisible(p, request.params.id);
        const { file, value: category } = await uploadedFile(request, {
          name: 'category',
          schema: Category,
          allowed: PHOTO_CATEGORIES,
        });
        const bytes = await file.toBuffer();
        const { attachment, created } = await uploadAttachment(deps, {
          organizationId: p.organizationId,
          jobId: request.params.id,
          category,
          bytes,
          declaredType: file.mimetype,
          originalName: file.filename || null,
          actor: actorOf(p),
        });
        return reply.code(created ? 201 : 200).send(attachmentView(attachment));
      },
    );

    app.post(
      '/quotes/:id/photos',
      {
        config: { access: 'quotes.manage' },
        schema: {
          tags: ['quotes'],
          summary: `A photo from the site visit on a quote not accepted yet: one JPEG, PNG or WebP "file" as multipart/form-data (at most ${MAX_QUOTE_PHOTOS}); the same photo twice is one`,
          consumes: ['multipart/form-data'],
          params: IdParams,
          response: { 201: z.object({ id: z.uuid() }), 200: z.object({ id: z.uuid() }), ...errors },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        await ensureQuote(deps.database.db, p.organizationId, request.params.id);
        const added = await addQuotePhoto(
          deps,
          p.organizationId,
          request.params.id,
          await onlyFile(request),
          actorOf(p),
        );
        return reply.code(added.created ? 201 : 200).send({ id: added.id });
      },
    );

    // The customer's photos with a dispute, from their portal link: no account, limited per address.
    await publicLinkRoutes(scope, (pub) => {
      pub.withTypeProvider<ZodTypeProvider>().post(
        '/public/portal/:token/documents/:id/dispute/photos',
        {
          config: { access: 'public' },
          schema: {
            tags: ['payments'],
            summary: `A photo with the customer's open dispute about the document: one JPEG, PNG or WebP "file" as multipart/form-data (at most ${MAX_DISPUTE_PHOTOS})`,
            consumes: ['multipart/form-data'],
            params: PortalDocumentParams,
            response: {
              200: z.object({ disputeId: z.uuid(), photos: z.number().int() }),
              ...errors,
              429: Problem,
            },
          },
        },
        async (request) =>
          addDisputePhoto(deps, request.params.token, request.params.id, await onlyFile(request)),
      );
    });

    app.put(
      '/organization/logo',
      {
        config: { access: 'organization.manage' },
        schema: {
          tags: ['organization'],
          summary:
            'The logo printed on invoices and service reports: one PNG or JPEG "file" as multipart/form-data',
          consumes: ['multipart/form-data'],
          response: { 200: z.object({ sha256: z.string() }), ...errors },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const file = request.isMultipart() ? await request.file() : undefined;
        if (!file)
          throw new AppError('unsupported_media_type', 'Send the logo as multipart/form-data', {
            fields: [{ field: 'file', message: 'required' }],
          });
        const bytes = await file.toBuffer();
        const sniffed = await fileTypeFromBuffer(bytes);
        if (!sniffed || !['image/png', 'image/jpeg'].includes(sniffed.mime))
          throw new AppError('unsupported_media_type', 'A logo is a PNG or a JPEG', {
            fields: [{ field: 'file', message: `is ${sniffed?.mime ?? 'not an image'}` }],
          });
        return setLogo(deps, p.organizationId, bytes, sniffed.mime, actorOf(p));
      },
    );

    app.get(
      '/jobs/:id/attachments',
      {
        config: { access: 'jobs.read' },
        schema: {
          tags: ['closeout'],
          params: IdParams,
          response: { 200: z.object({ items: z.array(AttachmentView) }), ...errors },
        },
      },
      async (request) => {
        const p = principalOf(request);
        await ensureVisible(p, request.params.id);
        return {
          items: (await listAttachments(deps, p.organizationId, request.params.id)).map(attachmentView),
        };
      },
    );

    for (const variant of ['content', 'thumbnail'] as const) {
      app.get(
        `/attachments/:id/${variant}`,
        {
          config: { access: 'jobs.read' },
          schema: {
            tags: ['closeout'],
            summary:
              variant === 'content'
                ? 'The attachment’s bytes, to callers who may see its job'
                : 'A 320 px JPEG thumbnail',
            params: IdParams,
          },
        },
        async (request, reply) => {
          const p = principalOf(request);
          const a = await getAttachment(deps, p.organizationId, request.params.id);
          await ensureVisible(p, a.jobId);
          const key = variant === 'content' ? a.storageKey : a.thumbnailKey;
          if (!key) throw notFound('thumbnail');
          const bytes = await deps.storage.get(key);
          if (!bytes) throw notFound('attachment content');
          // Only images we encoded ourselves are shown in the page; anything else (a PDF, a HEIC) is a download,
          // never sniffed as something else, and sandboxed so nothing in it runs with the app's origin.
          const inline = variant === 'thumbnail' || REENCODED.has(a.mimeType);
          return reply
            .type(variant === 'content' ? a.mimeType : 'image/jpeg')
            .header('cache-control', 'private, max-age=3600')
            .header('x-content-type-options', 'nosniff')
            .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'")
            .header(
              'content-disposition',
              inline
                ? 'inline'
                : `attachment; filename="${a.mimeType === 'application/pdf' ? 'document.pdf' : `photo.${a.mimeType.split('/')[1] ?? 'bin'}`}"`,
            )
            .header('etag', `"${a.sha256}${variant === 'thumbnail' ? '-t' : ''}"`)
            .send(bytes);
        },
      );
    }
  });
};
