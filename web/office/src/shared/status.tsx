import { Badge } from '@mantine/core';
import type { z } from 'zod';
import type { ApprovalStatus } from '../../../../src/contracts/approvals';
import type { AccountingPushes } from '../../../../src/contracts/integrations';
import type { ChangeOrderStatus } from '../../../../src/core/change-orders';
import type { InvoiceStatus } from '../../../../src/core/invoice-lifecycle';
import {
  BILLING_STATUS_WORDS,
  type BillingStatus,
  type OperationalStatus,
  WORK_STATUS_WORDS,
} from '../../../../src/core/job-lifecycle';
import type { QuoteStatus } from '../../../../src/core/quote-lifecycle';
import type { SeriesStatus } from '../../../../src/core/series-lifecycle';

type PushStatus = z.infer<typeof AccountingPushes>['items'][number]['status'];
type Look = readonly [text: string, color: string];

/**
 * Words and colours for every status, keyed by the core's own status types: a status added to a state
 * machine does not compile here until it has a label, so no raw enum ever reaches a screen.
 */
const LOOKS = {
  work: {
    scheduled: [WORK_STATUS_WORDS.scheduled, 'gray'],
    dispatched: [WORK_STATUS_WORDS.dispatched, 'blue'],
    in_progress: [WORK_STATUS_WORDS.in_progress, 'indigo'],
    completed: [WORK_STATUS_WORDS.completed, 'teal'],
    canceled: [WORK_STATUS_WORDS.canceled, 'dark'],
    no_show: [WORK_STATUS_WORDS.no_show, 'dark'],
  } satisfies Record<OperationalStatus, Look>,
  billing: {
    not_ready: [BILLING_STATUS_WORDS.not_ready, 'gray'],
    needs_info: [BILLING_STATUS_WORDS.needs_info, 'orange'],
    needs_approval: [BILLING_STATUS_WORDS.needs_approval, 'yellow'],
    invoice_ready: [BILLING_STATUS_WORDS.invoice_ready, 'green'],
    invoiced: [BILLING_STATUS_WORDS.invoiced, 'cyan'],
    paid: [BILLING_STATUS_WORDS.paid, 'teal'],
    needs_review: [BILLING_STATUS_WORDS.needs_review, 'red'],
    not_billable: [BILLING_STATUS_WORDS.not_billable, 'gray'],
  } satisfies Record<BillingStatus, Look>,
  invoice: {
    draft: ['Draft', 'gray'],
    needs_review: ['Needs review', 'red'],
    issued: ['Issued', 'blue'],
    sent: ['Sent', 'cyan'],
    partially_paid: ['Partly paid', 'yellow'],
    paid: ['Paid', 'teal'],
    credited: ['Credited', 'grape'],
    written_off: ['Written off', 'orange'],
    void: ['Discarded', 'gray'],
  } satisfies Record<InvoiceStatus, Look>,
  // A credit note's "payment" is the refund paid out to the customer.
  credit_note: {
    draft: ['Draft', 'gray'],
    needs_review: ['Needs review', 'red'],
    issued: ['Issued', 'blue'],
    sent: ['Sent', 'cyan'],
    partially_paid: ['Partly refunded', 'yellow'],
    paid: ['Refunded', 'teal'],
    credited: ['Credited', 'grape'],
    written_off: ['Written off', 'orange'],
    void: ['Discarded', 'gray'],
  } satisfies Record<InvoiceStatus, Look>,
  approval: {
    pending: ['Pending', 'yellow'],
    approved: ['Approved', 'green'],
    rejected: ['Rejected', 'red'],
    superseded: ['Superseded', 'gray'],
  } satisfies Record<ApprovalStatus, Look>,
  push: {
    pending: ['Waiting to send', 'yellow'],
    done: ['Recorded', 'green'],
    failed: ['Failed', 'red'],
  } satisfies Record<PushStatus, Look>,
  series: {
    active: ['Running', 'green'],
    paused: ['Paused', 'yellow'],
    ended: ['Ended', 'gray'],
    continued: ['Changed later', 'gray'],
  } satisfies Record<SeriesStatus, Look>,
  quote: {
    draft: ['Draft', 'gray'],
    sent: ['Sent', 'blue'],
    viewed: ['Seen by the customer', 'cyan'],
    accepted: ['Accepted', 'green'],
    declined: ['Declined', 'red'],
    expired: ['Expired', 'orange'],
    superseded: ['Replaced by a revision', 'gray'],
    withdrawn: ['Withdrawn', 'dark'],
  } satisfies Record<QuoteStatus, Look>,
  change_order: {
    draft: ['Waiting for a signature', 'gray'],
    sent: ['Sent', 'blue'],
    viewed: ['Seen by the customer', 'cyan'],
    approved: ['Approved', 'green'],
    declined: ['Declined', 'red'],
    withdrawn: ['Withdrawn', 'dark'],
  } satisfies Record<ChangeOrderStatus, Look>,
} as const;

type Looks = typeof LOOKS;
export type StatusKind = keyof Looks;
const KIND_LABEL: Record<StatusKind, string> = {
  work: 'Work',
  billing: 'Billing',
  invoice: 'Invoice',
  credit_note: 'Credit note',
  approval: 'Approval',
  push: 'Accounting',
  series: 'Recurring service',
  quote: 'Quote',
  change_order: 'Change order',
};

/** A status in words: statusText('work', 'in_progress') is "In progress". */
export const statusText = <K extends StatusKind>(kind: K, status: keyof Looks[K]): string =>
  (LOOKS[kind][status] as Look)[0];

/** A status as a badge; the colour repeats the words, it never replaces them. */
export const StatusBadge = <K extends StatusKind>({ kind, status }: { kind: K; status: keyof Looks[K] }) => {
  const [text, color] = LOOKS[kind][status] as Look;
  return (
    <Badge
      color={color}
      variant="light"
      radius="sm"
      data-status={String(status)}
      aria-label={`${KIND_LABEL[kind]}: ${text}`}
    >
      {text}
    </Badge>
  );
};
