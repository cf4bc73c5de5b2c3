import type { Deps } from '../app/ports';
import { notFound } from '../core/errors';
import type { Principal } from '../core/principal';
import { seesAllJobs } from '../core/roles';
import { isAssigned, jobExists } from '../db/queries/jobs';

const NOBODY = '00000000-0000-0000-0000-000000000000';

/** Technicians (and technician API keys) see only the jobs they are assigned to. */
export const visibleTo = (p: Principal): string | undefined =>
  seesAllJobs(p.roles) ? undefined : p.kind === 'user' ? p.userId : NOBODY;

/**
 * 404 unless the caller may see the job: office roles any job of their organization, technicians only the
 * jobs they are assigned to. 'locked-later' skips the existence query for office callers when the use case
 * locks the row anyway (its lock answers 404).
 */
export const ensureJobVisible = async (
  deps: Pick<Deps, 'database'>,
  p: Principal,
  jobId: string,
  existence: 'check' | 'locked-later' = 'check',
) => {
  const userId = visibleTo(p);
  if (userId !== undefined) {
    if (!(await isAssigned(deps.database.db, p.organizationId, jobId, userId))) throw notFound('job');
  } else if (existence === 'check' && !(await jobExists(deps.database.db, p.organizationId, jobId))) {
    throw notFound('job');
  }
};
