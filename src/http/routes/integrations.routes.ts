import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type ConnectorRow,
  createConnector,
  listConnectors,
  testConnector,
  updateConnector,
} from '../../app/accounting/connectors';
import { decideContactMatch } from '../../app/accounting/contact-match';
import { REVOKED } from '../../app/accounting/disconnect-connector';
import { invoicesCsv } from '../../app/accounting/exports';
import { pushesOf } from '../../app/accounting/push';
import {
  getIntegrationError,
  type IntegrationErrorEntry,
  listIntegrationErrors,
  reprocessBlock,
  reprocessIntegrationError,
} from '../../app/integrations/integration-errors';
import { pingSubscription } from '../../app/integrations/webhook-delivery';
import {
  createSubscription,
  deactivateSubscription,
  deliveriesOf,
  listSubscriptions,
} from '../../app/integrations/webhooks';
import { getInvoice } from '../../app/invoicing/invoice-queries';
import { connectPeppol, disconnectPeppol, peppolSettingsOf } from '../../app/invoicing/peppol';
import type { Deps } from '../../app/ports';
import { IdParams, Problem } from '../../contracts/common';
import { ConnectorMappings, Credentials } from '../../contracts/connectors';
import {
  AccountingPushes,
  Connector,
  ConnectorPatch,
  ContactMatchDecision,
  DeliveriesQuery,
  IntegrationError,
  IntegrationErrorQuery,
  InvoicesCsvQuery,
  NewConnector,
  NewSubscription,
  ReprocessNote,
  Subscription,
  SubscriptionCreated,
  TestResult,
  WebhookDeliveries,
} from '../../contracts/integrations';
import { ConnectPeppolBody, PeppolSettings } from '../../contracts/peppol';
import { notFound } from '../../core/errors';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

export const connectorView = (deps: Deps, c: ConnectorRow): z.infer<typeof Connector> => ({
  id: c.id,
  provider: c.provider,
  status: c.status,
  tenantId: c.tenantId,
  apiBaseUrl: c.apiBaseUrl,
  mappings: ConnectorMappings.parse(c.mappings),
  authorized: Credentials.parse(JSON.parse(deps.secrets.open(c.credentials))).refreshToken !== REVOKED,
  createdAt: c.createdAt.toISOString(),
  version: c.version,
});

const errorView = (e: IntegrationErrorEntry): z.infer<typeof IntegrationError> => ({
  id: e.id,
  kind: e.kind,
  connectorId: e.connectorId,
  invoiceId: e.invoiceId,
  jobId: e.jobId,
  providerCode: e.providerCode,
  message: e.message,
  attempts: e.attempts,
  firstSeenAt: e.firstSeenAt.toISOString(),
  lastSeenAt: e.lastSeenAt.toISOString(),
  status: e.status,
  resolvedBy: e.resolvedById,
  resolvedAt: e.resolvedAt?.toISOString() ?? null,
  resolution: e.resolution,
  reprocessBlockedBy: e.status === 'open' ? reprocessBlock(e) : null,
  contactMatch: e.detail?.contactMatch
    ? {
        name: e.detail.contactMatch.name,
        email: e.detail.contactMatch.email,
        decision: e.detail.contactMatch.decision ?? null,
      }
    : null,
  unplacedPaymentId: e.detail?.unplacedCheckoutId ?? null,
});

