import Decimal from 'decimal.js';

/**
 * The job's two state machines (DESIGN §3). Operational status says where the work is; billing status
 * says whether it can be billed. Every change goes through these tables; nothing else writes a status.
 */
export const OPERATIONAL_STATUSES = [
  'scheduled',
  'dispatched',
  'in_progress',
  'completed',
  'canceled',
  'no_show',
] as const;
export type OperationalStatus = (typeof OPERATIONAL_STATUSES)[number];

export const BILLING_STATUSES = [
  'not_ready',
  'needs_info',
  'needs_approval',
  'invoice_ready',
  'invoiced',
  'paid',
  'needs_review',
  'not_billable',
] as const;
export type BillingStatus = (typeof BILLING_STATUSES)[number];

/** Each status as the office says it; the screens' badges and the server's messages both read these. */
export const WORK_STATUS_WORDS: Record<OperationalStatus, string> = {
  scheduled: 'Scheduled',
  dispatched: 'Dispatched',
  in_progress: 'In progress',
  completed: 'Completed',
  canceled: 'Canceled',
  no_show: 'No-show',
};
export const BILLING_STATUS_WORDS: Record<BillingStatus, string> = {
  not_ready: 'Not ready',
  needs_info: 'Needs info',
  needs_approval: 'Needs approval',
  invoice_ready: 'Invoice ready',
  invoiced: 'Invoiced',
  paid: 'Paid',
  needs_review: 'Needs review',
  not_billable: 'Not billable',
};

/**
 * Whether a job waits for its deposit before the crew goes: the quote said so and less than the deposit
 * has been received. Dispatching and starting are refused until then; a closeout of work already done is
 * never refused for it (the proof is kept, the office settles the deposit).
 */
export const waitsForDeposit = (job: {
  depositBeforeWork: boolean;
  depositRequired: boolean;
  depositAmount: string | null;
  depositReceived: string | null;
}): boolean =>
  job.depositBeforeWork &&
  job.depositRequired &&
  job.depositAmount !== null &&
  new Decimal(job.depositReceived ?? '0').lt(job.depositAmount);

export type OperationalAction =
  | 'dispatch'
  | 'start'
  | 'complete'
  | 'cancel'
  | 'no_show'
  | 'reschedule'
  | 'assign'
  | 'visit_done';
export type BillingAction =
  | 'closeout_incomplete'
  | 'closeout_valid'
  | 'closeout_needs_approval'
  | 'approve'
  | 'reject'
  | 'close_not_billable'
  | 'close_with_fee'
  | 'invoice'
  | 'pay'
  | 'unpay'
  | 'credit'
  | 'fail'
  | 'reprocess'
  | 'resume'
  | 'resume_paid';

const OPERATIONAL: Record<OperationalStatus, Partial<Record<OperationalAction, OperationalStatus>>> = {
  scheduled: {
    dispatch: 'dispatched',
    start: 'in_progress',
    cancel: 'canceled',
    no_show: 'no_show',
    reschedule: 'scheduled',
    assign: 'scheduled',
  },
  // A reschedule sends a dispatched job back to the board: the crew must be told again.
  dispatched: {
    start: 'in_progress',
    cancel: 'canceled',
    no_show: 'no_show',
    reschedule: 'scheduled',
    assign: 'dispatched',
  },
  // Work started: the job ends as completed, or is canceled part-way (a closed record, billed or not).
  // A job of several visits: the crew leaves a visit done and the job waits, scheduled, for the next one.
  in_progress: { complete: 'completed', cancel: 'canceled', assign: 'in_progress', visit_done: 'scheduled' },
  completed: {},
  canceled: {},
  no_show: {},
};

