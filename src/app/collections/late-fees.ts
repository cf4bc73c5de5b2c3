import { and, eq, like, notInArray, sql } from 'drizzle-orm';
import { amountDecimals, printAmount } from '../../core/money';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import { type LateFee, lateFeeAmount } from '../../core/reminders';
import { daysBetween } from '../../core/statement';
import { printDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { invoices } from '../../db/schema';
import { issueFeeInvoice } from '../invoicing/fee-invoices';
import { documentOf, type InvoiceRow, type OrgRow } from '../invoicing/invoice-documents';
import type { Deps } from '../ports';

/**
 * Late fees (#24): a reminder step that charges one issues it as an invoice of its own (one line, numbered,
 * validated, e-mailed and pushed like any other), so what the customer is asked for stays a legal document.
 * One per invoice and step (its billing key), never more in all than the schedule's cap.
 */

/** The billing key of the fee one step charges on one invoice; the prefix finds every fee of the invoice. */
export const lateFeeKey = (invoiceId: string, stepDays: number) => `late_fee:${invoiceId}:${stepDays}`;
const keysOf = (invoiceId: string) => `late_fee:${invoiceId}:%`;

/** Late payment compensation is no supply: outside the scope of VAT (exempt category with the reason), untaxed in the US. */
const FEE_TAX = (org: OrgRow) =>
  org.taxScheme === 'us_sales_tax'
    ? { category: null, rate: '0' }
    : {
        category: 'E' as const,
        rate: '0',
        exemptionReason: 'Late payment compensation: not a supply, outside the scope of VAT',
      };

/** The late fees charged on an invoice so far (issued, not discarded), with their numbers. */
export const lateFeesOf = async (tx: Pick<Tx, 'db'>, organizationId: string, invoiceId: string) =>
  tx.db
    .select({
      id: invoices.id,
      number: invoices.number,
      status: invoices.status,
      payable: invoices.payable,
      issueDate: invoices.issueDate,
    })
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        like(invoices.billingKey, keysOf(invoiceId)),
        notInArray(invoices.status, ['void', 'draft', 'needs_review']),
      ),
    )
    .orderBy(invoices.createdAt);

/**
 * In the reminder's transaction: the fee this step charges on `invoice`, issued and sent as its own invoice;
 * the one already made when the step runs again; null when the cap is used up.
 */
export const chargeLateFee = async (
  tx: Tx,
  deps: Deps,
  s: { invoice: InvoiceRow; org: OrgRow; today: string },
  step: { days: number; fee: LateFee; cap: string },
  owed: string,
  actor: Actor = SYSTEM_ACTOR,
): Promise<InvoiceRow | null> => {
  const { invoice, org, today } = s;
  // No fee on a fee: a late fee's own invoice is reminded of, never charged for.
  if (invoice.billingKey.startsWith('late_fee:')) return null;
  const key = lateFeeKey(invoice.id, step.days);
  const [made] = await tx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, invoice.organizationId), eq(invoices.billingKey, key)));
  if (made) return made.number ? made : null;
  const [charged] = await tx.db
    .select({
      sum: sql<string>`coalesce(sum(${invoices.taxInclusive} - ${invoices.amountCredited}), 0)::text`,
    })
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, invoice.organizationId),
        like(invoices.billingKey, keysOf(invoice.id)),
        notInArray(invoices.status, ['void', 'draft', 'needs_review']),
      ),
    );
  const decimals = amountDecimals(invoice.currency, true);
  const amount = lateFeeAmount(step.fee, owed, charged?.sum ?? '0', step.cap, decimals);
  if (!amount) return null;
  const late = invoice.dueDate ? daysBetween(invoice.dueDate, today) : 0;
  // Sent with the reminder that charges it: the customer gets the fee's own invoice (PDF and e-invoice).
  const sent = await issueFeeInvoice(tx, deps, {
    invoice,
    org,
    billingKey: key,
    on: today,
    description: `Late payment fee: invoice ${invoice.number}, due ${invoice.dueDate ? printDate(invoice.dueDate) : 'on receipt'}, ${late} days overdue`,
    memo: `Charged because invoice ${invoice.number} (${printAmount(owed, invoice.currency)} owed) is ${late} days overdue.`,
    net: amount.toFixed(decimals),
    tax: FEE_TAX(org),
    paymentTermsDays: documentOf(invoice).paymentTermsDays,
    actor,
    sendMeta: { lateFeeFor: invoice.number },
  });
  return sent;
};
