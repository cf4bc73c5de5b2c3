import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import ical from 'ical-generator';
import {
  arrivalWords,
  firstName,
  MESSAGE_KIND_WORDS,
  MESSAGE_KINDS,
  type MessageKind,
  type MessageSetting,
  type MessageSettings,
  templateFor,
  textFor,
  windowWords,
} from '../../core/customer-messages';
import { customerTranslator, documentLanguage, MESSAGES, type Translator } from '../../core/i18n';
import { fillTemplate } from '../../core/message-template';
import { mobileOf } from '../../core/phone';
import type { Actor } from '../../core/principal';
import { isQuiet, localHour, secondsUntilQuietEnds, WAITS_FOR_MORNING } from '../../core/sms';
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
import { SmsRefused, SmsRetryLater } from './sms-port';
import { credentialsOf, isOptedOut, smsConnectionOf, smsStatusUrl, textsThisMonth } from './texts';

export type MessageRequest = {
  organizationId: string;
  jobId: string;
  kind: MessageKind;
  /** What makes it once: the same key again sends nothing. */
  key: string;
  /** On my way: the technician's estimate, and when they tapped (the phone may sync later). */
  etaMinutes?: number | undefined;
  tappedAt?: string | undefined;
  /** A later visit of a job done over several days: its window, not the job's (the visit it works on now). */
  visit?: { start: string; end: string } | undefined;
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
  noMobile: 'The customer has no mobile number',
  late: 'The technician arrived before the phone could send it',
  closed: 'The visit was canceled before it went',
  optedOut: 'The customer replied STOP: no texts to this number',
  quiet: 'Quiet hours: by the morning it would no longer be true',
  off: 'Texts were turned off before it went',
} as const;

type MessageRow = typeof customerMessages.$inferSelect;

/** The number a text reaches: a contact's mobile, else the customer's own phone when it is a mobile. */
const mobileTarget = (customer: typeof customers.$inferSelect, country: string) => {
  const contacts = Array.isArray(customer.contacts) ? customer.contacts : [];
  for (const phone of [
    ...contacts.filter((c) => c.invoiceRecipient || c.role === 'mobile').map((c) => c.phone),
    customer.phone,
    ...contacts.map((c) => c.phone),
  ]) {
    const mobile = mobileOf(phone, country);
    if (mobile) return mobile;
  }
  return null;
};

/**
 * Writes the message once (its key), or finds it, in the organization's words: the e-mail, and with texts
 * connected the text (key `…:sms`). None when the kind is turned off.
 */
const writeMessages = async (tx: Tx, deps: Deps, m: MessageRequest): Promise<MessageRow[]> => {
  const existing = await tx.db
    .select()
    .from(customerMessages)
    .where(
      and(
        eq(customerMessages.organizationId, m.organizationId),
        inArray(customerMessages.key, [m.key, `${m.key}:sms`]),
      ),
    )
    .for('update');
  if (existing.length > 0) return existing;
  const facts = await factsOf(tx, m.organizationId, m.jobId);
  if (!facts) return [];
  const w = customerTranslator(facts.customer.language, facts.org.language);
  const template = templateFor(facts.org.customerMessages, m.kind, w.language, facts.org.language);
  if (!template) return [];
  const now = deps.clock.now();
  // Times as the customer reads them: in their own time zone when they live in another than the business.
  const tz = facts.customer.timeZone ?? facts.org.timeZone;
  const tapped = m.tappedAt ? new Date(Math.min(Date.parse(m.tappedAt), now.getTime())) : now;
  const a = facts.site.address;
  const windowStart = m.visit ? new Date(m.visit.start) : facts.job.windowStart;
  const windowEnd = m.visit ? new Date(m.visit.end) : facts.job.windowEnd;
  const values = {
    customer: facts.customer.name,
    organization: facts.org.name,
    job: jobNumber(facts.job.number),
    work: facts.job.scope ? `${facts.type}: ${facts.job.scope}` : facts.type,
    window: windowWords(windowStart, windowEnd, tz, w),
    site: [a.line1, a.city].filter(Boolean).join(', '),
    technician: firstName(facts.technician, w),
    arrival: arrivalWords(tapped, m.etaMinutes ?? 30, tz, w),
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
  const window = windowStart
    ? { start: windowStart.toISOString(), end: windowEnd?.toISOString() ?? null }
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
      window,
      key: m.key,
      status: reason ? 'skipped' : 'queued',
      reason,
      createdAt: now,
    })
    .returning();
  const rows = row ? [row] : [];
  const text = textFor(facts.org.customerMessages, m.kind, w.language, facts.org.language);
  const connection = text ? await smsConnectionOf(tx, m.organizationId) : null;
  if (!text || connection?.status !== 'active') return rows;
  const phone = mobileTarget(facts.customer, facts.org.country);
  // Each look-up only when the ones before let the text go.
  const textReason = !phone
    ? SKIP_REASONS.noMobile
    : visitGone
      ? SKIP_REASONS.closed
      : late
        ? SKIP_REASONS.late
        : (await isOptedOut(tx, m.organizationId, phone))
          ? SKIP_REASONS.optedOut
          : (await textsThisMonth(tx, m.organizationId, now, tz)) >= connection.monthlyCap
            ? `This month’s limit of ${connection.monthlyCap} texts is reached (Settings → Customer messages)`
            : null;
  const [sms] = await tx.db
    .insert(customerMessages)
    .values({
      organizationId: m.organizationId,
      id: deps.ids.uuid(),
      jobId: m.jobId,
      customerId: facts.customer.id,
      kind: m.kind,
      channel: 'sms',
      recipient: phone,
      subject: MESSAGE_KIND_WORDS[m.kind],
      body: fillTemplate(text, values),
      window,
      key: `${m.key}:sms`,
      status: textReason ? 'skipped' : 'queued',
      reason: textReason,
      createdAt: now,
    })
    .returning();
  return sms ? [...rows, sms] : rows;
};

