import type { FastifyBaseLogger } from 'fastify';
import type PgBoss from 'pg-boss';
import { ensureQueues } from '../adapters/queue/pg-boss';
import { pushToAccounting } from '../app/accounting/push';
import { sweepStalledPushes } from '../app/accounting/push-queue';
import { escalateOverdue } from '../app/approvals/approvals';
import { organizationIds, writeCheckpoint } from '../app/audit/audit-verify';
import { mailChangeOrder } from '../app/change-orders/answer-change-order';
import { purgeUnreferencedAttachments } from '../app/closeout/attachments';
import { matchStatement } from '../app/collections/bank-matching';
import { recordForecasts } from '../app/collections/cash-forecast';
import { runReminders } from '../app/collections/run-reminders';
import { sendReminder } from '../app/collections/send-reminder';
import { mailStatement, queueMonthlyStatements } from '../app/collections/statements';
import { runImportCheck } from '../app/imports/check';
import { runImport } from '../app/imports/run';
import { runUndo } from '../app/imports/undo';
import { deliverWebhook } from '../app/integrations/webhook-delivery';
import { autoSendInvoice } from '../app/invoicing/auto-send';
import { executeCycleRun, startDueCycleRuns } from '../app/invoicing/cycle-runs';
import { failJobInvoicing } from '../app/invoicing/fail-job-invoicing';
import { renderPacket, renderPendingOfJob } from '../app/invoicing/invoice-packet';
import { deliverInvoice, trackPeppol } from '../app/invoicing/peppol';
import { prepareJobInvoices } from '../app/invoicing/prepare-job-invoices';
import { renderServiceReport } from '../app/invoicing/service-report';
import { runVisitReminders, sendCustomerMessage } from '../app/messages/customer-messages';
import { runOnlineRefund } from '../app/payments/online-refunds';
import type { Deps } from '../app/ports';
import { remindUnansweredQuotes } from '../app/quotes/follow-up';
import { mailQuote } from '../app/quotes/send-quote';
import { extendAllSeries } from '../app/series/extend-series';
import { purgeExpired } from '../app/system/maintenance';
import { QUEUE_NAMES, type QueueName, queuePayloads } from '../contracts/queue';
import { isRetryable } from './classify';

type Payload<K extends QueueName> = ReturnType<(typeof queuePayloads)[K]['parse']>;
type Handler<K extends QueueName> = (deps: Deps, data: Payload<K>) => Promise<unknown>;
type Handlers = { [K in QueueName]: Handler<K> };

const handlers: Handlers = {
  'maintenance.purge': (deps, data) => purgeExpired(deps, data.olderThanDays),
  'audit.checkpoint': async (deps, data) => {
    const orgs = data.organizationId ? [data.organizationId] : await organizationIds(deps.database);
    for (const org of orgs) await writeCheckpoint(deps, org);
    return { organizations: orgs.length };
  },
  'series.extend': (deps) => extendAllSeries(deps),
  'approvals.escalate': (deps) => escalateOverdue(deps),
  'email.send': async (deps, data) => {
    await deps.mailer.send(data);
    return { sent: data.to.length };
  },
  'customer_message.send': (deps, data) => sendCustomerMessage(deps, data),
  'visit_reminders.run': (deps) => runVisitReminders(deps),
  'attachments.retention': (deps, data) => purgeUnreferencedAttachments(deps, data.olderThanDays),
  'invoice.prepare': async (deps, data) => {
    let prepared: string[];
    try {
      prepared = await prepareJobInvoices(deps, data.organizationId, data.jobId);
    } catch (err) {
      if (isRetryable(err)) throw err;
      // Retrying cannot fix it: the job goes to review now, with the reason, and the queue job is done.
      const reason = `The invoice could not be made: ${err instanceof Error ? err.message : String(err)}`;
      await failJobInvoicing(deps, data.organizationId, data.jobId, reason);
      return { failed: reason };
    }
    return { prepared, rendered: await renderPendingOfJob(deps, data.organizationId, data.jobId) };
  },
  'invoice.render': (deps, data) => renderPacket(deps, data.organizationId, data.invoiceId),
  'invoice.send': (deps, data) => deliverInvoice(deps, data.organizationId, data.invoiceId, data.sendVersion),
  'peppol.track': (deps, data) => trackPeppol(deps, data.organizationId, data.transmissionId, data.step),
  'invoice.auto_send': (deps, data) => autoSendInvoice(deps, data.organizationId, data.invoiceId),
  'quote.send': (deps, data) => mailQuote(deps, data),
  'change_order.send': (deps, data) => mailChangeOrder(deps, data),
  'quotes.follow_up': (deps) => remindUnansweredQuotes(deps),
  'reminders.run': (deps, data) => runReminders(deps, data.organizationId),
  'bank.match': (deps, data) => matchStatement(deps, data.organizationId, data.statementId),
  'import.check': (deps, data) => runImportCheck(deps, data.organizationId, data.batchId, data.version),
  'import.run': (deps, data) => runImport(deps, data.organizationId, data.batchId),
  'import.undo': (deps, data) => runUndo(deps, data.organizationId, data.batchId),
  'reminders.send': (deps, data) => sendReminder(deps, data.organizationId, data.reminderId),
  'statement.send': (deps, data) => mailStatement(deps, data),
  'statements.monthly': (deps) => queueMonthlyStatements(deps),
  'forecast.record': (deps, data) => recordForecasts(deps, data.organizationId),
  'accounting.push': (deps, data) =>
    pushToAccounting(deps, {
      organizationId: data.organizationId,
      connectorId: data.connectorId,
      invoiceId: data.invoiceId,
      entity: data.entity ?? 'document',
      subjectId: data.subjectId ?? data.invoiceId,
    }),
  'payments.refund': (deps, data) => runOnlineRefund(deps, data.organizationId, data.refundId),
  'accounting.sweep': (deps, data) => sweepStalledPushes(deps, data.olderThanSeconds),
  'cycles.run': (deps, data) => executeCycleRun(deps, data.organizationId, data.runId),
  'cycles.due': (deps) => startDueCycleRuns(deps),
  'webhook.deliver': (deps, data) => deliverWebhook(deps, data.organizationId, data.deliveryId),
  'report.render': (deps, data) =>
    renderServiceReport(deps, data.organizationId, data.jobId, data.submissionId),
};

