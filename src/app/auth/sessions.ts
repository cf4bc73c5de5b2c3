import { and, eq, isNull, sql } from 'drizzle-orm';
import { mustUseSecondFactor, type SignInOutcome } from '../../core/account-security';
import { AppError } from '../../core/errors';
import type { Principal } from '../../core/principal';
import { isRole, type Role } from '../../core/roles';
import type { Tx } from '../../db/client';
import { loginAttempts, organizations, people, sessions, users } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import { membershipsOf, personByEmail, personOf } from './person';
import { DUMMY_PASSWORD_HASH, randomToken, sha256Hex, verifyPassword } from './secrets';
import { acceptSecondFactor } from './two-factor';

/**
 * Sign-in throttling (ASVS 2.2.1), checked and recorded atomically:
 * - per address: at most `perAddress` failures in the window (the attacker's own address);
 * - per account from one address: at most `perAccountAndAddress` failures in the window;
 * - per account from everywhere: past `accountFreeFailures`, each attempt waits a delay that doubles per
 *   failure up to `accountMaxDelaySeconds`. Failures from elsewhere can slow the real user by a minute at
 *   most, never lock them out.
 */
export const THROTTLE = {
  windowMinutes: 15,
  perAddress: 30,
  perAccountAndAddress: 5,
  accountFreeFailures: 10,
  accountMaxDelaySeconds: 60,
} as const;

const tooMany = (retryAfterSeconds: number) =>
  new AppError('rate_limited', 'Too many failed sign-ins; try again later', {
    extra: { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) },
  });

/**
 * Claims one sign-in attempt, or refuses it. Under transaction-scoped advisory locks on the account and the
 * address (always in that order), the failures are counted and the attempt is written as a failure before the
 * password is checked: concurrent guesses see each other, so fifty at once get five tries, not fifty.
 */
const claimAttempt = (deps: Deps, email: string, ip: string, userAgent: string | null, now: Date) =>
  deps.database.transaction(async (tx) => {
    await tx.raw.query("SELECT pg_advisory_xact_lock(hashtext('login:account:' || $1))", [email]);
    await tx.raw.query("SELECT pg_advisory_xact_lock(hashtext('login:address:' || $1))", [ip]);
    const since = new Date(now.getTime() - THROTTLE.windowMinutes * 60_000);
    const { rows } = await tx.raw.query<{
      by_ip: number;
      by_pair: number;
      by_account: number;
      last: Date | null;
    }>(
      `SELECT count(*) FILTER (WHERE ip = $2)::int AS by_ip,
              count(*) FILTER (WHERE ip = $2 AND email = $1)::int AS by_pair,
              count(*) FILTER (WHERE email = $1)::int AS by_account,
              max(at) FILTER (WHERE email = $1) AS last
         FROM login_attempts
        WHERE NOT succeeded AND at > $3 AND (email = $1 OR ip = $2)`,
      [email, ip, since],
    );
    const c = rows[0] ?? { by_ip: 0, by_pair: 0, by_account: 0, last: null };
    const window = THROTTLE.windowMinutes * 60;
    if (c.by_ip >= THROTTLE.perAddress || c.by_pair >= THROTTLE.perAccountAndAddress) throw tooMany(window);
    if (c.by_account >= THROTTLE.accountFreeFailures && c.last) {
      const delay = Math.min(
        THROTTLE.accountMaxDelaySeconds,
        2 ** (c.by_account - THROTTLE.accountFreeFailures),
      );
      const wait = new Date(c.last).getTime() + delay * 1000 - now.getTime();
      if (wait > 0) throw tooMany(wait / 1000);
    }
    const [row] = await tx.db
      .insert(loginAttempts)
      .values({ email, ip, succeeded: false, at: now, userAgent, outcome: 'wrong_password' })
      .returning({ id: loginAttempts.id });
    if (!row) throw new Error('login attempt insert returned nothing');
    return row.id;
  });

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
 * Checks a password and opens a session. The attempt is claimed first (see THROTTLE); past a limit the
 * caller is told when to retry, before any password is checked.
 */