/** The visit as a calendar entry the customer's diary understands; a new time replaces it (same UID). */
const calendarFile = (
  m: typeof customerMessages.$inferSelect,
  organization: string,
  site: string,
  w: Pick<Translator, 't'>,
): Buffer | null => {
  if (!m.window || !['booking_confirmation', 'rescheduled'].includes(m.kind)) return null;
  const cal = ical({ prodId: { company: 'Closeout', product: 'visits' }, name: organization });
  const start = new Date(m.window.start);
  cal.createEvent({
    id: `visit-${m.jobId}@closeout`,
    sequence: Math.floor(m.createdAt.getTime() / 1000),
    start,
    end: m.window.end ? new Date(m.window.end) : new Date(start.getTime() + 3_600_000),
    summary: w.t('visitMessages.calendarTitle', { organization }),
    location: site,
    description: m.subject,
  });
  return Buffer.from(cal.toString(), 'utf8');
};

const theMessage = (row: Pick<MessageRow, 'organizationId' | 'id'>) =>
  and(eq(customerMessages.organizationId, row.organizationId), eq(customerMessages.id, row.id));

/**
 * Marks one message `sending` before the provider has it, or finds it was left `sending` by a worker that
 * died and marks it `unknown` (shown on the job) instead of sending it twice. Null: nothing to send.
 */
const claim = (deps: Deps, row: MessageRow) =>
  deps.database.transaction(async (tx) => {
    const [current] = await tx.db.select().from(customerMessages).where(theMessage(row)).for('update');
    if (!current) return null;
    const set = (values: Partial<typeof customerMessages.$inferInsert>) =>
      tx.db.update(customerMessages).set(values).where(theMessage(row));
    if (current.status === 'sending') {
      await set({
        status: 'unknown',
        reason: 'Sending was interrupted: it may have arrived, so it was not sent again',
      });
      return null;
    }
    if (current.status !== 'queued' || !current.recipient) return null;
    await set({ status: 'sending' });
    return { ...current, recipient: current.recipient };
  });

const setMessage = (deps: Deps, row: MessageRow, values: Partial<typeof customerMessages.$inferInsert>) =>
  deps.database.db.update(customerMessages).set(values).where(theMessage(row));

