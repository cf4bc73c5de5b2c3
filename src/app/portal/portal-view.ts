import Decimal from 'decimal.js';
import { and, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { PortalDocument, PortalView } from '../../contracts/portal';
import { notFound } from '../../core/errors';
import { customerTranslator, type Translator } from '../../core/i18n';
import { amountDecimals } from '../../core/money';
import type { OnlineFeeRule } from '../../core/online-fee';
import { businessDate } from '../../core/time';
import type { Db, Tx } from '../../db/client';
import {
  closeoutSubmissions,
  customers,
  disputePhotos,
  disputes,
  invoices,
  jobs,
  organizations,
  paymentCheckouts,
} from '../../db/schema';
import { invoiceFile } from '../invoicing/invoice-packet';
import { outstandingOf } from '../invoicing/invoice-store';
import { jobNumber as jobNumberText } from '../jobs/job-store';
import { feeFor, feeRuleOf } from '../payments/online-fees';
import { activePaymentConnection } from '../payments/payment-connections';
import type { Deps } from '../ports';
import { publicLogoUrl } from './pay-token';
import { openPortalLink } from './portal-links';

/** What a customer may see of their documents: issued ones, never drafts or documents held for review. */
export const VISIBLE_STATUSES = ['issued', 'sent', 'partially_paid', 'paid', 'credited'] as const;

/** One of the customer's documents, by a portal token: another customer's is not found. */
export const portalDocument = async (tx: Pick<Tx, 'db'>, token: string, invoiceId: string, now: Date) => {
  const who = await openPortalLink(tx, token, now);
  const [row] = await tx.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, who.organizationId),
        eq(invoices.id, invoiceId),
        eq(invoices.customerId, who.customerId),
        inArray(invoices.status, [...VISIBLE_STATUSES]),
      ),
    );
  if (!row) throw notFound('invoice');
  return { who, invoice: row };
};

/** The documents among these with a checkout started whose result has not arrived from the provider. */
export const pendingCheckouts = async (db: Db, organizationId: string, invoiceIds: string[]) =>
  (
    await db
      .select({ invoiceId: paymentCheckouts.invoiceId })
      .from(paymentCheckouts)
      .where(
        and(
          eq(paymentCheckouts.organizationId, organizationId),
          eq(paymentCheckouts.status, 'open'),
          inArray(paymentCheckouts.invoiceId, invoiceIds),
        ),
      )
  ).map((p) => p.invoiceId);

/** Which of these jobs have proof of work to show (an accepted closeout, or one taken as an exception). */
export const jobsWithProof = async (db: Db, organizationId: string, jobIds: string[]) =>
  new Set(
    jobIds.length === 0
      ? []
      : (
          await db
            .selectDistinct({ jobId: closeoutSubmissions.jobId })
            .from(closeoutSubmissions)
            .where(
              and(
                eq(closeoutSubmissions.organizationId, organizationId),
                inArray(closeoutSubmissions.jobId, jobIds),
                inArray(closeoutSubmissions.outcome, ['accepted', 'exception']),
              ),
            )
        ).map((r) => r.jobId),
  );

/**
 * One document as the customer sees it: amounts as decimal strings in its currency, whether it is overdue
 * in the business's calendar, paying it online, their latest dispute about it. Nothing internal.
 */
export const documentView = (
  r: typeof invoices.$inferSelect,
  jobNumber: number | null,
  at: {
    online: boolean;
    /** The convenience fee the organization charges for paying online, if any. */
    feeRule?: OnlineFeeRule | null;
    pending: string[];
    /** The customer's disputes, with how many photos each carries. */
    disputes: (typeof disputes.$inferSelect & { photos?: number })[];
    today: string;
    /** Jobs with proof of work to show. */
    withProof: Set<string>;
    /** The customer is a business (a tax ID or a Peppol address): their accounts software takes the UBL. */
    business: boolean;
    /** The customer's words: the reason of a dispute reads in them. */
    w: Pick<Translator, 't'>;
  },
): PortalDocument => {
  const decimals = amountDecimals(r.currency, true);
  const outstanding = outstandingOf(r);
  const dispute = at.disputes.find((d) => d.invoiceId === r.id);
  return {
    id: r.id,
    number: r.number ?? '',
    kind: r.kind,
    issueDate: r.issueDate,
    dueDate: r.dueDate,
    currency: r.currency,
    total: new Decimal(r.payable).toFixed(decimals),
    outstanding: outstanding.toFixed(decimals),
    overdue: r.kind !== 'credit_note' && outstanding.gt(0) && r.dueDate !== null && r.dueDate < at.today,
    paidAt: r.paidAt?.toISOString() ?? null,
    jobNumber: jobNumber === null ? null : jobNumberText(jobNumber),
    payOnline: at.online && r.kind !== 'credit_note' && outstanding.gt(0),
    onlineFee: at.online ? (feeFor(at.feeRule ?? null, r, outstanding)?.payable ?? null) : null,
    paymentPending: at.pending.includes(r.id),
    proof: r.kind !== 'credit_note' && r.jobId !== null && at.withProof.has(r.jobId),
    ubl: at.business,
    dispute: dispute
      ? {
          reason: at.w.t(`portal.dispute.reasons.${dispute.reason}`),
          comment: dispute.comment,
          open: dispute.status === 'open',
          reply: dispute.reply,
          photos: dispute.photos ?? 0,
        }
      : null,
  };
};