/** Parses a payload and runs its handler: the one path from the queue into the application. */
const runOne = async <K extends QueueName>(name: K, deps: Deps, data: unknown) => {
  const parsed = queuePayloads[name].safeParse(data);
  if (!parsed.success) return { ok: false as const, issues: parsed.error.issues };
  const handler = handlers[name] as Handler<K>;
  return { ok: true as const, result: await handler(deps, parsed.data as Payload<K>) };
};

/**
 * Runs every queued job that is due, until the queues are empty (the `closeout worker --drain` command and
 * the tests use it). A handler that throws fails its job, and pg-boss retries it later as usual.
 */
export const drainQueues = async (boss: PgBoss, deps: Deps, names: readonly QueueName[] = QUEUE_NAMES) => {
  const done: { name: QueueName; ok: boolean; result?: unknown; error?: string }[] = [];
  for (let round = 0; round < 50; round++) {
    let ran = 0;
    for (const name of names) {
      const jobs = await boss.fetch(name, { batchSize: 20 });
      for (const job of jobs ?? []) {
        ran++;
        try {
          const out = await runOne(name, deps, job.data);
          if (out.ok) {
            await boss.complete(name, job.id, { result: out.result ?? null });
            done.push({ name, ok: true, result: out.result });
          } else {
            await boss.fail(name, job.id, { error: 'invalid payload', issues: out.issues });
            done.push({ name, ok: false, error: 'invalid payload' });
          }
        } catch (err) {
          await boss.fail(name, job.id, { error: String(err) });
          done.push({
            name,
            ok: false,
            error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err),
          });
        }
      }
    }
    if (ran === 0) break;
  }
  return done;
};

/** On the embedded database: the poll that finds retries, delayed jobs and scheduled ones. */
const PGLITE_POLL_SECONDS = 10;

const FAST_QUEUES = new Set<QueueName>([
  'invoice.prepare',
  'invoice.render',
  'report.render',
  'email.send',
  'accounting.push',
  'webhook.deliver',
]);

/** Registers one worker per queue. A payload that fails its schema is failed at once: retrying cannot fix it. */
export const startWorkers = async (
  boss: PgBoss,
  deps: Deps,
  log: FastifyBaseLogger,
  onWorker?: (name: QueueName, wake: () => void) => void,
): Promise<void> => {
  await ensureQueues(boss, QUEUE_NAMES);
  const register = async <K extends QueueName>(name: K) => {
    // Jobs this process commits wake its worker at once (onWorker). On PostgreSQL other processes enqueue
    // too: the invoice path polls at pg-boss's fastest, so a packet is stored within a second of the closeout.
    // On the embedded database this process is the only one, and every poll waits for the one connection the
    // API also needs: a slow poll is left only for retries, delayed jobs and the schedules.
    const pollingIntervalSeconds =
      deps.database.kind === 'pglite' ? PGLITE_POLL_SECONDS : FAST_QUEUES.has(name) ? 0.5 : 2;
    let workerId = '';
    workerId = await boss.work(name, { pollingIntervalSeconds, batchSize: 1 }, async ([job]) => {
      if (!job) return;
      // pg-boss waits a full polling interval after every fetch, even one that found work: a backlog would
      // drain at one job per interval. Waking the worker makes it fetch again at once until the queue is
      // empty; only an empty fetch waits.
      boss.notifyWorker(workerId);
      const out = await runOne(name, deps, job.data);
      if (!out.ok) {
        log.error({ queue: name, jobId: job.id, issues: out.issues }, 'queue payload rejected');
        await boss.fail(name, job.id, { error: 'invalid payload', issues: out.issues });
        return;
      }
      log.debug({ queue: name, jobId: job.id, result: out.result }, 'queue job done');
      return out.result;
    });
    onWorker?.(name, () => boss.notifyWorker(workerId));
  };
  for (const name of QUEUE_NAMES) await register(name);
  await boss.schedule('maintenance.purge', '17 * * * *', { olderThanDays: 7 });
  // Every minute: a chain cut since the last checkpoint is found against it (nothing new, nothing written).
  await boss.schedule('audit.checkpoint', '* * * * *', {});
  await boss.schedule('series.extend', '7 3 * * *', {});
  await boss.schedule('approvals.escalate', '*/5 * * * *', {});
  await boss.schedule('cycles.due', '23 * * * *', {});
  await boss.schedule('quotes.follow_up', '10 7 * * *', {});
  // Hourly: each organization's reminders go in the first run after its local sending hour (any time zone).
  await boss.schedule('reminders.run', '41 * * * *', {});
  // Hourly too: "the first of the month" begins at a different hour in each time zone; the key makes it once.
  await boss.schedule('statements.monthly', '47 * * * *', {});
  await boss.schedule('forecast.record', '53 * * * *', {});
  // Hourly: tomorrow's visits are reminded once each organization's local reminder hour has come.
  await boss.schedule('visit_reminders.run', '23 * * * *', {});
  await boss.schedule('accounting.sweep', '*/5 * * * *', { olderThanSeconds: 600 });
  await boss.schedule('attachments.retention', '37 3 * * *', { olderThanDays: deps.attachmentRetentionDays });
};
