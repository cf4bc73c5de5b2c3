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
import { organizations, recoveryCodes, users } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { qrCodeImage } from '../files/qr-image';
import type { Deps } from '../ports';
import { checkPassword, lockedUser, personOf, type UserRow } from './person';
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

/** The signed-in person's own user row, locked. */
const myLockedUser = (tx: Tx, principal: Principal) => {
  const p = personOf(principal);
  return lockedUser(tx, p.organizationId, p.userId);
};

const passwordChecked = (user: UserRow, password: string) =>
  checkPassword(user, password, 'body.password', 'The password is wrong');

/** Whether the organization makes this person use a second factor (owners and billing, when it says so). */
const requiredFor = async (tx: Tx, user: UserRow) => {
  const [org] = await tx.db
    .select({ required: organizations.twoFactorRequired })
    .from(organizations)
    .where(eq(organizations.id, user.organizationId));
  return mustUseSecondFactor(user.roles.filter(isRole), org?.required ?? false);
};

/** Writes a fresh set of recovery codes (the old ones stop working) and returns them, shown once. */
const replaceRecoveryCodes = async (tx: Tx, deps: Pick<Deps, 'clock' | 'ids'>, userId: string) => {
  await tx.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => recoveryCodeFrom(randomBytes(12)));
  await tx.db.insert(recoveryCodes).values(
    codes.map((code) => ({
      id: deps.ids.uuid(),
      userId,
      codeHash: sha256Hex(normalizeRecoveryCode(code)),
      createdAt: deps.clock.now(),
    })),
  );
  return codes;
};

export const secondFactorStatus = (deps: Deps, principal: Principal) =>
  deps.database.transaction(async (tx) => {
    const p = personOf(principal);
    const [user] = await tx.db
      .select()
      .from(users)
      .where(and(eq(users.organizationId, p.organizationId), eq(users.id, p.userId)));
    if (!user) throw notFound('user');
    const left = await tx.db
      .select({ id: recoveryCodes.id })
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, user.id), isNull(recoveryCodes.usedAt)));
    return {
      enabled: user.totpEnabledAt !== null,
      enabledAt: user.totpEnabledAt,
      recoveryCodesLeft: user.totpEnabledAt ? left.length : 0,
      required: await requiredFor(tx, user),
    };
  });

/**
 * Starts setting up an authenticator app: a new secret is kept sealed as pending (nothing changes for
 * signing in yet) and returned with its otpauth URI and a QR code of it, to scan or type.
 */
export const startSecondFactorSetup = (deps: Deps, principal: Principal) =>
  deps.database.transaction(async (tx) => {
    const user = await myLockedUser(tx, principal);
    if (user.totpEnabledAt)
      throw new AppError('conflict', 'A second factor is already set up; turn it off first to change it', {
        fields: [{ field: 'body', message: 'already set up' }],
      });
    const [org] = await tx.db
      .select({ name: organizations.name })
      .from(organizations)
      .where(eq(organizations.id, user.organizationId));
    const secret = new Secret({ size: 20 }).base32;
    await tx.db
      .update(users)
      .set({ totpPendingSecret: deps.secrets.seal(secret) })
      .where(eq(users.id, user.id));
    const uri = totpOf(secret, user.email, `Closeout (${org?.name ?? 'Closeout'})`).toString();
    return {
      secret: secret.match(/.{1,4}/g)?.join(' ') ?? secret,
      uri,
      qrCode: await qrCodeImage(uri),
    };
  });