/** An e-mail: with the calendar file for a booking or a new time. A refusal by the mail server is retried. */
const sendEmail = async (deps: Deps, m: MessageRequest, row: MessageRow) => {
  const claimed = await claim(deps, row);
  if (!claimed) return 0;
  const facts = await factsOf(deps.database, m.organizationId, m.jobId);
  const organization = facts?.org.name ?? '';
  const a = facts?.site.address;
  const site = a ? [a.line1, a.city, a.postalCode].filter(Boolean).join(', ') : '';
  try {
    const w = customerTranslator(facts?.customer.language, facts?.org.language ?? 'en');
    const ics = calendarFile(claimed, organization, site, w);
    await deps.mailer.send({
      to: [claimed.recipient],
      subject: claimed.subject,
      text: claimed.body,
      fromName: organization,
      replyTo: facts?.org.replyToEmail ?? undefined,
      ...(ics
        ? { attachments: [{ filename: 'visit.ics', content: ics, contentType: 'text/calendar' }] }
        : {}),
    });
  } catch (err) {
    await setMessage(deps, row, {
      status: 'queued',
      reason: `Not sent yet, trying again: ${err instanceof Error ? err.message : String(err)}`,
    });
    throw err;
  }
  await setMessage(deps, row, { status: 'sent', reason: null, sentAt: deps.clock.now() });
  return 1;
};

/**
 * A text, through the organization's provider. In the quiet hours (the business's time zone) it waits for
 * the morning, or, "on my way", is not sent. A refusal for good fails it with why; a provider asking to
 * slow down is retried; a lost answer leaves it `unknown`, never sent twice.
 */
const sendText = async (deps: Deps, m: MessageRequest, row: MessageRow) => {
  if (row.status !== 'queued' && row.status !== 'sending') return 0;
  const connection = await smsConnectionOf(deps.database, m.organizationId);
  if (connection?.status !== 'active') {
    if (row.status === 'queued') await setMessage(deps, row, { status: 'skipped', reason: SKIP_REASONS.off });
    return 0;
  }
  // Quiet hours are the customer's night: in their time zone when not the business's.
  const [zone] = await deps.database.db
    .select({ business: organizations.timeZone, customer: customers.timeZone })
    .from(organizations)
    .leftJoin(
      customers,
      and(eq(customers.organizationId, organizations.id), eq(customers.id, row.customerId)),
    )
    .where(eq(organizations.id, m.organizationId));
  const now = deps.clock.now();
  const tz = zone?.customer ?? zone?.business ?? 'UTC';
  if (row.status === 'queued' && isQuiet(localHour(now, tz), connection.quietStart, connection.quietEnd)) {
    if (!WAITS_FOR_MORNING[m.kind]) {
      await setMessage(deps, row, { status: 'skipped', reason: SKIP_REASONS.quiet });
      return 0;
    }
    const wait = secondsUntilQuietEnds(now, tz, connection.quietEnd);
    await deps.database.transaction(async (tx) => {
      await tx.db
        .update(customerMessages)
        .set({ reason: `Waiting for ${String(connection.quietEnd).padStart(2, '0')}:00: quiet hours` })
        .where(theMessage(row));
      await deps.queue.enqueue(
        tx,
        { name: 'customer_message.send', data: m },
        { key: `${m.key}:after-quiet:${Math.floor(now.getTime() / 86_400_000)}`, startAfterSeconds: wait },
      );
    });
    return 0;
  }
  const claimed = await claim(deps, row);
  if (!claimed) return 0;
  const gateway = deps.sms[connection.provider].gateway(
    credentialsOf(deps, connection),
    deps.accountingTimeoutMs ?? 15_000,
  );
  try {
    const receipt = await gateway.send({
      to: claimed.recipient,
      body: claimed.body,
      statusCallback: smsStatusUrl(deps, m.organizationId),
    });
    await setMessage(deps, row, {
      status: 'sent',
      reason: null,
      sentAt: deps.clock.now(),
      providerId: receipt.id,
      delivery: receipt.status,
    });
    return 1;
  } catch (err) {
    if (err instanceof SmsRefused) {
      await setMessage(deps, row, { status: 'failed', reason: err.message });
      return 0;
    }
    if (err instanceof SmsRetryLater) {
      await setMessage(deps, row, { status: 'queued', reason: `Not sent yet, trying again: ${err.message}` });
      throw err;
    }
    await setMessage(deps, row, {
      status: 'unknown',
      reason: 'The provider’s answer was lost: it may have arrived, so it was not sent again',
    });
    return 0;
  }
};

