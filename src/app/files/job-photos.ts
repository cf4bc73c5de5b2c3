import { invalidAll } from '../../core/errors';
import type { Db } from '../../db/client';
import { jobPhotosAmong } from '../../db/queries/attachments';

/**
 * The photos a request names (a change order's "why", an on-site quote's pictures), each one of the job's own
 * photos, in the order named; any other ID is refused, naming its place in `body.photoIds`.
 */
export const namedJobPhotos = async (
  db: Db,
  organizationId: string,
  jobId: string,
  ids: readonly string[],
) => {
  const rows = await jobPhotosAmong(db, organizationId, jobId, ids);
  const problems = ids.flatMap((id, i) =>
    rows.some((r) => r.id === id)
      ? []
      : [{ field: `body.photoIds.${i}`, message: 'is not a photo of this job' }],
  );
  if (problems.length > 0) throw invalidAll(problems);
  return ids.flatMap((id) => rows.filter((r) => r.id === id));
};
