import { and, isNotNull, lt, or } from 'drizzle-orm';
import { loginAttempts, sessions } from '../../db/schema/index';
import type { Deps } from '../ports';

/** Deletes sessions that ended long ago and sign-in attempts past the throttling window. */
export const purgeExpired = async (deps: Deps, olderThanDays: number) => {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanDays * 86_400_000);
  return deps.database.transaction(async (tx) => {
    const gone = await tx.db
      .delete(sessions)
      .where(
        or(
          lt(sessions.expiresAt, cutoff),
          and(isNotNull(sessions.revokedAt), lt(sessions.revokedAt, cutoff)),
        ),
      )
      .returning({ tokenHash: sessions.tokenHash });
    const attempts = await tx.db
      .delete(loginAttempts)
      .where(lt(loginAttempts.at, new Date(deps.clock.now().getTime() - 86_400_000)))
      .returning({ id: loginAttempts.id });
    return { sessions: gone.length, loginAttempts: attempts.length };
  });
};
