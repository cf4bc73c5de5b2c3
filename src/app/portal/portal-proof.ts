import { and, eq, sql } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator } from '../../core/i18n';
import { customerOfJob } from '../../db/queries/jobs';
import { customers, jobs, organizations } from '../../db/schema';
import { storedImage } from '../closeout/attachments';
import { proofRecords } from '../invoicing/invoice-packet';
import { latestServiceReport } from '../invoicing/service-report';
import { jobNumber } from '../jobs/job-store';
import type { Deps } from '../ports';
import { customerFile, portalDocument } from './portal-view';

const noProof = () =>
  new AppError('not_found', 'There is no record of the work for this document.', {
    fields: [{ field: 'id', message: 'no proof of work' }],
  });

/** The job behind one of the customer's invoices, by their portal link: a credit note or a fee has none. */
const jobOfDocument = async (deps: Deps, token: string, invoiceId: string) => {
  const { who, invoice } = await portalDocument(deps.database, token, invoiceId, deps.clock.now());
  if (invoice.kind === 'credit_note' || !invoice.jobId) throw noProof();
  return { organizationId: who.organizationId, jobId: invoice.jobId, invoice };
};

/**
 * The proof of the work an invoice bills, as the customer sees it: what was done, the photos by category in
 * the order a reader expects, who signed and when, and whether the work report (PDF) is there. The office's
 * notes, approvals and anything internal stay out.
 */
export const portalProof = async (deps: Deps, token: string, invoiceId: string) => {
  const { organizationId, jobId } = await jobOfDocument(deps, token, invoiceId);
  const { body, shown, signature } = await proofRecords(deps, organizationId, jobId);
  if (!body) throw noProof();
  // Times as the customer reads them: where they live, when not where the business is.
  const [job] = await deps.database.db
    .select({
      number: jobs.number,
      completedAt: jobs.completedAt,
      timeZone: sql<string>`coalesce(${customers.timeZone}, ${organizations.timeZone})`,
      language: customers.language,
      orgLanguage: organizations.language,
    })
    .from(jobs)
    .innerJoin(organizations, eq(organizations.id, jobs.organizationId))
    .innerJoin(customers, customerOfJob)
    .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, jobId)));
  const report = await latestServiceReport(deps, organizationId, jobId).catch(() => null);
  const w = customerTranslator(job?.language, job?.orgLanguage ?? 'en');
  return {
    jobNumber: job ? jobNumber(job.number) : null,
    completedAt: (job?.completedAt ?? null)?.toISOString() ?? null,
    timeZone: job?.timeZone ?? 'UTC',
    work: body.workPerformed.checklist.filter((c) => c.done).map((c) => c.item),
    notes: body.workPerformed.notes,
    photos: shown
      .filter((a) => a.mimeType.startsWith('image/'))
      .map((a) => ({
        id: a.id,
        category: w.t(`proof.categories.${a.category}`),
        capturedAt: a.capturedAt?.toISOString() ?? null,
      })),
    signature:
      body.signature && signature
        ? { signerName: body.signature.signerName, signedAt: body.signature.signedAt, photoId: signature.id }
        : null,
    workReport: report !== null,
  };
};

/** One photo (or the signature) of that proof: the small copy for the page, or the whole picture. */
export const portalProofPhoto = async (
  deps: Deps,
  token: string,
  invoiceId: string,
  photoId: string,
  size: 'small' | 'large',
) => {
  const { organizationId, jobId } = await jobOfDocument(deps, token, invoiceId);
  const { shown, signature } = await proofRecords(deps, organizationId, jobId);
  // Only what the closeout names: another job's attachment, or one the technician left out, is not found.
  const photo = [...shown, ...(signature ? [signature] : [])].find(
    (a) => a.id === photoId && a.mimeType.startsWith('image/'),
  );
  if (!photo) throw notFound('photo');
  const image = await storedImage(deps, photo, size);
  if (!image) throw notFound('photo');
  return {
    ...image,
    name: `${photo.category}${photo.mimeType === 'image/png' ? '.png' : '.jpg'}`,
    sha256: size === 'small' ? undefined : photo.sha256,
  };
};

/** The work-completed report (PDF) of the job an invoice bills. */
export const portalWorkReport = async (deps: Deps, token: string, invoiceId: string) => {
  const { organizationId, jobId, invoice } = await jobOfDocument(deps, token, invoiceId);
  const { report, bytes } = await latestServiceReport(deps, organizationId, jobId).catch(() => {
    throw noProof();
  });
  return { bytes, sha256: report.sha256, name: `Work report ${invoice.number ?? ''}.pdf`.replace(' .', '.') };
};

/** The e-invoice (EN 16931 UBL) of one of the customer's documents, for their accounts software. */
export const portalUbl = async (deps: Deps, token: string, invoiceId: string) => {
  const { invoice } = await portalDocument(deps.database, token, invoiceId, deps.clock.now());
  return customerFile(deps, invoice, 'ubl');
};