/** Confirms the pending secret with a code from the app; from now on signing in asks for a code. */
export const confirmSecondFactor = (deps: Deps, principal: Principal, code: string) =>
  deps.database.transaction(async (tx) => {
    const user = await myLockedUser(tx, principal);
    if (user.totpEnabledAt) throw new AppError('conflict', 'A second factor is already set up');
    if (!user.totpPendingSecret)
      throw new AppError('conflict', 'Start the setup first', {
        fields: [{ field: 'body.code', message: 'no setup in progress' }],
      });
    const now = deps.clock.now();
    const step = totpStepOf(deps.secrets.open(user.totpPendingSecret), code, now);
    if (step === null)
      throw new AppError('validation_failed', 'That code does not match; check the time on your phone', {
        fields: [{ field: 'body.code', message: 'does not match' }],
      });
    await tx.db
      .update(users)
      .set({
        totpSecret: user.totpPendingSecret,
        totpPendingSecret: null,
        totpEnabledAt: now,
        totpLastStep: step,
      })
      .where(eq(users.id, user.id));
    const codes = await replaceRecoveryCodes(tx, deps, user.id);
    await appendAudit(tx, deps, {
      organizationId: user.organizationId,
      aggregateType: 'user',
      aggregateId: user.id,
      action: 'user.second_factor_enabled',
      actor: { type: 'user', id: user.id },
      changes: {},
    });
    return { recoveryCodes: codes };
  });

/** Turns the second factor off with the password; refused where the organization requires one for this role. */
export const disableSecondFactor = (deps: Deps, principal: Principal, password: string) =>
  deps.database.transaction(async (tx) => {
    const user = await myLockedUser(tx, principal);
    await passwordChecked(user, password);
    if (!user.totpEnabledAt) return;
    if (await requiredFor(tx, user))
      throw new AppError('forbidden', 'Your organization requires a second factor for your role', {
        fields: [{ field: 'body', message: 'required by the organization' }],
      });
    await clearSecondFactor(tx, deps, user, { type: 'user', id: user.id });
  });

/** An owner turns off a member's second factor (a lost phone); the member sets it up again at next sign-in. */
export const resetMemberSecondFactor = (deps: Deps, organizationId: string, userId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const user = await lockedUser(tx, organizationId, userId);
    if (!user.totpEnabledAt) return;
    await clearSecondFactor(tx, deps, user, actor);
  });

const clearSecondFactor = async (tx: Tx, deps: Pick<Deps, 'clock' | 'ids'>, user: UserRow, actor: Actor) => {
  await tx.db
    .update(users)
    .set({ totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null })
    .where(eq(users.id, user.id));
  await tx.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
  await appendAudit(tx, deps, {
    organizationId: user.organizationId,
    aggregateType: 'user',
    aggregateId: user.id,
    action: 'user.second_factor_disabled',
    actor,
    changes: {},
  });
};

/** New recovery codes with the password (the old ones stop working): for when they were used up or lost. */
export const renewRecoveryCodes = (deps: Deps, principal: Principal, password: string) =>
  deps.database.transaction(async (tx) => {
    const user = await myLockedUser(tx, principal);
    await passwordChecked(user, password);
    if (!user.totpEnabledAt)
      throw new AppError('conflict', 'Set up a second factor first', {
        fields: [{ field: 'body', message: 'no second factor' }],
      });
    const codes = await replaceRecoveryCodes(tx, deps, user.id);
    await appendAudit(tx, deps, {
      organizationId: user.organizationId,
      aggregateType: 'user',
      aggregateId: user.id,
      action: 'user.recovery_codes_renewed',
      actor: { type: 'user', id: user.id },
      changes: {},
    });
    return { recoveryCodes: codes };
  });

/**
 * Checks the second factor at sign-in, under the user's row lock so two requests cannot both use one code:
 * an authenticator code of a later step than the last accepted, or an unused recovery code (then used up).
 */
export const acceptSecondFactor = async (
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'secrets'>,
  userId: string,
  typed: string,
): Promise<'app' | 'recovery_code' | null> => {
  const [user] = await tx.db.select().from(users).where(eq(users.id, userId)).for('update');
  if (!user?.totpSecret) return null;
  const now = deps.clock.now();
  const step = totpStepOf(deps.secrets.open(user.totpSecret), typed, now);
  if (step !== null) {
    if (user.totpLastStep !== null && step <= user.totpLastStep) return null;
    await tx.db.update(users).set({ totpLastStep: step }).where(eq(users.id, user.id));
    return 'app';
  }
  const used = await tx.db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(recoveryCodes.userId, user.id),
        eq(recoveryCodes.codeHash, sha256Hex(normalizeRecoveryCode(typed))),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return used.length > 0 ? 'recovery_code' : null;
};
