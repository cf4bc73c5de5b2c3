import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Deps } from '../app/ports';
import { AppError } from '../core/errors';
import { registerAuth } from './auth';
import { registerErrorHandling, sendProblem } from './errors';
import { registerEvents } from './events';
import { accountRoutes } from './routes/account.routes';
import { approvalRoutes } from './routes/approvals.routes';
import { attachmentRoutes } from './routes/attachments.routes';
import { auditRoutes } from './routes/audit.routes';
import { authRoutes } from './routes/auth.routes';
import { bankRoutes } from './routes/bank.routes';
import { billingSettingsRoutes } from './routes/billing-settings.routes';
import { boardRoutes } from './routes/board.routes';
import { calendarRoutes } from './routes/calendar.routes';
import { catalogRoutes } from './routes/catalog.routes';
import { changeOrderRoutes } from './routes/change-orders.routes';
import { closeoutRoutes } from './routes/closeouts.routes';
import { collectionsRoutes } from './routes/collections.routes';
import { conversationRoutes } from './routes/conversation.routes';
import { cycleRunRoutes } from './routes/cycle-runs.routes';
import { directoryRoutes } from './routes/directory.routes';
import { importRoutes } from './routes/imports.routes';
import { integrationRoutes } from './routes/integrations.routes';
import { invitationRoutes } from './routes/invitations.routes';
import { invoiceRoutes } from './routes/invoices.routes';
import { jobRoutes } from './routes/jobs.routes';
import { messageRoutes } from './routes/messages.routes';
import { metricsRoutes } from './routes/metrics.routes';
import { oauthRoutes } from './routes/oauth.routes';
import { paymentRoutes } from './routes/payments.routes';
import { publicQuoteRoutes } from './routes/public-quotes.routes';
import { quoteRoutes } from './routes/quotes.routes';
import { seriesRoutes } from './routes/series.routes';
import { signupRoutes } from './routes/signup.routes';
import { systemRoutes, type WorkerState } from './routes/system.routes';
import { workOrderRoutes } from './routes/work-orders.routes';
import { writeOffRoutes } from './routes/write-offs.routes';

