import Decimal from 'decimal.js';
import { and, desc, eq } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator } from '../../core/i18n';
import { transferWords } from '../../core/invoice-email';
import { fillTemplate } from '../../core/message-template';
import { amountDecimals } from '../../core/money';
import { type Actor, SYSTEM_ACTOR } from '../../core/principal';
import {
  type ReminderStep,
  type ReminderTone,
  type ReminderValues,
  reminderHold,
  TONE_WORDS,
  whenWords,
  wordingFor,
} from '../../core/reminders';
import { businessDate } from '../../core/time';
import type { Tx } from '../../db/client';
import { disputedSql } from '../../db/queries/reminders';
import { customers, invoiceReminders, invoices, organizations } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { appendAudit } from '../audit/audit';
import { documentOf, type InvoiceRow } from '../invoicing/invoice-documents';
import { invoiceRecipientsOf, portalLineOf } from '../invoicing/invoice-email';
import { lockInvoice, outstandingOf } from '../invoicing/invoice-store';
import { activePaymentConnection } from '../payments/payment-connections';
import { portalLinkFor } from '../portal/portal-links';
import type { Deps } from '../ports';
import { chargeLateFee } from './late-fees';
import { schedulesOf } from './reminder-schedules';

type ReminderRow = typeof invoiceReminders.$inferSelect;
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * An invoice with its customer and organization, read for a reminder decision, and why (in words) no reminder
 * may go now. The one reading the run's send, the office's "send now" and the invoice page share.
 */
export const reminderStandingOf = async (
  tx: Pick<Tx, 'db'>,
  organizationId: string,
  invoiceId: string,
  now: Date,
  byHand: boolean,
) => {
  const [row] = await tx.db
    .select({ invoice: invoices, customer: customers, org: organizations, disputed: disputedSql })
    .from(invoices)
    .innerJoin(organizations, eq(organizations.id, invoices.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, invoices.organizationId), eq(customers.id, invoices.customerId)),
    )
    .where(and(eq(invoices.organizationId, organizationId), eq(invoices.id, invoiceId)));
  if (!row?.invoice.number) throw notFound('invoice');
  const { invoice, customer, org } = row;
  const today = businessDate(now, org.timeZone);
  const owed =
    invoice.kind !== 'credit_note' &&
    ['issued', 'sent', 'partially_paid'].includes(invoice.status) &&
    outstandingOf(invoice).gt(0);
  const held = reminderHold({
    byHand,
    enabled: org.remindersEnabled,
    status: invoice.status,
    owed,
    disputed: row.disputed === true,
    excluded: customer.remindersExcluded,
    pausedUntil: customer.remindersPausedUntil,
    pauseReason: customer.remindersPauseReason,
    hasDueDate: invoice.dueDate !== null,
    today,
  });
  return { invoice, customer, org, today, held };
};

type Standing = Awaited<ReturnType<typeof reminderStandingOf>>;

/** The reminder's words, filled from the invoice as it stands now (what is still owed, how late it is). */
const composeReminder = async (
  tx: Tx,
  deps: Deps,
  s: Standing,
  reminder: ReminderRow,
  step: ReminderStep | undefined,
  fee: InvoiceRow | null,
): Promise<{ subject: string; text: string; to: string[] }> => {
  const { invoice, customer, org, today } = s;
  const number = invoice.number ?? '';
  const w = customerTranslator(customer.language, org.language);
  const wording = wordingFor(
    step ?? { days: 0, tone: reminder.tone, subject: null, body: null },
    w.language,
    org.language,
  );
  const { to, greet } = invoiceRecipientsOf(customer);
  const owed = outstandingOf(invoice).toFixed(amountDecimals(invoice.currency, true));
  const amount = w.amount(owed, invoice.currency);
  const iban = documentOf(invoice).iban;
  const online = await activePaymentConnection(tx, org.id);
  const portal = await portalLinkFor(tx, deps, org.id, customer.id);
  const values: ReminderValues = {
    customer: greet,
    organization: org.name,
    number,
    amount,
    due: invoice.dueDate ? w.date(invoice.dueDate) : w.t('reminder.onReceipt'),
    when: invoice.dueDate ? whenWords(invoice.dueDate, today, w) : w.t('reminder.due'),
    howToPay: iban ? transferWords(iban, number, w) : '',
    payLink: portalLineOf(portal, !!online, w),
  };
  const feeLine = fee
    ? `\n\n${w.t('reminder.lateFee', {
        when: values.when,
        amount: w.amount(new Decimal(fee.payable).toFixed(amountDecimals(fee.currency, true)), fee.currency),
        number: fee.number ?? '',
      })}`
    : '';
  return {
    subject: fillTemplate(wording.subject, values).replace(/\s+/g, ' ').trim().slice(0, 300),
    text: `${fillTemplate(wording.body, values)}${feeLine}`,
    to,
  };
};

