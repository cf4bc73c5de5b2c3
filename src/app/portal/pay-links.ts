import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { stringify as uuidText } from 'uuid';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator } from '../../core/i18n';
import { businessDate } from '../../core/time';
import { customers, invoices, jobs, organizations } from '../../db/schema';
import { qrCodeImage } from '../files/qr-image';
import { feeRuleOf } from '../payments/online-fees';
import { activePaymentConnection } from '../payments/payment-connections';
import type { TransferInstructions } from '../payments/port';
import { openCheckout } from '../payments/start-checkout';
import type { Deps, SecretBox } from '../ports';
import { payPageUrl, payPurpose, payUrl, publicLogoUrl } from './pay-token';
import { customerFile, documentView, pendingCheckouts } from './portal-view';

const notALink = () =>
  new AppError(
    'not_found',
    'This is not a pay link of ours. Use the link on your invoice or in our e-mail.',
    {
      fields: [{ field: 'token', message: 'no such link' }],
    },
  );

/** The document a pay token names, when our key signed it. */
const openPayToken = (secrets: Pick<SecretBox, 'verifyMac'>, token: string) => {
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== 64 || bytes.toString('base64url') !== token) throw notALink();
  const organizationId = uuidText(bytes.subarray(0, 16));
  const invoiceId = uuidText(bytes.subarray(16, 32));
  if (!secrets.verifyMac(payPurpose(organizationId, invoiceId), bytes.subarray(32).toString('hex')))
    throw notALink();
  return { organizationId, invoiceId };
};

/** Statuses a pay link shows: issued documents (a draft has no number and no PDF yet). */
const PAYABLE_OR_SETTLED = ['issued', 'sent', 'partially_paid', 'paid', 'credited', 'written_off'];

const documentOfToken = async (deps: Deps, token: string) => {
  const { organizationId, invoiceId } = openPayToken(deps.secrets, token);
  const [row] = await deps.database.db
    .select({ invoice: invoices, jobNumber: jobs.number, language: customers.language })
    .from(invoices)
    .leftJoin(jobs, and(eq(jobs.organizationId, invoices.organizationId), eq(jobs.id, invoices.jobId)))
    .leftJoin(
      customers,
      and(eq(customers.organizationId, invoices.organizationId), eq(customers.id, invoices.customerId)),
    )
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, invoiceId)));
  if (!row || !PAYABLE_OR_SETTLED.includes(row.invoice.status) || row.invoice.kind === 'credit_note')
    throw notALink();
  return row;
};

/**
 * What the pay link opens: who the document is from, its amount and what is left to pay, whether it can be
 * paid online, and the bank transfer details as the PDF prints them.
 */
export const payView = async (deps: Deps, token: string) => {
  const { invoice, jobNumber, language } = await documentOfToken(deps, token);
  const [org] = await deps.database.db
    .select()
    .from(organizations)
    .where(eq(organizations.id, invoice.organizationId));
  if (!org) throw notALink();
  const online = await activePaymentConnection(deps.database, invoice.organizationId);
  const pending = await pendingCheckouts(deps.database.db, invoice.organizationId, [invoice.id]);
  const w = customerTranslator(language, org.language);
  const document = documentView(invoice, jobNumber, {
    w,
    online: online !== null,
    feeRule: await feeRuleOf(deps.database, org, online),
    pending,
    disputes: [],
    today: businessDate(deps.clock.now(), org.timeZone),
    // The pay link opens the payment only: the proof and the e-invoice are on the customer's page.
    withProof: new Set(),
    business: false,
  });
  const owed = new Decimal(document.outstanding).gt(0);
  return {
    organization: { name: org.name, brandColor: org.brandColor, logoUrl: publicLogoUrl(org) },
    language: w.language,
    document,
    transfer:
      owed && org.iban && invoice.number
        ? await transferView(
            deps.payments.bankTransfer.instructions({
              beneficiary: org.legalName,
              iban: org.iban,
              amount: document.outstanding,
              currency: invoice.currency,
              documentNumber: invoice.number,
            }),
          )
        : null,
  };
};

/** Bank transfer instructions as the page shows them: the scan-to-pay code drawn as an image. */
const transferView = async (t: TransferInstructions) => ({
  iban: t.iban,
  reference: t.reference,
  creditorReference: t.creditorReference,
  qrCode: t.qrPayload ? await qrCodeImage(t.qrPayload) : null,
});

/** "Pay now" from the pay link: the same hosted checkout as the portal's, back to the pay page. */
export const payLinkCheckout = async (deps: Deps, token: string) => {
  const { invoice } = await documentOfToken(deps, token);
  return openCheckout(deps, invoice, payPageUrl(deps, token));
};

/** The document's PDF, as the customer received it. */
export const payLinkPdf = async (deps: Deps, token: string) => {
  const { invoice } = await documentOfToken(deps, token);
  return customerFile(deps, invoice, 'pdf');
};

/** The office's copy of a document's pay link (the one its PDF prints), for an issued document still owed. */
export const officePayLink = async (deps: Deps, organizationId: string, invoiceId: string) => {
  const [row] = await deps.database.db
    .select({ status: invoices.status, kind: invoices.kind, number: invoices.number })
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, invoiceId)));
  if (!row) throw notFound('invoice');
  if (row.kind === 'credit_note' || !PAYABLE_OR_SETTLED.includes(row.status))
    throw new AppError(
      'invalid_transition',
      row.kind === 'credit_note'
        ? `${row.number} is a credit note: there is nothing to pay`
        : 'The invoice is not issued yet: it has no pay link',
      { fields: [{ field: 'id', message: 'not an issued invoice' }] },
    );
  return payUrl(deps, organizationId, invoiceId);
};
