import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  customerMessageSettings,
  messagesOfJob,
  updateCustomerMessageSettings,
} from '../../app/messages/customer-messages';
import {
  connectSms,
  disconnectSms,
  recordDelivery,
  recordReply,
  smsSettingsOf,
} from '../../app/messages/texts';
import type { Deps } from '../../app/ports';
import { IdParams, Problem } from '../../contracts/common';
import { CustomerMessage, CustomerMessageSettings, CustomerMessageSettingsBody } from '../../contracts/jobs';
import { ConnectSmsBody, SmsSettings, SmsWebhookBody, SmsWebhookParams } from '../../contracts/sms';
import { MESSAGE_FIELDS } from '../../core/customer-messages';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';
import { ensureJobVisible } from '../job-access';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

/** What the customer was told about their visit, and the organization's words for it. */
export const messageRoutes = async (root: FastifyInstance, deps: Deps) => {
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
          delivery: m.delivery,
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

  app.get(
    '/organization/sms',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'Texts to customers: the connected account, quiet hours, the monthly cap and this month’s use',
        response: { 200: SmsSettings, ...errors },
      },
    },
    async (request) => smsSettingsOf(deps, principalOf(request).organizationId),
  );

  app.put(
    '/organization/sms',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'Connect the organization’s Twilio account for texts (the token is sealed and never shown again), with quiet hours and a monthly cap',
        body: ConnectSmsBody,
        response: { 200: SmsSettings, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await connectSms(deps, p.organizationId, request.body, actorOf(p));
      return smsSettingsOf(deps, p.organizationId);
    },
  );

  app.delete(
    '/organization/sms',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary: 'Stop texts to customers: e-mail goes on; texts waiting are not sent',
        response: { 200: SmsSettings, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await disconnectSms(deps, p.organizationId, actorOf(p));
      return smsSettingsOf(deps, p.organizationId);
    },
  );

  // Twilio's signed posts: delivery reports and the customers' replies, as form fields.
  await root.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64_000 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/public/sms/:organizationId/:hook',
      {
        config: { access: 'public' },
        schema: {
          tags: ['organization'],
          summary:
            'Where Twilio reports a text’s delivery (status) and forwards the customers’ replies (inbound): STOP stops texts to the number, START allows them again',
          params: SmsWebhookParams,
          body: SmsWebhookBody,
          response: { 200: z.string(), ...errors },
        },
      },
      async (request, reply) => {
        const signature = request.headers['x-twilio-signature'];
        const sig = typeof signature === 'string' ? signature : undefined;
        const { organizationId, hook } = request.params;
        if (hook === 'status') await recordDelivery(deps, organizationId, sig, request.body);
        else await recordReply(deps, organizationId, sig, request.body);
        return reply.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      },
    );
  });
};