const stop = async (tx: Tx, deps: Deps, r: ReminderRow, because: string) => {
  await tx.db
    .update(invoiceReminders)
    .set({ status: 'stopped', stoppedBecause: because })
    .where(and(eq(invoiceReminders.organizationId, r.organizationId), eq(invoiceReminders.id, r.id)));
  await appendAudit(tx, deps, {
    organizationId: r.organizationId,
    aggregateType: 'invoice',
    aggregateId: r.invoiceId,
    action: 'invoice.reminder_stopped',
    actor: SYSTEM_ACTOR,
    changes: { tone: r.tone, stepDays: r.stepDays },
    reason: because,
  });
};

const markSent = async (tx: Tx, deps: Deps, r: ReminderRow, to: string[], subject: string) => {
  const done = await tx.db
    .update(invoiceReminders)
    .set({ status: 'sent', recipients: to, subject, sentAt: deps.clock.now() })
    .where(
      and(
        eq(invoiceReminders.organizationId, r.organizationId),
        eq(invoiceReminders.id, r.id),
        eq(invoiceReminders.status, 'queued'),
      ),
    )
    .returning({ id: invoiceReminders.id });
  if (done.length === 0) return;
  await appendAudit(tx, deps, {
    organizationId: r.organizationId,
    aggregateType: 'invoice',
    aggregateId: r.invoiceId,
    action: 'invoice.reminder_sent',
    actor: SYSTEM_ACTOR,
    changes: { tone: r.tone, stepDays: r.stepDays, to, subject },
  });
};

/**
 * The `reminders.send` job: one queued reminder, checked again at the last moment, so a payment, a dispute or
 * a pause that came after it was queued stops it (and says why on the invoice). A collection step tells
 * billing instead of the customer. The e-mail goes after the check and is marked sent after the mail server
 * took it: a crash between the two sends it again on retry, as the invoice e-mail does.
 */
