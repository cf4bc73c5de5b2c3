import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { membershipsOf } from '../../app/auth/person';
import {
  authenticateSession,
  type LoginResult,
  login,
  logout,
  switchOrganization,
} from '../../app/auth/sessions';
import { acceptInvitationSignedIn } from '../../app/directory/invitations';
import { openAnotherOrganization } from '../../app/directory/signup';
import type { Deps } from '../../app/ports';
import {
  InvitationTokenParams,
  LoginBody,
  Me,
  OpenOrganizationBody,
  SwitchOrganizationBody,
} from '../../contracts/auth';
import { Problem } from '../../contracts/common';
import { AppError } from '../../core/errors';
import { actionsFor } from '../../core/permissions';
import { getOrganization, getUser } from '../../db/queries/directory';
import { principalOf, SESSION_COOKIE } from '../auth';
import { organizationView, userView } from '../views';

export const authRoutes = (root: FastifyInstance, deps: Deps, opts: { cookieSecure: boolean }) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  const me = async (principal: ReturnType<typeof principalOf>): Promise<z.infer<typeof Me>> => {
    const org = await getOrganization(deps.database.db, principal.organizationId);
    if (!org) throw new AppError('unauthenticated', 'Organization no longer exists');
    const user =
      principal.kind === 'user' ? await getUser(deps.database.db, org.id, principal.userId) : undefined;
    return {
      principal: principal.kind,
      user: user ? userView(user) : null,
      organization: organizationView(org),
      roles: principal.roles,
      permissions: actionsFor(principal.roles),
      csrfToken: principal.kind === 'user' ? principal.csrfToken : null,
      secondFactorSetupNeeded: principal.kind === 'user' && principal.secondFactorSetupNeeded === true,
      organizations: user
        ? (await membershipsOf(deps.database.db, user.personId)).map((m) => ({
            id: m.organizationId,
            name: m.organizationName,
            current: m.organizationId === org.id,
          }))
        : [],
    };
  };

  /** Sets the cookie of a session just opened and answers who the caller is now. */
  const signedIn = async (reply: FastifyReply, result: LoginResult) => {
    reply.setCookie(SESSION_COOKIE, result.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.cookieSecure,
      path: '/',
      expires: result.expiresAt,
    });
    return me(await authenticateSession(deps, result.token));
  };
  const metaOf = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });

  app.post(
    '/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary:
          'Sign in with e-mail and password (and the authenticator code when the answer is second_factor_required); sets the session cookie',
        body: LoginBody,
        response: { 200: Me, 400: Problem, 401: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      const result = await login(deps, {
        email: request.body.email,
        password: request.body.password,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        device: request.body.device,
        code: request.body.code,
      });
      return signedIn(reply, result);
    },
  );

  app.post(
    '/auth/switch',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary:
          'Move to another organization the signed-in person belongs to: this session ends and one there opens (new cookie)',
        body: SwitchOrganizationBody,
        response: { 200: Me, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request, reply) =>
      signedIn(
        reply,
        await switchOrganization(deps, principalOf(request), request.body.organizationId, metaOf(request)),
      ),
  );

  app.post(
    '/auth/invitations/:token/accept',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary:
          'Accept an invitation as the signed-in person it was sent to: they join with their account and move to that organization',
        params: InvitationTokenParams,
        response: { 200: Me, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request, reply) =>
      signedIn(
        reply,
        await acceptInvitationSignedIn(deps, principalOf(request), request.params.token, metaOf(request)),
      ),
  );

  app.post(
    '/auth/organizations',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary:
          'Open another organization as its owner with the signed-in account; the session moves to it (the setup wizard starts there)',
        body: OpenOrganizationBody,
        response: { 201: Me, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request, reply) => {
      if (deps.signup === 'operator')
        throw new AppError(
          'forbidden',
          'This installation opens organizations for its operator only: ask whoever runs it',
        );
      const { session } = await openAnotherOrganization(
        deps,
        principalOf(request),
        request.body,
        metaOf(request),
      );
      const answer = await signedIn(reply, session);
      return reply.code(201).send(answer);
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'End the current session',
        response: { 204: z.null(), 401: Problem },
      },
    },
    async (request, reply) => {
      await logout(deps, principalOf(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Who is calling: user, organization, roles, permissions and the CSRF token',
        response: { 200: Me, 401: Problem },
      },
    },
    async (request) => me(principalOf(request)),
  );
};
