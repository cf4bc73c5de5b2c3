import Decimal from 'decimal.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { portalStatementPdf } from '../../app/collections/statements';
import { setOnlineFee } from '../../app/payments/online-fees';
import { listOnlineRefunds, requestOnlineRefund } from '../../app/payments/online-refunds';
import {
  connectPayments,
  disconnectPayments,
  listPaymentConnections,
  type PaymentConnectionRow,
  paymentEventsUrl,
} from '../../app/payments/payment-connections';
import { receivePaymentEvent } from '../../app/payments/receive-payment-event';
import { startCheckout } from '../../app/payments/start-checkout';
import { getUnplacedPayment, placeUnplacedPayment } from '../../app/payments/unplaced-payments';
import { disputePhoto, photosOfDisputes } from '../../app/portal/dispute-photos';
import { listDisputes, raiseDispute, resolveDispute } from '../../app/portal/disputes';
import { officePayLink, payLinkCheckout, payLinkPdf, payView } from '../../app/portal/pay-links';
import { portalLinkFor, renewPortalLink, revokePortalLinks } from '../../app/portal/portal-links';
import { portalProof, portalProofPhoto, portalUbl, portalWorkReport } from '../../app/portal/portal-proof';
import { portalPdf, portalView } from '../../app/portal/portal-view';
import type { Deps } from '../../app/ports';
import { IdParams, Problem } from '../../contracts/common';
import {
  CheckoutView,
  ConnectPaymentsBody,
  Dispute,
  DisputeBody,
  DisputeQuery,
  OnlineFeeBody,
  OnlineRefundBody,
  OnlineRefunds,
  PaymentConnection,
  PayTokenParams,
  PayView,
  PlaceUnplacedBody,
  PortalDocumentParams,
  PortalLinkView,
  PortalPhotoParams,
  PortalPhotoQuery,
  PortalProof,
  PortalTokenParams,
  PortalView,
  PublicLogoParams,
  ResolveDisputeBody,
  UnplacedPayment,
} from '../../contracts/portal';
import { notFound } from '../../core/errors';
import { actorOf } from '../../core/principal';
import { getCustomer } from '../../db/queries/directory';
import { principalOf } from '../auth';
import { sendFile } from '../files';
import { answererOf, publicLinkRoutes } from '../public-limit';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const connectionView = (deps: Deps, c: PaymentConnectionRow): z.infer<typeof PaymentConnection> => ({
  id: c.id,
  provider: c.provider,
  status: c.status,
  keyHint: c.keyHint,
  methods: c.methods,
  apiBaseUrl: c.apiBaseUrl,
  eventsUrl: paymentEventsUrl(deps, c),
  fee: c.feePercent && c.feeTaxCodeId ? { percent: c.feePercent, taxCodeId: c.feeTaxCodeId } : null,
  createdAt: c.createdAt.toISOString(),
  version: c.version,
});

const disputeView = (
  r: Awaited<ReturnType<typeof listDisputes>>[number],
  photos: Map<string, string[]>,
): z.infer<typeof Dispute> => ({
  id: r.dispute.id,
  invoiceId: r.dispute.invoiceId,
  number: r.number,
  customerName: r.customerName,
  jobId: r.dispute.jobId,
  reason: r.dispute.reason,
  comment: r.dispute.comment,
  status: r.dispute.status,
  resolution: r.dispute.resolution,
  reply: r.dispute.reply,
  photoIds: photos.get(r.dispute.id) ?? [],
  createdAt: r.dispute.createdAt.toISOString(),
  resolvedAt: r.dispute.resolvedAt?.toISOString() ?? null,
});

const refundsView = (r: Awaited<ReturnType<typeof listOnlineRefunds>>): z.infer<typeof OnlineRefunds> => ({
  refundable: r.refundable,
  items: r.items.map((x) => ({
    id: x.id,
    amount: new Decimal(x.amount).toFixed(2),
    currency: x.currency,
    status: x.status,
    failure: x.failure,
    unanswered: x.attempts,
    createdAt: x.createdAt.toISOString(),
    updatedAt: x.updatedAt.toISOString(),
  })),
});

const EventParams = z.strictObject({ organizationId: z.uuid(), connectionId: z.uuid() });

