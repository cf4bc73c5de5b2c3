import { and, asc, eq, sql } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { Principal } from '../../core/principal';
import type { Db, Tx } from '../../db/client';
import { organizations, people, users } from '../../db/schema';
import { type AuditInput, appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { verifyPassword } from './secrets';

/** A person's own account (password, second factor, sessions): a signed-in person's, never an API key's. */
export const personOf = (principal: Principal) => {
  if (principal.kind !== 'user')
    throw new AppError('forbidden', 'This is for a signed-in person, not an API key');
  return principal;
};

export type UserRow = typeof users.$inferSelect;
export type PersonRow = typeof people.$inferSelect;

/** A user of the organization, locked for the rest of the transaction. */
export const lockedUser = async (tx: Tx, organizationId: string, userId: string): Promise<UserRow> => {
  const [user] = await tx.db
    .select()
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)))
    .for('update');
  if (!user) throw notFound('user');
  return user;
};

/** A person, locked for the rest of the transaction (their password and second factor change under it). */
export const lockedPerson = async (tx: Tx, personId: string): Promise<PersonRow> => {
  const [person] = await tx.db.select().from(people).where(eq(people.id, personId)).for('update');
  if (!person) throw notFound('person');
  return person;
};

/** A member of the organization and the person behind them, both locked. */
export const lockedMember = async (tx: Tx, organizationId: string, userId: string) => {
  const user = await lockedUser(tx, organizationId, userId);
  return { user, person: await lockedPerson(tx, user.personId) };
};

/** The person with this e-mail (lowercased), if any. */
export const personByEmail = async (db: Db, email: string): Promise<PersonRow | undefined> => {
  const [person] = await db.select().from(people).where(sql`lower(${people.email}) = ${email}`);
  return person;
};

/** Refuses a wrong password for this person, naming the field it was typed in. */
export const checkPassword = async (person: PersonRow, password: string, field: string, message: string) => {
  if (!(await verifyPassword(password, person.passwordHash)))
    throw new AppError('invalid_credentials', message, { fields: [{ field, message: 'wrong password' }] });
};

/** The organizations a person belongs to and may sign in to, by name as people sort it (not by byte). */
export const membershipsOf = async (db: Db, personId: string) =>
  (
    await db
      .select({
        userId: users.id,
        name: users.name,
        organizationId: users.organizationId,
        organizationName: organizations.name,
        roles: users.roles,
        createdAt: users.createdAt,
      })
      .from(users)
      .innerJoin(organizations, eq(organizations.id, users.organizationId))
      .where(and(eq(users.personId, personId), eq(users.active, true)))
  ).sort(
    (x, y) => x.organizationName.localeCompare(y.organizationName, 'en') || x.userId.localeCompare(y.userId),
  );

/**
 * Something that happened to the person (password, second factor) is on the record of every organization
 * they belong to, each naming its own member: an owner sees their member's account change wherever it was made.
 */
export const auditForPerson = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  personId: string,
  event: Pick<AuditInput, 'action' | 'changes'> & { actorIsPerson: boolean },
) => {
  const all = await tx.db
    .select({ id: users.id, organizationId: users.organizationId, active: users.active })
    .from(users)
    .where(eq(users.personId, personId))
    .orderBy(asc(users.organizationId));
  // A firm the person left no longer hears of their account; one who is active nowhere is still on record.
  const active = all.filter((m) => m.active);
  for (const m of active.length > 0 ? active : all)
    await appendAudit(tx, deps, {
      organizationId: m.organizationId,
      aggregateType: 'user',
      aggregateId: m.id,
      action: event.action,
      actor: event.actorIsPerson ? { type: 'user', id: m.id } : { type: 'system', id: null },
      changes: event.changes,
    });
};
