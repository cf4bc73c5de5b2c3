import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jobNumber } from '../../app/jobs/job-store';
import type { Deps } from '../../app/ports';
import { bookAcceptedQuote } from '../../app/quotes/answer-quote';
import { createQuote, updateQuoteDraft } from '../../app/quotes/draft-quote';
import { draftQuoteOnSite } from '../../app/quotes/on-site-quote';
import { quotePhoto, quotePhotoIds, removeQuotePhoto } from '../../app/quotes/quote-photos';
import { type QuoteRow, statusOf, versionsOf } from '../../app/quotes/quote-store';
import { versionView } from '../../app/quotes/quote-view';
import { quoteLinkOf, reviseQuote, sendQuote, withdrawQuote } from '../../app/quotes/send-quote';
import { signedQuotePdf } from '../../app/quotes/signed-quote';
import { IdParams, PhotoSizeQuery, Problem, pageOf } from '../../contracts/common';
import {
  BookQuoteBody,
  CreateQuoteBody,
  OnSiteQuote,
  OnSiteQuoteBody,
  Quote,
  QuoteListQuery,
  QuotePhotoParams,
  QuotePipeline,
  QuotePipelineQuery,
  QuoteReasonBody,
  QuoteSummary,
  SendQuoteBody,
  UpdateQuoteBody,
} from '../../contracts/quotes';
import { decimalString, nullableDecimal } from '../../core/decimal';
import { notFound } from '../../core/errors';
import { pairCursor, pageOf as toPage } from '../../core/pagination';
import { actorOf } from '../../core/principal';
import { effectiveQuoteStatus } from '../../core/quote-lifecycle';
import { quotePipeline } from '../../core/quote-pipeline';
import { addDays, businessDate } from '../../core/time';
import { getOrganization } from '../../db/queries/directory';
import { listQuotes, quotesSince, quoteWithNames } from '../../db/queries/quotes';
import { principalOf } from '../auth';
import { sendFile, sendPhoto } from '../files';
import { ensureJobVisible } from '../job-access';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

