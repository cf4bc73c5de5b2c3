import Decimal from 'decimal.js';
import { and, eq, isNull } from 'drizzle-orm';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator, documentLanguage } from '../../core/i18n';
import { amountDecimals } from '../../core/money';
import type { Actor } from '../../core/principal';
import { SYSTEM_ACTOR } from '../../core/principal';
import { buildStatement } from '../../core/statement';
import { addDays, businessDate } from '../../core/time';
import type { Db } from '../../db/client';
import { statementDocuments, statementEntries } from '../../db/queries/statements';
import { customers, organizations } from '../../db/schema';
import { appendAudit } from '../audit/audit';
import type { StatementPrint } from '../documents-port';
import { invoiceRecipientsOf, portalLineOf } from '../invoicing/invoice-email';
import { activePaymentConnection } from '../payments/payment-connections';
import { openPortalLink, portalLinkFor } from '../portal/portal-links';
import type { Deps } from '../ports';
import { changeCollectionsFacts } from './customer-reminders';

export type StatementPeriod = {
  from?: string | undefined;
  to?: string | undefined;
  currency?: string | undefined;
};

/** The first and last day of the month before a business date. */
export const lastMonth = (today: string) => {
  const first = `${today.slice(0, 7)}-01`;
  const to = addDays(first, -1);
  return { from: `${to.slice(0, 7)}-01`, to };
};

/**
 * Whose statement, for which period and in which currency: the customer's by default, the last three months
 * to today in the organization's time zone. A period that starts after it ends is refused.
 */
const statementFrame = async (
  db: Db,
  organizationId: string,
  customerId: string,
  period: StatementPeriod,
  now: Date,
) => {
  const [row] = await db
    .select({ customer: customers, org: organizations })
    .from(customers)
    .innerJoin(organizations, eq(organizations.id, customers.organizationId))
    .where(and(eq(customers.organizationId, organizationId), eq(customers.id, customerId)));
  if (!row) throw notFound('customer');
  const today = businessDate(now, row.org.timeZone);
  const to = period.to ?? today;
  const from = period.from ?? `${addDays(to, -89).slice(0, 7)}-01`;
  if (from > to)
    throw new AppError('validation_failed', 'The period starts after it ends', {
      fields: [{ field: 'from', message: 'must be on or before the end of the period' }],
    });
  const currency = period.currency ?? row.customer.invoiceCurrency ?? row.org.currency;
  return { customer: row.customer, org: row.org, from, to, currency, today };
};

/** A customer's statement for a period (see statementFrame). Read-only: nothing changes, nothing is audited. */
export const statementOf = async (
  db: Db,
  raw: Deps['database']['raw'],
  organizationId: string,
  customerId: string,
  period: StatementPeriod,
  now: Date,
) => {
  const f = await statementFrame(db, organizationId, customerId, period, now);
  const p = { organizationId, customerId, currency: f.currency, to: f.to };
  const [entries, documents] = await Promise.all([statementEntries(raw, p), statementDocuments(raw, p)]);
  const statement = buildStatement({
    from: f.from,
    to: f.to,
    decimals: amountDecimals(f.currency, true),
    entries,
    documents,
  });
  return { statement, customer: f.customer, org: f.org, currency: f.currency, today: f.today };
};

type Loaded = Awaited<ReturnType<typeof statementOf>>;

/** The statement as the customer reads it: a PDF branded like the invoices, with the organization's logo. */
const printStatement = async (deps: Deps, s: Loaded) => {
  const print: StatementPrint = {
    language: documentLanguage(s.customer.language, s.org.language),
    seller: { name: s.org.name, color: s.org.brandColor, address: s.org.address, iban: s.org.iban },
    customer: { name: s.customer.name, address: s.customer.billingAddress },
    currency: s.currency,
    statement: s.statement,
    madeOn: s.today,
  };
  const logo = s.org.logoKey ? await deps.storage.get(s.org.logoKey) : null;
  return (await deps.renderers()).statementPdf(print, logo);
};

/** The statement as a PDF, branded like the invoices. */
export const statementPdf = async (
  deps: Deps,
  organizationId: string,
  customerId: string,
  period: StatementPeriod,
) => {
  const s = await statementOf(
    deps.database.db,
    deps.database.raw,
    organizationId,
    customerId,
    period,
    deps.clock.now(),
  );
  const pdf = await printStatement(deps, s);
  return { pdf, filename: `statement-${s.statement.from}-to-${s.statement.to}.pdf` };
};

/** The customer's own statement from their page: the last three months to today. */
export const portalStatementPdf = async (deps: Deps, token: string) => {
  const who = await openPortalLink(deps.database, token, deps.clock.now());
  return statementPdf(deps, who.organizationId, who.customerId, {});
};

