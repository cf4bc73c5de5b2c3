import { and, asc, desc, eq } from 'drizzle-orm';
import ical from 'ical-generator';
import {
  arrivalWords,
  DEFAULT_MESSAGES,
  firstName,
  MESSAGE_KINDS,
  type MessageKind,
  type MessageSetting,
  type MessageSettings,
  templateFor,
  windowWords,
} from '../../core/customer-messages';
import { fillTemplate } from '../../core/message-template';
import type { Actor } from '../../core/principal';
import type { Tx } from '../../db/client';
import { customerOfJob, jobTypeOfJob, siteOfJob } from '../../db/queries/jobs';
import {
  customerMessages,
  customers,
  jobAssignments,
  jobs,
  jobTypes,
  organizations,
  sites,
  users,
} from '../../db/schema';
import { appendAudit } from '../audit/audit';
import { jobNumber } from '../jobs/job-store';
import { portalLinkFor } from '../portal/portal-links';
import type { Deps, JobChange } from '../ports';
import { recipientOf } from '../quotes/send-quote';

export type MessageRequest = {
  organizationId: string;
  jobId: string;
  kind: MessageKind;
  /** What makes it once: the same key again sends nothing. */
  key: string;
  /** On my way: the technician's estimate, and when they tapped (the phone may sync later). */
  etaMinutes?: number | undefined;
  tappedAt?: string | undefined;
};

/** Asks for a message in the caller's transaction: one queue job; the worker writes and sends it once. */
export const queueCustomerMessage = (tx: Tx, deps: Pick<Deps, 'queue'>, m: MessageRequest) =>
  deps.queue.enqueue(tx, { name: 'customer_message.send', data: m }, { key: m.key });

/**
 * What a job's change tells the customer: a new time, a cancellation, the work done. A job booked without
 * a window that gets one is confirmed then. Subscribed to every job change (app/reactions.ts).
 */
export const messageJobChange = async (
  tx: Tx,
  deps: Pick<Deps, 'queue' | 'clock'>,
  { before, after }: JobChange,
) => {
  const now = deps.clock.now().getTime();
  const ask = (kind: MessageKind, key: string) =>
    queueCustomerMessage(tx, deps, { organizationId: after.organizationId, jobId: after.id, kind, key });
  // A visit recorded after the fact (its time has passed) is news to nobody: nothing is sent about it.
  const ahead = (after.windowStart?.getTime() ?? 0) > now;
  if (after.status === 'canceled' && before.status !== 'canceled')
    return ahead ? ask('canceled', `canceled:${after.id}`) : undefined;
  if (after.status === 'completed' && before.status !== 'completed')
    return now - (after.completedAt?.getTime() ?? now) < RECENT_MS
      ? ask('work_completed', `work_completed:${after.id}`)
      : undefined;
  const moved = before.windowStart?.getTime() !== after.windowStart?.getTime();
  if (!moved || !ahead || ['canceled', 'no_show', 'completed'].includes(after.status)) return;
  if (!before.windowStart) return ask('booking_confirmation', `booking_confirmation:${after.id}`);
  return ask('rescheduled', `rescheduled:${after.id}:${after.windowStart?.toISOString()}`);
};

/** Work finished longer ago than this (a closeout entered days later) is not announced. */
const RECENT_MS = 24 * 3_600_000;

/** Everything a message about one job says, read in one place. */
const factsOf = async (tx: Tx, organizationId: string, jobId: string) => {
  const [row] = await tx.db
    .select({ job: jobs, customer: customers, site: sites, type: jobTypes.name, org: organizations })
    .from(jobs)
    .innerJoin(customers, customerOfJob)
    .innerJoin(sites, siteOfJob)
    .innerJoin(jobTypes, jobTypeOfJob)
    .innerJoin(organizations, eq(organizations.id, jobs.organizationId))
    .where(and(eq(jobs.organizationId, organizationId), eq(jobs.id, jobId)));
  if (!row) return null;
  const [tech] = await tx.db
    .select({ name: users.name })
    .from(jobAssignments)
    .innerJoin(users, eq(users.id, jobAssignments.userId))
    .where(and(eq(jobAssignments.organizationId, organizationId), eq(jobAssignments.jobId, jobId)))
    .orderBy(asc(jobAssignments.assignedAt))
    .limit(1);
  return { ...row, technician: tech?.name ?? null };
};

const SKIP_REASONS = {
  noAddress: 'The customer has no e-mail address',
  late: 'The technician arrived before the phone could send it',
  closed: 'The visit was canceled before it went',
} as const;

