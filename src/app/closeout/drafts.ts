import { and, eq } from 'drizzle-orm';
import { closeoutDrafts } from '../../db/schema';
import { lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { assertTakesCloseout } from './submit-closeout';

export const saveDraft = (
  deps: Deps,
  organizationId: string,
  jobId: string,
  authorId: string,
  body: unknown,
) =>
  deps.database.transaction(async (tx) => {
    const job = await lockJob(tx, organizationId, jobId);
    assertTakesCloseout(job);
    const now = deps.clock.now();
    await tx.db
      .insert(closeoutDrafts)
      .values({ organizationId, jobId, authorId, body, updatedAt: now })
      .onConflictDoUpdate({
        target: [closeoutDrafts.organizationId, closeoutDrafts.jobId, closeoutDrafts.authorId],
        set: { body, updatedAt: now },
      });
    return now;
  });

export const loadDraft = async (deps: Deps, organizationId: string, jobId: string, authorId: string) => {
  const [row] = await deps.database.db
    .select()
    .from(closeoutDrafts)
    .where(
      and(
        eq(closeoutDrafts.organizationId, organizationId),
        eq(closeoutDrafts.jobId, jobId),
        eq(closeoutDrafts.authorId, authorId),
      ),
    );
  return row;
};