export const login = async (
  deps: Deps,
  input: {
    email: string;
    password: string;
    ip: string;
    userAgent: string | null;
    device?: boolean | undefined;
    /** The code from the authenticator app, or a recovery code, for a person with a second factor. */
    code?: string | undefined;
  },
): Promise<LoginResult> => {
  const { database, clock } = deps;
  const email = input.email.trim().toLowerCase();
  const now = clock.now();
  const userAgent = input.userAgent?.slice(0, 500) ?? null;
  const attemptId = await claimAttempt(deps, email, input.ip, userAgent, now);
  const settle = (outcome: SignInOutcome) =>
    database.db
      .update(loginAttempts)
      .set({ outcome, succeeded: outcome !== 'wrong_password' && outcome !== 'wrong_code' })
      .where(eq(loginAttempts.id, attemptId));

  const person = await personByEmail(database.db, email);
  const ok = await verifyPassword(input.password, person?.passwordHash ?? DUMMY_PASSWORD_HASH);
  const memberships = person && ok ? await membershipsOf(database.db, person.id) : [];
  const chosen = person && ok ? membershipToOpen(person.lastOrganizationId, memberships) : undefined;
  if (!person || !ok || !chosen) {
    // The attempt is already on record as a failure.
    throw new AppError('invalid_credentials', 'E-mail or password is wrong', {
      fields: [{ field: 'body.password', message: 'e-mail or password is wrong' }],
    });
  }
  // The password was right: asking for the code is not a failed guess, a wrong code is.
  let secondFactor: 'app' | 'recovery_code' | null = null;
  if (person.totpEnabledAt) {
    if (!input.code?.trim()) {
      await settle('code_needed');
      throw new AppError('second_factor_required', 'Enter the code from your authenticator app', {
        fields: [{ field: 'body.code', message: 'required' }],
      });
    }
    const code = input.code;
    secondFactor = await database.transaction((tx) => acceptSecondFactor(tx, deps, person.id, code));
    if (!secondFactor) {
      await settle('wrong_code');
      throw new AppError('invalid_credentials', 'That code is wrong or was already used', {
        fields: [{ field: 'body.code', message: 'wrong or already used' }],
      });
    }
  }

  return database.transaction(async (tx) => {
    await tx.db
      .update(loginAttempts)
      .set({ succeeded: true, outcome: 'signed_in' })
      .where(eq(loginAttempts.id, attemptId));
    return openSession(tx, deps, {
      member: chosen,
      device: input.device ?? false,
      ip: input.ip,
      userAgent,
      changes: secondFactor ? { ip: input.ip, secondFactor } : { ip: input.ip },
    });
  });
};

/**
 * Which of a person's organizations a sign-in opens: the one they worked in last, else the one they joined
 * first. Undefined when they belong to none any more.
 */
const membershipToOpen = <M extends { organizationId: string; createdAt: Date }>(
  lastOrganizationId: string | null,
  memberships: M[],
) =>
  memberships.find((m) => m.organizationId === lastOrganizationId) ??
  [...memberships].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime())[0];

/** Opens a session for a member in the caller's transaction, with its audit event in their organization. */
export const openSession = async (
  tx: Tx,
  deps: Deps,
  input: {
    member: { userId: string; organizationId: string };
    device: boolean;
    ip: string;
    userAgent: string | null;
    changes: Record<string, unknown>;
  },
): Promise<LoginResult> => {
  const now = deps.clock.now();
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = new Date(now.getTime() + ttlHours(deps, input.device) * 3_600_000);
  const { userId, organizationId } = input.member;
  await tx.db.insert(sessions).values({
    tokenHash: sha256Hex(token),
    userId,
    organizationId,
    csrfToken,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    device: input.device,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 500) ?? null,
  });
  await tx.db
    .update(people)
    .set({ lastOrganizationId: organizationId })
    .where(sql`${people.id} = (SELECT ${users.personId} FROM ${users} WHERE ${users.id} = ${userId})`);
  await appendAudit(tx, deps, {
    organizationId,
    aggregateType: 'user',
    aggregateId: userId,
    action: 'user.signed_in',
    actor: { type: 'user', id: userId },
    changes: input.changes,
  });
  return { token, csrfToken, expiresAt, userId, organizationId };
};