/** "E-mail the statement" from the office: queued once per customer, period and currency (a second click waits on the first). */
export const requestStatement = (
  deps: Deps,
  organizationId: string,
  customerId: string,
  period: StatementPeriod,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    // Only who and which period: the job reads the statement itself when it sends it.
    const s = await statementFrame(tx.db, organizationId, customerId, period, deps.clock.now());
    const recipients = invoiceRecipientsOf(s.customer).to;
    if (recipients.length === 0)
      throw new AppError(
        'invalid_transition',
        `${s.customer.name} has no invoice e-mail address: add one first`,
        {
          fields: [{ field: 'id', message: 'no invoice e-mail address' }],
        },
      );
    const data = {
      organizationId,
      customerId,
      from: s.from,
      to: s.to,
      currency: s.currency,
    };
    await deps.queue.enqueue(
      tx,
      { name: 'statement.send', data },
      {
        key: `statement:${customerId}:${data.currency}:${data.from}:${data.to}:${deps.clock.now().toISOString().slice(0, 13)}`,
      },
    );
    await appendAudit(tx, deps, {
      organizationId,
      aggregateType: 'customer',
      aggregateId: customerId,
      action: 'customer.statement_requested',
      actor,
      changes: { from: data.from, to: data.to, currency: data.currency },
    });
    return { from: data.from, to: data.to, recipients };
  });

/** The `statement.send` job: the statement PDF to the customer's invoice recipients, with the link to their page. */
export const mailStatement = async (
  deps: Deps,
  data: {
    organizationId: string;
    customerId: string;
    from: string;
    to: string;
    currency?: string | undefined;
  },
) => {
  const s = await statementOf(
    deps.database.db,
    deps.database.raw,
    data.organizationId,
    data.customerId,
    data,
    deps.clock.now(),
  );
  const { to, greet } = invoiceRecipientsOf(s.customer);
  if (to.length === 0) return { sent: 0 };
  const pdf = await printStatement(deps, s);
  const online = await activePaymentConnection(deps.database, data.organizationId);
  const portal = await deps.database.transaction((tx) =>
    portalLinkFor(tx, deps, data.organizationId, data.customerId),
  );
  const st = s.statement;
  const closing = new Decimal(st.closing);
  const owed = closing.gt(0);
  const w = customerTranslator(s.customer.language, s.org.language);
  const amount = (a: string) => w.amount(a, s.currency);
  const balance = closing.lt(0)
    ? w.t('statement.email.weOwe', { amount: amount(closing.abs().toFixed()) })
    : owed
      ? `${w.t('statement.email.youOwe', { amount: amount(st.closing) })}${new Decimal(st.overdue).gt(0) ? w.t('statement.email.ofWhichOverdue', { amount: amount(st.overdue) }) : ''}`
      : w.t('statement.email.nothingOwed');
  await deps.mailer.send({
    to,
    subject: w.t('statement.email.subject', { organization: s.org.name, date: w.date(st.to) }),
    text: [
      w.t('statement.email.greeting', { name: greet }),
      '',
      w.t('statement.email.attached', {
        organization: s.org.name,
        from: w.date(st.from),
        to: w.date(st.to),
        balance,
      }),
      '',
      portalLineOf(portal, !!online && owed, w),
      '',
      w.t('statement.email.wrong'),
      '',
      s.org.name,
      '',
    ].join('\n'),
    attachments: [
      {
        filename: w.t('statement.email.file', { date: st.to }),
        content: pdf,
        contentType: 'application/pdf',
      },
    ],
    fromName: s.org.name,
    replyTo: s.org.replyToEmail ?? undefined,
  });
  await deps.database.transaction((tx) =>
    appendAudit(tx, deps, {
      organizationId: data.organizationId,
      aggregateType: 'customer',
      aggregateId: data.customerId,
      action: 'customer.statement_emailed',
      actor: SYSTEM_ACTOR,
      changes: { to, from: st.from, until: st.to, closing: st.closing },
    }),
  );
  return { sent: to.length };
};

/**
 * The hourly `statements.monthly` job: on the first of the month in an organization's time zone, every customer
 * who asked for one gets last month's statement, queued once per customer and month whatever runs twice.
 */
export const queueMonthlyStatements = async (deps: Deps) => {
  const now = deps.clock.now();
  const rows = await deps.database.db
    .select({ id: customers.id, organizationId: customers.organizationId, timeZone: organizations.timeZone })
    .from(customers)
    .innerJoin(organizations, eq(organizations.id, customers.organizationId))
    .where(and(eq(customers.statementMonthly, true), isNull(customers.mergedIntoId)));
  let queued = 0;
  for (const r of rows) {
    const today = businessDate(now, r.timeZone);
    if (!today.endsWith('-01')) continue;
    const period = lastMonth(today);
    await deps.database.transaction((tx) =>
      deps.queue.enqueue(
        tx,
        { name: 'statement.send', data: { organizationId: r.organizationId, customerId: r.id, ...period } },
        { key: `statement-monthly:${r.id}:${period.from}` },
      ),
    );
    queued++;
  }
  return { queued };
};

/** Whether a customer gets last month's statement by e-mail on the first of each month; audited on the customer. */
export const setStatementPreferences = (
  deps: Deps,
  organizationId: string,
  customerId: string,
  monthly: boolean,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const after = await changeCollectionsFacts(
      tx,
      deps,
      { organizationId, customerId, action: 'customer.statement_preferences_changed', actor },
      { statementMonthly: monthly },
    );
    return { monthly: after.statementMonthly };
  });
