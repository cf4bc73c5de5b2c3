import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { installTrades, recordSetupStep, setupOf, updateBusinessDetails } from '../../app/directory/setup';
import { completeSignup, requestSignup, signupByToken } from '../../app/directory/signup';
import type { Deps } from '../../app/ports';
import {
  BusinessDetailsBody,
  CompleteSignupBody,
  Country,
  InstalledTrades,
  InstallTradesBody,
  InvitationTokenParams,
  Organization,
  SetupChecklist,
  SetupStepBody,
  SignupBody,
  SignupPreview,
  User,
} from '../../contracts/auth';
import { Problem } from '../../contracts/common';
import { COUNTRIES } from '../../core/countries';
import { AppError } from '../../core/errors';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';
import { publicLinkRoutes } from '../public-limit';
import { organizationView, userView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const countries = COUNTRIES.map((c) => ({
  code: c.code,
  name: c.name,
  currency: c.currency,
  timeZone: c.timeZone,
  taxScheme: c.taxScheme,
  vatRates: c.vat ? [c.vat.standard, ...c.vat.reduced] : [],
}));

/** A business opens its organization by itself, then the wizard sets it up step by step. */
export const signupRoutes = async (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/organization/setup',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'The setup checklist: each wizard step done (by the data or the owner’s word), skipped or to do',
        response: { 200: SetupChecklist, ...errors },
      },
    },
    async (request) => setupOf(deps, principalOf(request).organizationId),
  );

  app.put(
    '/organization/setup',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary: 'Record a wizard step as done or skipped (a skipped step stays on the checklist)',
        body: SetupStepBody,
        response: { 200: SetupChecklist, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await recordSetupStep(deps, p.organizationId, request.body.step, request.body.status, actorOf(p));
      return setupOf(deps, p.organizationId);
    },
  );

  app.post(
    '/organization/trades',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'Install trades: their starter job types (closeout and approval rules) and price book; what exists is kept',
        body: InstallTradesBody,
        response: { 200: InstalledTrades, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return installTrades(deps, p.organizationId, request.body.trades, actorOf(p));
    },
  );

  app.patch(
    '/organization/details',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary: 'The trading name, legal name and time zone (country and currency are set at sign-up)',
        body: BusinessDetailsBody,
        response: { 200: Organization, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return organizationView(await updateBusinessDetails(deps, p.organizationId, request.body, actorOf(p)));
    },
  );

  await publicLinkRoutes(app, (pub) => {
    const p = pub.withTypeProvider<ZodTypeProvider>();
    p.get(
      '/public/countries',
      {
        config: { access: 'public' },
        schema: {
          tags: ['organization'],
          summary:
            'The countries an organization can open in, with currency, time zone and starter VAT rates',
          response: { 200: z.object({ items: z.array(Country) }), 429: Problem },
        },
      },
      async () => ({ items: countries }),
    );
    p.post(
      '/organizations',
      {
        config: { access: 'public' },
        schema: {
          tags: ['organization'],
          summary:
            'Sign up: a link to open the organization goes to the e-mail address (the same answer whether it has an account or not)',
          body: SignupBody,
          response: { 202: z.object({ message: z.string() }), ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        if (deps.signup === 'operator')
          throw new AppError(
            'forbidden',
            'This installation opens organizations for its operator only: ask whoever runs it for an invitation',
          );
        await requestSignup(deps, { ...request.body, ip: request.ip });
        return reply.code(202).send({
          message: `An e-mail with a link to open ${request.body.businessName} is on its way to ${request.body.email}.`,
        });
      },
    );
    p.get(
      '/public/signups/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['organization'],
          summary: 'What the sign-up link opens: the business, its country and its owner',
          params: InvitationTokenParams,
          response: { 200: SignupPreview, ...errors, 429: Problem },
        },
      },
      async (request) => signupByToken(deps, request.params.token),
    );
    p.post(
      '/public/signups/:token/complete',
      {
        config: { access: 'public' },
        schema: {
          tags: ['organization'],
          summary:
            'Choose the password (the usual policy): the organization and its owner are created, the link stops working',
          params: InvitationTokenParams,
          body: CompleteSignupBody,
          response: { 201: User, ...errors, 429: Problem },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(userView((await completeSignup(deps, request.params.token, request.body)).owner)),
    );
  });
};
