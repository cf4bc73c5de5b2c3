import Decimal from 'decimal.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createCreditNote } from '../../app/invoicing/credit-notes';
import { documentOf, type InvoiceRow } from '../../app/invoicing/invoice-documents';
import { invoiceFile, packetZip } from '../../app/invoicing/invoice-packet';
import { previewInvoice } from '../../app/invoicing/invoice-preview';
import { getInvoice, listInvoices, listPayments, paymentsOf } from '../../app/invoicing/invoice-queries';
import { outstandingOf } from '../../app/invoicing/invoice-store';
import { issueById, reprocessInvoice, sendInvoice, updateDraft } from '../../app/invoicing/office-actions';
import { billProgress, progressOfJob } from '../../app/invoicing/progress-billing';
import { receivables, todayOf } from '../../app/invoicing/receivables';
import { recordPayment } from '../../app/invoicing/record-payment';
import { latestServiceReport } from '../../app/invoicing/service-report';
import { jobNumber } from '../../app/jobs/job-store';
import type { Deps } from '../../app/ports';
import { IdParams, Problem, pageOf } from '../../contracts/common';
import {
  CreditNoteBody,
  Invoice,
  InvoiceListQuery,
  Payment,
  PaymentBody,
  PaymentEntry,
  PaymentListQuery,
  PreviewBody,
  PreviewView,
  Receivables,
  ReceivablesQuery,
  UpdateDraftBody,
} from '../../contracts/invoices';
import { TimelineEvent } from '../../contracts/jobs';
import { BilledStep, BillProgressBody, JobProgress } from '../../contracts/progress';
import { AppError, notFound } from '../../core/errors';
import { encodeCursor, pairCursor } from '../../core/pagination';
import { actorOf } from '../../core/principal';
import { jobNumberOf } from '../../db/queries/jobs';
import { timelineOf } from '../../db/queries/timeline';
import { principalOf } from '../auth';
import { sendFile } from '../files';
import { ensureJobVisible } from '../job-access';
import { timelineEventView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const fileErrors = { ...errors, 503: Problem };

export const invoiceView = (r: InvoiceRow): z.infer<typeof Invoice> => {
  const doc = documentOf(r);
  const built = Boolean(doc.calc);
  return {
    id: r.id,
    kind: r.kind,
    status: r.status as z.infer<typeof Invoice>['status'],
    number: r.number,
    profile: built ? doc.profile : null,
    progress:
      built && doc.progress ? { percent: doc.progress.percent, milestone: doc.progress.milestone } : null,
    jobId: r.jobId,
    jobNumbers: doc.jobNumbers ?? [],
    seriesId: r.seriesId,
    customerId: r.customerId,
    correctsInvoiceId: r.correctsInvoiceId,
    creditReason: r.creditReason,
    buyer: doc.buyer?.name ?? null,
    currency: r.currency,
    issueDate: r.issueDate,
    dueDate: r.dueDate,
    periodStart: r.periodStart,
    periodEnd: r.periodEnd,
    poNumber: doc.poNumber ?? null,
    memo: doc.memo ?? null,
    lines: built ? doc.lines : [],
    allowances: built ? doc.calc.allowances : [],
    charges: built ? doc.calc.charges : [],
    taxSubtotals: built ? doc.calc.taxSubtotals : [],
    totals: built ? doc.calc.totals : null,
    taxCurrency: built ? (doc.calc.taxCurrency ?? null) : null,
    exchangeRate: new Decimal(r.exchangeRate).toFixed(),
    amountPaid: new Decimal(r.amountPaid).toFixed(built ? doc.calc.decimals : 2),
    amountCredited: new Decimal(r.amountCredited).toFixed(built ? doc.calc.decimals : 2),
    amountWrittenOff: new Decimal(r.amountWrittenOff).toFixed(built ? doc.calc.decimals : 2),
    outstanding: outstandingOf(r).toFixed(built ? doc.calc.decimals : 2),
    exceptions: doc.exceptions ?? [],
    holdReasons: r.holdReasons,
    createdAt: r.createdAt.toISOString(),
    issuedAt: r.issuedAt?.toISOString() ?? null,
    sentAt: r.sentAt?.toISOString() ?? null,
    paidAt: r.paidAt?.toISOString() ?? null,
    version: r.version,
  };
};

export const invoiceRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  const load = async (organizationId: string, id: string) => {
    const row = await getInvoice(deps, organizationId, id);
    if (!row) throw notFound('invoice');
    return row;
  };

  app.post(
    '/invoice-previews',
    {
      config: { access: 'invoices.preview' },
      schema: {
        tags: ['invoices'],
        summary:
          'EN 16931 totals for any lines (VAT per category on the summed base, currency rounding); nothing is saved',
        body: PreviewBody,
        response: { 200: PreviewView, ...errors },
      },
    },
    async (request) => previewInvoice(deps, principalOf(request).organizationId, request.body),
  );

  app.get(
    '/invoices',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        summary:
          'Invoices, deposit invoices and credit notes, newest first; filter by status (the billing queue is status=draft)',
        querystring: InvoiceListQuery,
        response: { 200: pageOf(Invoice), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const key = pairCursor(cursor);
      const before = key ? { createdAt: new Date(key[0]), id: key[1] } : undefined;
      const org = principalOf(request).organizationId;
      const { open, overdue, ...rest } = filter;
      const rows = await listInvoices(deps, org, {
        ...rest,
        open: open === 'true' || overdue === 'true',
        overdueOn: overdue === 'true' ? await todayOf(deps, org) : undefined,
        limit,
        before,
      });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(invoiceView),
        nextCursor:
          rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
      };
    },
  );

  app.get(
    '/payments',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        summary:
          'Every payment and refund, newest first, with its document and customer, whether it came online and whether the bank took it back',
        querystring: PaymentListQuery,
        response: { 200: pageOf(PaymentEntry), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const key = pairCursor(cursor, (first) => !Number.isNaN(Date.parse(first)));
      const rows = await listPayments(deps, principalOf(request).organizationId, {
        ...filter,
        limit,
        before: key ? { createdAt: new Date(key[0]), id: key[1] } : undefined,
      });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map((r) => ({
          id: r.id,
          invoiceId: r.invoice_id,
          number: r.number,
          kind: r.doc_kind === 'credit_note' ? ('refund' as const) : ('payment' as const),
          customerId: r.customer_id,
          customerName: r.customer_name,
          amount: r.amount,
          currency: r.currency,
          receivedOn: r.received_on,
          method: r.method,
          reference: r.reference,
          online: r.online,
          reversedOn: r.reversed_on,
          createdAt: new Date(r.created_at).toISOString(),
        })),
        nextCursor:
          rows.length > limit && last
            ? encodeCursor([new Date(last.created_at).toISOString(), last.id])
            : null,
      };
    },
  );

  app.get(
    '/receivables',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        summary:
          'What customers owe, per currency: outstanding, overdue, aged in 30-day buckets past the due date, and the ten largest debtors; for one customer with customerId',
        querystring: ReceivablesQuery,
        response: { 200: Receivables, ...errors },
      },
    },
    async (request) =>
      receivables(deps, principalOf(request).organizationId, { customerId: request.query.customerId }),
  );

  app.get(
    '/invoices/:id',
    {
      config: { access: 'invoices.read' },
      schema: { tags: ['invoices'], params: IdParams, response: { 200: Invoice, ...errors } },
    },
    async (request) => invoiceView(await load(principalOf(request).organizationId, request.params.id)),
  );

  app.patch(
    '/invoices/:id',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['invoices'],
        summary: 'Edit a draft’s memo; an issued document is immutable (409): correct it with a credit note',
        params: IdParams,
        body: UpdateDraftBody,
        response: { 200: Invoice, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return invoiceView(
        await updateDraft(deps, p.organizationId, request.params.id, request.body, actorOf(p)),
      );
    },
  );

  for (const [action, summary, run] of [
    [
      'issue',
      'Issue a draft: EN 16931 checks, then the next gapless number; the packet renders in the background',
      issueById,
    ],
    ['send', 'Mark as sent and e-mail the PDF and UBL to the customer’s invoice recipients', sendInvoice],
    ['reprocess', 'Return a needs_review document to draft once its cause is fixed', reprocessInvoice],
  ] as const) {
    app.post(
      `/invoices/:id/${action}`,
      {
        config: { access: 'invoices.manage' },
        schema: { tags: ['invoices'], summary, params: IdParams, response: { 200: Invoice, ...errors } },
      },
      async (request) => {
        const p = principalOf(request);
        return invoiceView(await run(deps, p.organizationId, request.params.id, actorOf(p)));
      },
    );
  }

  app.get(
    '/jobs/:id/progress',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        summary:
          'A fixed-price job billed in steps: the contract value, what its deposit and steps billed, what remains, and each step',
        params: IdParams,
        response: { 200: JobProgress, ...errors },
      },
    },
    async (request) => progressOfJob(deps, principalOf(request).organizationId, request.params.id),
  );

  app.post(
    '/jobs/:id/progress-invoices',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['invoices'],
        summary:
          'Bill the next step of a fixed-price job to a percent complete (a milestone): an advance document the final invoice deducts',
        params: IdParams,
        body: BillProgressBody,
        response: { 201: BilledStep, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const billed = await billProgress(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return reply.code(201).send(billed);
    },
  );

  app.post(
    '/invoices/:id/credit-notes',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['invoices'],
        summary:
          'Credit an issued invoice in full or in part, with a reason code; a full credit lets the job be invoiced again',
        params: IdParams,
        body: CreditNoteBody,
        response: { 201: Invoice, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const credit = await createCreditNote(
        deps,
        p.organizationId,
        request.params.id,
        request.body,
        actorOf(p),
      );
      return reply.code(201).send(invoiceView(credit));
    },
  );

  for (const kind of ['pdf', 'ubl', 'manifest'] as const) {
    app.get(
      `/invoices/:id/${kind}`,
      {
        config: { access: 'invoices.read' },
        schema: {
          tags: ['invoices'],
          summary: `The issued document’s ${kind === 'ubl' ? 'UBL 2.1 XML' : kind === 'pdf' ? 'PDF' : 'manifest (SHA-256 of every part)'}; 503 while it renders`,
          params: IdParams,
          response: fileErrors,
        },
      },
      async (request, reply) => {
        const org = principalOf(request).organizationId;
        const row = await load(org, request.params.id);
        const { file, bytes } = await invoiceFile(deps, org, row.id, kind);
        const ext = kind === 'pdf' ? 'pdf' : kind === 'ubl' ? 'xml' : 'json';
        return sendFile(
          reply,
          bytes,
          file.mimeType,
          `${row.number}${kind === 'manifest' ? '-manifest' : ''}.${ext}`,
          file.sha256,
        );
      },
    );
  }

  app.get(
    '/invoices/:id/packet',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        summary: 'The whole packet as a ZIP: manifest, PDF, UBL, approval log and the original proof files',
        params: IdParams,
        response: fileErrors,
      },
    },
    async (request, reply) => {
      const org = principalOf(request).organizationId;
      const row = await load(org, request.params.id);
      return sendFile(reply, await packetZip(deps, org, row), 'application/zip', `${row.number}-packet.zip`);
    },
  );

  app.get(
    '/invoices/:id/timeline',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        summary:
          'Everything that happened to the document, from its audit chain: issued, e-mailed, paid, credited',
        params: IdParams,
        response: { 200: z.object({ items: z.array(TimelineEvent) }), ...errors },
      },
    },
    async (request) => {
      const org = principalOf(request).organizationId;
      await load(org, request.params.id);
      const events = await timelineOf(deps.database.db, org, 'invoice', request.params.id);
      return { items: events.map(timelineEventView) };
    },
  );

  app.get(
    '/invoices/:id/payments',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['invoices'],
        params: IdParams,
        response: { 200: z.object({ items: z.array(Payment) }), ...errors },
      },
    },
    async (request) => {
      const org = principalOf(request).organizationId;
      await load(org, request.params.id);
      const rows = await paymentsOf(deps, org, request.params.id);
      return {
        items: rows.map((r) => ({
          id: r.id,
          invoiceId: r.invoiceId,
          amount: new Decimal(r.amount).toFixed(2),
          receivedOn: r.receivedOn,
          method: r.method,
          reference: r.reference,
          reversedOn: r.reversedOn,
          createdAt: r.createdAt.toISOString(),
        })),
      };
    },
  );

  app.post(
    '/payments',
    {
      config: { access: 'payments.record' },
      schema: {
        tags: ['invoices'],
        summary:
          'Record a full or partial payment; the invoice status follows, a paid deposit becomes prepaid on the final invoice',
        body: PaymentBody,
        response: { 201: z.object({ paymentId: z.uuid(), invoice: Invoice }), ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await load(p.organizationId, request.body.invoiceId).catch((e: unknown) => {
        if (e instanceof AppError && e.code === 'not_found') throw notFound('invoice', 'body.invoiceId');
        throw e;
      });
      const out = await recordPayment(deps, p.organizationId, request.body, actorOf(p));
      return reply.code(201).send({ paymentId: out.paymentId, invoice: invoiceView(out.invoice) });
    },
  );

  app.get(
    '/jobs/:id/service-report',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['jobs'],
        summary: 'The work-completed report (PDF) of the job’s latest accepted closeout, billed or not',
        params: IdParams,
        response: fileErrors,
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await ensureJobVisible(deps, p, request.params.id);
      const { report, bytes } = await latestServiceReport(deps, p.organizationId, request.params.id);
      const number = await jobNumberOf(deps.database.db, p.organizationId, request.params.id);
      // The file name is what the customer sees when it is forwarded: the job's number, not its ID.
      const name = `work-report-${number === null ? 'job' : jobNumber(number)}.pdf`;
      return sendFile(reply, bytes, 'application/pdf', name, report.sha256);
    },
  );
};
