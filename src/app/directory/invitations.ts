import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import type { Actor, Principal } from '../../core/principal';
import { isRole, ROLE_WORDS, type Role } from '../../core/roles';
import type { Tx } from '../../db/client';
import { invitations, organizations, users } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { personByEmail, personOf } from '../auth/person';
import { randomToken, sha256Hex } from '../auth/secrets';
import { moveSession, sessionInUse } from '../auth/sessions';
import type { Deps } from '../ports';
import { insertMember, insertUser, lockEmail, type MemberRow, refuseMember } from './users';

/** How long an invitation's link works; sending it again starts the time over. */
export const INVITATION_VALID_DAYS = 7;

export type InvitationInput = {
  email: string;
  name: string;
  roles: Role[];
  laborRole?: string | undefined;
  hourlyRate?: string | undefined;
};

type Row = typeof invitations.$inferSelect;

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'withdrawn';
export const invitationStatus = (row: Row, now: Date): InvitationStatus =>
  row.acceptedAt ? 'accepted' : row.withdrawnAt ? 'withdrawn' : row.expiresAt <= now ? 'expired' : 'pending';

const rolesWords = (roles: readonly string[]) =>
  roles
    .filter(isRole)
    .map((r) => ROLE_WORDS[r].toLowerCase())
    .join(' and ');

/** The e-mail with a fresh link, queued in the caller's transaction; the old link (if any) stops working. */
const sendLink = async (tx: Tx, deps: Deps, row: Row, inviter: string | null) => {
  const token = randomToken();
  const hasAccount = (await personByEmail(tx.db, row.email.toLowerCase())) !== undefined;
  const now = deps.clock.now();
  const [org] = await tx.db
    .select({ name: organizations.name })
    .from(organizations)
    .where(eq(organizations.id, row.organizationId));
  const [after] = await tx.db
    .update(invitations)
    .set({
      tokenHash: sha256Hex(token),
      sentAt: now,
      expiresAt: new Date(now.getTime() + INVITATION_VALID_DAYS * 86_400_000),
    })
    .where(and(eq(invitations.organizationId, row.organizationId), eq(invitations.id, row.id)))
    .returning();
  if (!after) throw notFound('invitation');
  const url = `${deps.publicUrl}/#/accept-invitation?token=${encodeURIComponent(token)}`;
  await deps.queue.enqueue(tx, {
    name: 'email.send',
    data: {
      to: [row.email],
      subject: `${org?.name ?? 'Your team'} invites you to Closeout`,
      text: `Hello ${row.name},\n\n${inviter ?? 'Your team'} invites you to join ${org?.name ?? 'them'} on Closeout as ${rolesWords(row.roles)}.\n\nOpen this link within ${INVITATION_VALID_DAYS} days to ${hasAccount ? 'join with the Closeout password you already use' : 'choose your password and sign in'}:\n\n${url}\n\nIf you were not expecting this, ignore this e-mail.\n`,
    },
  });
  return after;
};

const inviterName = async (tx: Tx, actor: Actor) => {
  if (actor.type !== 'user' || !actor.id) return null;
  const [u] = await tx.db.select({ name: users.name }).from(users).where(eq(users.id, actor.id));
  return u?.name ?? null;
};

/**
 * Invites a member of staff by e-mail with their roles. A person who is already a member is refused; one who
 * has a Closeout account with another organization joins with the password they have. An address already
 * invited gets the invitation again (new link, new roles, the time started over).
 */
export const inviteUser = (deps: Deps, organizationId: string, input: InvitationInput, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const email = input.email.trim().toLowerCase();
    await lockEmail(tx, email);
    await refuseMember(tx, organizationId, email);
    const roles = [...new Set(input.roles)];
    const [open] = await tx.db
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.organizationId, organizationId),
          sql`lower(${invitations.email}) = ${email}`,
          isNull(invitations.acceptedAt),
          isNull(invitations.withdrawnAt),
        ),
      )
      .for('update');
    const now = deps.clock.now();
    const fields = {
      name: input.name,
      roles,
      laborRole: input.laborRole ?? null,
      hourlyRate: input.hourlyRate ?? null,
      invitedBy: actor.type === 'user' ? actor.id : null,
    };
    let row: Row | undefined;
    if (open) {
      [row] = await tx.db
        .update(invitations)
        .set(fields)
        .where(and(eq(invitations.organizationId, organizationId), eq(invitations.id, open.id)))
        .returning();
    } else {
      [row] = await tx.db
        .insert(invitations)
        .values({
          organizationId,
          id: deps.ids.uuid(),
          email,
          ...fields,
          // Replaced at once by sendLink; a placeholder nobody holds.
          tokenHash: sha256Hex(randomToken()),
          createdAt: now,
          sentAt: now,
          expiresAt: now,
        })
        .returning();
    }
    if (!row) throw new Error('invitation write returned nothing');
    const sent = await sendLink(tx, deps, row, await inviterName(tx, actor));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'user',
      aggregateId: sent.id,
      action: open ? 'user.invitation_resent' : 'user.invited',
      actor,
      changes: { email, name: input.name, roles },
    });
    return sent;
  });

const openInvitation = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(invitations)
    .where(and(eq(invitations.organizationId, organizationId), eq(invitations.id, id)))
    .for('update');
  if (!row) throw notFound('invitation');
  if (row.acceptedAt || row.withdrawnAt)
    throw new AppError(
      'conflict',
      `This invitation was already ${row.acceptedAt ? 'accepted' : 'withdrawn'}`,
      {
        fields: [{ field: 'id', message: row.acceptedAt ? 'accepted' : 'withdrawn' }],
      },
    );
  return row;
};