/** Writes the message once (its key), or finds it, in the organization's words; null: turned off. */
const writeMessage = async (tx: Tx, deps: Deps, m: MessageRequest) => {
  const [existing] = await tx.db
    .select()
    .from(customerMessages)
    .where(and(eq(customerMessages.organizationId, m.organizationId), eq(customerMessages.key, m.key)))
    .for('update');
  if (existing) return existing;
  const facts = await factsOf(tx, m.organizationId, m.jobId);
  if (!facts) return null;
  const template = templateFor(facts.org.customerMessages, m.kind);
  if (!template) return null;
  const now = deps.clock.now();
  const tz = facts.org.timeZone;
  const tapped = m.tappedAt ? new Date(Math.min(Date.parse(m.tappedAt), now.getTime())) : now;
  const a = facts.site.address;
  const values = {
    customer: facts.customer.name,
    organization: facts.org.name,
    job: jobNumber(facts.job.number),
    work: facts.job.scope ? `${facts.type}: ${facts.job.scope}` : facts.type,
    window: windowWords(facts.job.windowStart, facts.job.windowEnd, tz),
    site: [a.line1, a.city].filter(Boolean).join(', '),
    technician: firstName(facts.technician),
    arrival: arrivalWords(tapped, m.etaMinutes ?? 30, tz),
    link:
      m.kind === 'work_completed'
        ? await portalLinkFor(tx, deps, m.organizationId, facts.customer.id)
        : deps.publicUrl,
  };
  const recipient = recipientOf(facts.customer);
  const visitGone =
    ['visit_reminder', 'on_my_way'].includes(m.kind) && ['canceled', 'no_show'].includes(facts.job.status);
  const late = m.kind === 'on_my_way' && now.getTime() - tapped.getTime() > (m.etaMinutes ?? 30) * 60_000;
  const reason = !recipient
    ? SKIP_REASONS.noAddress
    : visitGone
      ? SKIP_REASONS.closed
      : late
        ? SKIP_REASONS.late
        : null;
  const [row] = await tx.db
    .insert(customerMessages)
    .values({
      organizationId: m.organizationId,
      id: deps.ids.uuid(),
      jobId: m.jobId,
      customerId: facts.customer.id,
      kind: m.kind,
      channel: 'email',
      recipient,
      subject: fillTemplate(template.subject, values),
      body: fillTemplate(template.body, values),
      window: facts.job.windowStart
        ? {
            start: facts.job.windowStart.toISOString(),
            end: facts.job.windowEnd?.toISOString() ?? null,
          }
        : null,
      key: m.key,
      status: reason ? 'skipped' : 'queued',
      reason,
      createdAt: now,
    })
    .returning();
  return row ?? null;
};

/** The visit as a calendar entry the customer's diary understands; a new time replaces it (same UID). */
const calendarFile = (
  m: typeof customerMessages.$inferSelect,
  organization: string,
  site: string,
): Buffer | null => {
  if (!m.window || !['booking_confirmation', 'rescheduled'].includes(m.kind)) return null;
  const cal = ical({ prodId: { company: 'Closeout', product: 'visits' }, name: organization });
  const start = new Date(m.window.start);
  cal.createEvent({
    id: `visit-${m.jobId}@closeout`,
    sequence: Math.floor(m.createdAt.getTime() / 1000),
    start,
    end: m.window.end ? new Date(m.window.end) : new Date(start.getTime() + 3_600_000),
    summary: `${organization}: visit`,
    location: site,
    description: m.subject,
  });
  return Buffer.from(cal.toString(), 'utf8');
};

/**
 * The `customer_message.send` job: writes the message once, then sends it at most once. It is marked
 * `sending` before the mail server has it; a worker that dies then leaves it so, and the next attempt marks
 * it `unknown` (shown on the job) instead of sending twice. A refusal by the mail server puts it back in
 * the queue with the reason, and the queue tries again.
 */
