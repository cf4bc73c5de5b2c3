import Decimal from 'decimal.js';
import { and, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { printAmount } from '../../core/money';
import { MAX_FEE_PERCENT, type OnlineFeeRule, onlineFee } from '../../core/online-fee';
import type { Actor } from '../../core/principal';
import { SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { invoices, paymentCheckouts, paymentConnections, taxCodes } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { buildFeeInvoice, issueFeeInvoice } from '../invoicing/fee-invoices';
import { type InvoiceRow, type OrgRow, treatmentOf } from '../invoicing/invoice-documents';
import { loadOrg } from '../invoicing/invoice-store';
import { recordPaymentIn } from '../invoicing/record-payment';
import type { Deps } from '../ports';
import { lockPaymentConnection, type PaymentConnectionRow } from './payment-connections';
import { reviewOnlinePayment } from './review';

/**
 * The convenience fee for paying online (#23): off unless the organization turns it on, shown to the customer
 * before they pay (on the portal, the pay page and the provider's page), asked on top of the document's
 * amount, and — when the money arrives — invoiced on its own document (numbered, taxed with the code the
 * organization chose, e-mailed, pushed to accounting like any invoice) and paid by the same payment. The
 * document itself never changes: what was issued stays what it was.
 */

type Db = Pick<Tx, 'db'>;

/** The rule an organization's connection charges by, with its tax code as it stands; null when it charges none. */
export const feeRuleOf = async (
  tx: Db,
  org: Pick<OrgRow, 'taxScheme'>,
  c: Pick<PaymentConnectionRow, 'organizationId' | 'feePercent' | 'feeTaxCodeId'> | null,
): Promise<OnlineFeeRule | null> => {
  if (!c?.feePercent || !c.feeTaxCodeId) return null;
  const [code] = await tx.db
    .select()
    .from(taxCodes)
    .where(and(eq(taxCodes.organizationId, c.organizationId), eq(taxCodes.id, c.feeTaxCodeId)));
  if (!code) return null;
  return { percent: c.feePercent, scheme: org.taxScheme, tax: treatmentOf(code) };
};

/** Turns the fee on (a percent and the tax code it is charged with) or off; audited. */
export const setOnlineFee = (
  deps: Deps,
  organizationId: string,
  id: string,
  fee: { percent: string; taxCodeId: string } | null,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const before = await lockPaymentConnection(tx, organizationId, id);
    if (fee) {
      const percent = new Decimal(fee.percent);
      if (percent.lte(0) || percent.gt(MAX_FEE_PERCENT))
        throw new AppError('validation_failed', `The fee is more than 0 % and at most ${MAX_FEE_PERCENT} %`, {
          fields: [{ field: 'body.fee.percent', message: `between 0.01 and ${MAX_FEE_PERCENT}` }],
        });
      const [code] = await tx.db
        .select({ id: taxCodes.id })
        .from(taxCodes)
        .where(and(eq(taxCodes.organizationId, organizationId), eq(taxCodes.id, fee.taxCodeId)));
      if (!code)
        throw new AppError('validation_failed', 'No such tax code', {
          fields: [{ field: 'body.fee.taxCodeId', message: 'not a tax code of this organization' }],
        });
    }
    const [row] = await tx.db
      .update(paymentConnections)
      .set({
        feePercent: fee ? new Decimal(fee.percent).toFixed(2) : null,
        feeTaxCodeId: fee?.taxCodeId ?? null,
        updatedAt: deps.clock.now(),
        version: before.version + 1,
      })
      .where(and(eq(paymentConnections.organizationId, organizationId), eq(paymentConnections.id, id)))
      .returning();
    if (!row) throw new Error('payment connection update returned nothing');
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'payment_connection',
      aggregateId: id,
      action: 'payment_connection.fee_changed',
      actor,
      changes: {
        feePercent: { before: before.feePercent, after: row.feePercent },
        feeTaxCodeId: { before: before.feeTaxCodeId, after: row.feeTaxCodeId },
      },
    });
    return row;
  });

