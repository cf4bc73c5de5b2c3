import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { Principal } from '../../core/principal';
import type { Tx } from '../../db/client';
import { users } from '../../db/schema';
import { verifyPassword } from './secrets';

/** A person's own account (password, second factor, sessions): a signed-in person's, never an API key's. */
export const personOf = (principal: Principal) => {
  if (principal.kind !== 'user')
    throw new AppError('forbidden', 'This is for a signed-in person, not an API key');
  return principal;
};

export type UserRow = typeof users.$inferSelect;

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

/** Refuses a wrong password for this person, naming the field it was typed in. */
export const checkPassword = async (user: UserRow, password: string, field: string, message: string) => {
  if (!(await verifyPassword(password, user.passwordHash)))
    throw new AppError('invalid_credentials', message, { fields: [{ field, message: 'wrong password' }] });
};
