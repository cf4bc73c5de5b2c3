import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Principal } from '../../core/principal';
import { businessDate } from '../../core/time';
import { invoices, organizations, users } from '../../db/schema';
import { requestWriteOff } from '../collections/write-offs';
import { outstandingOf } from '../invoicing/invoice-store';
import { recordPayment } from '../invoicing/record-payment';
import type { Deps } from '../ports';

/**
 * The demo's write-offs, made by billing the way the office would: a customer paid €0.50 short (the bank's fee
 * taken from their transfer) and billing wrote off the rest at once; and the most overdue invoice, after every
 * reminder, is asked to be written off as uncollectible, waiting for the owner's approval.
 */
export const seedDemoWriteOffs = async (deps: Deps, organizationId: string) => {
  const [org] = await deps.database.db
    .select({ timeZone: organizations.timeZone })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const [clerk] = await deps.database.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organizationId, organizationId), sql`'billing' = ANY(${users.roles})`));
  if (!org || !clerk) return;
  const billing: Principal = {
    kind: 'user',
    userId: clerk.id,
    organizationId,
    roles: ['billing'],
    sessionTokenHash: '',
    csrfToken: '',
  };
  const open = await deps.database.db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.organizationId, organizationId),
        eq(invoices.kind, 'invoice'),
        inArray(invoices.status, ['sent', 'issued']),
        isNotNull(invoices.dueDate),
        isNotNull(invoices.customerId),
        sql`NOT EXISTS (SELECT 1 FROM disputes d WHERE d.organization_id = ${invoices.organizationId}
              AND d.invoice_id = ${invoices.id})`,
      ),
    )
    .orderBy(asc(invoices.dueDate));
  const oldest = open[0];
  // Not the oldest, nor the customer paused on a promise to pay (the second oldest).
  const short = open.find((i, n) => n >= 2 && i.customerId !== oldest?.customerId);
  if (!oldest || !short) return;
  const today = businessDate(deps.clock.now(), org.timeZone);
  const paid = outstandingOf(short).minus('0.50');
  await recordPayment(
    deps,
    organizationId,
    {
      invoiceId: short.id,
      amount: paid.toFixed(2),
      receivedOn: today,
      method: 'bank_transfer',
      reference: `TRF ${short.number}`,
    },
    { type: 'user', id: clerk.id },
  );
  const [after] = await deps.database.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, short.id)));
  if (!after) return;
  await requestWriteOff(deps, billing, short.id, {
    amount: outstandingOf(after).toFixed(),
    reason: 'small_balance',
    note: 'Paid 50 cents short: their bank took its fee from the transfer',
    version: after.version,
  });
  if (outstandingOf(oldest).lte(0)) return;
  await requestWriteOff(deps, billing, oldest.id, {
    amount: outstandingOf(oldest).toFixed(),
    reason: 'uncollectible',
    note: 'Three reminders and two calls, no answer; the number is disconnected',
    version: oldest.version,
  });
};