/** Sends an invitation again: a new link (the old one stops working) and seven more days. */
export const resendInvitation = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const row = await openInvitation(tx, organizationId, id);
    const sent = await sendLink(tx, deps, row, await inviterName(tx, actor));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'user',
      aggregateId: row.id,
      action: 'user.invitation_resent',
      actor,
      changes: { email: row.email },
    });
    return sent;
  });

/** Withdraws an invitation not yet accepted: its link stops working at once. */
export const withdrawInvitation = (deps: Deps, organizationId: string, id: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    const row = await openInvitation(tx, organizationId, id);
    const [after] = await tx.db
      .update(invitations)
      .set({ withdrawnAt: deps.clock.now() })
      .where(and(eq(invitations.organizationId, organizationId), eq(invitations.id, id)))
      .returning();
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'user',
      aggregateId: row.id,
      action: 'user.invitation_withdrawn',
      actor,
      changes: { email: row.email },
    });
    return after ?? row;
  });

/** The organization's invitations not yet accepted or withdrawn (expired ones included, to send again). */
export const listOpenInvitations = (deps: Deps, organizationId: string) =>
  deps.database.db
    .select()
    .from(invitations)
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        isNull(invitations.acceptedAt),
        isNull(invitations.withdrawnAt),
      ),
    )
    .orderBy(desc(invitations.sentAt));

const linkRefused = () =>
  new AppError('not_found', 'This invitation link has expired, was withdrawn or was already used', {
    fields: [{ field: 'token', message: 'expired, withdrawn or used' }],
  });

const byToken = async (tx: Tx, token: string, now: Date, forUpdate: boolean) => {
  const q = tx.db
    .select({ invitation: invitations, org: organizations.name })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .where(eq(invitations.tokenHash, sha256Hex(token)));
  const [row] = forUpdate ? await q.for('update', { of: invitations }) : await q;
  if (!row || invitationStatus(row.invitation, now) !== 'pending') throw linkRefused();
  return row;
};

/** What the invitation page shows before the person accepts: who invites them, to what, as whom. */
export const invitationByToken = (deps: Deps, token: string) =>
  deps.database.transaction(async (tx) => {
    const { invitation, org } = await byToken(tx, token, deps.clock.now(), false);
    return {
      organizationName: org,
      email: invitation.email,
      name: invitation.name,
      roles: invitation.roles.filter(isRole),
      // The link's holder proves the address; they learn only that it has an account, to sign in instead.
      hasAccount: (await personByEmail(tx.db, invitation.email.toLowerCase())) !== undefined,
    };
  });

/** The invitation is accepted by this member: the link stops working, on the record of the organization. */
const markAccepted = async (tx: Tx, deps: Deps, invitation: Row, user: MemberRow, now: Date) => {
  await tx.db
    .update(invitations)
    .set({ acceptedAt: now, userId: user.id })
    .where(and(eq(invitations.organizationId, invitation.organizationId), eq(invitations.id, invitation.id)));
  await appendAudit(tx, deps, {
    organizationId: invitation.organizationId,
    aggregateType: 'user',
    aggregateId: user.id,
    action: 'user.invitation_accepted',
    actor: { type: 'user', id: user.id },
    changes: { invitation: invitation.id },
  });
};

const membershipOf = (invitation: Row, name: string | undefined) => ({
  name: name?.trim() || invitation.name,
  roles: invitation.roles.filter(isRole),
  laborRole: invitation.laborRole ?? undefined,
  hourlyRate: invitation.hourlyRate ?? undefined,
});

/**
 * Accepts an invitation as someone new to Closeout: they choose their password (the usual policy) and may
 * correct their name; the account is made with the invited roles, and the link stops working. An address
 * that already has an account is sent to sign in first (acceptInvitationSignedIn).
 */
export const acceptInvitation = (
  deps: Deps,
  token: string,
  input: { password: string; name?: string | undefined },
) =>
  deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const { invitation } = await byToken(tx, token, now, true);
    await lockEmail(tx, invitation.email.toLowerCase());
    if (await personByEmail(tx.db, invitation.email.toLowerCase()))
      throw new AppError(
        'conflict',
        'This address already has a Closeout account: sign in with its password to join',
        { fields: [{ field: 'body.password', message: 'sign in instead' }] },
      );
    const user = await insertUser(tx, deps, invitation.organizationId, {
      email: invitation.email,
      password: input.password,
      ...membershipOf(invitation, input.name),
    });
    await markAccepted(tx, deps, invitation, user, now);
    return user;
  });

/**
 * Accepts an invitation as the signed-in person it was sent to: they become a member with the invited
 * roles, keeping their password and second factor, and their session moves to the organization they joined.
 * Someone signed in as another person is refused (the link is not theirs).
 */
export const acceptInvitationSignedIn = (
  deps: Deps,
  principal: Principal,
  token: string,
  meta: { ip: string; userAgent: string | null },
) =>
  deps.database.transaction(async (tx) => {
    const p = personOf(principal);
    const now = deps.clock.now();
    const { invitation } = await byToken(tx, token, now, true);
    const email = invitation.email.toLowerCase();
    await lockEmail(tx, email);
    const me = await sessionInUse(tx, p);
    const person = await personByEmail(tx.db, email);
    if (!person || person.id !== me.user.personId)
      throw new AppError(
        'forbidden',
        `This invitation is for ${invitation.email}: sign in as that person to accept it`,
        { fields: [{ field: 'token', message: 'for another person' }] },
      );
    await refuseMember(tx, invitation.organizationId, email);
    const user = await insertMember(
      tx,
      deps,
      invitation.organizationId,
      person,
      membershipOf(invitation, undefined),
    );
    await markAccepted(tx, deps, invitation, user, now);
    return moveSession(tx, deps, p, {
      member: { userId: user.id, organizationId: user.organizationId },
      device: me.device,
      ...meta,
    });
  });
