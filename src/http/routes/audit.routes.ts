import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyAudit } from '../../app/audit-verify';
import type { Deps } from '../../app/ports';
import { Problem } from '../../contracts/common';
import { principalOf } from '../auth';

const AuditVerification = z
  .object({
    ok: z.boolean(),
    events: z.number().int(),
    chains: z.number().int().optional(),
    checkpoints: z.number().int().optional(),
    broken: z
      .object({
        aggregateType: z.string(),
        aggregateId: z.string(),
        seq: z.number().int(),
        eventId: z.string().nullable(),
        reason: z.string(),
      })
      .optional(),
  })
  .meta({ id: 'AuditVerification' });

export const auditRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/audit/verify',
    {
      config: { access: 'audit.verify' },
      schema: {
        tags: ['audit'],
        summary:
          'Walk the organization’s audit chains and checkpoints; name the first broken or missing event',
        response: { 200: AuditVerification, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const result = await verifyAudit(deps.database, principalOf(request).organizationId);
      if (result.ok)
        return { ok: true, events: result.events, chains: result.chains, checkpoints: result.checkpoints };
      const { organizationId: _org, ...broken } = result.broken;
      return { ok: false, events: result.events, broken };
    },
  );
};
