import Decimal from 'decimal.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import {
  decideWriteOff,
  listWriteOffs,
  requestWriteOff,
  type WriteOffRow,
  type WriteOffView,
} from '../../app/collections/write-offs';
import type { Deps } from '../../app/ports';
import { IdParams, Problem, pageOf } from '../../contracts/common';
import {
  DecideWriteOffBody,
  WriteOff,
  WriteOffBody,
  WriteOffListQuery,
  WriteOffResult,
} from '../../contracts/write-offs';
import { encodeCursor, pairCursor } from '../../core/pagination';
import { userNames } from '../../db/queries/timeline';
import { principalOf } from '../auth';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Write-offs (#24): billing writes off what is left on an invoice; above the limit the owner decides. */
export const writeOffRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  const views = async (organizationId: string, rows: WriteOffView[]): Promise<z.infer<typeof WriteOff>[]> => {
    const names = await userNames(
      deps.database.db,
      rows.flatMap((r) => [r.requestedById, r.decidedById]).filter((x): x is string => x !== null),
    );
    return rows.map((r) => ({
      id: r.id,
      invoiceId: r.invoiceId,
      invoiceNumber: r.invoiceNumber,
      customerId: r.customerId,
      customerName: r.customerName,
      dueDate: r.dueDate,
      amount: new Decimal(r.amount).toFixed(2),
      currency: r.currency,
      reason: r.reason,
      note: r.note,
      status: r.status,
      requestedBy: r.requestedByType === 'user' ? (names.get(r.requestedById) ?? null) : 'An API key',
      decidedBy: r.decidedById ? (names.get(r.decidedById) ?? null) : null,
      decisionNote: r.decisionNote,
      appliedOn: r.appliedOn,
      createdAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
    }));
  };

  const result = async (
    organizationId: string,
    r: { writeOff: WriteOffRow; invoice: { status: string; version: number } },
  ) => {
    const listed = await listWriteOffs(deps, organizationId, { invoiceId: r.writeOff.invoiceId, limit: 200 });
    const [view] = await views(
      organizationId,
      listed.filter((x) => x.id === r.writeOff.id),
    );
    if (!view) throw new Error('write-off view missing');
    return { writeOff: view, invoiceStatus: r.invoice.status, invoiceVersion: r.invoice.version };
  };

  app.post(
    '/invoices/:id/write-offs',
    {
      config: { access: 'write_offs.request' },
      schema: {
        tags: ['write-offs'],
        summary:
          'Write off what is left on an invoice, with the reason; above the organization’s limit it waits for the owner',
        params: IdParams,
        body: WriteOffBody,
        response: { 200: WriteOffResult, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return result(p.organizationId, await requestWriteOff(deps, p, request.params.id, request.body));
    },
  );

  app.post(
    '/write-offs/:id/decision',
    {
      config: { access: 'write_offs.approve' },
      schema: {
        tags: ['write-offs'],
        summary:
          'Approve a write-off waiting for the owner (it applies at once) or refuse it with the reason',
        params: IdParams,
        body: DecideWriteOffBody,
        response: { 200: WriteOffResult, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return result(p.organizationId, await decideWriteOff(deps, p, request.params.id, request.body));
    },
  );

  app.get(
    '/write-offs',
    {
      config: { access: 'write_offs.request' },
      schema: {
        tags: ['write-offs'],
        summary: 'Write-offs, newest first: status=pending is what waits for the owner',
        querystring: WriteOffListQuery,
        response: { 200: pageOf(WriteOff), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { limit, cursor, ...filter } = request.query;
      const key = pairCursor(cursor);
      const rows = await listWriteOffs(deps, p.organizationId, {
        ...filter,
        limit,
        before: key ? { createdAt: new Date(key[0]), id: key[1] } : undefined,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: await views(p.organizationId, page),
        nextCursor:
          rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
      };
    },
  );
};
