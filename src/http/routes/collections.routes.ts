import { stringify } from 'csv-stringify/sync';
import Decimal from 'decimal.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cashForecast, cashForecastCsvRows } from '../../app/collections/cash-forecast';
import { customerRemindersOf, setCustomerReminders } from '../../app/collections/customer-reminders';
import { invoiceRemindersView } from '../../app/collections/invoice-reminders';
import { lateFeesOf } from '../../app/collections/late-fees';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  updateSchedule,
} from '../../app/collections/reminder-schedules';
import { remindNow } from '../../app/collections/send-reminder';
import {
  requestStatement,
  setStatementPreferences,
  statementOf,
  statementPdf,
} from '../../app/collections/statements';
import type { Deps } from '../../app/ports';
import {
  CashForecast,
  CustomerReminders,
  CustomerRemindersBody,
  InvoiceReminder,
  InvoiceReminders,
  ReminderSchedule,
  ReminderScheduleBody,
  SendReminderBody,
  StatementPreferencesBody,
  StatementQuery,
  StatementSendBody,
  StatementView,
} from '../../contracts/collections';
import { IdParams, Problem } from '../../contracts/common';
import { actorOf } from '../../core/principal';
import type { invoiceReminders } from '../../db/schema';
import { principalOf } from '../auth';
import { sendFile } from '../files';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const scheduleView = (
  s: Awaited<ReturnType<typeof listSchedules>>[number],
): z.infer<typeof ReminderSchedule> => ({
  id: s.id,
  name: s.name,
  isDefault: s.isDefault,
  steps: s.steps,
  lateFeeCap: s.lateFeeCap === null ? null : new Decimal(s.lateFeeCap).toFixed(2),
  customers: s.customers,
  version: s.version,
});

const reminderView = (r: typeof invoiceReminders.$inferSelect): z.infer<typeof InvoiceReminder> => ({
  id: r.id,
  stepDays: r.stepDays,
  tone: r.tone,
  dueOn: r.dueOn,
  status: r.status,
  stoppedBecause: r.stoppedBecause,
  recipients: r.recipients,
  subject: r.subject,
  byHand: r.stepDays === null,
  createdAt: r.createdAt.toISOString(),
  sentAt: r.sentAt?.toISOString() ?? null,
});

