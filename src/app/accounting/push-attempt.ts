import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { PROVIDER_NAMES } from '../../contracts/connectors';
import { AppError, notFound } from '../../core/errors';
import type { customers } from '../../db/schema';
import { accountingPushes, invoices, payments, writeOffs } from '../../db/schema';
import { documentOf, type InvoiceRow } from '../invoicing/invoice-documents';
import { invoiceFile } from '../invoicing/invoice-packet';
import { latestServiceReport } from '../invoicing/service-report';
import type { Deps } from '../ports';
import type { ConnectorRow } from './connectors';
import { storeExternalId, toAccountingInvoice } from './entries';
import { type AccountingConnector, type AccountingPayment, ConnectorError } from './port';
import type { PushRef } from './push-ref';

/** One attempt at what a push writes (a document, a payment, an allocation), given its documents' state there. */

type PushRow = typeof accountingPushes.$inferSelect;

export type Loaded = {
  connector: ConnectorRow;
  api: AccountingConnector;
  invoice: InvoiceRow;
  customer: typeof customers.$inferSelect;
};

/** The provider IDs of documents already pushed through this connector, by our document ID. */
const pushedDocuments = async (deps: Deps, ref: PushRef, ids: string[]) => {
  const { rows } = await deps.database.raw.query<{ subject_id: string; external_id: string | null }>(
    `SELECT subject_id, external_id FROM accounting_pushes
      WHERE organization_id = $1 AND connector_id = $2 AND entity = 'document' AND subject_id = ANY($3::uuid[])
        AND status = 'done'`,
    [ref.organizationId, ref.connectorId, ids],
  );
  return new Map(rows.flatMap((r) => (r.external_id ? [[r.subject_id, r.external_id] as const] : [])));
};

/** What a payment or write-off push books: the money (or the balance given up) on its document. */
const moneyOf = async (
  deps: Deps,
  ref: PushRef,
): Promise<Pick<AccountingPayment, 'id' | 'amount' | 'method' | 'reference'> & { receivedOn: string }> => {
  if (ref.entity === 'write_off') {
    const [w] = await deps.database.db
      .select()
      .from(writeOffs)
      .where(and(eq(writeOffs.organizationId, ref.organizationId), eq(writeOffs.id, ref.subjectId)));
    if (!w?.appliedOn) throw notFound('write-off');
    return {
      id: w.id,
      amount: w.amount,
      method: 'write_off',
      reference: 'Write-off',
      receivedOn: w.appliedOn,
    };
  }
  const [p] = await deps.database.db
    .select()
    .from(payments)
    .where(and(eq(payments.organizationId, ref.organizationId), eq(payments.id, ref.subjectId)));
  if (!p) throw notFound('payment');
  return p;
};

/** Whether someone decided this customer gets a contact of its own at this provider (not the one of its name). */
const newContactConfirmed = async (deps: Deps, ref: PushRef, customerId: string) => {
  const { rows } = await deps.database.raw.query(
    `SELECT 1 FROM integration_errors WHERE organization_id = $1 AND connector_id = $2
        AND provider_code = 'contact_match' AND status = 'resolved'
        AND detail->'contactMatch'->>'customerId' = $3 AND detail->'contactMatch'->>'decision' = 'new'
      LIMIT 1`,
    [ref.organizationId, ref.connectorId, customerId],
  );
  return rows.length > 0;
};

/** Thrown when a payment or allocation waits for its documents to reach the provider first. */
export class Waiting extends Error {}