const BILLING: Record<BillingStatus, Partial<Record<BillingAction, BillingStatus>>> = {
  not_ready: {
    closeout_incomplete: 'needs_info',
    closeout_valid: 'invoice_ready',
    closeout_needs_approval: 'needs_approval',
    close_not_billable: 'not_billable',
    close_with_fee: 'invoice_ready',
  },
  needs_info: {
    closeout_incomplete: 'needs_info',
    closeout_valid: 'invoice_ready',
    closeout_needs_approval: 'needs_approval',
    close_not_billable: 'not_billable',
    close_with_fee: 'invoice_ready',
  },
  needs_approval: {
    approve: 'invoice_ready',
    reject: 'needs_info',
    closeout_incomplete: 'needs_info',
    closeout_needs_approval: 'needs_approval',
    closeout_valid: 'invoice_ready',
    close_not_billable: 'not_billable',
  },
  // An approved closeout with nothing billable (a warranty job) closes here; see also needs_review.
  invoice_ready: {
    invoice: 'invoiced',
    fail: 'needs_review',
    close_not_billable: 'not_billable',
    closeout_incomplete: 'needs_info',
    closeout_needs_approval: 'needs_approval',
    closeout_valid: 'invoice_ready',
  },
  // A full credit note releases the work: the job waits for its corrected invoice.
  invoiced: { pay: 'paid', fail: 'needs_review', credit: 'invoice_ready' },
  // A customer's bank took a card payment back (a chargeback): the job is owed again.
  paid: { credit: 'invoice_ready', unpay: 'invoiced' },
  // Reprocess returns the job to invoice_ready; jobs.review_from keeps the step it failed in for the connectors.
  // A failed accounting push of an issued invoice resumes where it was (invoiced or paid) once reprocessed.
  // Billing may also close a job whose invoice cannot be made as not billable, with a reason.
  // Billing may credit an invoice whatever its push state: a full credit releases the work here too.
  needs_review: {
    credit: 'invoice_ready',
    reprocess: 'invoice_ready',
    resume: 'invoiced',
    resume_paid: 'paid',
    fail: 'needs_review',
    close_not_billable: 'not_billable',
  },
  not_billable: {},
};

export type Transition<S> = { ok: true; from: S; to: S } | { ok: false; from: S; allowed: string[] };

export const operationalTransition = (
  from: OperationalStatus,
  action: OperationalAction,
): Transition<OperationalStatus> => {
  const to = OPERATIONAL[from][action];
  return to ? { ok: true, from, to } : { ok: false, from, allowed: Object.keys(OPERATIONAL[from]) };
};

export const billingTransition = (from: BillingStatus, action: BillingAction): Transition<BillingStatus> => {
  const to = BILLING[from][action];
  return to ? { ok: true, from, to } : { ok: false, from, allowed: Object.keys(BILLING[from]) };
};

export const isOperationalStatus = (s: string): s is OperationalStatus =>
  (OPERATIONAL_STATUSES as readonly string[]).includes(s);
export const isBillingStatus = (s: string): s is BillingStatus =>
  (BILLING_STATUSES as readonly string[]).includes(s);

/** Billing statuses that make a completed job an exception (see EXCEPTION_BILLING_ANY_STAGE for the rest). */
export const EXCEPTION_BILLING_WHEN_COMPLETED: readonly BillingStatus[] = ['not_ready', 'needs_approval'];

/**
 * Billing statuses that are exceptions at any stage: a failed invoice step, and a refused closeout (the
 * technician tried to close out and left the site without the proof; the job still reads in progress).
 */
export const EXCEPTION_BILLING_ANY_STAGE: readonly BillingStatus[] = ['needs_review', 'needs_info'];

/** Why a job sits in the exception queue, in words for the office. */
export const exceptionReason = (op: OperationalStatus, billing: BillingStatus): string | null => {
  if (billing === 'needs_review') return 'An invoice or accounting step failed: review and reprocess';
  if (billing === 'needs_info') return 'Closeout is missing required proof';
  if (op !== 'completed') return null;
  if (billing === 'not_ready') return 'Completed without a closeout';
  if (billing === 'needs_approval') return 'Waiting for an approval';
  return null;
};

/** A completed job that is not yet invoice-ready (or beyond) is an exception the office must see. */
export const isBillingException = (op: OperationalStatus, billing: BillingStatus): boolean =>
  exceptionReason(op, billing) !== null;