/** Collections (#24): payment reminder schedules, a customer's reminder standing, an invoice's reminders. */
export const collectionsRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/cash-forecast',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags: ['collections'],
        summary:
          'The next 13 weeks of cash: open invoices by when each customer usually pays, unbilled and scheduled work, accepted quotes; expected with an 80 % band, and past weeks against what came in',
        response: { 200: CashForecast, ...errors },
      },
    },
    async (request) => cashForecast(deps, principalOf(request).organizationId),
  );

  app.get(
    '/cash-forecast/export.csv',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags: ['collections'],
        summary: 'The cash forecast as CSV: each week’s totals and the items behind it',
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const f = await cashForecast(deps, principalOf(request).organizationId);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="closeout-cash-forecast-${f.today}.csv"`)
        .send(stringify(cashForecastCsvRows(f)));
    },
  );

  app.get(
    '/reminder-schedules',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['collections'],
        summary: 'The payment reminder schedules: the default first, then the others by name',
        response: { 200: z.object({ items: z.array(ReminderSchedule) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listSchedules(deps.database.db, principalOf(request).organizationId)).map(scheduleView),
    }),
  );

  app.post(
    '/reminder-schedules',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['collections'],
        summary:
          'Another reminder schedule (e.g. for commercial accounts); customers are put on it one by one',
        body: ReminderScheduleBody,
        response: { 201: ReminderSchedule, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const s = await createSchedule(deps, p.organizationId, request.body, actorOf(p));
      return reply.code(201).send(scheduleView(s));
    },
  );

  app.put(
    '/reminder-schedules/:id',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['collections'],
        summary: 'Change a schedule’s name, steps and wording; reminders already sent stay as they were',
        params: IdParams,
        body: ReminderScheduleBody,
        response: { 200: ReminderSchedule, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return scheduleView(
        await updateSchedule(deps, p.organizationId, request.params.id, request.body, actorOf(p)),
      );
    },
  );

  app.delete(
    '/reminder-schedules/:id',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['collections'],
        summary: 'Remove a schedule other than the default; its customers go back to the default',
        params: IdParams,
        response: { 200: z.object({ customersMoved: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return deleteSchedule(deps, p.organizationId, request.params.id, actorOf(p));
    },
  );

  app.put(
    '/customers/:id/reminders',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['collections'],
        summary:
          'A customer’s payment reminders: their schedule, none at all, or a pause until a date (a promise to pay)',
        params: IdParams,
        body: CustomerRemindersBody,
        response: { 200: CustomerReminders, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const c = await setCustomerReminders(
        deps,
        p.organizationId,
        request.params.id,
        request.body,
        actorOf(p),
      );
      return customerRemindersOf(c);
    },
  );

  app.get(
    '/invoices/:id/reminders',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['collections'],
        summary: 'An invoice’s payment reminders: what went or was stopped and why, and what comes next',
        params: IdParams,
        response: { 200: InvoiceReminders, ...errors },
      },
    },
    async (request) => {
      const v = await invoiceRemindersView(
        deps.database.db,
        principalOf(request).organizationId,
        request.params.id,
        deps.clock.now(),
      );
      const fees = await lateFeesOf(
        { db: deps.database.db },
        principalOf(request).organizationId,
        request.params.id,
      );
      return {
        ...v,
        items: v.items.map(reminderView),
        lateFees: fees.map((f) => ({
          id: f.id,
          number: f.number,
          amount: new Decimal(f.payable).toFixed(2),
          status: f.status,
        })),
      };
    },
  );

  app.post(
    '/invoices/:id/reminders',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['collections'],
        summary:
          'Send a payment reminder now (firm once overdue, friendly before); refused when paid, disputed or reminded within a day',
        params: IdParams,
        body: SendReminderBody,
        response: { 202: InvoiceReminder, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const r = await remindNow(deps, p.organizationId, request.params.id, actorOf(p));
      return reply.code(202).send(reminderView(r.reminder));
    },
  );

  app.get(
    '/customers/:id/statement',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['collections'],
        summary:
          'A customer’s statement of account: balance brought forward, the period’s activity with running balance, open items aged',
        params: IdParams,
        querystring: StatementQuery,
        response: { 200: StatementView, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const s = await statementOf(
        deps.database.db,
        deps.database.raw,
        p.organizationId,
        request.params.id,
        request.query,
        deps.clock.now(),
      );
      return {
        ...s.statement,
        customerName: s.customer.name,
        currency: s.currency,
        monthly: s.customer.statementMonthly,
      };
    },
  );

  app.get(
    '/customers/:id/statement/pdf',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['collections'],
        summary: 'The statement of account as a PDF, branded like the invoices',
        params: IdParams,
        querystring: StatementQuery,
        response: { ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { pdf, filename } = await statementPdf(deps, p.organizationId, request.params.id, request.query);
      return sendFile(reply, pdf, 'application/pdf', filename);
    },
  );

  app.post(
    '/customers/:id/statement/send',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['collections'],
        summary: 'E-mail the statement to the customer’s invoice recipients, with the link to their page',
        params: IdParams,
        body: StatementSendBody,
        response: {
          202: z.object({ from: z.string(), to: z.string(), recipients: z.array(z.string()) }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const out = await requestStatement(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return reply.code(202).send(out);
    },
  );

  app.put(
    '/customers/:id/statement-preferences',
    {
      config: { access: 'invoices.manage' },
      schema: {
        tags: ['collections'],
        summary: 'Whether the customer gets last month’s statement by e-mail on the first of each month',
        params: IdParams,
        body: StatementPreferencesBody,
        response: { 200: StatementPreferencesBody, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return setStatementPreferences(
        deps,
        p.organizationId,
        request.params.id,
        request.body.monthly,
        actorOf(p),
      );
    },
  );
};
