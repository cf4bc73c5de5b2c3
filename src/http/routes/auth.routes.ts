import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authenticateSession, login, logout } from '../../app/auth/sessions';
import type { Deps } from '../../app/ports';
import { LoginBody, Me } from '../../contracts/auth';
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
    };
  };

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
      reply.setCookie(SESSION_COOKIE, result.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: opts.cookieSecure,
        path: '/',
        expires: result.expiresAt,
      });
      return me(await authenticateSession(deps, result.token));
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
