import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { customerRemindersOf, setCustomerReminders } from '../../app/collections/customer-reminders';
import { invoiceRemindersView } from '../../app/collections/invoice-reminders';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  updateSchedule,
} from '../../app/collections/reminder-schedules';
import { remindNow } from '../../app/collections/send-reminder';
import type { Deps } from '../../app/ports';
import {
  CustomerReminders,
  CustomerRemindersBody,
  InvoiceReminder,
  InvoiceReminders,
  ReminderSchedule,
  ReminderScheduleBody,
  SendReminderBody,
} from '../../contracts/collections';
import { IdParams, Problem } from '../../contracts/common';
import { actorOf } from '../../core/principal';
import type { invoiceReminders } from '../../db/schema';
import { principalOf } from '../auth';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const scheduleView = (
  s: Awaited<ReturnType<typeof listSchedules>>[number],
): z.infer<typeof ReminderSchedule> => ({
  id: s.id,
  name: s.name,
  isDefault: s.isDefault,
  steps: s.steps,
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
      return { ...v, items: v.items.map(reminderView) };
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
};
