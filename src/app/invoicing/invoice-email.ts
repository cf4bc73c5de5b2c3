import { and, eq } from 'drizzle-orm';
import { notFound } from '../../core/errors';
import { type Translator, translator } from '../../core/i18n';
import { invoiceEmail, invoiceEmailTemplateOf, invoiceEmailValues } from '../../core/invoice-email';
import { SYSTEM_ACTOR } from '../../core/principal';
import { customerOfDraft } from '../../db/queries/receivables';
import { customers, invoices, organizations } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { appendAudit } from '../audit/audit';
import { activePaymentConnection } from '../payments/payment-connections';
import { payUrl } from '../portal/pay-token';
import { portalLinkFor } from '../portal/portal-links';
import type { Deps } from '../ports';
import { documentOf } from './invoice-documents';
import { invoiceFile } from './invoice-packet';
import { outstandingOf } from './invoice-store';

/**
 * Who reads a customer's invoices and reminders: the contacts marked as invoice recipients and the customer's
 * own address, once each; greeted by the first such contact's name, else the customer's.
 */
export const invoiceRecipientsOf = (customer: typeof customers.$inferSelect) => {
  const recipients = customer.contacts.filter((c) => c.invoiceRecipient && c.email);
  const to = [
    ...new Set([...recipients.map((c) => c.email as string), customer.email].filter((e) => !!e)),
  ] as string[];
  return { to, greet: recipients[0]?.name || customer.name };
};

/** The line that takes the customer to their page: to pay, where the business takes payments online and something is owed. */
export const portalLineOf = (url: string, payOnline: boolean, w: Translator = translator()) =>
  w.t(payOnline ? 'email.portalAndPay' : 'email.portal', { url });

/**
 * E-mails an issued document to the customer's invoice recipients (the `invoice.send` queue job): the
 * organization's message, the PDF, and the UBL only to customers who take e-invoices (a Peppol ID or that
 * preference). Each delivery is written to the invoice's history; a customer with no invoice address is
 * not skipped in silence: billing is told, and the history says why nothing went.
 */
export const mailInvoice = async (deps: Deps, organizationId: string, invoiceId: string) => {
  const db = deps.database.db;
  const [row] = await db
    .select({ invoice: invoices, org: organizations })
    .from(invoices)
    .innerJoin(organizations, eq(organizations.id, invoices.organizationId))
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, invoiceId)));
  if (!row?.invoice.number) throw notFound('invoice');
  // The document's customer: its own column, else the job's, the series' or the corrected invoice's.
  const customerId = row.invoice.customerId ?? (await customerOfDraft(db, organizationId, row.invoice));
  const [customer] = customerId
    ? await db
        .select()
        .from(customers)
        .where(and(eq(customers.organizationId, organizationId), eq(customers.id, customerId)))
    : [];
  if (!customer) throw notFound('customer');
  const number = row.invoice.number;
  const { to, greet } = invoiceRecipientsOf(customer);

  if (to.length === 0) {
    await deps.database.transaction(async (tx) => {
      await appendAudit(tx, deps, {
        organizationId,
        aggregateType: 'invoice',
        aggregateId: invoiceId,
        action: 'invoice.not_emailed',
        actor: SYSTEM_ACTOR,
        changes: {},
        reason: `${customer.name} has no invoice e-mail address`,
      });
      await notifyRole(
        tx,
        deps,
        organizationId,
        'billing',
        row.invoice.jobId,
        `${number} could not be e-mailed: ${customer.name} has no invoice e-mail address. Add one on the customer's page, then send it again.`,
        null,
        { kind: 'invoice_email', invoiceId },
      );
    });
    return { sent: 0, reason: 'the customer has no invoice e-mail' };
  }

  const doc = documentOf(row.invoice);
  const eInvoice = customer.peppolEndpoint !== null || customer.invoicePreferences.channel === 'peppol';
  const pdf = await invoiceFile(deps, organizationId, invoiceId, 'pdf');
  const ubl = eInvoice ? await invoiceFile(deps, organizationId, invoiceId, 'ubl') : null;
  const message = invoiceEmail(
    invoiceEmailTemplateOf(row.org, doc.language ?? 'en'),
    invoiceEmailValues(doc, { number, dueDate: row.invoice.dueDate }, greet),
  );
  // The customer's page with every document of theirs and, where the business takes payments online, Pay now.
  const online = await activePaymentConnection(deps.database, organizationId);
  const portal = await deps.database.transaction((tx) =>
    portalLinkFor(tx, deps, organizationId, customer.id),
  );
  const owed = outstandingOf(row.invoice);
  const payable = !!online && row.invoice.kind !== 'credit_note' && owed.gt(0);
  // This document's own pay link first (the one its PDF prints), then the page with all of them.
  const w = translator(doc.language);
  const portalLine = payable
    ? `${w.t('email.payThisOnline', { number, url: payUrl(deps, organizationId, invoiceId) })}\n${portalLineOf(portal, true, w)}`
    : portalLineOf(portal, false, w);
  const attachments = [
    { filename: `${number}.pdf`, content: pdf.bytes, contentType: 'application/pdf' },
    ...(ubl ? [{ filename: `${number}.xml`, content: ubl.bytes, contentType: 'application/xml' }] : []),
  ];
  await deps.mailer.send({
    to,
    subject: message.subject,
    text: `${message.text.trimEnd()}\n\n${portalLine}\n`,
    attachments,
    fromName: row.org.name,
    replyTo: row.org.replyToEmail ?? undefined,
  });
  // After the mail server took it: a crash between the two sends it again on retry, and says so twice.
  await deps.database.transaction((tx) =>
    appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'invoice',
      aggregateId: invoiceId,
      action: 'invoice.emailed',
      actor: SYSTEM_ACTOR,
      changes: { to, attachments: attachments.map((a) => a.filename), subject: message.subject },
    }),
  );
  return { sent: to.length };
};
