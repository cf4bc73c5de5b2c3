import { and, eq, inArray, like, ne } from 'drizzle-orm';
import type { Db } from '../client';
import { attachments } from '../schema';

/**
 * Which of `ids` are photos of the job (its image attachments; a signature is not a photo), with where each
 * file is kept.
 */
export const jobPhotosAmong = async (
  db: Db,
  organizationId: string,
  jobId: string,
  ids: readonly string[],
) =>
  ids.length === 0
    ? []
    : db
        .select({ id: attachments.id, storageKey: attachments.storageKey })
        .from(attachments)
        .where(
          and(
            eq(attachments.organizationId, organizationId),
            eq(attachments.jobId, jobId),
            inArray(attachments.id, [...ids]),
            like(attachments.mimeType, 'image/%'),
            ne(attachments.category, 'signature'),
          ),
        );