export const sendReminder = async (deps: Deps, organizationId: string, reminderId: string) => {
  const mail = await deps.database.transaction(async (tx) => {
    const [r] = await tx.db
      .select()
      .from(invoiceReminders)
      .where(and(eq(invoiceReminders.organizationId, organizationId), eq(invoiceReminders.id, reminderId)))
      .for('update');
    if (r?.status !== 'queued') return null;
    const s = await reminderStandingOf(
      tx,
      organizationId,
      r.invoiceId,
      deps.clock.now(),
      r.stepDays === null,
    );
    if (s.held) {
      await stop(tx, deps, r, s.held);
      return null;
    }
    const schedule = (await schedulesOf(tx.db, [organizationId]))(
      organizationId,
      s.customer.reminderScheduleId,
    );
    const step = schedule?.steps.find((x) => x.days === r.stepDays);
    // A step that charges a late fee issues it now, once, within the schedule's cap.
    const fee =
      step?.lateFee && schedule?.lateFeeCap && r.tone !== 'collections' && r.stepDays !== null
        ? await chargeLateFee(
            tx,
            deps,
            s,
            { days: r.stepDays, fee: step.lateFee, cap: schedule.lateFeeCap },
            outstandingOf(s.invoice).toFixed(amountDecimals(s.invoice.currency, true)),
          )
        : null;
    const message = await composeReminder(tx, deps, s, r, step, fee);
    if (r.tone === 'collections') {
      await notifyRole(tx, deps, organizationId, 'billing', s.invoice.jobId, message.text, null, {
        kind: 'collections',
        invoiceId: r.invoiceId,
      });
      await markSent(tx, deps, r, [], message.subject);
      return null;
    }
    if (message.to.length === 0) {
      const because = `${s.customer.name} has no invoice e-mail address`;
      await stop(tx, deps, r, because);
      await notifyRole(
        tx,
        deps,
        organizationId,
        'billing',
        s.invoice.jobId,
        `A reminder of ${s.invoice.number} could not go: ${because}. Add one on the customer's page.`,
        null,
        { kind: 'invoice_email', invoiceId: r.invoiceId },
      );
      return null;
    }
    return { r, ...message, fromName: s.org.name, replyTo: s.org.replyToEmail ?? undefined };
  });
  if (!mail) return { sent: false };
  await deps.mailer.send({
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    fromName: mail.fromName,
    replyTo: mail.replyTo,
  });
  await deps.database.transaction((tx) => markSent(tx, deps, mail.r, mail.to, mail.subject));
  return { sent: true };
};

/** A reminder by hand at most this often per invoice. */
const BY_HAND_GAP_MS = 20 * 3_600_000;

/**
 * "Send a reminder now" from the invoice page: firm once it is overdue, friendly before. It skips the
 * organization's switch and the customer's pause (the office chose to write), never a payment or a dispute,
 * and not twice within a day.
 */
export const remindNow = (deps: Deps, organizationId: string, invoiceId: string, actor: Actor) =>
  deps.database.transaction(async (tx) => {
    // The invoice's lock orders a second click after the first, and after any payment being recorded.
    await lockInvoice(tx, organizationId, invoiceId);
    const now = deps.clock.now();
    const s = await reminderStandingOf(tx, organizationId, invoiceId, now, true);
    if (s.held)
      throw new AppError('invalid_transition', `No reminder for ${s.invoice.number}: ${lowerFirst(s.held)}`);
    const [last] = await tx.db
      .select()
      .from(invoiceReminders)
      .where(
        and(eq(invoiceReminders.organizationId, organizationId), eq(invoiceReminders.invoiceId, invoiceId)),
      )
      .orderBy(desc(invoiceReminders.createdAt))
      .limit(1);
    if (last && last.status !== 'stopped' && now.getTime() - last.createdAt.getTime() < BY_HAND_GAP_MS)
      throw new AppError(
        'conflict',
        `A reminder of ${s.invoice.number} went ${last.status === 'queued' ? 'out just now' : 'less than a day ago'}: give them a day`,
      );
    const tone: ReminderTone = s.invoice.dueDate && s.invoice.dueDate < s.today ? 'firm' : 'friendly';
    const [row] = await tx.db
      .insert(invoiceReminders)
      .values({
        organizationId,
        id: deps.ids.uuid(),
        invoiceId,
        customerId: s.customer.id,
        stepDays: null,
        tone,
        dueOn: s.today,
        status: 'queued',
        requestedById: actor.type === 'user' ? actor.id : null,
        createdAt: now,
      })
      .returning();
    if (!row) throw new Error('reminder insert returned nothing');
    await deps.queue.enqueue(
      tx,
      { name: 'reminders.send', data: { organizationId, reminderId: row.id } },
      { key: `reminder:${row.id}` },
    );
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'invoice',
      aggregateId: invoiceId,
      action: 'invoice.reminder_requested',
      actor,
      changes: { tone },
    });
    return { reminder: row, words: TONE_WORDS[tone] };
  });
