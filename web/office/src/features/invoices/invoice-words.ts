import { PROVIDER_NAMES } from '../../../../../src/contracts/connectors';
import { type ReminderTone, TONE_WORDS } from '../../../../../src/core/reminders';
import type { TimelineEventT } from '../../shared/api';
import { money } from '../../shared/format';

export const METHOD_WORDS: Record<string, string> = {
  bank_transfer: 'Bank transfer',
  card: 'Card',
  cash: 'Cash',
  check: 'Cheque',
  other: 'Other',
};

export const KIND_WORDS = {
  invoice: 'Invoice',
  deposit_invoice: 'Deposit invoice',
  credit_note: 'Credit note',
} as const;

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/**
 * One event of an invoice's history in words: "E-mailed to accounts@quayside.ie (PDF)". The audit chain's
 * action names and change records are for machines; this is what the office reads.
 */
export const invoiceEventWords = (e: TimelineEventT, currency: string, creditNote = false): string => {
  const c = e.changes;
  switch (e.action) {
    case 'invoice.drafted':
      return 'Drafted from the job';
    case 'invoice.draft_rebuilt':
      return 'Draft made again from the job';
    case 'invoice.draft_edited':
      return 'Memo changed';
    case 'invoice.issue':
      return `Issued as ${str(c.number) ?? 'a numbered document'}`;
    case 'invoice.fail':
      return 'Held for review: it broke an e-invoice rule';
    case 'invoice.reprocess':
      return 'Returned to draft after the cause was fixed';
    case 'invoice.send':
      if (c.automatic === true) return 'Sent to the customer by itself, as the billing settings say';
      if (str(c.lateFeeFor)) return `Sent with the reminder about ${str(c.lateFeeFor)}`;
      if (str(c.onlineFeeFor)) return `Sent to the customer who paid ${str(c.onlineFeeFor)} online`;
      return 'Sent to the customer';
    case 'invoice.emailed': {
      const files = strings(c.attachments).map((f) => (f.endsWith('.pdf') ? 'PDF' : 'e-invoice'));
      return `E-mailed to ${strings(c.to).join(', ')}${files.length ? ` (${files.join(' and ')})` : ''}`;
    }
    case 'invoice.reminder_sent': {
      const to = strings(c.to);
      const tone = TONE_WORDS[str(c.tone) as ReminderTone] ?? 'Reminder';
      return c.tone === 'collections'
        ? 'Every reminder has gone: billing was told to hand it over for collection'
        : `${tone} e-mailed to ${to.join(', ')}`;
    }
    case 'invoice.reminder_requested':
      return 'Reminder asked for by hand';
    case 'invoice.reminder_stopped':
      return `Reminder not sent: ${(e.reason ?? 'stopped').replace(/^./, (x) => x.toLowerCase())}`;
    case 'invoice.peppol_sent':
      return `Sent over Peppol to ${str(c.receiver) ?? 'the customer’s access point'}`;
    case 'invoice.peppol_delivered':
      return 'Delivered over Peppol: the customer’s access point confirmed it';
    case 'invoice.peppol_unreachable':
      return `Not on the Peppol network (${str(c.receiver) ?? 'the customer’s ID'}): e-mailed instead`;
    case 'invoice.peppol_refused':
      return `Not sent over Peppol: ${e.reason ?? 'the access point refused it'}`;
    case 'invoice.not_emailed':
      return `Not e-mailed: ${e.reason ?? 'no address'}`;
    case 'invoice.pay_part':
    case 'invoice.pay_full': {
      const amount = str(c.amount);
      const method = METHOD_WORDS[str(c.method) ?? ''] ?? '';
      const full = e.action === 'invoice.pay_full';
      const what = creditNote
        ? full
          ? 'Refunded in full'
          : 'Part refunded'
        : full
          ? 'Paid in full'
          : 'Part payment';
      return `${what}${
        amount ? `: ${money(amount, currency)}` : ''
      }${method ? ` by ${method.toLowerCase()}` : ''}`;
    }
    case 'invoice.unpay_part':
    case 'invoice.unpay_full': {
      const amount = str(c.amount);
      if (str(c.cause) === 'bank_unmatched')
        return `${amount ? money(amount, currency) : 'A bank payment'} unmatched: it was not for this invoice (${str(c.reference) ?? 'no reason given'}): owed again`;
      return `${amount ? money(amount, currency) : 'A card payment'} taken back by the customer’s bank (a chargeback): owed again`;
    }
    case 'invoice.payment_removed_pushed':
      return `Payment taken back removed in ${PROVIDER_NAMES[str(c.provider) ?? ''] ?? 'the accounting system'}`;
    case 'invoice.refund_requested': {
      const amount = str(c.amount);
      return `Refund${amount ? ` of ${money(amount, currency)}` : ''} to the customer’s card asked of Stripe`;
    }
    case 'invoice.online_money_placed': {
      const applied = str(c.applied) ?? '0';
      const back = str(c.refunded) ?? '0';
      const some = (v: string) => !/^0*(\.0*)?$/.test(v);
      const parts = [
        some(applied) ? `${money(applied, currency)} applied to this invoice` : null,
        some(back)
          ? `${money(back, currency)} ${c.outside ? 'refunded in Stripe’s dashboard' : 'sent back to the card'}`
          : null,
      ].filter(Boolean);
      return `Money paid online that did not fit: ${parts.join(', ') || 'placed'}`;
    }
    case 'invoice.credit_full':
      return `Credited in full${str(c.creditNote) ? ` by ${str(c.creditNote)}` : ''}`;
    case 'invoice.credited_partly':
      return `Credited in part${str(c.creditNote) ? ` by ${str(c.creditNote)}` : ''}`;
    case 'invoice.write_off': {
      const amount = str(c.amount);
      return `${amount ? money(amount, currency) : 'The rest'} written off${e.reason ? `: ${e.reason}` : ''}`;
    }
    case 'invoice.write_off_pushed':
      return `Write-off booked in ${PROVIDER_NAMES[str(c.provider) ?? ''] ?? 'the accounting system'}`;
    case 'invoice.discard':
      return 'Discarded: the job was closed as not billable';
    case 'invoice.pushed':
      return `Recorded in ${PROVIDER_NAMES[str(c.provider) ?? ''] ?? 'the accounting system'}`;
    case 'invoice.payment_pushed': {
      const amount = str(c.amount);
      return `${amount ? `Payment of ${money(amount, currency)}` : 'Payment'} recorded in ${PROVIDER_NAMES[str(c.provider) ?? ''] ?? 'the accounting system'}`;
    }
    case 'invoice.pdf_attached':
      return `PDF attached in ${PROVIDER_NAMES[str(c.provider) ?? ''] ?? 'the accounting system'}`;
    case 'invoice.credit_applied_pushed':
      return `Credit applied to ${str(c.invoice) ?? 'the invoice'} in ${PROVIDER_NAMES[str(c.provider) ?? ''] ?? 'the accounting system'}`;
    default: {
      const tail = e.action.split('.').pop() ?? e.action;
      const words = tail.replaceAll('_', ' ');
      return words.charAt(0).toUpperCase() + words.slice(1);
    }
  }
};

const DAY_MS = 86_400_000;
/** "12 days late" from a due date and the business date it is measured on. */
export const lateness = (due: string | null, asOf: string): string | null => {
  if (!due) return null;
  const days = Math.round((Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${due}T00:00:00Z`)) / DAY_MS);
  if (days <= 0) return null;
  return days === 1 ? '1 day late' : `${days} days late`;
};
