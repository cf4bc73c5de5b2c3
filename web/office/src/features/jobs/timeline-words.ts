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
  'job.deposit_received': 'Deposit received',
  'job.revision_added': 'Add-on work booked',
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

/** Who did it, in words. */
export const actorWords = (e: TimelineEventT): string =>
  e.actor.name ??
  (e.actor.type === 'system' ? 'Closeout' : e.actor.type === 'api_key' ? 'An integration' : 'Someone');
