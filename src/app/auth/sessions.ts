import { and, count, eq, gt, isNull, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import type { Principal } from '../../core/principal';
import { isRole, type Role } from '../../core/roles';
import { loginAttempts, organizations, sessions, users } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { DUMMY_PASSWORD_HASH, randomToken, sha256Hex, verifyPassword } from './secrets';

export const THROTTLE = { windowMinutes: 15, perEmail: 5, perIp: 30 } as const;

export type LoginResult = {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  userId: string;
  organizationId: string;
};

const rolesOf = (raw: string[]): Role[] => raw.filter(isRole);

/** A technician's phone stays signed in this long without use; it is one person's device, not a shared screen. */
export const DEVICE_SESSION_TTL_HOURS = 30 * 24;
const ttlHours = (deps: Pick<Deps, 'sessionTtlHours'>, device: boolean) =>
  device ? DEVICE_SESSION_TTL_HOURS : deps.sessionTtlHours;

/**
 * Checks a password and opens a session. Failures are counted per e-mail and per address; past the
 * limit the caller is told when to retry, before any password is checked.
 */
export const login = async (
  deps: Deps,
  input: {
    email: string;
    password: string;
    ip: string;
    userAgent: string | null;
    device?: boolean | undefined;
  },
): Promise<LoginResult> => {
  const { database, clock } = deps;
  const email = input.email.trim().toLowerCase();
  const now = clock.now();
  const since = new Date(now.getTime() - THROTTLE.windowMinutes * 60_000);
  const failures = (where: ReturnType<typeof eq>) =>
    database.db
      .select({ n: count() })
      .from(loginAttempts)
      .where(and(where, eq(loginAttempts.succeeded, false), gt(loginAttempts.at, since)));
  const [[byEmail], [byIp]] = await Promise.all([
    failures(eq(loginAttempts.email, email)),
    failures(eq(loginAttempts.ip, input.ip)),
  ]);
  if ((byEmail?.n ?? 0) >= THROTTLE.perEmail || (byIp?.n ?? 0) >= THROTTLE.perIp) {
    throw new AppError('rate_limited', 'Too many failed sign-ins; try again later', {
      extra: { retryAfterSeconds: THROTTLE.windowMinutes * 60 },
    });
  }

  const [user] = await database.db.select().from(users).where(sql`lower(${users.email}) = ${email}`).limit(1);
  const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !ok || !user.active) {
    await database.db.insert(loginAttempts).values({ email, ip: input.ip, succeeded: false, at: now });
    throw new AppError('invalid_credentials', 'E-mail or password is wrong', {
      fields: [{ field: 'body.password', message: 'e-mail or password is wrong' }],
    });
  }

  const token = randomToken();
  const csrfToken = randomToken();
  const device = input.device ?? false;
  const expiresAt = new Date(now.getTime() + ttlHours(deps, device) * 3_600_000);
  await database.transaction(async (tx) => {
    await tx.db.insert(loginAttempts).values({ email, ip: input.ip, succeeded: true, at: now });
    await tx.db.insert(sessions).values({
      tokenHash: sha256Hex(token),
      userId: user.id,
      organizationId: user.organizationId,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      device,
      ip: input.ip,
      userAgent: input.userAgent,
    });
    await appendAudit(tx, deps, {
      organizationId: user.organizationId,
      aggregateType: 'user',
      aggregateId: user.id,
      action: 'user.signed_in',
      actor: { type: 'user', id: user.id },
      changes: { ip: input.ip },
    });
  });
  return { token, csrfToken, expiresAt, userId: user.id, organizationId: user.organizationId };
};

/** Resolves a session cookie to its principal; slides the expiry at most once an hour to spare writes. */
export const authenticateSession = async (deps: Deps, token: string): Promise<Principal> => {
  const now = deps.clock.now();
  const tokenHash = sha256Hex(token);
  const [row] = await deps.database.db
    .select({ session: sessions, roles: users.roles, active: users.active })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(organizations, eq(organizations.id, sessions.organizationId))
    .where(eq(sessions.tokenHash, tokenHash))
    .limit(1);
  if (!row || row.session.revokedAt || !row.active) {
    throw new AppError('unauthenticated', 'Not signed in');
  }
  if (row.session.expiresAt <= now)
    throw new AppError('session_expired', 'The session has expired; sign in again');
  if (now.getTime() - row.session.lastSeenAt.getTime() > 3_600_000) {
    await deps.database.db
      .update(sessions)
      .set({
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + ttlHours(deps, row.session.device) * 3_600_000),
      })
      .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt)));
  }
  return {
    kind: 'user',
    userId: row.session.userId,
    organizationId: row.session.organizationId,
    roles: rolesOf(row.roles),
    sessionTokenHash: tokenHash,
    csrfToken: row.session.csrfToken,
  };
};

export const logout = async (deps: Deps, principal: Principal): Promise<void> => {
  if (principal.kind !== 'user') return;
  await deps.database.transaction(async (tx) => {
    await tx.db
      .update(sessions)
      .set({ revokedAt: deps.clock.now() })
      .where(and(eq(sessions.tokenHash, principal.sessionTokenHash), isNull(sessions.revokedAt)));
    await appendAudit(tx, deps, {
      organizationId: principal.organizationId,
      aggregateType: 'user',
      aggregateId: principal.userId,
      action: 'user.signed_out',
      actor: { type: 'user', id: principal.userId },
      changes: {},
    });
  });
};