export const integrationRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/connectors',
    {
      config: { access: 'integrations.read' },
      schema: {
        tags: ['integrations'],
        response: { 200: z.object({ items: z.array(Connector) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listConnectors(deps, principalOf(request).organizationId)).map((c) =>
        connectorView(deps, c),
      ),
    }),
  );

  app.post(
    '/connectors',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary:
          'Connect Xero or QuickBooks Online with an OAuth2 client and refresh token; tokens are stored encrypted and never shown again',
        body: NewConnector,
        response: { 201: Connector, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply
        .code(201)
        .send(connectorView(deps, await createConnector(deps, p.organizationId, request.body, actorOf(p))));
    },
  );

  app.patch(
    '/connectors/:id',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary: 'Change a connector’s item, account and tax mappings, or disable it',
        params: IdParams,
        body: ConnectorPatch,
        response: { 200: Connector, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return connectorView(
        deps,
        await updateConnector(deps, p.organizationId, request.params.id, request.body, actorOf(p)),
      );
    },
  );

  app.get(
    '/invoices/:id/accounting',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['integrations'],
        summary: 'Where the invoice stands in each accounting system: status, attempts, the provider’s ID',
        params: IdParams,
        response: {
          200: AccountingPushes,
          ...errors,
        },
      },
    },
    async (request) => {
      const org = principalOf(request).organizationId;
      if (!(await getInvoice(deps, org, request.params.id))) throw notFound('invoice');
      const rows = await pushesOf(deps, org, request.params.id);
      return {
        items: rows.map((r) => ({
          connectorId: r.connectorId,
          entity: r.entity,
          subjectId: r.subjectId,
          status: r.status,
          attempts: r.attempts,
          externalId: r.externalId,
          externalNumber: r.externalNumber,
          idempotencyKey: r.idempotencyKey,
          lastError: r.lastError,
        })),
      };
    },
  );

  app.get(
    '/integration-errors',
    {
      config: { access: 'integrations.read' },
      schema: {
        tags: ['integrations'],
        summary: 'The needs-review lane: failed pushes and webhooks, most recent first',
        querystring: IntegrationErrorQuery,
        response: { 200: z.object({ items: z.array(IntegrationError) }), ...errors },
      },
    },
    async (request) => ({
      items: (
        await listIntegrationErrors(
          deps,
          principalOf(request).organizationId,
          request.query.status,
          request.query.limit,
        )
      ).map(errorView),
    }),
  );

  app.get(
    '/integration-errors/:id',
    {
      config: { access: 'integrations.read' },
      schema: { tags: ['integrations'], params: IdParams, response: { 200: IntegrationError, ...errors } },
    },
    async (request) => {
      const row = await getIntegrationError(deps, principalOf(request).organizationId, request.params.id);
      if (!row) throw notFound('integration error');
      return errorView(row);
    },
  );

  app.post(
    '/integration-errors/:id/reprocess',
    {
      config: { access: 'integrations.manage' },
      schema: {
        tags: ['integrations'],
        summary: 'Re-run the failed step with the same idempotency key, once its cause is fixed; audited',
        params: IdParams,
        body: ReprocessNote,
        response: { 200: IntegrationError, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return errorView(
        await reprocessIntegrationError(
          deps,
          p.organizationId,
          request.params.id,
          actorOf(p),
          request.body.note ?? null,
        ),
      );
    },
  );

  app.post(
    '/integration-errors/:id/contact-match',
    {
      config: { access: 'integrations.manage' },
      schema: {
        tags: ['integrations'],
        summary:
          'Link the customer to the provider contact of its name and e-mail, or give it a new one; the push runs again',
        params: IdParams,
        body: ContactMatchDecision,
        response: { 200: IntegrationError, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return errorView(
        await decideContactMatch(
          deps,
          p.organizationId,
          request.params.id,
          request.body.decision,
          actorOf(p),
        ),
      );
    },
  );

  app.get(
    '/webhook-subscriptions',
    {
      config: { access: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        response: { 200: z.object({ items: z.array(Subscription) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listSubscriptions(deps, principalOf(request).organizationId)).map((s) => ({
        id: s.id,
        url: s.url,
        events: s.events,
        active: s.active,
        createdAt: s.createdAt.toISOString(),
      })),
    }),
  );

  app.post(
    '/webhook-subscriptions',
    {
      config: { access: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        summary:
          'Subscribe a URL to events; deliveries are signed per Standard Webhooks. The signing secret is returned once',
        body: NewSubscription,
        response: { 201: SubscriptionCreated, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { row, secret } = await createSubscription(deps, p.organizationId, request.body, actorOf(p));
      return reply.code(201).send({
        id: row.id,
        url: row.url,
        events: row.events,
        active: row.active,
        createdAt: row.createdAt.toISOString(),
        secret,
      });
    },
  );

  app.delete(
    '/webhook-subscriptions/:id',
    {
      config: { access: 'webhooks.manage' },
      schema: { tags: ['webhooks'], params: IdParams, response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await deactivateSubscription(deps, p.organizationId, request.params.id, actorOf(p));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/connectors/:id/test',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['integrations'],
        summary:
          'Test the connection: one harmless read with the stored credentials (Xero organisation, QuickBooks company info). 200 either way; ok says whether it worked',
        params: IdParams,
        response: { 200: TestResult, ...errors },
      },
    },
    async (request) => testConnector(deps, principalOf(request).organizationId, request.params.id),
  );

  app.post(
    '/webhook-subscriptions/:id/test',
    {
      config: { access: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        summary:
          'Send a signed ping event to the subscription now (not logged as a delivery). 200 either way; ok says whether the receiver answered 2xx',
        params: IdParams,
        response: { 200: TestResult, ...errors },
      },
    },
    async (request) => pingSubscription(deps, principalOf(request).organizationId, request.params.id),
  );

  app.get(
    '/webhook-subscriptions/:id/deliveries',
    {
      config: { access: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        summary: 'The subscription’s delivery log: every event, its attempts and the last answer',
        params: IdParams,
        querystring: DeliveriesQuery,
        response: {
          200: WebhookDeliveries,
          ...errors,
        },
      },
    },
    async (request) => {
      const rows = await deliveriesOf(
        deps,
        principalOf(request).organizationId,
        request.params.id,
        request.query.limit,
      );
      return {
        items: rows.map((d) => ({
          id: d.id,
          eventId: d.eventId,
          eventType: d.eventType,
          status: d.status,
          attempts: d.attempts,
          lastStatusCode: d.lastStatusCode,
          lastError: d.lastError,
          createdAt: d.createdAt.toISOString(),
          lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
          deliveredAt: d.deliveredAt?.toISOString() ?? null,
        })),
      };
    },
  );

  app.get(
    '/exports/invoices.csv',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['integrations'],
        summary:
          'Issued invoices and credit notes as CSV, one row per line, in the columns Xero’s or QuickBooks Online’s import expects',
        querystring: InvoicesCsvQuery,
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const { format, from, to } = request.query;
      const csv = await invoicesCsv(deps, principalOf(request).organizationId, format, from, to);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="closeout-invoices-${format}-${from}-${to}.csv"`)
        .send(csv);
    },
  );

  app.get(
    '/organization/peppol',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['connectors'],
        summary: 'The Peppol access point that carries the organization’s e-invoices, if one is connected',
        response: { 200: PeppolSettings, ...errors },
      },
    },
    async (request) => peppolSettingsOf(deps, principalOf(request).organizationId),
  );

  app.put(
    '/organization/peppol',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['connectors'],
        summary:
          'Connect a Peppol access point: invoices to customers with a Peppol ID go over the network instead of e-mail (the key is sealed and never shown again)',
        body: ConnectPeppolBody,
        response: { 200: PeppolSettings, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await connectPeppol(deps, p.organizationId, request.body, actorOf(p));
      return peppolSettingsOf(deps, p.organizationId);
    },
  );

  app.delete(
    '/organization/peppol',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['connectors'],
        summary:
          'Stop sending over Peppol: documents go by e-mail again; deliveries under way are still confirmed',
        response: { 200: PeppolSettings, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await disconnectPeppol(deps, p.organizationId, actorOf(p));
      return peppolSettingsOf(deps, p.organizationId);
    },
  );
};
