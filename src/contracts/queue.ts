import { z } from 'zod';
import { MESSAGE_KINDS } from '../core/customer-messages';

/** Every background job: its queue name and payload schema. Workers parse payloads with these before acting. */
export const queuePayloads = {
  'maintenance.purge': z.strictObject({ olderThanDays: z.number().int().min(1).max(365) }),
  /** Records every audit chain's head for one organization, or for all when organizationId is absent. */
  'audit.checkpoint': z.strictObject({ organizationId: z.uuid().optional() }),
  /** Generates recurring visits up to each series' horizon. */
  'series.extend': z.strictObject({}),
  /** Escalates overdue approval requests to the owner role. */
  'approvals.escalate': z.strictObject({}),
  'email.send': z.strictObject({
    to: z.array(z.email()).min(1).max(100),
    subject: z.string().min(1).max(300),
    text: z.string().max(20_000),
    /** The business's name and reply address, for e-mails it sends its customers. */
    fromName: z.string().max(200).optional(),
    replyTo: z.email().optional(),
  }),
  /** Brings a job's invoices in line with the job: the draft at invoice_ready, the deposit invoice, a refund. */
  'invoice.prepare': z.strictObject({ organizationId: z.uuid(), jobId: z.uuid() }),
  /** Renders an issued document's packet: PDF, UBL and manifest. */
  'invoice.render': z.strictObject({ organizationId: z.uuid(), invoiceId: z.uuid() }),
  /** Sends an issued invoice by itself, at the time the organization chose, unless it was sent or settled meanwhile. */
  'invoice.auto_send': z.strictObject({ organizationId: z.uuid(), invoiceId: z.uuid() }),
  /**
   * Sends an issued document through the customer's channel: over Peppol (a Peppol document, an access point
   * connected), else its PDF and UBL by e-mail. `sendVersion`: the invoice's version the send made.
   */
  'invoice.send': z.strictObject({
    organizationId: z.uuid(),
    invoiceId: z.uuid(),
    sendVersion: z.number().int().min(1).optional(),
  }),
  /** Asks the access point whether the receiver confirmed a Peppol document (step: which ask). */
  'peppol.track': z.strictObject({
    organizationId: z.uuid(),
    transmissionId: z.uuid(),
    step: z.number().int().min(0),
  }),
  /** E-mails a sent quote version's link to the customer. */
  'quote.send': z.strictObject({
    organizationId: z.uuid(),
    quoteId: z.uuid(),
    version: z.number().int().min(1),
    to: z.email(),
  }),
  /** Reminds billing of sent quotes with no answer after the organization's follow-up days (daily). */
  'quotes.follow_up': z.strictObject({}),
  /** Queues the payment reminders due now (hourly): each organization's, once its local sending hour has come. */
  'reminders.run': z.strictObject({ organizationId: z.uuid().optional() }),
  /** Sends one queued payment reminder, checked again first (paid, disputed, paused: stopped with why). */
  'reminders.send': z.strictObject({ organizationId: z.uuid(), reminderId: z.uuid() }),
  /** Matches a large bank statement's credits to open invoices, in the background (small ones are matched at once). */
  'bank.match': z.strictObject({ organizationId: z.uuid(), statementId: z.uuid() }),
  /** The dry run of an uploaded import file: every row checked and reported (`version`: the mapping it checks). */
  'import.check': z.strictObject({
    organizationId: z.uuid(),
    batchId: z.uuid(),
    version: z.number().int().min(1),
  }),
  /** Imports a checked file's rows, a chunk per transaction, resuming where a crash left it. */
  'import.run': z.strictObject({ organizationId: z.uuid(), batchId: z.uuid() }),
  /** Undoes an imported file as a batch. */
  'import.undo': z.strictObject({ organizationId: z.uuid(), batchId: z.uuid() }),
  /** E-mails a customer's statement of account for a period (the customer's currency when none is named). */
  'statement.send': z.strictObject({
    organizationId: z.uuid(),
    customerId: z.uuid(),
    from: z.iso.date(),
    to: z.iso.date(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
  }),
  /** Queues last month's statement for customers who asked for one, on the first of the month in their organization's time zone (daily). */
  'statements.monthly': z.strictObject({}),
  /** Keeps each organization's cash forecast as made at the start of the week, to compare with what came in (hourly, once a week each). */
  'forecast.record': z.strictObject({ organizationId: z.uuid().optional() }),
  /** E-mails a change order's approval link to the customer. */
  'change_order.send': z.strictObject({ organizationId: z.uuid(), changeOrderId: z.uuid(), to: z.email() }),
  /** Renders the work-completed report of an accepted closeout. */
  'report.render': z.strictObject({ organizationId: z.uuid(), jobId: z.uuid(), submissionId: z.uuid() }),
  /**
   * Writes one thing to one accounting connector, exactly once: an issued document (the default), a payment
   * on it, or a credit note's allocation (subjectId: the payment's or the credit note's ID).
   */
  'accounting.push': z.strictObject({
    organizationId: z.uuid(),
    invoiceId: z.uuid(),
    connectorId: z.uuid(),
    entity: z
      .enum(['document', 'payment', 'allocation', 'attachment', 'report', 'reversal', 'write_off'])
      .optional(),
    subjectId: z.uuid().optional(),
  }),
  /** Asks the payment provider for one refund to a card, exactly once (the refund's ID is the key). */
  'payments.refund': z.strictObject({ organizationId: z.uuid(), refundId: z.uuid() }),
  /** Re-enqueues pushes left pending by a crashed worker. */
  'accounting.sweep': z.strictObject({ olderThanSeconds: z.number().int().min(0).max(86_400) }),
  /** Invoices every per-cycle series of one organization for a period: one cycle run. */
  /** Starts the cycle runs that are due (hourly): each organization's cycles that just ended. */
  'cycles.due': z.strictObject({}),
  'cycles.run': z.strictObject({ organizationId: z.uuid(), runId: z.uuid() }),
  /** Delivers one webhook event (one attempt; the next is enqueued with backoff). */
  'webhook.deliver': z.strictObject({ organizationId: z.uuid(), deliveryId: z.uuid() }),
  /** Writes one message to a customer about a visit (once, by its key) and sends it at most once. */
  'customer_message.send': z.strictObject({
    organizationId: z.uuid(),
    jobId: z.uuid(),
    kind: z.enum(MESSAGE_KINDS),
    key: z.string().min(1).max(200),
    etaMinutes: z.number().int().min(1).max(600).optional(),
    tappedAt: z.iso.datetime().optional(),
    visit: z.strictObject({ start: z.iso.datetime(), end: z.iso.datetime() }).optional(),
  }),
  /** Queues tomorrow's visit reminders (hourly): each organization's once its local reminder hour has come. */
  'visit_reminders.run': z.strictObject({}),
  /** Archives attachments no accepted closeout references after this many days. */
  'attachments.retention': z.strictObject({ olderThanDays: z.number().int().min(1).max(3650) }),
} as const;

export type QueueName = keyof typeof queuePayloads;
export type QueueJob = {
  [K in QueueName]: { name: K; data: z.infer<(typeof queuePayloads)[K]> };
}[QueueName];

export const QUEUE_NAMES = Object.keys(queuePayloads) as QueueName[];
