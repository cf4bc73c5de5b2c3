import { and, eq, isNull, sql } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { checkPasswordPolicy } from '../../core/password-policy';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import type { Role } from '../../core/roles';
import type { Tx } from '../../db/client';
import { apiKeys, people, sessions, users } from '../../db/schema/index';
import { appendAudit } from '../audit/audit';
import { type PersonRow, personByEmail } from '../auth/person';
import { hashPassword } from '../auth/secrets';
import type { Deps } from '../ports';

export type NewUser = {
  email: string;
  name: string;
  password: string;
  roles: Role[];
  laborRole?: string | undefined;
  hourlyRate?: string | undefined;
};

/** Serializes whatever makes an account for one e-mail (lowercased), so two at once cannot both pass the check. */
export const lockEmail = (tx: Tx, email: string) =>
  tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`user:${email}`]);

/** Refuses an e-mail (lowercased) that already has a Closeout account, naming the field. */
export const refuseTakenEmail = async (tx: Tx, email: string) => {
  if (await personByEmail(tx.db, email))
    throw new AppError(
      'already_in_use',
      'This e-mail already has a Closeout account: invite the person instead, and they join with the password they have',
      { fields: [{ field: 'body.email', message: 'already has an account' }] },
    );
};

/** Refuses a person who is already a member of the organization (active or not), naming the field. */
export const refuseMember = async (tx: Tx, organizationId: string, email: string) => {
  const [member] = await tx.db
    .select({ active: users.active })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), sql`lower(${users.email}) = ${email}`));
  if (member)
    throw new AppError(
      'already_in_use',
      member.active
        ? 'This person is already a member of the organization'
        : 'This person was a member of the organization: make them active again in the team list',
      { fields: [{ field: 'body.email', message: member.active ? 'already a member' : 'inactive member' }] },
    );
};

/** A member with whether the person behind them has a second factor: what the team list shows. */
export type MemberRow = typeof users.$inferSelect & { totpEnabledAt: Date | null };

/** The fields a membership carries in one organization. */
export type Membership = Omit<NewUser, 'password' | 'email'>;

/**
 * Makes a person a member of the organization in the caller's transaction: their name there, roles and
 * labour rate. The caller has locked the e-mail and checked the person is not a member yet.
 */
export const insertMember = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  person: PersonRow,
  input: Membership,
  actor: Actor = SYSTEM_ACTOR,
): Promise<MemberRow> => {
  const roles = [...new Set(input.roles)];
  const [user] = await tx.db
    .insert(users)
    .values({
      id: deps.ids.uuid(),
      organizationId,
      personId: person.id,
      email: person.email,
      name: input.name,
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
    changes: { email: person.email, name: input.name, roles },
  });
  return { ...user, totpEnabledAt: person.totpEnabledAt };
};

/**
 * Makes a new person with their password (the policy checked) and their first membership, in the caller's
 * transaction. An e-mail that already has an account is refused: that person joins by invitation.
 */
export const insertUser = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  organizationId: string,
  input: NewUser,
  actor: Actor = SYSTEM_ACTOR,
): Promise<MemberRow> => {
  checkPasswordPolicy(input.password, input.email, 'body.password');
  const email = input.email.trim().toLowerCase();
  await refuseTakenEmail(tx, email);
  const [person] = await tx.db
    .insert(people)
    .values({
      id: deps.ids.uuid(),
      email,
      passwordHash: await hashPassword(input.password),
      createdAt: deps.clock.now(),
    })
    .returning();
  if (!person) throw new Error('person insert returned nothing');
  return insertMember(tx, deps, organizationId, person, input, actor);
};

export const createUser = (deps: Deps, organizationId: string, input: NewUser, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    // Serialize creations per e-mail so two concurrent requests cannot both pass the uniqueness check.
    await lockEmail(tx, input.email.trim().toLowerCase());
    return insertUser(tx, deps, organizationId, input, actor);
  });

export type UserPatch = {
  name?: string | undefined;
  roles?: Role[] | undefined;
  active?: boolean | undefined;
  laborRole?: string | null | undefined;
  hourlyRate?: string | null | undefined;
};

/**
 * Changes a user's name, roles, labor rate or whether they may sign in. A deactivated user is refused at
 * once on every session (sessions check `active`); their jobs, closeouts and audit trail stay. The
 * organization always keeps one active owner, and nobody deactivates or demotes themselves by accident.
 */
export const updateUser = (
  deps: Deps,
  organizationId: string,
  userId: string,
  patch: UserPatch,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    // One owner change at a time per organization, so two demotions cannot both pass the last-owner check.
    await tx.raw.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`owners:${organizationId}`]);
    const [before] = await tx.db
      .select()
      .from(users)
      .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)))
      .for('update');
    if (!before) throw notFound('user');
    const roles = patch.roles ? [...new Set(patch.roles)] : before.roles;
    const active = patch.active ?? before.active;
    if (actor.id === userId && (!active || (before.roles.includes('owner') && !roles.includes('owner'))))
      throw new AppError(
        'validation_failed',
        'You cannot deactivate yourself or remove your own owner role',
        {
          fields: [
            { field: patch.active === false ? 'body.active' : 'body.roles', message: 'not on yourself' },
          ],
        },
      );
    if (before.roles.includes('owner') && before.active && (!active || !roles.includes('owner'))) {
      const { rows } = await tx.raw.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM users
          WHERE organization_id = $1 AND active AND 'owner' = ANY(roles) AND id <> $2`,
        [organizationId, userId],
      );
      if ((rows[0]?.n ?? 0) === 0)
        throw new AppError('conflict', 'The organization must keep one active owner', {
          fields: [
            { field: patch.active === false ? 'body.active' : 'body.roles', message: 'last active owner' },
          ],
        });
    }
    const [after] = await tx.db
      .update(users)
      .set({
        name: patch.name ?? before.name,
        roles,
        active,
        laborRole: patch.laborRole === undefined ? before.laborRole : patch.laborRole,
        hourlyRate: patch.hourlyRate === undefined ? before.hourlyRate : patch.hourlyRate,
      })
      .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)))
      .returning();
    if (!after) throw notFound('user');
    const [person] = await tx.db
      .select({ totpEnabledAt: people.totpEnabledAt })
      .from(people)
      .where(eq(people.id, after.personId));
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    for (const k of ['name', 'roles', 'active', 'laborRole', 'hourlyRate'] as const)
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k]))
        changes[k] = { before: before[k], after: after[k] };
    // Removed from the organization: every session (office and phone) and every API key they made ends now,
    // so bringing them back later does not bring those back.
    let revoked = { sessions: 0, apiKeys: 0 };
    if (before.active && !active) {
      const now = deps.clock.now();
      const s = await tx.db
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
        .returning({ id: sessions.tokenHash });
      const k = await tx.db
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(
          and(
            eq(apiKeys.organizationId, organizationId),
            eq(apiKeys.createdBy, userId),
            isNull(apiKeys.revokedAt),
          ),
        )
        .returning({ id: apiKeys.id });
      revoked = { sessions: s.length, apiKeys: k.length };
    }
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'user',
      aggregateId: userId,
      action: active === before.active ? 'user.updated' : active ? 'user.reactivated' : 'user.deactivated',
      actor,
      changes: before.active && !active ? { ...changes, revoked } : changes,
    });
    return { ...after, totpEnabledAt: person?.totpEnabledAt ?? null };
  });
