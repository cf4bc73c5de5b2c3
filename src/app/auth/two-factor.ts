import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import {
  mustUseSecondFactor,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
  recoveryCodeFrom,
  totpCodeOf,
} from '../../core/account-security';
import { AppError, notFound } from '../../core/errors';
import type { Actor, Principal } from '../../core/principal';
import { isRole } from '../../core/roles';
import type { Tx } from '../../db/client';
import { organizations, people, recoveryCodes, users } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { qrCodeImage } from '../files/qr-image';
import type { Deps } from '../ports';
import {
  auditForPerson,
  checkPassword,
  lockedMember,
  membershipsOf,
  type PersonRow,
  personOf,
} from './person';
import { sha256Hex } from './secrets';

/** RFC 6238 with the parameters every authenticator app reads: SHA-1, six digits, 30 seconds. */
const PERIOD_SECONDS = 30;
const totpOf = (secretBase32: string, label: string, issuer: string) =>
  new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
  });

/**
 * The 30-second step a typed code belongs to, one step either side of now for clocks that drift, or null.
 * The caller refuses a step at or before the last one accepted: a code is good once.
 */
export const totpStepOf = (secretBase32: string, typed: string, now: Date): number | null => {
  const code = totpCodeOf(typed);
  if (!code) return null;
  const delta = totpOf(secretBase32, 'check', 'Closeout').validate({
    token: code,
    timestamp: now.getTime(),
    window: 1,
  });
  return delta === null ? null : Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
};

/** The signed-in member and the person behind them, locked. */
const myLocked = (tx: Tx, principal: Principal) => {
  const p = personOf(principal);
  return lockedMember(tx, p.organizationId, p.userId);
};

const passwordChecked = (person: PersonRow, password: string) =>
  checkPassword(person, password, 'body.password', 'The password is wrong');

/**
 * Whether any organization the person belongs to makes them use a second factor (owners and billing, when
 * it says so): the factor is the person's, so turning it off is refused while one of them requires it.
 */
const requiredFor = async (tx: Tx, personId: string) => {
  const rows = await tx.db
    .select({ roles: users.roles, required: organizations.twoFactorRequired })
    .from(users)
    .innerJoin(organizations, eq(organizations.id, users.organizationId))
    .where(and(eq(users.personId, personId), eq(users.active, true)));
  return rows.some((r) => mustUseSecondFactor(r.roles.filter(isRole), r.required));
};

/** Writes a fresh set of recovery codes (the old ones stop working) and returns them, shown once. */
const replaceRecoveryCodes = async (tx: Tx, deps: Pick<Deps, 'clock' | 'ids'>, personId: string) => {
  await tx.db.delete(recoveryCodes).where(eq(recoveryCodes.personId, personId));
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => recoveryCodeFrom(randomBytes(12)));
  await tx.db.insert(recoveryCodes).values(
    codes.map((code) => ({
      id: deps.ids.uuid(),
      personId,
      codeHash: sha256Hex(normalizeRecoveryCode(code)),
      createdAt: deps.clock.now(),
    })),
  );
  return codes;
};

export const secondFactorStatus = (deps: Deps, principal: Principal) =>
  deps.database.transaction(async (tx) => {
    const p = personOf(principal);
    const [row] = await tx.db
      .select({ person: people })
      .from(users)
      .innerJoin(people, eq(people.id, users.personId))
      .where(and(eq(users.organizationId, p.organizationId), eq(users.id, p.userId)));
    if (!row) throw notFound('user');
    const { person } = row;
    const left = await tx.db
      .select({ id: recoveryCodes.id })
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.personId, person.id), isNull(recoveryCodes.usedAt)));
    return {
      enabled: person.totpEnabledAt !== null,
      enabledAt: person.totpEnabledAt,
      recoveryCodesLeft: person.totpEnabledAt ? left.length : 0,
      required: await requiredFor(tx, person.id),
    };
  });

/**
 * Starts setting up an authenticator app: a new secret is kept sealed as pending (nothing changes for
 * signing in yet) and returned with its otpauth URI and a QR code of it, to scan or type. One factor serves
 * every organization the person belongs to, so the app names Closeout and the address, not one of them.
 */
export const startSecondFactorSetup = (deps: Deps, principal: Principal) =>
  deps.database.transaction(async (tx) => {
    const { person } = await myLocked(tx, principal);
    if (person.totpEnabledAt)
      throw new AppError('conflict', 'A second factor is already set up; turn it off first to change it', {
        fields: [{ field: 'body', message: 'already set up' }],
      });
    const secret = new Secret({ size: 20 }).base32;
    await tx.db
      .update(people)
      .set({ totpPendingSecret: deps.secrets.seal(secret) })
      .where(eq(people.id, person.id));
    const uri = totpOf(secret, person.email, 'Closeout').toString();
    return {
      secret: secret.match(/.{1,4}/g)?.join(' ') ?? secret,
      uri,
      qrCode: await qrCodeImage(uri),
    };
  });

