import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listConnectors } from '../../app/accounting/connectors';
import { disconnectConnector } from '../../app/accounting/disconnect-connector';
import { completeOAuth, finishOAuth, getOAuthAttempt, startOAuth } from '../../app/accounting/oauth-connect';
import { backfillPushes } from '../../app/accounting/push-queue';
import type { Deps } from '../../app/ports';
import { IdParams, Problem } from '../../contracts/common';
import {
  BackfillBody,
  BackfillResult,
  Connector,
  OAuthAttempt,
  OAuthCallbackQuery,
  OAuthFinish,
  OAuthStart,
} from '../../contracts/integrations';
import { AppError, notFound } from '../../core/errors';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';
import { connectorView } from './integrations.routes';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/**
 * Connecting an accounting system by clicking (OAuth 2.0 authorization code): start, the provider's
 * redirect back, the organisation pick, and disconnecting.
 */
export const oauthRoutes = (root: FastifyInstance, deps: Deps, publicUrl: string | undefined) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  /** Where the provider sends the browser back: this server, as the public sees it. */
  const redirectUriOf = (request: FastifyRequest) =>
    `${publicUrl ?? `${request.protocol}://${request.host}`}/api/v1/connectors/oauth/callback`;
  const connectorOf = async (organizationId: string, id: string) => {
    const c = (await listConnectors(deps, organizationId)).find((x) => x.id === id);
    if (!c) throw notFound('connector');
    return connectorView(deps, c);
  };

  app.post(
    '/connectors/oauth',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary:
          'Start connecting (or re-authorizing) Xero or QuickBooks Online: answers the address to send the browser to',
        body: OAuthStart,
        response: { 201: z.object({ attemptId: z.uuid(), authorizeUrl: z.string() }), ...errors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await startOAuth(deps, principalOf(request), request.body, redirectUriOf(request))),
  );

  app.get(
    '/connectors/oauth/callback',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary: 'The provider’s redirect back; sends the browser to Settings with the outcome',
        querystring: OAuthCallbackQuery,
        response: { 302: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      try {
        const attempt = await completeOAuth(deps, principalOf(request), {
          state: q.state,
          code: q.code,
          realmId: q.realmId,
          error: q.error_description ?? q.error,
        });
        return reply.redirect(`/#/settings?tab=integrations&oauth=${attempt.id}`, 302);
      } catch (err) {
        // A state this session did not start: the person lands in Settings, told so, and nothing changed.
        if (!(err instanceof AppError)) throw err;
        return reply.redirect(
          `/#/settings?tab=integrations&oauthError=${encodeURIComponent(err.message)}`,
          302,
        );
      }
    },
  );

  app.get(
    '/connectors/oauth/:id',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary:
          'How a connection attempt ended: connected, failed (why), or waiting for the organisation pick',
        params: IdParams,
        response: { 200: OAuthAttempt, ...errors },
      },
    },
    async (request) => getOAuthAttempt(deps, principalOf(request).organizationId, request.params.id),
  );

  app.post(
    '/connectors/oauth/:id/finish',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary: 'Pick the organisation to connect, when the authorization reaches several',
        params: IdParams,
        body: OAuthFinish,
        response: { 200: Connector, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const id = await finishOAuth(deps, p, request.params.id, request.body.tenantId);
      return connectorOf(p.organizationId, id);
    },
  );

  app.post(
    '/connectors/:id/backfill',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary:
          'Push the documents issued since a day that never reached this connector, with their payments and credits; dry run by default',
        params: IdParams,
        body: BackfillBody,
        response: { 200: BackfillResult, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const out = await backfillPushes(
        deps,
        p.organizationId,
        request.params.id,
        request.body.since,
        request.body.dryRun,
        actorOf(p),
      );
      return {
        ...out,
        documents: out.documents.map((d) => ({
          ...d,
          kind: d.kind as 'invoice' | 'deposit_invoice' | 'credit_note',
        })),
      };
    },
  );

  app.post(
    '/connectors/:id/disconnect',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary:
          'Disconnect: the tokens are revoked at the provider and forgotten; re-authorize to connect again',
        params: IdParams,
        response: { 200: Connector.extend({ revokeProblem: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const out = await disconnectConnector(deps, p.organizationId, request.params.id, actorOf(p));
      return { ...connectorView(deps, out.connector), revokeProblem: out.revokeProblem };
    },
  );
};
