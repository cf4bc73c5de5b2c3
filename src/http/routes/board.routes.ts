import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { jobNumber } from '../../app/jobs/job-store';
import type { Deps } from '../../app/ports';
import { Problem } from '../../contracts/common';
import { Board, BoardQuery } from '../../contracts/jobs';
import { overlapsByJob } from '../../core/board';
import { notFound } from '../../core/errors';
import { isBillingException } from '../../core/job-lifecycle';
import { addDays, zonedToInstant } from '../../core/time';
import { numbered } from '../../core/visits';
import { boardJobs, technicians } from '../../db/queries/board';
import { getOrganization } from '../../db/queries/directory';
import { principalOf } from '../auth';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

export const boardRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = deps.database.db;

  app.get(
    '/board',
    {
      config: { access: 'board.read' },
      schema: {
        tags: ['jobs'],
        summary: 'The dispatch board: a day or a week per technician, both statuses, overlaps flagged',
        querystring: BoardQuery,
        response: { 200: Board, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const org = await getOrganization(db, p.organizationId);
      if (!org) throw notFound('organization');
      const q = request.query;
      const from = zonedToInstant(q.date, '00:00', org.timeZone);
      const to = zonedToInstant(addDays(q.date, q.days), '00:00', org.timeZone);
      const { rows, crew, visitRows, allVisits } = await boardJobs(db, p.organizationId, from, to);
      const numberedByJob = new Map<string, ReturnType<typeof numbered<(typeof allVisits)[number]>>>();
      for (const v of numbered(allVisits))
        numberedByJob.set(v.jobId, [...(numberedByJob.get(v.jobId) ?? []), v]);
      const visitAt = (jobId: string, start: Date) => {
        const v = numberedByJob.get(jobId)?.find((n) => n.windowStart.getTime() === start.getTime());
        return v ? { number: v.number, of: v.of } : null;
      };
      const techs = (await technicians(db, p.organizationId)).filter(
        (t) => t.roles.includes('technician') && t.active && (!q.technicianId || t.id === q.technicianId),
      );
      // The job's other visits in the range, each a card of its own (the job's own visit is its row).
      const cards = [
        ...rows.map((r) => ({ ...r, key: r.id, visitId: null as string | null })),
        ...visitRows
          .filter((v) => v.visitStart.getTime() !== v.windowStart.getTime())
          .map((v) => ({
            ...v,
            key: v.visitId,
            windowStart: v.visitStart,
            windowEnd: v.visitEnd,
            status: v.visitStatus === 'done' ? ('completed' as const) : ('scheduled' as const),
          })),
      ].sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime());
      const view = (r: (typeof cards)[number], overlaps: string[]) => ({
        id: r.id,
        number: jobNumber(r.number),
        customerName: r.customerName,
        siteName: r.siteName,
        jobTypeName: r.jobTypeName,
        windowStart: r.windowStart.toISOString(),
        windowEnd: r.windowEnd.toISOString(),
        status: r.status,
        billingStatus: r.billingStatus,
        exception: isBillingException(r.status, r.billingStatus),
        overlapsWith: overlaps,
        version: r.version,
        visit: visitAt(r.id, r.windowStart),
        visitId: r.visitId,
      });
      const assigned = new Set(crew.map((c) => c.jobId));
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        timeZone: org.timeZone,
        rows: techs.map((t) => {
          const ids = new Set(crew.filter((c) => c.userId === t.id).map((c) => c.jobId));
          const mine = cards.filter((r) => ids.has(r.id));
          const overlaps = overlapsByJob(
            mine.map((r) => ({
              id: r.key,
              start: r.windowStart,
              end: r.windowEnd,
              live: r.status !== 'canceled' && r.status !== 'no_show',
            })),
          );
          return {
            technician: { id: t.id, name: t.name },
            jobs: mine.map((r) => view(r, overlaps.get(r.key) ?? [])),
          };
        }),
        unassigned: cards.filter((r) => !assigned.has(r.id)).map((r) => view(r, [])),
      };
    },
  );
};