/** One attempt at what the push writes; answers the provider's ID of it and what to audit. */
export const attempt = async (
  deps: Deps,
  ref: PushRef,
  push: PushRow,
  l: Loaded,
): Promise<{
  externalId: string;
  /** The number the document has at the provider, when it numbered it (or said which). */
  externalNumber?: string | null;
  foundExisting: boolean;
  audit: Record<string, unknown>;
  mismatch?: string | null;
}> => {
  const provider = l.connector.provider;
  const providerName = PROVIDER_NAMES[provider] ?? provider;
  const retry = push.attempts > 1;
  // A provider that numbered the document itself: its number is kept and audited beside ours.
  const own = (n: string | null) => (n && n !== l.invoice.number ? n : null);
  const numbered = (n: string | null) => (own(n) ? { providerNumber: n } : ({} as Record<string, never>));
  if (ref.entity === 'document') {
    const inv = toAccountingInvoice(l.invoice, l.customer, provider);
    const problems = l.api.preflight(inv);
    if (problems.length > 0)
      // People read it in the review lane: the messages say what to fix; the fields are for programs.
      throw new ConnectorError(problems.map((p) => p.message).join('; '), {
        retryable: false,
        providerCode: 'preflight',
      });
    const contactId = await l.api.ensureContact(inv.contact, `closeout-contact-${l.customer.id}`, retry, () =>
      newContactConfirmed(deps, ref, l.customer.id),
    );
    if (!inv.contact.externalId)
      await storeExternalId(deps, ref.organizationId, l.customer.id, provider, contactId);
    // A previous attempt may have reached the provider: look before creating again.
    const found = retry ? await l.api.findInvoice(inv, contactId) : null;
    if (found)
      return {
        externalId: found.id,
        externalNumber: own(found.number),
        foundExisting: true,
        audit: numbered(found.number),
      };
    const made = await l.api.pushInvoice(inv, contactId, push.idempotencyKey);
    // The document exists there now, once; a total the provider computed differently is an error to fix
    // at the provider (its tax setup), in the needs-review lane, never silently.
    const mismatch =
      made.total !== null && !new Decimal(made.total).eq(inv.total)
        ? `${providerName} computed a total of ${made.total} where ${inv.number} says ${inv.total}: check the tax mapping, then correct the document there`
        : null;
    return {
      externalId: made.id,
      externalNumber: own(made.number),
      foundExisting: false,
      audit: { ...numbered(made.number), ...(mismatch ? { totalMismatch: made.total } : {}) },
      mismatch,
    };
  }
  const contact = l.customer.externalIds[provider];
  if (ref.entity === 'payment' || ref.entity === 'write_off') {
    const p = await moneyOf(deps, ref);
    const doc = (await pushedDocuments(deps, ref, [ref.invoiceId])).get(ref.invoiceId);
    if (!doc || !contact) throw new Waiting(`waits for ${l.invoice.number} to reach ${providerName}`);
    // A payment the bank took back frees what it paid only once it is removed there: later payments wait.
    const { rows: reversing } = await deps.database.raw.query(
      `SELECT 1 FROM accounting_pushes WHERE organization_id = $1 AND connector_id = $2 AND entity = 'reversal'
          AND invoice_id = $3 AND status = 'pending' AND subject_id <> $4`,
      [ref.organizationId, ref.connectorId, ref.invoiceId, ref.subjectId],
    );
    if (reversing.length > 0)
      throw new Waiting(
        `waits for the payment taken back on ${l.invoice.number} to be removed in ${providerName}`,
      );
    const payment: AccountingPayment = {
      id: p.id,
      on: l.invoice.kind === 'credit_note' ? ('credit_note' as const) : ('invoice' as const),
      documentExternalId: doc,
      documentNumber: l.invoice.number ?? '',
      contactExternalId: contact,
      date: p.receivedOn,
      amount: p.amount,
      currency: l.invoice.currency,
      method: p.method,
      reference: p.reference,
      exchangeRate: documentOf(l.invoice).exchange?.rate ?? null,
    };
    const problems = l.api.paymentPreflight(payment);
    if (problems.length > 0)
      throw new ConnectorError(problems.map((x) => x.message).join('; '), {
        retryable: false,
        providerCode: 'preflight',
      });
    let found: string | null = null;
    if (retry) {
      const { rows } = await deps.database.raw.query<{ external_id: string }>(
        `SELECT external_id FROM accounting_pushes WHERE organization_id = $1 AND connector_id = $2
            AND entity IN ('payment', 'write_off') AND invoice_id = $3 AND status = 'done'
            AND external_id IS NOT NULL`,
        [ref.organizationId, ref.connectorId, ref.invoiceId],
      );
      found = await l.api.findPayment(
        payment,
        rows.map((r) => r.external_id),
      );
    }
    const externalId = found ?? (await l.api.pushPayment(payment, push.idempotencyKey));
    return {
      externalId,
      foundExisting: found !== null,
      audit: { paymentId: p.id, amount: p.amount, method: p.method },
    };
  }
  if (ref.entity === 'reversal') {
    // The payment's own push holds its provider ID: the removal waits for it to be there.
    const [paid] = await deps.database.db
      .select({ externalId: accountingPushes.externalId, status: accountingPushes.status })
      .from(accountingPushes)
      .where(
        and(
          eq(accountingPushes.organizationId, ref.organizationId),
          eq(accountingPushes.connectorId, ref.connectorId),
          eq(accountingPushes.entity, 'payment'),
          eq(accountingPushes.subjectId, ref.subjectId),
        ),
      );
    const [p] = await deps.database.db
      .select({ amount: payments.amount })
      .from(payments)
      .where(and(eq(payments.organizationId, ref.organizationId), eq(payments.id, ref.subjectId)));
    if (!p) throw notFound('payment');
    if (paid?.status !== 'done' || !paid.externalId)
      throw new Waiting(`waits for the payment on ${l.invoice.number} to reach ${providerName}`);
    const removal = {
      externalId: paid.externalId,
      on: l.invoice.kind === 'credit_note' ? ('credit_note' as const) : ('invoice' as const),
      documentNumber: l.invoice.number ?? '',
      amount: new Decimal(p.amount).toFixed(2),
    };
    const gone = retry ? await l.api.paymentRemoved(removal) : false;
    if (!gone) await l.api.removePayment(removal, push.idempotencyKey);
    return { externalId: paid.externalId, foundExisting: gone, audit: { amount: removal.amount } };
  }
  if (ref.entity === 'attachment') {
    const doc = (await pushedDocuments(deps, ref, [ref.invoiceId])).get(ref.invoiceId);
    if (!doc) throw new Waiting(`waits for ${l.invoice.number} to reach ${providerName}`);
    const pdf = await invoiceFile(deps, ref.organizationId, ref.invoiceId, 'pdf').catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'not_ready') throw new Waiting('waits for its PDF');
      throw err;
    });
    const attachment = {
      on: l.invoice.kind === 'credit_note' ? ('credit_note' as const) : ('invoice' as const),
      documentExternalId: doc,
      fileName: `${l.invoice.number ?? 'document'}.pdf`,
      bytes: pdf.bytes,
    };
    const found = retry ? await l.api.findAttachment(attachment) : null;
    return {
      externalId: found ?? (await l.api.attach(attachment, push.idempotencyKey)),
      foundExisting: found !== null,
      audit: { fileName: attachment.fileName, sha256: pdf.file.sha256 },
    };
  }
  if (ref.entity === 'report') {
    // The job's work-completed report, beside the invoice's PDF.
    const doc = (await pushedDocuments(deps, ref, [ref.invoiceId])).get(ref.invoiceId);
    if (!doc) throw new Waiting(`waits for ${l.invoice.number} to reach ${providerName}`);
    const jobId = l.invoice.jobId;
    if (!jobId) throw new Error(`report push ${ref.subjectId} has no job`);
    const made = await latestServiceReport(deps, ref.organizationId, jobId).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'not_ready') throw new Waiting('waits for the work report');
      throw err;
    });
    const attachment = {
      on: 'invoice' as const,
      documentExternalId: doc,
      fileName: `${l.invoice.number ?? 'invoice'}-work-report.pdf`,
      bytes: made.bytes,
    };
    const found = retry ? await l.api.findAttachment(attachment) : null;
    return {
      externalId: found ?? (await l.api.attach(attachment, push.idempotencyKey)),
      foundExisting: found !== null,
      audit: { fileName: attachment.fileName, sha256: made.report.sha256 },
    };
  }
  // An allocation: the credit note (this push's invoice) applied to the invoice it corrects.
  const correctsId = l.invoice.correctsInvoiceId;
  if (!correctsId || !push.amount) throw new Error(`allocation ${ref.subjectId} has no invoice or amount`);
  const docs = await pushedDocuments(deps, ref, [ref.subjectId, correctsId]);
  const [corrected] = await deps.database.db
    .select({ number: invoices.number })
    .from(invoices)
    .where(and(eq(invoices.organizationId, ref.organizationId), eq(invoices.id, correctsId)));
  const creditExt = docs.get(ref.subjectId);
  const invoiceExt = docs.get(correctsId);
  if (!creditExt || !invoiceExt || !contact)
    throw new Waiting(
      `waits for ${l.invoice.number} and ${corrected?.number ?? 'its invoice'} to reach ${providerName}`,
    );
  const allocation = {
    id: ref.subjectId,
    creditNoteExternalId: creditExt,
    creditNoteNumber: l.invoice.number ?? '',
    invoiceExternalId: invoiceExt,
    invoiceNumber: corrected?.number ?? '',
    contactExternalId: contact,
    date: l.invoice.issueDate ?? '',
    amount: push.amount,
    currency: l.invoice.currency,
  };
  const found = retry ? await l.api.findAllocation(allocation) : null;
  const externalId = found ?? (await l.api.pushAllocation(allocation, push.idempotencyKey));
  return {
    externalId,
    foundExisting: found !== null,
    audit: { amount: push.amount, creditNote: l.invoice.number, invoice: corrected?.number ?? null },
  };
};
