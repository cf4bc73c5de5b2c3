import { and, desc, eq, gt, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { deviceWords, type SignInOutcome } from '../../core/account-security';
import { AppError, notFound } from '../../core/errors';
import { translator } from '../../core/i18n';
import { checkPasswordPolicy } from '../../core/password-policy';
import type { Principal } from '../../core/principal';
import type { Tx } from '../../db/client';
import { loginAttempts, organizations, passwordResets, people, sessions, users } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { Deps } from '../ports';
import {
  auditForPerson,
  checkPassword,
  lockedMember,
  lockedPerson,
  membershipsOf,
  type PersonRow,
  personByEmail,
  personOf,
} from './person';
import { hashPassword, randomToken, sha256Hex, verifyPassword } from './secrets';

/** Stores a new password (already checked against the policy) and when it changed. */
const storeNewPassword = async (tx: Tx, person: PersonRow, password: string, now: Date) => {
  await tx.db
    .update(people)
    .set({ passwordHash: await hashPassword(password), passwordChangedAt: now })
    .where(eq(people.id, person.id));
};

/** A person's sessions, in every organization they belong to. */
const ofPerson = (personId: string) =>
  inArray(sessions.userId, sql`(SELECT ${users.id} FROM ${users} WHERE ${users.personId} = ${personId})`);

/**
 * Ends a person's sessions in every organization, all of them or all but the one they are using; returns
 * how many ended.
 */
const endSessions = async (tx: Tx, personId: string, now: Date, keepTokenHash?: string) => {
  const ended = await tx.db
    .update(sessions)
    .set({ revokedAt: now })
    .where(
      and(
        ofPerson(personId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        keepTokenHash ? ne(sessions.tokenHash, keepTokenHash) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return ended.length;
};

/**
 * A person changes their own password with the current one. Every other session of theirs (other
 * browsers, their phone) ends at once; the one they are using stays signed in.
 */
export const changePassword = (
  deps: Deps,
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
) =>
  deps.database.transaction(async (tx) => {
    const p = personOf(principal);
    const { person } = await lockedMember(tx, p.organizationId, p.userId);
    await checkPassword(
      person,
      input.currentPassword,
      'body.currentPassword',
      'The current password is wrong',
    );
    checkPasswordPolicy(input.newPassword, person.email, 'body.newPassword');
    if (await verifyPassword(input.newPassword, person.passwordHash))
      throw new AppError('validation_failed', 'The new password is the one you have', {
        fields: [{ field: 'body.newPassword', message: 'same as the current password' }],
      });
    const now = deps.clock.now();
    await storeNewPassword(tx, person, input.newPassword, now);
    const ended = await endSessions(tx, person.id, now, p.sessionTokenHash);
    await auditForPerson(tx, deps, person.id, {
      action: 'user.password_changed',
      actorIsPerson: true,
      changes: { otherSessionsEnded: ended },
    });
    return { otherSessionsEnded: ended };
  });

const personIdOf = async (deps: Deps, userId: string) => {
  const [u] = await deps.database.db
    .select({ personId: users.personId })
    .from(users)
    .where(eq(users.id, userId));
  if (!u) throw notFound('user');
  return u.personId;
};

/** How long a reset link works, and the limits on asking for one. */
export const PASSWORD_RESET = {
  validMinutes: 30,
  /** At most one e-mail per account in this long, whoever asks. */
  perAccountGapMinutes: 5,
  /** At most this many requests from one address per hour. */
  perAddressPerHour: 10,
} as const;

/**
 * "Forgot password": whoever asks gets the same answer, known e-mail or not, and the time spent is alike
 * (a row is written either way). A known, active user gets a single-use link by e-mail, at most one per
 * account every few minutes; an address asking too often is refused.
 */
export const requestPasswordReset = (deps: Deps, input: { email: string; ip: string }) =>
  deps.database.transaction(async (tx) => {
    const email = input.email.trim().toLowerCase();
    const now = deps.clock.now();
    await tx.raw.query("SELECT pg_advisory_xact_lock(hashtext('reset:address:' || $1))", [input.ip]);
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const [byAddress] = await tx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(passwordResets)
      .where(and(eq(passwordResets.ip, input.ip), gt(passwordResets.createdAt, hourAgo)));
    if ((byAddress?.n ?? 0) >= PASSWORD_RESET.perAddressPerHour)
      throw new AppError('rate_limited', 'Too many requests from this address; try again in an hour', {
        extra: { retryAfterSeconds: 3600 },
      });
    await tx.raw.query("SELECT pg_advisory_xact_lock(hashtext('reset:account:' || $1))", [email]);
    const person = await personByEmail(tx.db, email);
    const memberships = person ? await membershipsOf(tx.db, person.id) : [];
    const [recent] = person
      ? await tx.db
          .select({ id: passwordResets.id })
          .from(passwordResets)
          .where(
            and(
              eq(passwordResets.personId, person.id),
              sql`${passwordResets.tokenHash} IS NOT NULL`,
              gt(
                passwordResets.createdAt,
                new Date(now.getTime() - PASSWORD_RESET.perAccountGapMinutes * 60_000),
              ),
            ),
          )
          .limit(1)
      : [];
    // A person who belongs to no organization any more cannot sign in anywhere: no link.
    const sendsLink = person !== undefined && memberships.length > 0 && !recent;
    const token = sendsLink ? randomToken() : null;
    await tx.db.insert(passwordResets).values({
      id: deps.ids.uuid(),
      email,
      personId: person?.id ?? null,
      tokenHash: token ? sha256Hex(token) : null,
      ip: input.ip,
      createdAt: now,
      expiresAt: new Date(now.getTime() + PASSWORD_RESET.validMinutes * 60_000),
    });
    if (!person || !token) return;
    const orgs = memberships.map((m) => m.organizationName);
    const url = `${deps.publicUrl}/#/reset-password?token=${encodeURIComponent(token)}`;
    await deps.queue.enqueue(tx, {
      name: 'email.send',
      data: {
        to: [person.email],
        subject: 'Choose a new Closeout password',
        text: `Hello ${memberships[0]?.name ?? ''},\n\nSomeone asked to choose a new password for your Closeout account (${translator().list(orgs)}). If it was you, open this link within ${PASSWORD_RESET.validMinutes} minutes:\n\n${url}\n\nThe link works once. If you did not ask, ignore this e-mail: your password stays as it is.\n`,
      },
    });
    await auditForPerson(tx, deps, person.id, {
      action: 'user.password_reset_requested',
      actorIsPerson: false,
      changes: { ip: input.ip },
    });
  });

const linkRefused = () =>
  new AppError('validation_failed', 'This link has expired or was already used; ask for a new one', {
    fields: [{ field: 'body.token', message: 'expired or used' }],
  });

/**
 * Sets a new password from a reset link: the link works once and only in time, every session of the
 * person ends (whoever knew the old password is out), and every other open link stops working.
 * A second factor stays: the next sign-in still asks for the code.
 */
export const completePasswordReset = (deps: Deps, input: { token: string; password: string }) =>
  deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const [reset] = await tx.db
      .select()
      .from(passwordResets)
      .where(eq(passwordResets.tokenHash, sha256Hex(input.token)))
      .for('update');
    if (!reset?.personId || reset.usedAt || reset.expiresAt <= now) throw linkRefused();
    const person = await lockedPerson(tx, reset.personId);
    if ((await membershipsOf(tx.db, person.id)).length === 0) throw linkRefused();
    checkPasswordPolicy(input.password, person.email, 'body.password');
    await storeNewPassword(tx, person, input.password, now);
    await tx.db
      .update(passwordResets)
      .set({ usedAt: now })
      .where(and(eq(passwordResets.personId, person.id), isNull(passwordResets.usedAt)));
    const ended = await endSessions(tx, person.id, now);
    await auditForPerson(tx, deps, person.id, {
      action: 'user.password_reset',
      actorIsPerson: true,
      changes: { sessionsEnded: ended },
    });
  });

/** A person's own sessions still open, the one in use first, then by last use. */
export const listMySessions = async (deps: Deps, principal: Principal) => {
  const p = personOf(principal);
  const now = deps.clock.now();
  const rows = await deps.database.db
    .select()
    .from(sessions)
    .where(
      and(
        ofPerson(await personIdOf(deps, p.userId)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
      ),
    )
    .orderBy(desc(sessions.lastSeenAt));
  return rows
    .map((s) => ({
      id: s.id,
      current: s.tokenHash === p.sessionTokenHash,
      device: s.device,
      deviceWords: deviceWords(s.userAgent),
      ip: s.ip,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current));
};

/** Ends one of a person's own sessions (a lost phone, a shared computer), or all but the one in use. */
export const endMySessions = (deps: Deps, principal: Principal, which: { id: string } | 'others') =>
  deps.database.transaction(async (tx) => {
    const p = personOf(principal);
    const now = deps.clock.now();
    let ended: number;
    const { person } = await lockedMember(tx, p.organizationId, p.userId);
    if (which === 'others') ended = await endSessions(tx, person.id, now, p.sessionTokenHash);
    else {
      const rows = await tx.db
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(ofPerson(person.id), eq(sessions.id, which.id), isNull(sessions.revokedAt)))
        .returning({ tokenHash: sessions.tokenHash });
      if (rows.length === 0) throw notFound('session');
      ended = 1;
    }
    await appendAudit(tx, deps, {
      organizationId: p.organizationId,
      aggregateType: 'user',
      aggregateId: p.userId,
      action: 'user.sessions_ended',
      actor: { type: 'user', id: p.userId },
      changes: which === 'others' ? { others: true, ended } : { session: which.id, ended },
    });
    return { ended };
  });

/**
 * The organization's sign-ins for its owner: every attempt at one of its members' accounts (time, person,
 * address, device, outcome), newest first, in pages. Attempts at e-mails nobody here has are not shown.
 */
export const listSignIns = async (
  deps: Deps,
  organizationId: string,
  page: { limit: number; before?: { at: Date; id: number } | undefined },
) => {
  const rows = await deps.database.db
    .select({
      id: loginAttempts.id,
      at: loginAttempts.at,
      ip: loginAttempts.ip,
      userAgent: loginAttempts.userAgent,
      outcome: loginAttempts.outcome,
      succeeded: loginAttempts.succeeded,
      userId: users.id,
      name: users.name,
    })
    .from(loginAttempts)
    .innerJoin(users, sql`lower(${users.email}) = ${loginAttempts.email}`)
    .where(
      and(
        eq(users.organizationId, organizationId),
        page.before
          ? or(
              lt(loginAttempts.at, page.before.at),
              and(eq(loginAttempts.at, page.before.at), lt(loginAttempts.id, page.before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(loginAttempts.at), desc(loginAttempts.id))
    .limit(page.limit + 1);
  return rows.map((r) => ({
    ...r,
    outcome: (r.outcome ?? (r.succeeded ? 'signed_in' : 'wrong_password')) as SignInOutcome,
    deviceWords: deviceWords(r.userAgent),
  }));
};

/**
 * The owner makes a second factor required of owners and billing. They must have one themselves first, so
 * turning it on never shuts the person doing it out of the settings they are on.
 */
export const setSecondFactorRequired = (deps: Deps, principal: Principal, required: boolean) =>
  deps.database.transaction(async (tx) => {
    const p = personOf(principal);
    const [org] = await tx.db
      .select()
      .from(organizations)
      .where(eq(organizations.id, p.organizationId))
      .for('update');
    if (!org) throw notFound('organization');
    if (org.twoFactorRequired === required) return org;
    if (required) {
      const [me] = await tx.db
        .select({ enabledAt: people.totpEnabledAt })
        .from(users)
        .innerJoin(people, eq(people.id, users.personId))
        .where(eq(users.id, p.userId));
      if (!me?.enabledAt)
        throw new AppError('conflict', 'Set up your own second factor first', {
          fields: [{ field: 'body.twoFactorRequired', message: 'you have no second factor yet' }],
        });
    }
    const [after] = await tx.db
      .update(organizations)
      .set({ twoFactorRequired: required })
      .where(eq(organizations.id, org.id))
      .returning();
    if (!after) throw new Error('organization update returned nothing');
    await appendAudit(tx, deps, {
      organizationId: org.id,
      aggregateType: 'organization',
      aggregateId: org.id,
      action: 'organization.security_settings_changed',
      actor: { type: 'user', id: p.userId },
      changes: { twoFactorRequired: { before: org.twoFactorRequired, after: required } },
    });
    return after;
  });