export const quoteRoutes = async (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  const todayOf = async (organizationId: string) => {
    const org = await getOrganization(deps.database.db, organizationId);
    return businessDate(deps.clock.now(), org?.timeZone ?? 'UTC');
  };

  const view = async (organizationId: string, quoteId: string): Promise<z.infer<typeof Quote>> => {
    const row = await quoteWithNames(deps.database.db, organizationId, quoteId);
    if (!row) throw notFound('quote');
    const versions = await versionsOf(deps.database, organizationId, quoteId);
    const current = versions.find((v) => v.version === row.quote.currentVersion);
    if (!current) throw notFound('quote');
    const today = await todayOf(organizationId);
    const q: QuoteRow = row.quote;
    return {
      id: q.id,
      photoIds: await quotePhotoIds(deps.database.db, organizationId, quoteId),
      number: q.number,
      title: q.title,
      customerId: q.customerId,
      customerName: row.customerName,
      siteId: q.siteId,
      siteLabel: [row.siteName, row.siteAddress.line1, row.siteAddress.city].filter(Boolean).join(', '),
      jobTypeId: q.jobTypeId,
      ...versionView(current, today),
      internalNotes: current.internalNotes,
      customFields: current.customFields,
      sentTo: current.sentTo,
      sentAt: current.sentAt?.toISOString() ?? null,
      viewedAt: current.viewedAt?.toISOString() ?? null,
      jobId: q.jobId,
      seriesId: q.seriesId,
      jobNumber: row.jobNumber === null ? null : jobNumber(row.jobNumber),
      versions: versions.map((v) => ({
        version: v.version,
        status: effectiveQuoteStatus(statusOf(v), v.validUntil, today),
        total: decimalString(v.total),
      })),
      createdAt: q.createdAt.toISOString(),
      updatedAt: q.updatedAt.toISOString(),
    };
  };

  app.post(
    '/jobs/:id/quotes',
    {
      config: { access: 'quotes.draft_on_site' },
      schema: {
        tags: ['quotes'],
        summary:
          'A draft quote from a job’s site, sent from the technician’s phone: the job’s customer, site and kind of work; the same draft ID sent again returns the quote it made (200). The office reviews and sends it',
        params: IdParams,
        body: OnSiteQuoteBody,
        response: { 200: OnSiteQuote, 201: OnSiteQuote, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await ensureJobVisible(deps, p, request.params.id, 'locked-later');
      const { created, quote } = await draftQuoteOnSite(
        deps,
        p.organizationId,
        request.params.id,
        request.body,
        actorOf(p),
      );
      return reply.code(created ? 201 : 200).send(quote);
    },
  );

  app.get(
    '/quotes',
    {
      config: { access: 'quotes.read' },
      schema: {
        tags: ['quotes'],
        summary: 'Quotes, newest first, with the status and total of their current version',
        querystring: QuoteListQuery,
        response: { 200: pageOf(QuoteSummary), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, status, customerId } = request.query;
      const after = pairCursor(cursor);
      const organizationId = principalOf(request).organizationId;
      const rows = await listQuotes(
        deps.database.db,
        organizationId,
        { status, customerId, after },
        limit + 1,
      );
      const today = await todayOf(organizationId);
      const page = toPage(rows, limit, (r) => [r.quote.createdAt.toISOString(), r.quote.id]);
      return {
        items: page.items.map((r) => ({
          id: r.quote.id,
          number: r.quote.number,
          title: r.quote.title,
          customerId: r.quote.customerId,
          customerName: r.customerName,
          version: r.version.version,
          status: effectiveQuoteStatus(statusOf(r.version), r.version.validUntil, today),
          currency: r.version.currency,
          total: decimalString(r.version.total),
          acceptedTotal: nullableDecimal(r.version.acceptedTotal),
          validUntil: r.version.validUntil,
          sentAt: r.version.sentAt?.toISOString() ?? null,
          answeredAt: r.version.answeredAt?.toISOString() ?? null,
          jobId: r.quote.jobId,
          createdAt: r.quote.createdAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/quotes/pipeline',
    {
      config: { access: 'quotes.read' },
      schema: {
        tags: ['quotes'],
        summary:
          'The pipeline of the quotes made in the last `days`: count and value per stage, conversion, time to acceptance, and the offers to follow up',
        querystring: QuotePipelineQuery,
        response: { 200: QuotePipeline, ...errors },
      },
    },
    async (request) => {
      const organizationId = principalOf(request).organizationId;
      const today = await todayOf(organizationId);
      const from = addDays(today, -request.query.days);
      const rows = await quotesSince(deps.database.db, organizationId, new Date(`${from}T00:00:00Z`));
      const status = (r: (typeof rows)[number]) =>
        effectiveQuoteStatus(statusOf(r.version), r.version.validUntil, today);
      const p = quotePipeline(
        rows.map((r) => ({
          id: r.quote.id,
          status: status(r),
          currency: r.version.currency,
          value: decimalString(r.version.acceptedTotal ?? r.version.total),
          sentAt: r.version.sentAt,
          viewedAt: r.version.viewedAt,
          answeredAt: r.version.answeredAt,
        })),
        deps.clock.now(),
        request.query.followUpDays,
      );
      return {
        from,
        ...p,
        followUp: p.followUp.flatMap((id) => {
          const r = rows.find((x) => x.quote.id === id);
          return r?.version.sentAt
            ? [
                {
                  id,
                  number: r.quote.number,
                  title: r.quote.title,
                  customerName: r.customerName,
                  status: status(r),
                  currency: r.version.currency,
                  total: decimalString(r.version.total),
                  sentAt: r.version.sentAt.toISOString(),
                  viewedAt: r.version.viewedAt?.toISOString() ?? null,
                },
              ]
            : [];
        }),
      };
    },
  );

  app.post(
    '/quotes',
    {
      config: { access: 'quotes.manage' },
      schema: {
        tags: ['quotes'],
        summary:
          'A new quote as a draft: lines from the price book or typed, options, add-ons, deposit, validity',
        body: CreateQuoteBody,
        response: { 201: Quote, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { quote } = await createQuote(deps, p.organizationId, request.body, actorOf(p));
      return reply.code(201).send(await view(p.organizationId, quote.id));
    },
  );

  app.get(
    '/quotes/:id',
    {
      config: { access: 'quotes.read' },
      schema: {
        tags: ['quotes'],
        summary: 'A quote: its current version, the customer’s answer, its versions and its job',
        params: IdParams,
        response: { 200: Quote, ...errors },
      },
    },
    async (request) => view(principalOf(request).organizationId, request.params.id),
  );

  app.put(
    '/quotes/:id',
    {
      config: { access: 'quotes.manage' },
      schema: {
        tags: ['quotes'],
        summary: 'Replaces a draft’s content (a sent quote is revised instead)',
        params: IdParams,
        body: UpdateQuoteBody,
        response: { 200: Quote, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await updateQuoteDraft(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return view(p.organizationId, request.params.id);
    },
  );

  app.get(
    '/quotes/:id/photos/:photoId',
    {
      config: { access: 'quotes.read' },
      schema: {
        tags: ['quotes'],
        summary: 'A photo from the site visit on the quote: small (320 px) or as kept',
        params: QuotePhotoParams,
        querystring: PhotoSizeQuery,
      },
    },
    async (request, reply) => {
      const photo = await quotePhoto(
        deps,
        principalOf(request).organizationId,
        request.params.id,
        request.params.photoId,
        request.query.size,
      );
      return sendPhoto(reply, photo);
    },
  );

  app.delete(
    '/quotes/:id/photos/:photoId',
    {
      config: { access: 'quotes.manage' },
      schema: {
        tags: ['quotes'],
        summary: 'Takes a photo off a quote not accepted yet',
        params: QuotePhotoParams,
        response: { 200: Quote, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await removeQuotePhoto(deps, p.organizationId, request.params.id, request.params.photoId, actorOf(p));
      return view(p.organizationId, request.params.id);
    },
  );

  app.post(
    '/quotes/:id/send',
    {
      config: { access: 'quotes.manage' },
      schema: {
        tags: ['quotes'],
        summary: 'Sends the current version by e-mail with the customer’s link (again, when already sent)',
        params: IdParams,
        body: SendQuoteBody,
        response: { 200: Quote.extend({ link: z.string() }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { link } = await sendQuote(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return { ...(await view(p.organizationId, request.params.id)), link };
    },
  );

  app.get(
    '/quotes/:id/link',
    {
      config: { access: 'quotes.manage' },
      schema: {
        tags: ['quotes'],
        summary: 'The customer’s link of the current version, to send another way (null before sending)',
        params: IdParams,
        response: { 200: z.object({ link: z.string().nullable() }), ...errors },
      },
    },
    async (request) => ({
      link: await quoteLinkOf(deps, principalOf(request).organizationId, request.params.id),
    }),
  );

  app.post(
    '/quotes/:id/revise',
    {
      config: { access: 'quotes.manage' },
      schema: {
        tags: ['quotes'],
        summary:
          'A new draft version of a sent, declined or expired quote; the old version can no longer be accepted',
        params: IdParams,
        response: { 200: Quote, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await reviseQuote(deps, p.organizationId, request.params.id, actorOf(p));
      return view(p.organizationId, request.params.id);
    },
  );

  app.post(
    '/quotes/:id/book',
    {
      config: { access: 'jobs.create' },
      schema: {
        tags: ['quotes'],
        summary:
          'Books the job of an accepted quote that offered no visit: the accepted lines, discount, PO and deposit',
        params: IdParams,
        body: BookQuoteBody,
        response: { 200: Quote, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await bookAcceptedQuote(
        deps,
        p.organizationId,
        request.params.id,
        {
          windowStart: new Date(request.body.windowStart),
          windowEnd: new Date(request.body.windowEnd),
          crew: request.body.crew,
        },
        actorOf(p),
      );
      return view(p.organizationId, request.params.id);
    },
  );

  app.get(
    '/quotes/:id/signed.pdf',
    {
      config: { access: 'quotes.read' },
      schema: {
        tags: ['quotes'],
        summary: 'The accepted version as a PDF with the customer’s signature block (409 before acceptance)',
        params: IdParams,
        response: errors,
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { number, pdf } = await signedQuotePdf(deps, {
        organizationId: p.organizationId,
        quoteId: request.params.id,
      });
      return sendFile(reply, pdf, 'application/pdf', `${number}-signed.pdf`);
    },
  );

  app.post(
    '/quotes/:id/withdraw',
    {
      config: { access: 'quotes.manage' },
      schema: {
        tags: ['quotes'],
        summary: 'Takes an offer back, with the reason',
        params: IdParams,
        body: QuoteReasonBody,
        response: { 200: Quote, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await withdrawQuote(deps, p.organizationId, request.params.id, request.body.reason, actorOf(p));
      return view(p.organizationId, request.params.id);
    },
  );
};
