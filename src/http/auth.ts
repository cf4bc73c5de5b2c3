import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateApiKey } from '../app/auth/api-keys';
import { safeEqual } from '../app/auth/secrets';
import { authenticateSession } from '../app/auth/sessions';
import type { Deps } from '../app/ports';
import { AppError } from '../core/errors';
import { type Access, can, isAction } from '../core/permissions';
import type { Principal } from '../core/principal';

export const SESSION_COOKIE = 'closeout_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which permission-table action the route needs; every /api/v1 route must say. */
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every /api/v1 route with the access it needs, as registered: the authorization tests walk it. */
    routeAccess: RouteAccess[];
  }
}

export type RouteAccess = { method: string; url: string; access: Access };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new AppError('unauthenticated', 'Not signed in');
  return request.principal;
};

/**
 * Resolves the caller (API key in Authorization, else the session cookie) and enforces the route's
 * access from the permission table, plus CSRF for cookie-authenticated writes.
 */
export const registerAuth = (app: FastifyInstance, deps: Deps) => {
  app.decorateRequest('principal', null);
  const registry: RouteAccess[] = [];
  app.decorate('routeAccess', registry);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1')) return;
    const access = route.config?.access;
    if (!access || !(access === 'public' || access === 'authenticated' || isAction(access))) {
      throw new Error(`Route ${route.method} ${route.url} has no entry in the permission table`);
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') registry.push({ method, url: route.url, access });
    }
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (!access || access === 'public') return;
    const authorization = request.headers.authorization;
    if (authorization) {
      // Exactly "Bearer <key>" (RFC 6750): anything after the key is refused, not ignored.
      const [scheme, key, ...rest] = authorization.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !key || rest.length > 0) {
        throw new AppError('unauthenticated', 'Use "Authorization: Bearer <API key>"', {
          fields: [{ field: 'header.authorization', message: 'expected a Bearer API key' }],
        });
      }
      request.principal = await authenticateApiKey(deps, key);
    } else {
      const token = request.cookies[SESSION_COOKIE];
      if (!token) throw new AppError('unauthenticated', 'Sign in, or send an API key');
      request.principal = await authenticateSession(deps, token);
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers[CSRF_HEADER];
        if (
          typeof sent !== 'string' ||
          !safeEqual(sent, request.principal.kind === 'user' ? request.principal.csrfToken : '')
        ) {
          throw new AppError(
            'csrf_failed',
            `Cookie-authenticated writes need the ${CSRF_HEADER} header from /api/v1/me`,
            {
              fields: [{ field: `header.${CSRF_HEADER}`, message: 'missing or wrong' }],
            },
          );
        }
      }
    }
    // Routes every signed-in person has (who am I, sign out, their own account) stay open so they can set it up.
    if (
      access !== 'authenticated' &&
      request.principal.kind === 'user' &&
      request.principal.secondFactorSetupNeeded
    ) {
      throw new AppError(
        'second_factor_setup_required',
        'Your organization requires a second factor: set one up under your account first',
      );
    }
    if (access !== 'authenticated' && !can(request.principal.roles, access)) {
      throw new AppError('forbidden', `Your role may not ${access.replace('.', ' ')}`, {
        extra: { action: access },
      });
    }
  });
};