/** Confirms the pending secret with a code from the app; from now on signing in asks for a code. */
export const confirmSecondFactor = (deps: Deps, principal: Principal, code: string) =>
  deps.database.transaction(async (tx) => {
    const { person } = await myLocked(tx, principal);
    if (person.totpEnabledAt) throw new AppError('conflict', 'A second factor is already set up');
    if (!person.totpPendingSecret)
      throw new AppError('conflict', 'Start the setup first', {
        fields: [{ field: 'body.code', message: 'no setup in progress' }],
      });
    const now = deps.clock.now();
    const step = totpStepOf(deps.secrets.open(person.totpPendingSecret), code, now);
    if (step === null)
      throw new AppError('validation_failed', 'That code does not match; check the time on your phone', {
        fields: [{ field: 'body.code', message: 'does not match' }],
      });
    await tx.db
      .update(people)
      .set({
        totpSecret: person.totpPendingSecret,
        totpPendingSecret: null,
        totpEnabledAt: now,
        totpLastStep: step,
      })
      .where(eq(people.id, person.id));
    const codes = await replaceRecoveryCodes(tx, deps, person.id);
    await auditForPerson(tx, deps, person.id, {
      action: 'user.second_factor_enabled',
      actorIsPerson: true,
      changes: {},
    });
    return { recoveryCodes: codes };
  });

/** Turns the second factor off with the password; refused where an organization requires one for the role. */
export const disableSecondFactor = (deps: Deps, principal: Principal, password: string) =>
  deps.database.transaction(async (tx) => {
    const { person } = await myLocked(tx, principal);
    await passwordChecked(person, password);
    if (!person.totpEnabledAt) return;
    if (await requiredFor(tx, person.id))
      throw new AppError('forbidden', 'Your organization requires a second factor for your role', {
        fields: [{ field: 'body', message: 'required by the organization' }],
      });
    await clearSecondFactor(tx, deps, person, { actorIsPerson: true });
  });

/**
 * An owner turns off a member's second factor (a lost phone); the member sets it up again at next sign-in.
 * The factor also guards the member's other organizations, so one owner cannot turn it off for all of them:
 * a person who belongs elsewhere too uses a recovery code instead.
 */
export const resetMemberSecondFactor = (deps: Deps, organizationId: string, userId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const { user, person } = await lockedMember(tx, organizationId, userId);
    if (!person.totpEnabledAt) return;
    const elsewhere = (await membershipsOf(tx.db, person.id)).filter((m) => m.userId !== user.id);
    if (elsewhere.length > 0)
      throw new AppError(
        'conflict',
        `${user.name} also belongs to another organization, where their second factor guards them too: they can sign in with one of their recovery codes and set up the app again themselves`,
        { fields: [{ field: 'id', message: 'belongs to another organization too' }] },
      );
    await clearSecondFactor(tx, deps, person, {
      actorIsPerson: false,
      actor,
      userId: user.id,
      organizationId,
    });
  });

const clearSecondFactor = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  person: PersonRow,
  by:
    | { actorIsPerson: true }
    | { actorIsPerson: false; actor: Actor; userId: string; organizationId: string },
) => {
  await tx.db
    .update(people)
    .set({ totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null })
    .where(eq(people.id, person.id));
  await tx.db.delete(recoveryCodes).where(eq(recoveryCodes.personId, person.id));
  if (by.actorIsPerson)
    await auditForPerson(tx, deps, person.id, {
      action: 'user.second_factor_disabled',
      actorIsPerson: true,
      changes: {},
    });
  else
    await appendAudit(tx, deps, {
      organizationId: by.organizationId,
      aggregateType: 'user',
      aggregateId: by.userId,
      action: 'user.second_factor_disabled',
      actor: by.actor,
      changes: {},
    });
};

/** New recovery codes with the password (the old ones stop working): for when they were used up or lost. */
export const renewRecoveryCodes = (deps: Deps, principal: Principal, password: string) =>
  deps.database.transaction(async (tx) => {
    const { person } = await myLocked(tx, principal);
    await passwordChecked(person, password);
    if (!person.totpEnabledAt)
      throw new AppError('conflict', 'Set up a second factor first', {
        fields: [{ field: 'body', message: 'no second factor' }],
      });
    const codes = await replaceRecoveryCodes(tx, deps, person.id);
    await auditForPerson(tx, deps, person.id, {
      action: 'user.recovery_codes_renewed',
      actorIsPerson: true,
      changes: {},
    });
    return { recoveryCodes: codes };
  });

/**
 * Checks the second factor at sign-in, under the person's row lock so two requests cannot both use one code:
 * an authenticator code of a later step than the last accepted, or an unused recovery code (then used up).
 */
export const acceptSecondFactor = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'secrets'>,
  personId: string,
  typed: string,
): Promise<'app' | 'recovery_code' | null> => {
  const [person] = await tx.db.select().from(people).where(eq(people.id, personId)).for('update');
  if (!person?.totpSecret) return null;
  const now = deps.clock.now();
  const step = totpStepOf(deps.secrets.open(person.totpSecret), typed, now);
  if (step !== null) {
    if (person.totpLastStep !== null && step <= person.totpLastStep) return null;
    await tx.db.update(people).set({ totpLastStep: step }).where(eq(people.id, person.id));
    return 'app';
  }
  const used = await tx.db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(recoveryCodes.personId, person.id),
        eq(recoveryCodes.codeHash, sha256Hex(normalizeRecoveryCode(typed))),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return used.length > 0 ? 'recovery_code' : null;
};
