import { and, eq } from 'drizzle-orm';
import { AppError } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { addDays, businessDate } from '../../core/time';
import { customers } from '../../db/schema';
import { randomToken, sha256Hex } from '../auth/secrets';
import type { Deps } from '../ports';
import { recipientOf } from '../quotes/send-quote';
import { assertAmendable, changeOrderLink, LINK_DAYS, lockBoth } from './change-order-scope';
import { changeChangeOrder } from './change-order-store';

/**
 * Sends the change order to the customer by e-mail with a link (again, with the same link, when sent
 * already): the customer approves with a signature or declines on the page, no account needed.
 */
export const sendChangeOrder = (
  deps: Deps,
  organizationId: string,
  id: string,
  body: { to?: string | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const { job, order } = await lockBoth(tx, organizationId, id);
    assertAmendable(job);
    const [customer] = await tx.db
      .select()
      .from(customers)
      .where(and(eq(customers.organizationId, organizationId), eq(customers.id, job.customerId)));
    const to = body.to ?? (customer ? recipientOf(customer) : null);
    if (!to)
      throw new AppError(
        'validation_failed',
        `${customer?.name ?? 'The customer'} has no e-mail address: give one`,
        {
          fields: [{ field: 'body.to', message: 'no e-mail address for the customer' }],
        },
      );
    const existing = order.linkSealed ? deps.secrets.open(order.linkSealed) : null;
    const token = existing ?? randomToken();
    const now = deps.clock.now();
    const updated = await changeChangeOrder(tx, deps, {
      job,
      order,
      action: 'send',
      actor,
      patch: {
        sentTo: to,
        sentAt: now,
        linkHash: sha256Hex(token),
        linkSealed: existing ? order.linkSealed : deps.secrets.seal(token),
        linkExpiresAt: new Date(`${addDays(businessDate(now, 'UTC'), LINK_DAYS)}T23:59:59Z`),
      },
      changes: { to },
    });
    await deps.queue.enqueue(
      tx,
      { name: 'change_order.send', data: { organizationId, changeOrderId: id, to } },
      { key: `${id}:${now.getTime()}` },
    );
    return { job, order: updated, link: changeOrderLink(deps, token) };
  });