/**
 * The customer's page: who it is from, what is open to pay (oldest first), and what was paid or credited.
 * Amounts as decimal strings in the document's currency; nothing internal (no notes, no record states).
 */
export const portalView = async (deps: Deps, token: string): Promise<PortalView> => {
  const db = deps.database.db;
  const now = deps.clock.now();
  const who = await openPortalLink(deps.database, token, now);
  const [org] = await db.select().from(organizations).where(eq(organizations.id, who.organizationId));
  const [customer] = await db
    .select({
      name: customers.name,
      taxId: customers.taxId,
      peppol: customers.peppolEndpoint,
      language: customers.language,
    })
    .from(customers)
    .where(and(eq(customers.organizationId, who.organizationId), eq(customers.id, who.customerId)));
  if (!org || !customer) throw notFound('customer');
  const docs = await db
    .select({ invoice: invoices, jobNumber: jobs.number })
    .from(invoices)
    .leftJoin(jobs, and(eq(jobs.organizationId, invoices.organizationId), eq(jobs.id, invoices.jobId)))
    .where(
      and(
        eq(invoices.organizationId, who.organizationId),
        eq(invoices.customerId, who.customerId),
        inArray(invoices.status, [...VISIBLE_STATUSES]),
      ),
    )
    .orderBy(desc(invoices.issueDate), desc(invoices.createdAt))
    .limit(200);
  const online = await activePaymentConnection(deps.database, who.organizationId);
  const pending = await pendingCheckouts(
    db,
    who.organizationId,
    docs.map((d) => d.invoice.id),
  );
  const said = await db
    .select({
      ...getTableColumns(disputes),
      // Written out: an interpolated column would render unqualified and match the photo's own.
      photos: sql<number>`(SELECT count(*)::int FROM ${disputePhotos} p
        WHERE p.organization_id = disputes.organization_id AND p.dispute_id = disputes.id)`,
    })
    .from(disputes)
    .where(and(eq(disputes.organizationId, who.organizationId), eq(disputes.customerId, who.customerId)))
    .orderBy(desc(disputes.createdAt));
  const today = businessDate(now, org.timeZone);
  const withProof = await jobsWithProof(
    db,
    who.organizationId,
    docs.flatMap((d) => (d.invoice.jobId ? [d.invoice.jobId] : [])),
  );
  const business = !!(customer.taxId || customer.peppol);
  const w = customerTranslator(customer.language, org.language);
  const feeRule = await feeRuleOf(deps.database, org, online);
  const view = docs.map(({ invoice, jobNumber }) =>
    documentView(invoice, jobNumber, {
      online: online !== null,
      feeRule,
      pending,
      disputes: said,
      today,
      withProof,
      business,
      w,
    }),
  );
  return {
    organization: { name: org.name, brandColor: org.brandColor, logoUrl: publicLogoUrl(org) },
    language: w.language,
    customerName: customer.name,
    open: view.filter((d) => d.kind !== 'credit_note' && new Decimal(d.outstanding).gt(0)).reverse(),
    settled: view.filter((d) => d.kind === 'credit_note' || !new Decimal(d.outstanding).gt(0)),
  };
};

/** The document's PDF as the customer received it. */
export const portalPdf = async (deps: Deps, token: string, invoiceId: string) => {
  const { invoice } = await portalDocument(deps.database, token, invoiceId, deps.clock.now());
  return customerFile(deps, invoice, 'pdf');
};

/** An issued document's stored PDF or UBL as the customer downloads it: named by its number. */
export const customerFile = async (
  deps: Deps,
  invoice: Pick<typeof invoices.$inferSelect, 'organizationId' | 'id' | 'number'>,
  kind: 'pdf' | 'ubl',
) => {
  const { bytes, file } = await invoiceFile(deps, invoice.organizationId, invoice.id, kind);
  return { bytes, sha256: file.sha256, name: `${invoice.number}.${kind === 'pdf' ? 'pdf' : 'xml'}` };
};
