import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { Problem } from '../contracts/common';
import { AppError } from '../core/errors';
import { refuseNul } from './errors';

/** What an upload route may answer besides success: a refusal, a conflict, too large, not a file it takes. */
export const UPLOAD_ERRORS = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
  413: Problem,
  415: Problem,
};

/**
 * The one file of a multipart/form-data upload, and the field sent before it parsed with its schema: a
 * request that is not multipart, has no file, or a field missing or wrong is refused naming the field.
 */
export const uploadedFile = async <T>(
  request: FastifyRequest,
  field: { name: string; schema: z.ZodType<T>; allowed: readonly string[] },
): Promise<{ file: MultipartFile; value: T }> => {
  if (!request.isMultipart())
    throw new AppError('unsupported_media_type', 'Send multipart/form-data', {
      fields: [{ field: 'header.content-type', message: 'not multipart' }],
    });
  const file = await request.file();
  if (!file)
    throw new AppError('validation_failed', 'No file in the upload', {
      fields: [{ field: 'file', message: 'required' }],
    });
  const raw = (file.fields[field.name] as { value?: unknown } | undefined)?.value;
  const parsed = field.schema.safeParse(raw);
  if (!parsed.success)
    throw new AppError(
      'validation_failed',
      `${field.name} must be one of ${field.allowed.join(', ')}, sent before the file`,
      {
        fields: [
          {
            field: field.name,
            message: raw === undefined ? 'required (before the file part)' : `unknown ${field.name}`,
          },
        ],
      },
    );
  refuseNul(file.filename, 'file.filename');
  return { file, value: parsed.data };
};

/** The one file of a multipart/form-data upload that takes no other field (a photo). */
export const onlyFile = async (request: FastifyRequest): Promise<Buffer> => {
  const file = request.isMultipart() ? await request.file() : undefined;
  if (!file)
    throw new AppError('unsupported_media_type', 'Send the photo as multipart/form-data', {
      fields: [{ field: 'file', message: 'required' }],
    });
  return file.toBuffer();
};
