import { AppError } from '../core/errors';
import { passwordProblems } from '../core/password-policy';
import { type Actor, SYSTEM_ACTOR } from '../core/principal';
import type { Role } from '../core/roles';
import type { Tx } from '../db/client';
import { users } from '../db/schema';
import { appendAudit } from './audit';
import { hashPassword } from './auth/secrets';
import type { Deps } from './ports';

export type NewUser = {
  email: string;
  name: string;
  password: string;
  roles: Role[];
  laborRole?: string | undefined;
  hourlyRate?: string | undefined;
};

/** Inserts a user in the caller's transaction, after the password policy and the e-mail uniqueness check. */
export const insertUser = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  input: NewUser,
  actor: Actor = SYSTEM_ACTOR,
) => {
  const problems = passwordProblems(input.password, input.email);
  if (problems.length > 0) {
    throw new AppError('validation_failed', `password ${problems.join('; ')}`, {
      fields: problems.map((message) => ({ field: 'body.password', message })),
    });
  }
  const email = input.email.trim().toLowerCase();
  const { rows } = await tx.raw.query('SELECT 1 FROM users WHERE lower(email) = $1', [email]);
  if (rows.length > 0) {
    throw new AppError('conflict', 'A user with this e-mail already exists', {
      fields: [{ field: 'body.email', message: 'already in use' }],
    });
  }
  const roles = [...new Set(input.roles)];
  const [user] = await tx.db
    .insert(users)
    .values({
      id: deps.ids.uuid(),
      organizationId,
      email,
      name: input.name,
      passwordHash: await hashPassword(input.password),
      roles,
      laborRole: input.laborRole ?? null,
      hourlyRate: input.hourlyRate ?? null,
      createdAt: deps.clock.now(),
    })
    .returning();
  if (!user) throw new Error('user insert returned nothing');
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'user',
    aggregateId: user.id,
    action: 'user.created',
    actor,
    changes: { email, name: input.name, roles },
  });
  return user;
};

export const createUser = (deps: Deps, organizationId: string, input: NewUser, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    // Serialize creations per e-mail so two concurrent requests cannot both pass the uniqueness check.
    await tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `user:${input.email.trim().toLowerCase()}`,
    ]);
    return insertUser(tx, deps, organizationId, input, actor);
  });