/** The fee for paying what is outstanding on a document online now, as the customer is shown it. */
export const feeFor = (
  rule: OnlineFeeRule | null,
  invoice: Pick<InvoiceRow, 'kind' | 'currency'>,
  outstanding: Decimal,
) => (invoice.kind === 'credit_note' ? null : onlineFee(rule, outstanding, invoice.currency));

const feeKey = (checkoutId: string) => `online_fee:${checkoutId}`;

type Checkout = typeof paymentCheckouts.$inferSelect;

/**
 * In the payment event's transaction, once the document's own part is recorded: the fee the customer paid,
 * invoiced on its own document from what they were shown (net and tax kept on the checkout), issued, paid by
 * the same payment and e-mailed. Returns what became of the fee, in words.
 */
export const invoiceOnlineFeeIn = async (
  tx: Tx,
  deps: Deps,
  checkout: Checkout,
  paid: { on: string; paymentRef: string },
): Promise<string> => {
  if (!checkout.feeNet || !checkout.feeTax || !checkout.fee) throw new Error('checkout without a fee');
  const org = await loadOrg(tx, checkout.organizationId);
  const [invoice] = await tx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, checkout.organizationId), eq(invoices.id, checkout.invoiceId)));
  if (!invoice) throw notFound('invoice');
  const currency = invoice.currency;
  const fee = {
    invoice,
    org,
    billingKey: feeKey(checkout.id),
    on: paid.on,
    description: `Convenience fee for paying invoice ${invoice.number} online`,
    memo: `Convenience fee for paying ${invoice.number} online, as shown before payment.`,
    net: new Decimal(checkout.feeNet).toFixed(),
    tax: checkout.feeTax,
    paymentTermsDays: 0,
    actor: SYSTEM_ACTOR,
    // The customer gets the fee's own invoice as they get any document; the same payment pays it.
    sendMeta: { onlineFeeFor: invoice.number },
  };
  const built = buildFeeInvoice(fee);
  if (!built.ok) throw new Error(`fee invoice: ${built.problems.map((p) => p.message).join('; ')}`);
  const payable = built.document.calc.totals.payable;
  // What the customer was shown is what they are invoiced: the same calculator, the same net and tax.
  if (!new Decimal(payable).eq(checkout.fee))
    throw new Error(`fee invoice comes to ${payable}, the customer was shown ${checkout.fee}`);
  const issued = await issueFeeInvoice(tx, deps, fee, built);
  if (!issued) {
    // Held for review (a check the document failed): the invoice's own payment stands; the fee waits in the
    // lane with its draft, never taken silently.
    const money = printAmount(payable, currency);
    await reviewOnlinePayment(tx, deps, {
      organizationId: checkout.organizationId,
      subject: `online-fee:${checkout.id}`,
      message: `The ${money} convenience fee paid online with ${invoice.number} could not be invoiced: its draft waits in billing for review. Issue it there, or credit and refund it.`,
      invoiceId: invoice.id,
      jobId: invoice.jobId,
    });
    return `its convenience fee of ${money} waits for review`;
  }
  const { paymentId } = await recordPaymentIn(
    tx,
    deps,
    checkout.organizationId,
    {
      invoiceId: issued.id,
      amount: payable,
      receivedOn: paid.on,
      method: 'card',
      reference: paid.paymentRef,
    },
    SYSTEM_ACTOR,
  );
  await tx.db
    .update(paymentCheckouts)
    .set({ feeInvoiceId: issued.id, feePaymentId: paymentId, updatedAt: deps.clock.now() })
    .where(
      and(eq(paymentCheckouts.organizationId, checkout.organizationId), eq(paymentCheckouts.id, checkout.id)),
    );
  return `its convenience fee of ${printAmount(payable, currency)} on ${issued.number}`;
};
