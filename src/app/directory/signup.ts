import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { countryOf } from '../../core/countries';
import { AppError, invalid } from '../../core/errors';
import { checkPasswordPolicy } from '../../core/password-policy';
import type { Principal } from '../../core/principal';
import type { Tx } from '../../db/client';
import { organizations, signups } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { lockedPerson, personOf } from '../auth/person';
import { randomToken, sha256Hex } from '../auth/secrets';
import { moveSession, sessionInUse } from '../auth/sessions';
import type { Deps } from '../ports';
import { insertOrganization } from './organizations';
import { insertMember, insertUser, lockEmail, type MemberRow, refuseTakenEmail } from './users';

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
    // The person with this address, if any, and the name they first joined under.
    const { rows: taken } = await tx.raw.query<{ name: string | null }>(
      `SELECT u.name FROM people p LEFT JOIN users u ON u.person_id = p.id
        WHERE lower(p.email) = $1 ORDER BY u.created_at LIMIT 1`,
      [email],
    );
    const hasAccount = taken.length > 0;
    const token = !recent && !hasAccount ? randomToken() : null;
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
    const message = hasAccount
      ? {
          subject: 'You already have a Closeout account',
          text: `Hello ${taken[0]?.name ?? input.name.trim()},\n\nSomeone asked to open ${input.businessName.trim()} on Closeout with this address, which already has an account. One account can work in several organizations: sign in at ${deps.publicUrl}/ and choose "Open another organization" in the account menu. If you forgot the password, choose "Forgot password?" there.\n\nIf it was not you, ignore this e-mail: nothing was created.\n`,
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
    const { organization: org, owner } = await openOrganization(
      tx,
      deps,
      { businessName: row.businessName, country: row.country, email: row.email },
      (orgId) =>
        insertUser(tx, deps, orgId, {
          email: row.email,
          name: input.name?.trim() || row.name,
          password: input.password,
          roles: ['owner'],
        }),
    );
    await tx.db
      .update(signups)
      .set({ completedAt: now, organizationId: org.id })
      .where(eq(signups.id, row.id));
    // Other links to the same address stop working: the address has its account now.
    await tx.db
      .update(signups)
      .set({ expiresAt: now })
      .where(and(eq(signups.email, row.email), isNull(signups.completedAt), gt(signups.expiresAt, now)));
    return { organization: org, owner };
  });

/**
 * Creates an organization with the country's currency, time zone and tax codes, and its first owner (made by
 * `owner` once the organization exists), on the record as signed up.
 */
const openOrganization = async (
  tx: Tx,
  deps: Deps,
  input: { businessName: string; country: string; email: string },
  owner: (organizationId: string) => Promise<MemberRow>,
) => {
  const country = countryOf(input.country);
  if (!country) throw invalid('body.country', 'not a country Closeout has tax rates for');
  const { org } = await insertOrganization(tx, deps, {
    slug: await freeSlug(tx, deps, input.businessName),
    name: input.businessName,
    legalName: input.businessName,
    country: country.code,
    currency: country.currency,
    timeZone: country.timeZone,
    taxScheme: country.taxScheme,
    // Customers' replies go to the owner until the wizard names another address.
    replyToEmail: input.email,
  });
  const user = await owner(org.id);
  await appendAudit(tx, deps, {
    organizationId: org.id,
    aggregateType: 'organization',
    aggregateId: org.id,
    action: 'organization.signed_up',
    actor: { type: 'user', id: user.id },
    changes: { businessName: input.businessName, country: country.code, owner: input.email },
  });
  return { organization: org, owner: user };
};

/**
 * A signed-in person opens another organization, as its owner, with the account they have (password and
 * second factor): the address is already proven, so no link is needed. Their session moves to it, where the
 * setup wizard starts. The installation's operator-only setting applies as it does to sign-up.
 */
export const openAnotherOrganization = (
  deps: Deps,
  principal: Principal,
  input: { businessName: string; country: string },
  meta: { ip: string; userAgent: string | null },
) =>
  deps.database.transaction(async (tx) => {
    const p = personOf(principal);
    const me = await sessionInUse(tx, p);
    const person = await lockedPerson(tx, me.user.personId);
    const businessName = input.businessName.trim();
    const { organization, owner } = await openOrganization(
      tx,
      deps,
      { businessName, country: input.country, email: person.email },
      (orgId) => insertMember(tx, deps, orgId, person, { name: me.user.name, roles: ['owner'] }),
    );
    const session = await moveSession(tx, deps, p, {
      member: { userId: owner.id, organizationId: organization.id },
      device: me.device,
      ...meta,
    });
    return { organization, session };
  });
