import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../../app/ports';
import { acceptQuote, declineQuote, openQuoteLink, publicQuotePhoto } from '../../app/quotes/answer-quote';
import { signedQuotePdf } from '../../app/quotes/signed-quote';
import { PhotoSizeQuery, Problem } from '../../contracts/common';
import {
  AcceptQuoteBody,
  DeclineQuoteBody,
  PublicQuote,
  PublicQuotePhotoParams,
  QuoteTokenParams,
} from '../../contracts/quotes';
import { sendFile, sendPhoto } from '../files';
import { answererOf, publicLinkRoutes } from '../public-limit';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** The customer's side of a quote: no account, so every answer is limited per address. */
export const publicQuoteRoutes = async (app: FastifyInstance, deps: Deps) => {
  await publicLinkRoutes(app, (pub) => {
    const p = pub.withTypeProvider<ZodTypeProvider>();
    p.get(
      '/public/quotes/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['quotes'],
          summary: 'The customer’s page of a quote, by the link’s token; the first opening marks it viewed',
          params: QuoteTokenParams,
          response: { 200: PublicQuote, ...errors, 429: Problem },
        },
      },
      async (request) => openQuoteLink(deps, request.params.token, answererOf(request)),
    );
    p.get(
      '/public/quotes/:token/signed.pdf',
      {
        config: { access: 'public' },
        schema: {
          tags: ['quotes'],
          summary: 'The customer’s signed copy of the quote they accepted, by the link’s token',
          params: QuoteTokenParams,
          response: { ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        const { number, pdf } = await signedQuotePdf(deps, { token: request.params.token });
        return sendFile(reply, pdf, 'application/pdf', `${number}-signed.pdf`);
      },
    );
    p.get(
      '/public/quotes/:token/photos/:n',
      {
        config: { access: 'public' },
        schema: {
          tags: ['quotes'],
          summary: 'A photo from the site visit on the quote (n from 1): small (320 px) or as kept',
          params: PublicQuotePhotoParams,
          querystring: PhotoSizeQuery,
        },
      },
      async (request, reply) => {
        const photo = await publicQuotePhoto(
          deps,
          request.params.token,
          request.params.n,
          request.query.size,
        );
        return sendPhoto(reply, photo);
      },
    );
    p.post(
      '/public/quotes/:token/accept',
      {
        config: { access: 'public' },
        schema: {
          tags: ['quotes'],
          summary: 'The customer accepts the version they saw, with their options, name and signature',
          params: QuoteTokenParams,
          body: AcceptQuoteBody,
          response: { 200: PublicQuote, ...errors, 429: Problem },
        },
      },
      async (request) =>
        (await acceptQuote(deps, request.params.token, request.body, answererOf(request))).view,
    );
    p.post(
      '/public/quotes/:token/decline',
      {
        config: { access: 'public' },
        schema: {
          tags: ['quotes'],
          summary: 'The customer declines the version they saw, with a reason',
          params: QuoteTokenParams,
          body: DeclineQuoteBody,
          response: { 200: PublicQuote, ...errors, 429: Problem },
        },
      },
      async (request) => declineQuote(deps, request.params.token, request.body, answererOf(request)),
    );
  });
};
