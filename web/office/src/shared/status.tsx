import { Badge } from '@mantine/core';

export const STATUS_LABEL: Record<string, string> = {
  scheduled: 'Scheduled',
  dispatched: 'Dispatched',
  in_progress: 'In progress',
  completed: 'Completed',
  canceled: 'Canceled',
  no_show: 'No-show',
  not_ready: 'Not ready',
  needs_info: 'Needs info',
  needs_approval: 'Needs approval',
  invoice_ready: 'Invoice ready',
  invoiced: 'Invoiced',
  paid: 'Paid',
  needs_review: 'Needs review',
  not_billable: 'Not billable',
  draft: 'Draft',
  issued: 'Issued',
  sent: 'Sent',
  partially_paid: 'Partly paid',
  credited: 'Credited',
  void: 'Discarded',
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Rejected',
  superseded: 'Superseded',
};

const STATUS_COLOR: Record<string, string> = {
  scheduled: 'gray',
  dispatched: 'blue',
  in_progress: 'indigo',
  completed: 'teal',
  canceled: 'dark',
  no_show: 'dark',
  not_ready: 'gray',
  needs_info: 'orange',
  needs_approval: 'yellow',
  invoice_ready: 'green',
  invoiced: 'cyan',
  paid: 'teal',
  needs_review: 'red',
  not_billable: 'gray',
  draft: 'gray',
  issued: 'blue',
  sent: 'cyan',
  partially_paid: 'yellow',
  credited: 'grape',
  pending: 'yellow',
  approved: 'green',
  rejected: 'red',
};

/** A status as a badge; the colour repeats the words, it never replaces them. */
export const StatusBadge = ({ status, kind }: { status: string; kind?: string }) => (
  <Badge
    color={STATUS_COLOR[status] ?? 'gray'}
    variant="light"
    radius="sm"
    data-status={status}
    aria-label={kind ? `${kind}: ${STATUS_LABEL[status] ?? status}` : undefined}
  >
    {STATUS_LABEL[status] ?? status}
  </Badge>
);