export type ServerOptions = {
  deps: Deps;
  workers: WorkerState;
  cookieSecure: boolean;
  /** This server's address as the public sees it (PUBLIC_URL): OAuth redirects come back here. */
  publicUrl?: string | undefined;
  bodyLimitBytes: number;
  logLevel: string;
  /** The process's logger (JSON or pretty); without it Fastify makes a JSON one at logLevel. */
  logger?: FastifyBaseLogger | undefined;
  /** A log line per request (the default); off when a person reads the log on a terminal. */
  requestLogging?: boolean;
  /** Built office web app (vite build output); when absent the landing page says how to build it. */
  webRoot?: string | undefined;
  /** Built technician PWA, served at /tech/. */
  techRoot?: string | undefined;
  /** Built customer pages (a quote by its link), served at /portal/. */
  portalRoot?: string | undefined;
  trustProxy?: boolean;
};

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export const buildServer = async (opts: ServerOptions): Promise<FastifyInstance> => {
  const app = Fastify({
    ...(opts.logLevel === 'silent'
      ? { logger: false }
      : opts.logger
        ? { loggerInstance: opts.logger }
        : { logger: { level: opts.logLevel } }),
    ...(opts.requestLogging === false
      ? { logController: new LogController({ disableRequestLogging: true }) }
      : {}),
    bodyLimit: opts.bodyLimitBytes,
    trustProxy: opts.trustProxy ?? false,
    requestIdHeader: false,
    // Accept a caller's request ID only when it looks like one; otherwise make our own.
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerErrorHandling(app);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: opts.cookieSecure,
  });
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Closeout API',
        version: '1',
        description:
          'Dispatch-to-invoice for field-service businesses. Errors are RFC 9457 problem+json. ' +
          'People sign in with a session cookie (cookie writes need the X-CSRF-Token header from /api/v1/me); ' +
          'machines send "Authorization: Bearer <API key>".',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'closeout_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerAuth(app, opts.deps);
  systemRoutes(app, { database: opts.deps.database, workers: opts.workers });
  await app.register(
    async (api) => {
      authRoutes(api, opts.deps, { cookieSecure: opts.cookieSecure });
      await accountRoutes(api, opts.deps);
      await invitationRoutes(api, opts.deps);
      await signupRoutes(api, opts.deps);
      await messageRoutes(api, opts.deps);
      await importRoutes(api, opts.deps);
      directoryRoutes(api, opts.deps);
      catalogRoutes(api, opts.deps);
      jobRoutes(api, opts.deps);
      conversationRoutes(api, opts.deps);
      boardRoutes(api, opts.deps);
      auditRoutes(api, opts.deps);
      calendarRoutes(api, opts.deps);
      seriesRoutes(api, opts.deps);
      closeoutRoutes(api, opts.deps);
      approvalRoutes(api, opts.deps);
      invoiceRoutes(api, opts.deps);
      cycleRunRoutes(api, opts.deps);
      billingSettingsRoutes(api, opts.deps);
      collectionsRoutes(api, opts.deps);
      bankRoutes(api, opts.deps);
      writeOffRoutes(api, opts.deps);
      integrationRoutes(api, opts.deps);
      oauthRoutes(api, opts.deps, opts.publicUrl);
      metricsRoutes(api, opts.deps);
      workOrderRoutes(api, opts.deps);
      await quoteRoutes(api, opts.deps);
      await publicQuoteRoutes(api, opts.deps);
      await changeOrderRoutes(api, opts.deps);
      await paymentRoutes(api, opts.deps);
      await attachmentRoutes(api, opts.deps);
      await registerEvents(api, opts.deps);
    },
    { prefix: '/api/v1' },
  );

  const webRoot =
    opts.webRoot && fs.existsSync(path.join(opts.webRoot, 'index.html')) ? opts.webRoot : undefined;
  if (webRoot) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  // The technician PWA: its own bundle, manifest and service worker, scoped to /tech/.
  const techRoot =
    opts.techRoot && fs.existsSync(path.join(opts.techRoot, 'index.html')) ? opts.techRoot : undefined;
  if (techRoot) {
    await app.register(fastifyStatic, {
      root: techRoot,
      prefix: '/tech/',
      wildcard: false,
      index: ['index.html'],
      decorateReply: !webRoot,
    });
    app.get('/tech', { schema: { hide: true } }, (_request, reply) => reply.redirect('/tech/'));
  }
  // The customer's pages: no session, no service worker; the link's token stays in the URL's hash.
  const portalRoot =
    opts.portalRoot && fs.existsSync(path.join(opts.portalRoot, 'index.html')) ? opts.portalRoot : undefined;
  if (portalRoot) {
    await app.register(fastifyStatic, {
      root: portalRoot,
      prefix: '/portal/',
      wildcard: false,
      index: ['index.html'],
      decorateReply: false,
    });
    app.get('/portal', { schema: { hide: true } }, (_request, reply) => reply.redirect('/portal/'));
  }
  app.setNotFoundHandler((request, reply) => {
    const wantsPage =
      request.method === 'GET' &&
      !request.url.startsWith('/api/') &&
      request.headers.accept?.includes('text/html');
    if (wantsPage && techRoot && request.url.startsWith('/tech/'))
      return reply.type('text/html').sendFile('index.html', techRoot);
    if (wantsPage && webRoot) return reply.type('text/html').sendFile('index.html');
    if (wantsPage) {
      return reply
        .type('text/html')
        .send(
          '<!doctype html><title>Closeout</title><p>The web app is not built. Run <code>npm run build:web</code>.</p>',
        );
    }
    return sendProblem(
      request,
      reply,
      new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`),
    );
  });
  return app;
};
