import { and, eq } from 'drizzle-orm';
import type { OnSiteQuoteBody } from '../../contracts/quotes';
import { AppError } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { addDays, businessDate } from '../../core/time';
import { jobPhotosAmong } from '../../db/queries/attachments';
import { getOrganization } from '../../db/queries/directory';
import { jobTypes, quotes, quoteVersions } from '../../db/schema';
import { namedJobPhotos } from '../files/job-photos';
import { customFieldsOf, jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import { insertQuote } from './draft-quote';
import { addQuotePhoto, quotePhotoIds } from './quote-photos';
import { statusOf } from './quote-store';

/** How long a quote drafted on site is offered for, unless the office changes it before sending. */
const ON_SITE_VALID_DAYS = 30;

/**
 * A quote drafted by the technician at a job's site (an assessment visit, or more work found), sent from the
 * phone's outbox, online or later. It is the job's customer, site and kind of work, with the job's booking
 * fields; what the technician noted is for the office only. The phone's ID makes it exactly once: the same
 * draft sent again (a lost answer, a retry) returns the quote it made. The photos picked are the job's,
 * copied onto the quote as pixels only, each once. The office reviews the draft, then sends it.
 */
export const draftQuoteOnSite = async (
  deps: Deps,
  organizationId: string,
  jobId: string,
  body: OnSiteQuoteBody,
  actor: Actor,
) => {
  const made = await deps.database.transaction(async (tx) => {
    // Two sends of one draft queue on the job's lock: the second finds the quote the first made.
    const job = await lockJob(tx, organizationId, jobId);
    const [existing] = await tx.db
      .select()
      .from(quotes)
      .where(and(eq(quotes.organizationId, organizationId), eq(quotes.id, body.id)));
    if (existing) {
      if (existing.customerId !== job.customerId || existing.siteId !== job.siteId)
        throw new AppError('conflict', 'This draft was sent for another job', {
          fields: [{ field: 'body.id', message: 'is another quote' }],
        });
      const [version] = await tx.db
        .select()
        .from(quoteVersions)
        .where(
          and(
            eq(quoteVersions.organizationId, organizationId),
            eq(quoteVersions.quoteId, existing.id),
            eq(quoteVersions.version, existing.currentVersion),
          ),
        );
      return {
        quote: existing,
        total: version?.total ?? '0',
        draft: !!version && statusOf(version) === 'draft',
      };
    }
    const photoRows = await namedJobPhotos(tx.db, organizationId, job.id, body.photoIds ?? []);
    const org = await getOrganization(tx.db, organizationId);
    const [type] = await tx.db
      .select()
      .from(jobTypes)
      .where(and(eq(jobTypes.organizationId, organizationId), eq(jobTypes.id, job.jobTypeId)));
    if (!org || !type) throw new Error('job without its organization or kind of work');
    const booking = new Set(
      customFieldsOf(type)
        .filter((d) => d.capture === 'booking')
        .map((d) => d.key),
    );
    const number = jobNumber(job.number);
    const { quote, version } = await insertQuote(
      tx,
      deps,
      organizationId,
      {
        customerId: job.customerId,
        siteId: job.siteId,
        jobTypeId: job.jobTypeId,
        title: body.title,
        lines: body.lines.map((l) => ({ ...l, sku: l.sku ?? null })),
        validUntil: addDays(businessDate(deps.clock.now(), org.timeZone), ON_SITE_VALID_DAYS),
        internalNotes: [`Drafted on site at ${number}.`, body.note].filter(Boolean).join(' '),
        customFields: Object.fromEntries(Object.entries(job.customFields).filter(([k]) => booking.has(k))),
      },
      actor,
      body.id,
    );
    return { quote, total: version.total, draft: true, photos: photoRows };
  });
  // The photos after the quote: each copy is its own step, once per content, so a retry finishes the set.
  if (made.draft) {
    const rows =
      'photos' in made
        ? made.photos
        : await jobPhotosAmong(deps.database.db, organizationId, jobId, body.photoIds ?? []);
    for (const r of rows) {
      const bytes = await deps.storage.get(r.storageKey);
      if (bytes) await addQuotePhoto(deps, organizationId, made.quote.id, bytes, actor);
    }
  }
  return {
    created: 'photos' in made,
    quote: {
      id: made.quote.id,
      number: made.quote.number,
      total: made.total,
      photos: (await quotePhotoIds(deps.database.db, organizationId, made.quote.id)).length,
    },
  };
};
