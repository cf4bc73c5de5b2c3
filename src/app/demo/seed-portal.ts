import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import { invoices } from '../../db/schema';
import { raiseDispute } from '../portal/disputes';
import { portalLinkFor } from '../portal/portal-links';
import type { Deps } from '../ports';

/**
 * A customer who says an invoice is wrong, through their own page as any customer would: the oldest open
 * invoice with labour is disputed for its hours, so the exception queue's dispute lane and the customer's
 * page have something true to show.
 */
export const seedDemoPortal = async (deps: Deps, organizationId: string) => {
  const [invoice] = await deps.database.db
    .select({ id: invoices.id, customerId: invoices.customerId })
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        eq(invoices.kind, 'invoice'),
        inArray(invoices.status, ['issued', 'sent']),
        isNotNull(invoices.jobId),
        isNotNull(invoices.customerId),
      ),
    )
    .orderBy(asc(invoices.issueDate))
    .limit(1);
  if (!invoice?.customerId) return;
  const customerId = invoice.customerId;
  const link = await deps.database.transaction((tx) => portalLinkFor(tx, deps, organizationId, customerId));
  await raiseDispute(
    deps,
    link.slice(link.lastIndexOf('/') + 1),
    invoice.id,
    {
      reason: 'wrong_amount',
      comment: 'We were billed for two hours of labour; the technician was with us for just over an hour.',
    },
    { ip: '127.0.0.1', userAgent: 'demo seed' },
  );
};