export const sendCustomerMessage = async (deps: Deps, m: MessageRequest) => {
  const claimed = await deps.database.transaction(async (tx) => {
    const row = await writeMessage(tx, deps, m);
    if (!row) return null;
    if (row.status === 'sending') {
      await tx.db
        .update(customerMessages)
        .set({
          status: 'unknown',
          reason: 'Sending was interrupted: it may have arrived, so it was not sent again',
        })
        .where(and(eq(customerMessages.organizationId, row.organizationId), eq(customerMessages.id, row.id)));
      return null;
    }
    if (row.status !== 'queued' || !row.recipient) return null;
    await tx.db
      .update(customerMessages)
      .set({ status: 'sending' })
      .where(and(eq(customerMessages.organizationId, row.organizationId), eq(customerMessages.id, row.id)));
    const facts = await factsOf(tx, m.organizationId, m.jobId);
    const a = facts?.site.address;
    return {
      row,
      recipient: row.recipient,
      organization: facts?.org.name ?? '',
      site: a ? [a.line1, a.city, a.postalCode].filter(Boolean).join(', ') : '',
    };
  });
  if (!claimed) return { sent: 0 };
  const { row } = claimed;
  const set = (values: Partial<typeof customerMessages.$inferInsert>) =>
    deps.database.db
      .update(customerMessages)
      .set(values)
      .where(and(eq(customerMessages.organizationId, row.organizationId), eq(customerMessages.id, row.id)));
  try {
    const ics = calendarFile(row, claimed.organization, claimed.site);
    await deps.mailer.send({
      to: [claimed.recipient],
      subject: row.subject,
      text: row.body,
      fromName: claimed.organization,
      ...(ics
        ? { attachments: [{ filename: 'visit.ics', content: ics, contentType: 'text/calendar' }] }
        : {}),
    });
  } catch (err) {
    await set({
      status: 'queued',
      reason: `Not sent yet, trying again: ${err instanceof Error ? err.message : String(err)}`,
    });
    throw err;
  }
  await set({ status: 'sent', reason: null, sentAt: deps.clock.now() });
  return { sent: 1 };
};

/**
 * The hourly `visit_reminders.run` job: in each organization, once its local reminder hour has come, every
 * visit tomorrow that has had no reminder for its window gets one (the key holds the window: a visit moved to
 * tomorrow after today's run is reminded in the next hour's).
 */
export const runVisitReminders = async (deps: Deps) => {
  const now = deps.clock.now();
  const { rows } = await deps.database.raw.query<{ organization_id: string; id: string; window_start: Date }>(
    `SELECT j.organization_id, j.id, j.window_start
       FROM jobs j JOIN organizations o ON o.id = j.organization_id
      WHERE j.status IN ('scheduled', 'dispatched')
        AND j.window_start IS NOT NULL
        AND (j.window_start AT TIME ZONE o.time_zone)::date = ($1::timestamptz AT TIME ZONE o.time_zone)::date + 1
        AND extract(hour FROM $1::timestamptz AT TIME ZONE o.time_zone) >= o.reminder_hour
        AND NOT EXISTS (
          SELECT 1 FROM customer_messages m
           WHERE m.organization_id = j.organization_id
             AND m.key = 'visit_reminder:' || j.id || ':' || to_char(j.window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
    [now.toISOString()],
  );
  if (rows.length === 0) return { queued: 0 };
  await deps.database.transaction(async (tx) => {
    for (const r of rows)
      await queueCustomerMessage(tx, deps, {
        organizationId: r.organization_id,
        jobId: r.id,
        kind: 'visit_reminder',
        key: `visit_reminder:${r.id}:${new Date(r.window_start).toISOString()}`,
      });
  });
  return { queued: rows.length };
};

/** A job's messages to its customer, newest first, for its timeline. */
export const messagesOfJob = (deps: Deps, organizationId: string, jobId: string) =>
  deps.database.db
    .select()
    .from(customerMessages)
    .where(and(eq(customerMessages.organizationId, organizationId), eq(customerMessages.jobId, jobId)))
    .orderBy(desc(customerMessages.createdAt));

/** Each kind of message as the organization sends it: on or off, and the words in force. */
export const customerMessageSettings = async (deps: Deps, organizationId: string) => {
  const [org] = await deps.database.db
    .select({ settings: organizations.customerMessages })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const settings = org?.settings ?? {};
  return MESSAGE_KINDS.map((kind) => {
    const own = settings[kind];
    const words =
      templateFor({ ...settings, [kind]: { ...own, enabled: true } }, kind) ?? DEFAULT_MESSAGES[kind];
    return {
      kind,
      enabled: own?.enabled ?? true,
      ...words,
      custom: own?.subject !== undefined || own?.body !== undefined,
    };
  });
};

/**
 * Turns kinds on or off and sets their words (checked for unknown placeholders by the contract); a kind not
 * named keeps what it had, words left out go back to the default. Audited.
 */
export const updateCustomerMessageSettings = (
  deps: Deps,
  organizationId: string,
  patch: { [K in MessageKind]?: MessageSetting | undefined },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const [before] = await tx.db
      .select({ settings: organizations.customerMessages })
      .from(organizations)
      .where(eq(organizations.id, organizationId))
      .for('update');
    const after: MessageSettings = { ...(before?.settings ?? {}) };
    for (const kind of MESSAGE_KINDS) {
      const setting = patch[kind];
      if (setting) after[kind] = setting;
    }
    await tx.db
      .update(organizations)
      .set({ customerMessages: after })
      .where(eq(organizations.id, organizationId));
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      action: 'organization.customer_messages_set',
      actor,
      changes: { customerMessages: { before: before?.settings ?? {}, after } },
    });
  });