/** The session in use: its member (and through it the person) and whether it is a technician's phone. */
export const sessionInUse = async (tx: Tx, p: ReturnType<typeof personOf>) => {
  const [current] = await tx.db
    .select({ user: users, device: sessions.device })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, p.sessionTokenHash));
  if (!current) throw new AppError('unauthenticated', 'Not signed in');
  return current;
};

/**
 * A person who belongs to several organizations moves to another: the session in use ends and a new one
 * opens there (a new cookie, so nothing of the old organization's session carries over), on the same device.
 * The second factor was already asked at sign-in; the target organization's own rules apply from now on.
 */
export const switchOrganization = (
  deps: Deps,
  principal: Principal,
  organizationId: string,
  meta: { ip: string; userAgent: string | null },
) =>
  deps.database.transaction(async (tx) => {
    const p = personOf(principal);
    const current = await sessionInUse(tx, p);
    const [target] = await tx.db
      .select({ userId: users.id, organizationId: users.organizationId })
      .from(users)
      .where(
        and(
          eq(users.personId, current.user.personId),
          eq(users.organizationId, organizationId),
          eq(users.active, true),
        ),
      );
    if (!target)
      throw new AppError('not_found', 'You do not belong to that organization', {
        fields: [{ field: 'body.organizationId', message: 'not one of your organizations' }],
      });
    if (target.organizationId === p.organizationId)
      throw new AppError('conflict', 'You are already working in that organization', {
        fields: [{ field: 'body.organizationId', message: 'the one in use' }],
      });
    return moveSession(tx, deps, p, { member: target, device: current.device, ...meta });
  });

/**
 * Moves a signed-in person to another of their memberships in the caller's transaction: the session in use
 * ends and a new one opens there, on the same device.
 */
export const moveSession = async (
  tx: Tx,
  deps: Deps,
  from: ReturnType<typeof personOf>,
  to: {
    member: { userId: string; organizationId: string };
    device: boolean;
    ip: string;
    userAgent: string | null;
  },
) => {
  await endCurrentSession(tx, deps, from, 'user.switched_organization');
  return openSession(tx, deps, { ...to, changes: { ip: to.ip, switched: true } });
};

const endCurrentSession = async (
  tx: Tx,
  deps: Deps,
  p: ReturnType<typeof personOf>,
  action: 'user.signed_out' | 'user.switched_organization',
) => {
  await tx.db
    .update(sessions)
    .set({ revokedAt: deps.clock.now() })
    .where(and(eq(sessions.tokenHash, p.sessionTokenHash), isNull(sessions.revokedAt)));
  await appendAudit(tx, deps, {
    organizationId: p.organizationId,
    aggregateType: 'user',
    aggregateId: p.userId,
    action,
    actor: { type: 'user', id: p.userId },
    changes: {},
  });
};

/** Resolves a session cookie to its principal; slides the expiry at most once an hour to spare writes. */
export const authenticateSession = async (deps: Deps, token: string): Promise<Principal> => {
  const now = deps.clock.now();
  const tokenHash = sha256Hex(token);
  const [row] = await deps.database.db
    .select({
      session: sessions,
      roles: users.roles,
      active: users.active,
      hasSecondFactor: sql<boolean>`${people.totpEnabledAt} IS NOT NULL`,
      orgRequires: organizations.twoFactorRequired,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(people, eq(people.id, users.personId))
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
  const roles = rolesOf(row.roles);
  return {
    kind: 'user',
    userId: row.session.userId,
    organizationId: row.session.organizationId,
    roles,
    sessionTokenHash: tokenHash,
    csrfToken: row.session.csrfToken,
    secondFactorSetupNeeded: !row.hasSecondFactor && mustUseSecondFactor(roles, row.orgRequires),
  };
};

export const logout = async (deps: Deps, principal: Principal): Promise<void> => {
  if (principal.kind !== 'user') return;
  await deps.database.transaction((tx) => endCurrentSession(tx, deps, principal, 'user.signed_out'));
};