/**
 * The `customer_message.send` job: writes the message once (e-mail, and text when connected), then sends
 * each at most once. A channel that must try again fails the job after the other was sent; the next attempt
 * finds that one sent and sends only what is left.
 */
export const sendCustomerMessage = async (deps: Deps, m: MessageRequest) => {
  const rows = await deps.database.transaction((tx) => writeMessages(tx, deps, m));
  let sent = 0;
  let again: unknown = null;
  for (const row of rows) {
    try {
      sent += row.channel === 'sms' ? await sendText(deps, m, row) : await sendEmail(deps, m, row);
    } catch (err) {
      again = err;
    }
  }
  if (again) throw again;
  return { sent };
};

/**
 * The hourly `visit_reminders.run` job: once the reminder hour has come where the customer lives (their time
 * zone, else the business's), every visit on their tomorrow that has had no reminder for its window gets one
 * (the key holds the window: a visit moved to tomorrow after today's run is reminded in the next hour's).
 */
export const runVisitReminders = async (deps: Deps) => {
  const now = deps.clock.now();
  // A job's own window, and the later visits of jobs done over several days: each reminded with its own
  // window, under the key the job's own reminder takes once that visit is the job's, so it goes once either way.
  const { rows: due } = await deps.database.raw.query<{
    organization_id: string;
    id: string;
    window_start: Date;
    visit_end: Date | null;
  }>(
    `WITH candidates AS (
       SELECT j.organization_id, j.id, j.customer_id, j.window_start, NULL::timestamptz AS visit_end
         FROM jobs j
        WHERE j.status IN ('scheduled', 'dispatched') AND j.window_start IS NOT NULL
       UNION ALL
       SELECT v.organization_id, v.job_id, j.customer_id, v.window_start, v.window_end
         FROM job_visits v
         JOIN jobs j ON j.organization_id = v.organization_id AND j.id = v.job_id
        WHERE v.status = 'planned'
          AND v.window_start <> j.window_start
          AND j.status IN ('scheduled', 'dispatched', 'in_progress'))
     SELECT k.organization_id, k.id, k.window_start, k.visit_end
       FROM candidates k JOIN organizations o ON o.id = k.organization_id
       JOIN customers c ON c.organization_id = k.organization_id AND c.id = k.customer_id
       CROSS JOIN LATERAL (SELECT coalesce(c.time_zone, o.time_zone) AS tz) z
      WHERE (k.window_start AT TIME ZONE z.tz)::date = ($1::timestamptz AT TIME ZONE z.tz)::date + 1
        AND extract(hour FROM $1::timestamptz AT TIME ZONE z.tz) >= o.reminder_hour
        AND NOT EXISTS (
          SELECT 1 FROM customer_messages m
           WHERE m.organization_id = k.organization_id
             AND m.key = 'visit_reminder:' || k.id || ':' || to_char(k.window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
    [now.toISOString()],
  );
  if (due.length === 0) return { queued: 0 };
  await deps.database.transaction(async (tx) => {
    for (const r of due)
      await queueCustomerMessage(tx, deps, {
        organizationId: r.organization_id,
        jobId: r.id,
        kind: 'visit_reminder',
        key: `visit_reminder:${r.id}:${new Date(r.window_start).toISOString()}`,
        ...(r.visit_end
          ? {
              visit: {
                start: new Date(r.window_start).toISOString(),
                end: new Date(r.visit_end).toISOString(),
              },
            }
          : {}),
      });
  });
  return { queued: due.length };
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
    .select({ settings: organizations.customerMessages, language: organizations.language })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const settings = org?.settings ?? {};
  // In force for the organization's own customers: its words, else Closeout's in its language.
  const language = documentLanguage(null, org?.language ?? 'en');
  return MESSAGE_KINDS.map((kind) => {
    const own = settings[kind];
    const words =
      templateFor({ ...settings, [kind]: { ...own, enabled: true } }, kind, language) ??
      MESSAGES[language].visitMessages[kind];
    return {
      kind,
      enabled: own?.enabled ?? true,
      ...words,
      custom: own?.subject !== undefined || own?.body !== undefined || own?.text !== undefined,
      sms: own?.sms ?? true,
      text: own?.text ?? MESSAGES[language].visitMessages.texts[kind],
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
