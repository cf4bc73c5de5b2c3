import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { closeoutLines, closeoutSubmissions, users } from '../../db/schema';
import type { Deps } from '../ports';

/**
 * What the office sees of a job's closeout: the submission in force (accepted or by exception) with its
 * billable lines, the latest refusal when the job still needs information, and every submission since.
 */
export const closeoutRecord = async (deps: Deps, organizationId: string, jobId: string) => {
  const db = deps.database.db;
  const submissions = await db
    .select()
    .from(closeoutSubmissions)
    .where(and(eq(closeoutSubmissions.organizationId, organizationId), eq(closeoutSubmissions.jobId, jobId)))
    .orderBy(closeoutSubmissions.createdAt);
  const inForce = submissions.filter((s) => s.outcome !== 'incomplete').at(-1) ?? null;
  const last = submissions.at(-1) ?? null;
  const lines = inForce
    ? await db
        .select()
        .from(closeoutLines)
        .where(and(eq(closeoutLines.organizationId, organizationId), eq(closeoutLines.jobId, jobId)))
        .orderBy(closeoutLines.position)
    : [];
  const actorIds = [...new Set(submissions.map((s) => s.actorId).filter((id): id is string => !!id))];
  const names = new Map(
    actorIds.length
      ? (
          await db
            .select({ id: users.id, name: users.name })
            .from(users)
            .where(
              inArray(
                users.id,
                actorIds.filter((id) => z.uuid().safeParse(id).success),
              ),
            )
        ).map((u) => [u.id, u.name] as const)
      : [],
  );
  return { submissions, inForce, last, refusal: last?.outcome === 'incomplete' ? last : null, lines, names };
};
