import { and, eq, isNotNull, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { customers, disputes, invoiceReminders, invoices, organizations } from '../schema';
import { openReceivable } from './receivables';

/** The organization's business date at an instant, in SQL. */
const localToday = (now: Date) => sql`(${now}::timestamptz AT TIME ZONE ${organizations.timeZone})::date`;

/** An open dispute on the document: reminders wait for the office to settle it. */
export const disputedSql = sql<boolean>`EXISTS (SELECT 1 FROM ${disputes} d WHERE d.organization_id = ${invoices.organizationId} AND d.invoice_id = ${invoices.id} AND d.status = 'open')`;

/**
 * The invoices a reminder run looks at: owed, numbered, with a due date, of organizations that remind, past
 * their local sending hour, and of customers neither excluded nor paused; with the step days already used.
 * Which step (if any) is due is the core's decision; this only narrows the rows to read.
 */
export const reminderCandidates = (db: Db, now: Date, organizationId?: string) =>
  db
    .select({
      organizationId: invoices.organizationId,
      invoiceId: invoices.id,
      customerId: customers.id,
      dueDate: sql<string>`${invoices.dueDate}::text`,
      issueDate: sql<string>`${invoices.issueDate}::text`,
      today: sql<string>`${localToday(now)}::text`,
      scheduleId: customers.reminderScheduleId,
      used: sql<
        number[]
      >`COALESCE((SELECT jsonb_agg(r.step_days) FROM ${invoiceReminders} r WHERE r.organization_id = ${invoices.organizationId} AND r.invoice_id = ${invoices.id} AND r.step_days IS NOT NULL), '[]'::jsonb)`,
    })
    .from(invoices)
    .innerJoin(organizations, eq(organizations.id, invoices.organizationId))
    .innerJoin(
      customers,
      and(eq(customers.organizationId, invoices.organizationId), eq(customers.id, invoices.customerId)),
    )
    .where(
      and(
        eq(organizations.remindersEnabled, true),
        organizationId ? eq(invoices.organizationId, organizationId) : undefined,
        openReceivable,
        isNotNull(invoices.number),
        isNotNull(invoices.dueDate),
        isNotNull(invoices.issueDate),
        eq(customers.remindersExcluded, false),
        or(
          sql`${customers.remindersPausedUntil} IS NULL`,
          sql`${customers.remindersPausedUntil} < ${localToday(now)}`,
        ) as SQL,
        sql`extract(hour FROM ${now}::timestamptz AT TIME ZONE ${organizations.timeZone}) >= ${organizations.reminderHour}`,
        sql`NOT ${disputedSql}`,
      ),
    );
