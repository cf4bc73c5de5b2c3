import type { TimelineEventT } from '../../shared/api';

/** What happened to a job, in words: the audit chain's action names are for machines. */
const ACTION_WORDS: Record<string, string> = {
  'job.created': 'Booked',
  'job.updated': 'Changed by the office',
  'job.rescheduled': 'Moved to another time',
  'job.crew_changed': 'Crew changed',
  'job.dispatched': 'Dispatched to the crew',
  'job.on_my_way': 'Technician on the way',
  'job.started': 'Work started',
  'job.completed': 'Work completed',
  'job.closeout_refused': 'Closeout refused: proof missing',
  'job.comment_added': 'Message posted',
  'job.attachment_added': 'Photo or file added',
  'job.canceled': 'Canceled',
  'job.no_show': 'Closed as a no-show',
  'job.closed_not_billable': 'Closed as not billable',
  'job.invoice_ready': 'Ready to invoice',
  'job.invoiced': 'Invoiced',
  'job.invoice_failed': 'Invoice held for review',
  'job.invoice_credited': 'Invoice credited',
  'job.invoices_rebuilt': 'Invoices made again',
  'job.integration_failed': 'Accounting push failed',
  'job.reprocessed': 'Tried again',
  'job.paid': 'Paid',
  'job.written_off': 'Settled: the rest of its invoice written off',
  'job.deposit_received': 'Deposit received',
  'job.deposit_reversed': 'Deposit payment taken back',
  'job.deposit_credited': 'Deposit reduced by a credit note',
  'job.deposit_refunded': 'Deposit refunded',
  'job.deposit_refund_reversed': 'Deposit refund taken back',
  'job.progress_payment_received': 'Payment received on a progress invoice',
  'job.progress_payment_reversed': 'Payment on a progress invoice taken back',
  'job.revision_added': 'Add-on work booked',
  'job.from_quote': 'Booked from an accepted quote',
  'job.visits_planned': 'Visits booked',
  'job.visit_added': 'Visit added',
  'job.visit_moved': 'Visit moved',
  'job.visit_canceled': 'Visit canceled',
  'job.visit_done': 'Visit done; the crew comes back',
  'change_order.created': 'Change order drafted',
  'change_order.sent': 'Change order sent to the customer',
  'change_order.viewed': 'Change order seen by the customer',
  'change_order.approved': 'Change order approved by the customer',
  'change_order.declined': 'Change order declined by the customer',
  'change_order.withdrawn': 'Change order withdrawn',
  'approval.requested': 'Approval requested',
  'approval.escalated': 'Approval escalated',
};

/** "job.closeout_refused" → "Closeout refused" for an action without words of its own yet. */
export const actionWords = (action: string): string => {
  const known = ACTION_WORDS[action];
  if (known) return known;
  const tail = action.split('.').pop() ?? action;
  const words = tail.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** What only the customer does, through their link: no account, so the record's actor is the system. */
const BY_CUSTOMER = new Set(['change_order.viewed', 'change_order.approved', 'change_order.declined']);

/** Who did it, in words. */
export const actorWords = (e: TimelineEventT): string =>
  e.actor.name ??
  (e.actor.type === 'system'
    ? BY_CUSTOMER.has(e.action)
      ? 'The customer, online'
      : 'Closeout'
    : e.actor.type === 'api_key'
      ? 'An integration'
      : 'Someone');
