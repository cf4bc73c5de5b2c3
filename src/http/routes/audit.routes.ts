import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { verifyAudit } from '../../app/audit/audit-verify';
import type { Deps } from '../../app/ports';
import { AuditVerification } from '../../contracts/audit';
import { Problem } from '../../contracts/common';
import { principalOf } from '../auth';

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
      const result = await verifyAudit(deps, principalOf(request).organizationId);
      if (result.ok)
        return { ok: true, events: result.events, chains: result.chains, checkpoints: result.checkpoints };
      const { organizationId: _org, ...broken } = result.broken;
      return { ok: false, events: result.events, broken };
    },
  );
};