export const paymentRoutes = async (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/payment-connections',
    {
      config: { access: 'integrations.read' },
      schema: {
        tags: ['payments'],
        summary: 'The organization’s online payment accounts (keys never shown: their last four characters)',
        response: { 200: z.object({ items: z.array(PaymentConnection) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listPaymentConnections(deps, principalOf(request).organizationId)).map((c) =>
        connectionView(deps, c),
      ),
    }),
  );

  app.get(
    '/invoices/:id/online-refunds',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['payments'],
        summary:
          'A credit note’s refunds to the card the customer paid with, and what may still go back that way',
        params: IdParams,
        response: { 200: OnlineRefunds, ...errors },
      },
    },
    async (request) =>
      refundsView(await listOnlineRefunds(deps, principalOf(request).organizationId, request.params.id)),
  );

  app.post(
    '/invoices/:id/online-refunds',
    {
      config: { access: 'payments.record' },
      schema: {
        tags: ['payments'],
        summary:
          'Refund part or all of a credit note to the card it was paid with, through the provider; recorded when the provider confirms',
        params: IdParams,
        body: OnlineRefundBody,
        response: { 202: OnlineRefunds, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const made = await requestOnlineRefund(
        deps,
        p.organizationId,
        request.params.id,
        request.body.amount,
        actorOf(p),
      );
      return reply.code(202).send(refundsView(made));
    },
  );

  app.get(
    '/unplaced-payments/:id',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['payments'],
        summary:
          'Money paid online that did not fit its document: what arrived, what was applied or sent back, and what is left',
        params: IdParams,
        response: { 200: UnplacedPayment, ...errors },
      },
    },
    async (request) => getUnplacedPayment(deps, principalOf(request).organizationId, request.params.id),
  );

  app.post(
    '/unplaced-payments/:id/place',
    {
      config: { access: 'payments.record' },
      schema: {
        tags: ['payments'],
        summary:
          'Send unplaced money back to the card, or apply what the document still owes and send back the rest; settles its lane entry',
        params: IdParams,
        body: PlaceUnplacedBody,
        response: { 200: UnplacedPayment, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await placeUnplacedPayment(deps, p.organizationId, request.params.id, request.body.action, actorOf(p));
      return getUnplacedPayment(deps, p.organizationId, request.params.id);
    },
  );

  app.post(
    '/payment-connections',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['payments'],
        summary: 'Connect (or replace the keys of) the organization’s Stripe account; audited',
        body: ConnectPaymentsBody,
        response: { 200: PaymentConnection, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return connectionView(deps, await connectPayments(deps, p.organizationId, request.body, actorOf(p)));
    },
  );

  app.put(
    '/payment-connections/:id/fee',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['payments'],
        summary:
          'Charge (or stop charging) a convenience fee for paying online: a percent, taxed with a tax code, shown before payment and invoiced on its own document; audited',
        params: IdParams,
        body: OnlineFeeBody,
        response: { 200: PaymentConnection, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return connectionView(
        deps,
        await setOnlineFee(deps, p.organizationId, request.params.id, request.body.fee, actorOf(p)),
      );
    },
  );

  app.post(
    '/payment-connections/:id/disconnect',
    {
      config: { access: 'connectors.manage' },
      schema: {
        tags: ['payments'],
        summary: 'Stop taking payments online; events of payments already made still land',
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: { 200: PaymentConnection, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return connectionView(
        deps,
        await disconnectPayments(deps, p.organizationId, request.params.id, actorOf(p)),
      );
    },
  );

  app.post(
    '/customers/:id/portal-link',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['payments'],
        summary:
          'The customer’s portal link (the one they hold while valid), to give them by phone or message',
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: { 200: PortalLinkView, ...errors },
      },
    },
    async (request) => {
      const org = principalOf(request).organizationId;
      if (!(await getCustomer(deps.database.db, org, request.params.id))) throw notFound('customer');
      return {
        url: await deps.database.transaction((tx) => portalLinkFor(tx, deps, org, request.params.id)),
      };
    },
  );

  app.get(
    '/invoices/:id/pay-link',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['payments'],
        summary:
          'The document’s pay link, as its PDF prints it: to give the customer by phone or message; it opens that document only',
        params: IdParams,
        response: { 200: PortalLinkView, ...errors },
      },
    },
    async (request) => ({
      url: await officePayLink(deps, principalOf(request).organizationId, request.params.id),
    }),
  );

  app.post(
    '/customers/:id/portal-link/revoke',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['payments'],
        summary: 'Withdraw every portal link the customer holds; the next e-mail carries a new one',
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: { 200: z.object({ revoked: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (!(await getCustomer(deps.database.db, p.organizationId, request.params.id)))
        throw notFound('customer');
      return { revoked: await revokePortalLinks(deps, p.organizationId, request.params.id, actorOf(p)) };
    },
  );

  app.get(
    '/disputes',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['payments'],
        summary:
          'What customers said is wrong with their documents, newest first (the exception queue’s lane)',
        querystring: DisputeQuery,
        response: { 200: z.object({ items: z.array(Dispute) }), ...errors },
      },
    },
    async (request) => {
      const org = principalOf(request).organizationId;
      const rows = await listDisputes(deps, org, { status: request.query.status });
      const photos = await photosOfDisputes(
        deps,
        org,
        rows.map((r) => r.dispute.id),
      );
      return { items: rows.map((r) => disputeView(r, photos)) };
    },
  );

  app.get(
    '/disputes/:id/photos/:photoId',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['payments'],
        summary: 'A photo the customer sent with their dispute (re-encoded, pixels only)',
        params: z.strictObject({ id: z.uuid(), photoId: z.uuid() }),
      },
    },
    async (request, reply) => {
      const org = principalOf(request).organizationId;
      const photo = await disputePhoto(deps, org, request.params.id, request.params.photoId);
      return reply
        .header('content-type', photo.mimeType)
        .header('cache-control', 'private, max-age=3600')
        .header('etag', `"${photo.sha256}"`)
        .send(photo.bytes);
    },
  );

  app.post(
    '/disputes/:id/resolve',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['payments'],
        summary:
          'Settle a dispute (credited, invoice corrected, or answered) with what to tell the customer, who gets it by e-mail',
        params: IdParams,
        body: ResolveDisputeBody,
        response: { 200: Dispute, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const row = await resolveDispute(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      const [view] = await listDisputes(deps, p.organizationId, { id: row.id });
      if (!view) throw notFound('dispute');
      return disputeView(view, await photosOfDisputes(deps, p.organizationId, [view.dispute.id]));
    },
  );

  // The provider's events: signed over the exact bytes, so the body is kept as it came.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1_000_000 }, (_request, body, done) =>
      done(null, body),
    );
    raw.withTypeProvider<ZodTypeProvider>().post(
      '/public/payment-events/:organizationId/:connectionId',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary:
            'Where the payment provider sends its signed events; each acted on once whatever the redeliveries',
          params: EventParams,
          response: { 200: z.object({ eventId: z.string(), outcome: z.string() }), ...errors },
        },
      },
      async (request) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const signature = request.headers['stripe-signature'];
        return receivePaymentEvent(
          deps,
          request.params.organizationId,
          request.params.connectionId,
          body,
          typeof signature === 'string' ? signature : undefined,
        );
      },
    );
  });

  // The customer's portal: no account, so every request is limited per address.
  await publicLinkRoutes(app, (pub) => {
    const p = pub.withTypeProvider<ZodTypeProvider>();
    p.get(
      '/public/portal/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'The customer’s portal by its link: documents open to pay and those settled',
          params: PortalTokenParams,
          response: { 200: PortalView, ...errors, 429: Problem },
        },
      },
      async (request) => portalView(deps, request.params.token),
    );
    p.post(
      '/public/portal/:token/renew',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary:
            'E-mail me a new link: from an expired link, a fresh one goes to the address on file (the same answer whoever asks)',
          params: PortalTokenParams,
          body: z.strictObject({}).optional(),
          response: { 202: z.object({ message: z.string() }), ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        await renewPortalLink(deps, request.params.token);
        return reply
          .code(202)
          .send({ message: 'If we have an e-mail address for you, a new link is on its way.' });
      },
    );
    p.get(
      '/public/portal/:token/documents/:id/pdf',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'One of the customer’s documents as a PDF',
          params: PortalDocumentParams,
          response: { ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        const { bytes, sha256, name } = await portalPdf(deps, request.params.token, request.params.id);
        return sendFile(reply, bytes, 'application/pdf', name, sha256);
      },
    );
    p.get(
      '/public/logos/:organizationId/:sha256',
      {
        config: { access: 'public', rateLimit: { max: 600, timeWindow: '1 minute' } },
        schema: {
          tags: ['payments'],
          summary:
            'A business’s logo for the customer’s pages; the address names the image, so it never changes',
          params: PublicLogoParams,
          response: { ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        const { organizationId, sha256 } = request.params;
        const bytes = await deps.storage.get(`logos/${organizationId}/${sha256}`);
        if (!bytes) throw notFound('logo');
        // Stored re-encoded as PNG or JPEG (setLogo): the first bytes say which.
        const png = bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        reply.header('cache-control', 'public, max-age=31536000, immutable');
        return sendFile(
          reply,
          bytes,
          png ? 'image/png' : 'image/jpeg',
          png ? 'logo.png' : 'logo.jpg',
          sha256,
        );
      },
    );
    p.get(
      '/public/portal/:token/documents/:id/proof',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'The proof of the work a document bills: what was done, the photos, the signature',
          params: PortalDocumentParams,
          response: { 200: PortalProof, ...errors, 429: Problem },
        },
      },
      async (request) => portalProof(deps, request.params.token, request.params.id),
    );
    p.get(
      '/public/portal/:token/documents/:id/proof/:photoId',
      {
        // A page of photos is a request each: their own, larger budget, not the link's 60 a minute.
        config: { access: 'public', rateLimit: { max: 600, timeWindow: '1 minute' } },
        schema: {
          tags: ['payments'],
          summary: 'One photo (or the signature) of that proof, small for the page or large',
          params: PortalPhotoParams,
          querystring: PortalPhotoQuery,
          response: { ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        const { token, id, photoId } = request.params;
        const photo = await portalProofPhoto(deps, token, id, photoId, request.query.size);
        return sendFile(reply, photo.bytes, photo.type, photo.name, photo.sha256);
      },
    );
    p.get(
      '/public/portal/:token/documents/:id/work-report',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'The work-completed report (PDF) of the job a document bills',
          params: PortalDocumentParams,
          response: { ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        const { bytes, sha256, name } = await portalWorkReport(deps, request.params.token, request.params.id);
        return sendFile(reply, bytes, 'application/pdf', name, sha256);
      },
    );
    p.get(
      '/public/portal/:token/documents/:id/ubl',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary:
            'One of the customer’s documents as an EN 16931 e-invoice (UBL), for their accounts software',
          params: PortalDocumentParams,
          response: { ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        const { bytes, sha256, name } = await portalUbl(deps, request.params.token, request.params.id);
        return sendFile(reply, bytes, 'application/xml', name, sha256);
      },
    );
    p.get(
      '/public/portal/:token/statement/pdf',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'The customer’s statement of account for the last three months, as a PDF',
          params: PortalTokenParams,
          response: { ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        const { pdf, filename } = await portalStatementPdf(deps, request.params.token);
        return sendFile(reply, pdf, 'application/pdf', filename);
      },
    );
    p.post(
      '/public/portal/:token/documents/:id/checkout',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'Pay now: a hosted checkout at the provider for what is outstanding; the page to go to',
          params: PortalDocumentParams,
          body: z.strictObject({}).optional(),
          response: { 200: CheckoutView, ...errors, 429: Problem },
        },
      },
      async (request) => startCheckout(deps, request.params.token, request.params.id),
    );
    p.get(
      '/public/pay/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'What an invoice’s pay link opens: that document, what is left to pay, and how to pay it',
          params: PayTokenParams,
          response: { 200: PayView, ...errors, 429: Problem },
        },
      },
      async (request) => payView(deps, request.params.token),
    );
    p.post(
      '/public/pay/:token/checkout',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'Pay now from the pay link: a hosted checkout at the provider for what is outstanding',
          params: PayTokenParams,
          body: z.strictObject({}).optional(),
          response: { 200: CheckoutView, ...errors, 429: Problem },
        },
      },
      async (request) => payLinkCheckout(deps, request.params.token),
    );
    p.get(
      '/public/pay/:token/pdf',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'The pay link’s document as a PDF',
          params: PayTokenParams,
          response: { ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        const { bytes, sha256, name } = await payLinkPdf(deps, request.params.token);
        return sendFile(reply, bytes, 'application/pdf', name, sha256);
      },
    );
    p.post(
      '/public/portal/:token/documents/:id/dispute',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary:
            'Something’s wrong: the customer says what is wrong with the document; it reaches billing at once',
          params: PortalDocumentParams,
          body: DisputeBody,
          response: { 200: PortalView, ...errors, 429: Problem },
        },
      },
      async (request) => {
        await raiseDispute(deps, request.params.token, request.params.id, request.body, answererOf(request));
        return portalView(deps, request.params.token);
      },
    );
  });
};
