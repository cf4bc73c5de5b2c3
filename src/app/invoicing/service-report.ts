import Decimal from 'decimal.js';
import { and, desc, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { documentLanguage } from '../../core/i18n';
import type { Address } from '../../core/invoice-document';
import { closeoutLines, customers, jobs, organizations, serviceReports } from '../../db/schema';
import { releaseReportPushes } from '../accounting/push-queue';
import { sha256Hex } from '../auth/secrets';
import { jobNumber } from '../jobs/job-store';
import type { Deps } from '../ports';
import { loadJobContext } from './invoice-documents';
import { proofOf } from './invoice-packet';

/**
 * Renders the work-completed report of an accepted closeout (the `report.render` queue job), stored by
 * content hash; the customer can have it even when nothing is billed.
 */
export const renderServiceReport = async (
  deps: Deps,
  organizationId: string,
  jobId: string,
  submissionId: string,
) => {
  const db = deps.database.db;
  const [row] = await db
    .select({ job: jobs, org: organizations, customer: customers })
    .from(jobs)
    .innerJoin(organizations, eq(organizations.id, jobs.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, jobs.organizationId), eq(customers.id, jobs.customerId)),
    )
    .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, jobId)));
  if (!row) throw notFound('job');
  const ctx = await deps.database.transaction((tx) => loadJobContext(tx, row.job));
  const lines = await db
    .select()
    .from(closeoutLines)
    .where(and(eq(closeoutLines.organizationId, organizationId), eq(closeoutLines.jobId, jobId)))
    .orderBy(closeoutLines.position);
  const { proof } = await proofOf(deps, organizationId, jobId);
  const pdf = await (await deps.renderers()).serviceReportPdf(
    {
      language: documentLanguage(row.customer.language, row.org.language),
      seller: { name: row.org.name, color: row.org.brandColor },
      customer: row.customer.name,
      jobNumber: jobNumber(row.job.number),
      scope: row.job.scope,
      site: { name: ctx.site.name, address: ctx.site.address as Address },
      technicians: ctx.technicians,
      lines: lines.map((l) => ({
        description: l.description,
        quantity: new Decimal(l.quantity).toFixed(),
        unitCode: l.unitCode,
        serialNumbers: l.serialNumbers,
      })),
      createdAt: row.job.completedAt ?? deps.clock.now(),
    },
    proof,
  );
  const hash = sha256Hex(pdf);
  const key = `reports/${organizationId}/${jobId}/${hash}`;
  if (!(await deps.storage.exists(key))) await deps.storage.put(key, pdf, 'application/pdf');
  await db
    .insert(serviceReports)
    .values({
      organizationId,
      jobId,
      submissionId,
      storageKey: key,
      sha256: hash,
      sizeBytes: pdf.length,
      createdAt: deps.clock.now(),
    })
    .onConflictDoNothing();
  // An invoice whose connector attaches the work report may have waited for it.
  await deps.database.transaction((tx) => releaseReportPushes(tx, deps, organizationId, jobId, hash));
  return { jobId, sizeBytes: pdf.length };
};

/** The latest service report of a job. */
export const latestServiceReport = async (
  deps: Pick<Deps, 'database' | 'storage'>,
  organizationId: string,
  jobId: string,
) => {
  const [report] = await deps.database.db
    .select()
    .from(serviceReports)
    .where(and(eq(serviceReports.organizationId, organizationId), eq(serviceReports.jobId, jobId)))
    .orderBy(desc(serviceReports.createdAt))
    .limit(1);
  if (!report) {
    throw new AppError('not_ready', 'No service report yet: it is made after an accepted closeout', {
      fields: [{ field: 'jobId', message: 'no accepted closeout rendered yet' }],
    });
  }
  const bytes = await deps.storage.get(report.storageKey);
  if (!bytes) throw new Error(`stored service report of ${jobId} is missing`);
  return { report, bytes };
};
