import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { countryOf } from '../../core/countries';
import { AppError, invalid } from '../../core/errors';
import { checkPasswordPolicy } from '../../core/password-policy';
import type { Tx } from '../../db/client';
import { organizations, signups } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { randomToken, sha256Hex } from '../auth/secrets';
import type { Deps } from '../ports';
import { insertOrganization } from './organizations';
import { insertUser, lockEmail, refuseTakenEmail } from './users';

/** How long the link that opens the organization works, and the limits on asking for one. */
export const SIGNUP = {
  validHours: 24,
  /** At most one e-mail to an address in this long, whoever asks. */
  perEmailGapMinutes: 5,
  /** At most this many sign-ups from one network address per hour. */
  perAddressPerHour: 10,
} as const;

export type SignupRequest = { email: string; name: string; businessName: string; country: string };

/**
 * The first step of opening an organization: the answer is the same whether the address has an account
 * or not. A new address gets a link to prove it and choose the password (nothing is created before);
 * an address with an account is told so by e-mail instead, with the way to sign in. Limited per network
 * address and per e-mail. `ip` null: an operator opens it for someone (`closeout organizations invite`).
 */
export const requestSignup = (deps: Deps, input: SignupRequest & { ip: string | null }) =>
  deps.database.transaction(async (tx) => {
    const country = countryOf(input.country);
    if (!country) throw invalid('body.country', 'not a country Closeout has tax rates for');
    const email = input.email.trim().toLowerCase();
    const now = deps.clock.now();
    const ip = input.ip ?? 'operator';
    if (input.ip !== null) {
      await tx.raw.query("SELECT pg_advisory_xact_lock(hashtext('signup:address:' || $1))", [ip]);
      const [byAddress] = await tx.db
        .select({ n: sql<number>`count(*)::int` })
        .from(signups)
        .where(and(eq(signups.ip, ip), gt(signups.createdAt, new Date(now.getTime() - 3_600_000))));
      if ((byAddress?.n ?? 0) >= SIGNUP.perAddressPerHour)
        throw new AppError('rate_limited', 'Too many sign-ups from this address; try again in an hour', {
          extra: { retryAfterSeconds: 3600 },
        });
    }
    await lockEmail(tx, email);
    const [recent] = await tx.db
      .select({ id: signups.id })
      .from(signups)
      .where(
        and(
          eq(signups.email, email),
          gt(signups.createdAt, new Date(now.getTime() - SIGNUP.perEmailGapMinutes * 60_000)),
        ),
      )
      .limit(1);
    const { rows: taken } = await tx.raw.query<{ name: string }>(
      'SELECT name FROM users WHERE lower(email) = $1',
      [email],
    );
    const token = !recent && taken.length === 0 ? randomToken() : null;
    await tx.db.insert(signups).values({
      id: deps.ids.uuid(),
      email,
      name: input.name.trim(),
      businessName: input.businessName.trim(),
      country: country.code,
      tokenHash: token ? sha256Hex(token) : null,
      ip,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SIGNUP.validHours * 3_600_000),
    });
    if (recent) return;
    const existing = taken[0];
    const message = existing
      ? {
          subject: 'You already have a Closeout account',
          text: `Hello ${existing.name},\n\nSomeone asked to open a new organization on Closeout with this address, which already has an account. One address belongs to one organization for now.\n\nTo sign in, open ${deps.publicUrl}/ . If you forgot the password, choose "Forgot password?" there.\n\nIf it was not you, ignore this e-mail: nothing was created.\n`,
        }
      : {
          subject: `Open ${input.businessName.trim()} on Closeout`,
          text: `Hello ${input.name.trim()},\n\nOpen this link within ${SIGNUP.validHours} hours to choose your password and open ${input.businessName.trim()} on Closeout:\n\n${deps.publicUrl}/#/finish-sign-up?token=${encodeURIComponent(token ?? '')}\n\nThe link works once. If you did not ask, ignore this e-mail: nothing is created without it.\n`,
        };
    await deps.queue.enqueue(tx, { name: 'email.send', data: { to: [email], ...message } });
  });

const linkRefused = () =>
  new AppError('not_found', 'This sign-up link has expired or was already used', {
    fields: [{ field: 'token', message: 'expired or used' }],
  });

const pendingByToken = async (tx: Tx, token: string, now: Date, forUpdate: boolean) => {
  const q = tx.db
    .select()
    .from(signups)
    .where(eq(signups.tokenHash, sha256Hex(token)));
  const [row] = forUpdate ? await q.for('update') : await q;
  if (!row || row.completedAt || row.expiresAt <= now) throw linkRefused();
  return row;
};

/** What the page behind the link shows before the password is chosen. */
export const signupByToken = (deps: Deps, token: string) =>
  deps.database.transaction(async (tx) => {
    const row = await pendingByToken(tx, token, deps.clock.now(), false);
    return {
      email: row.email,
      name: row.name,
      businessName: row.businessName,
      country: row.country,
    };
  });

/** A slug from the business name, with a few random letters when it is taken (it is never shown to customers). */
const freeSlug = async (tx: Tx, deps: Deps, businessName: string) => {
  const base =
    businessName
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'organization';
  for (let i = 0; i < 5; i++) {
    const slug = i === 0 ? base : `${base}-${deps.ids.uuid().slice(0, 6)}`;
    const [taken] = await tx.db
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.slug, slug));
    if (!taken) return slug;
  }
  return `${base}-${deps.ids.uuid()}`;
};

/**
 * The link proves the address: the organization is created with the country's currency, time zone and
 * tax codes, and its owner with the chosen password (the usual policy). The link then stops working, and
 * so does any other sign-up link sent to the same address.
 */
export const completeSignup = (
  deps: Deps,
  token: string,
  input: { password: string; name?: string | undefined },
) =>
  deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const row = await pendingByToken(tx, token, now, true);
    checkPasswordPolicy(input.password, row.email, 'body.password');
    await lockEmail(tx, row.email);
    await refuseTakenEmail(tx, row.email);
    const country = countryOf(row.country);
    if (!country) throw invalid('body.country', 'not a country Closeout has tax rates for');
    const { org } = await insertOrganization(tx, deps, {
      slug: await freeSlug(tx, deps, row.businessName),
      name: row.businessName,
      legalName: row.businessName,
      country: country.code,
      currency: country.currency,
      timeZone: country.timeZone,
      taxScheme: country.taxScheme,
      // Customers' replies go to the owner until the wizard names another address.
      replyToEmail: row.email,
    });
    const owner = await insertUser(tx, deps, org.id, {
      email: row.email,
      name: input.name?.trim() || row.name,
      password: input.password,
      roles: ['owner'],
    });
    await tx.db
      .update(signups)
      .set({ completedAt: now, organizationId: org.id })
      .where(eq(signups.id, row.id));
    // Other links to the same address stop working: one address, one organization.
    await tx.db
      .update(signups)
      .set({ expiresAt: now })
      .where(and(eq(signups.email, row.email), isNull(signups.completedAt), gt(signups.expiresAt, now)));
    await appendAudit(tx, deps, {
      organizationId: org.id,
      aggregateType: 'organization',
      aggregateId: org.id,
      action: 'organization.signed_up',
      actor: { type: 'user', id: owner.id },
      changes: { businessName: row.businessName, country: country.code, owner: row.email },
    });
    return { organization: org, owner };
  });
