import Decimal from 'decimal.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { updateBillingSettings } from '../../app/directory/organizations';
import { listExchangeRates, recordExchangeRate } from '../../app/invoicing/exchange-rates';
import type { Deps } from '../../app/ports';
import { Organization } from '../../contracts/auth';
import { BillingSettingsBody, ExchangeRate, ExchangeRateBody } from '../../contracts/billing';
import { Problem } from '../../contracts/common';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';
import { organizationView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** How the organization invoices: its billing settings and the exchange rates of other currencies. */
export const billingSettingsRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/exchange-rates',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['organization'],
        summary:
          'The exchange rates recorded for the currencies customers are invoiced in, newest first per currency',
        response: { 200: z.object({ items: z.array(ExchangeRate) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listExchangeRates(deps.database, principalOf(request).organizationId)).map((r) => ({
        currency: r.currency,
        validFrom: r.validFrom,
        rate: new Decimal(r.rate).toFixed(),
        source: r.source,
        updatedAt: r.updatedAt.toISOString(),
      })),
    }),
  );

  app.put(
    '/exchange-rates',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'Record the rate of a currency from a day (the same currency and day again corrects it); documents made later use it, documents already made keep theirs',
        body: ExchangeRateBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await recordExchangeRate(deps, p.organizationId, request.body, actorOf(p));
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/organization/billing',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'Invoicing settings: auto-issue, accent color, seller identifiers and address, IBAN, payment terms',
        body: BillingSettingsBody,
        response: { 200: Organization, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return organizationView(await updateBillingSettings(deps, p.organizationId, request.body, actorOf(p)));
    },
  );
};
