import { SYSTEM_ACTOR } from '../../core/principal';
import { nextLocalHour } from '../../core/time';
import type { Tx } from '../../db/client';
import type { Deps } from '../ports';
import type { InvoiceRow, OrgRow } from './invoice-documents';
import { type Ctx, lockInvoice, sendIn } from './invoice-store';

/**
 * Send by itself (#23): where the organization chose it, each issued invoice is sent without anyone clicking
 * Send — at once, or at its chosen local hour — through the customer's channel (the invoice e-mail with the
 * portal and pay links), exactly once: one queue job per invoice, which checks the invoice again when it
 * runs, so one sent by hand, paid, credited or voided meanwhile is left alone. Credit notes are sent by the
 * office, with its words.
 */

/** In the issuing transaction: the invoice's send, queued for the organization's chosen time. */
export const queueAutoSend = async (tx: Tx, deps: Ctx, org: OrgRow, issued: InvoiceRow) => {
  if (org.invoiceAutoSend === 'off' || issued.kind === 'credit_note' || issued.status !== 'issued') return;
  const now = deps.clock.now();
  const delay =
    org.invoiceAutoSend === 'at_hour'
      ? Math.ceil(
          (nextLocalHour(now, org.invoiceAutoSendHour, org.timeZone).getTime() - now.getTime()) / 1000,
        )
      : 0;
  await deps.queue.enqueue(
    tx,
    { name: 'invoice.auto_send', data: { organizationId: issued.organizationId, invoiceId: issued.id } },
    { key: `auto-send:${issued.id}`, ...(delay > 0 ? { startAfterSeconds: delay } : {}) },
  );
};

/** The queued send, when its time comes: sent now unless it no longer waits to be. */
export const autoSendInvoice = (deps: Deps, organizationId: string, invoiceId: string) =>
  deps.database.transaction(async (tx) => {
    const row = await lockInvoice(tx, organizationId, invoiceId);
    if (row.status !== 'issued') return { skipped: `already ${row.status}` };
    await sendIn(tx, deps, row, SYSTEM_ACTOR, { automatic: true });
    return { sent: row.number };
  });
