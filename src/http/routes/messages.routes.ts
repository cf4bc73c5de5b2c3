import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  customerMessageSettings,
  messagesOfJob,
  updateCustomerMessageSettings,
} from '../../app/messages/customer-messages';
import type { Deps } from '../../app/ports';
import { IdParams, Problem } from '../../contracts/common';
import { CustomerMessage, CustomerMessageSettings, CustomerMessageSettingsBody } from '../../contracts/jobs';
import { MESSAGE_FIELDS } from '../../core/customer-messages';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';
import { ensureJobVisible } from '../job-access';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

/** What the customer was told about their visit, and the organization's words for it. */
export const messageRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/jobs/:id/customer-messages',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['jobs'],
        summary:
          'The messages the customer was sent about this job (confirmation, reminder, new time, on my way, work completed), newest first, with why any was not sent',
        params: IdParams,
        response: { 200: z.object({ items: z.array(CustomerMessage) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureJobVisible(deps, p, request.params.id, 'check');
      const rows = await messagesOfJob(deps, p.organizationId, request.params.id);
      return {
        items: rows.map((m) => ({
          id: m.id,
          kind: m.kind,
          channel: m.channel,
          recipient: m.recipient,
          subject: m.subject,
          body: m.body,
          status: m.status,
          reason: m.reason,
          createdAt: m.createdAt.toISOString(),
          sentAt: m.sentAt?.toISOString() ?? null,
        })),
      };
    },
  );

  app.get(
    '/organization/customer-messages',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'Each message customers get about their visits: on or off, the words in force, the placeholders',
        response: { 200: CustomerMessageSettings, ...errors },
      },
    },
    async (request) => ({
      items: await customerMessageSettings(deps, principalOf(request).organizationId),
      fields: MESSAGE_FIELDS,
    }),
  );

  app.patch(
    '/organization/customer-messages',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'Turn messages on or off and write their words ({{placeholders}} only; leave out subject or body for the default)',
        body: CustomerMessageSettingsBody,
        response: { 200: CustomerMessageSettings, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await updateCustomerMessageSettings(deps, p.organizationId, request.body, actorOf(p));
      return { items: await customerMessageSettings(deps, p.organizationId), fields: MESSAGE_FIELDS };
    },
  );
};
