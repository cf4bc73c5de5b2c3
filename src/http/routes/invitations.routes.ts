import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acceptInvitation,
  invitationByToken,
  invitationStatus,
  inviteUser,
  listOpenInvitations,
  resendInvitation,
  withdrawInvitation,
} from '../../app/directory/invitations';
import type { Deps } from '../../app/ports';
import {
  AcceptInvitationBody,
  Invitation,
  InvitationPreview,
  InvitationTokenParams,
  InviteUserBody,
  User,
} from '../../contracts/auth';
import { IdParams, Problem } from '../../contracts/common';
import { actorOf } from '../../core/principal';
import { isRole } from '../../core/roles';
import type { invitations } from '../../db/schema';
import { principalOf } from '../auth';
import { publicLinkRoutes } from '../public-limit';
import { userView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const view = (row: typeof invitations.$inferSelect, now: Date): z.infer<typeof Invitation> => ({
  id: row.id,
  email: row.email,
  name: row.name,
  roles: row.roles.filter(isRole),
  status: invitationStatus(row, now),
  sentAt: row.sentAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
});

/** Staff invited by e-mail choose their own password; the owner sees, resends and withdraws what is open. */
export const invitationRoutes = async (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/invitations',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        summary: 'Invitations not yet accepted or withdrawn, newest first (expired ones can be sent again)',
        response: { 200: z.object({ items: z.array(Invitation) }), ...errors },
      },
    },
    async (request) => {
      const now = deps.clock.now();
      return {
        items: (await listOpenInvitations(deps, principalOf(request).organizationId)).map((r) =>
          view(r, now),
        ),
      };
    },
  );

  app.post(
    '/invitations',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        summary:
          'Invite a member of staff by e-mail with their roles; they choose their password from the link (7 days). The same address again sends it again',
        body: InviteUserBody,
        response: { 201: Invitation, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const row = await inviteUser(deps, p.organizationId, request.body, actorOf(p));
      return reply.code(201).send(view(row, deps.clock.now()));
    },
  );

  app.post(
    '/invitations/:id/resend',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        summary: 'Send an invitation again: a new link (the old one stops working) for 7 more days',
        params: IdParams,
        response: { 200: Invitation, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return view(
        await resendInvitation(deps, p.organizationId, request.params.id, actorOf(p)),
        deps.clock.now(),
      );
    },
  );

  app.post(
    '/invitations/:id/withdraw',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        summary: 'Withdraw an invitation not yet accepted: its link stops working at once',
        params: IdParams,
        response: { 200: Invitation, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return view(
        await withdrawInvitation(deps, p.organizationId, request.params.id, actorOf(p)),
        deps.clock.now(),
      );
    },
  );

  // The invited person has no account yet: the link's token is the key, limited per address.
  await publicLinkRoutes(app, (pub) => {
    const p = pub.withTypeProvider<ZodTypeProvider>();
    p.get(
      '/public/invitations/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['users'],
          summary: 'Who invites the holder of this link, to what, as whom',
          params: InvitationTokenParams,
          response: { 200: InvitationPreview, ...errors, 429: Problem },
        },
      },
      async (request) => invitationByToken(deps, request.params.token),
    );
    p.post(
      '/public/invitations/:token/accept',
      {
        config: { access: 'public' },
        schema: {
          tags: ['users'],
          summary: 'Accept: choose a password (the usual policy); the account is made with the invited roles',
          params: InvitationTokenParams,
          body: AcceptInvitationBody,
          response: { 201: User, ...errors, 429: Problem },
        },
      },
      async (request, reply) =>
        reply.code(201).send(userView(await acceptInvitation(deps, request.params.token, request.body))),
    );
  });
};
