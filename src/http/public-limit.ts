import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors';

/**
 * Routes a customer reaches by a link, without an account: registered in their own scope, limited per
 * address to slow down guessing (60 a minute), the refusal a problem document like every other.
 */
export const publicLinkRoutes = (root: FastifyInstance, register: (scope: FastifyInstance) => void) =>
  root.register(async (pub) => {
    await pub.register(rateLimit, {
      max: 60,
      timeWindow: '1 minute',
      // Thrown as the application's own error, so the one error handler writes the problem document (with
      // its instance and request ID) like every other refusal.
      errorResponseBuilder: (_request, context) =>
        new AppError(
          'rate_limited',
          `Too many requests from this address: try again in ${Math.ceil(context.ttl / 1000)} seconds`,
        ),
    });
    register(pub);
  });

/** Who answered a link (or signed in person), as the request tells it: kept with the signature. */
export const answererOf = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: String(request.headers['user-agent'] ?? '').slice(0, 500),
});
