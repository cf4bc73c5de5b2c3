import { and, eq } from 'drizzle-orm';
import type { PublicChangeOrder } from '../../contracts/change-orders';
import { isOpenChangeOrder } from '../../core/change-orders';
import { decimalString } from '../../core/decimal';
import { AppError, notFound } from '../../core/errors';
import { customerTranslator, type Translator } from '../../core/i18n';
import { SYSTEM_ACTOR } from '../../core/principal';
import type { Tx } from '../../db/client';
import { changeOrdersWithParties } from '../../db/queries/change-orders';
import { attachments, changeOrders } from '../../db/schema';
import { sha256Hex } from '../auth/secrets';
import { storedImage } from '../closeout/attachments';
import { jobNumber, lockJob } from '../jobs/job-store';
import type { Deps } from '../ports';
import type { Answerer } from '../quotes/answer-quote';
import { addressText } from '../quotes/quote-view';
import { approveChangeOrder } from './approve-change-order';
import { changeOrderLink } from './change-order-scope';
import { answerFields, type ChangeOrderRow, changeChangeOrder, lockChangeOrder } from './change-order-store';
import { declineChangeOrder } from './close-change-order';

const CUSTOMER = SYSTEM_ACTOR;

const expiredLink = () =>
  new AppError('not_found', 'This link has expired or is not a change order link. Ask us for a new one.');

/** The change order a link names, with its job, organization, customer and site; an expired link is not found. */
const byToken = async (db: Pick<Tx, 'db'>['db'], token: string, now: Date) => {
  const [row] = await changeOrdersWithParties(db, eq(changeOrders.linkHash, sha256Hex(token)));
  if (!row?.order.linkExpiresAt || row.order.linkExpiresAt < now) throw expiredLink();
  return row;
};

type Found = Awaited<ReturnType<typeof byToken>>;

/** The customer's translator for a change order's page and e-mail. */
const wordsOf = (row: Pick<Found, 'customer' | 'org'>) =>
  customerTranslator(row.customer.language, row.org.language);

/** Why the customer can no longer answer, in their words; null while they can. */
const closedBecause = (order: ChangeOrderRow, w: Translator, timeZone: string): string | null => {
  const at = order.answeredAt ? w.dateTime(order.answeredAt, timeZone) : null;
  switch (order.status) {
    case 'approved':
      return at ? w.t('portal.change.closed.approvedOn', { at }) : w.t('portal.change.closed.approved');
    case 'declined':
      return at ? w.t('portal.change.closed.declinedOn', { at }) : w.t('portal.change.closed.declined');
    case 'withdrawn':
      return w.t('portal.change.closed.withdrawn');
    default:
      return null;
  }
};

/** What the customer's page shows: no IDs of the office's records. */
const publicView = (row: Found, order: ChangeOrderRow): PublicChangeOrder => {
  const w = wordsOf(row);
  return {
    ...answerFields(order, jobNumber(row.job.number)),
    jobNumber: jobNumber(row.job.number),
    organization: { name: row.org.name, brandColor: row.org.brandColor },
    customerName: row.customer.name,
    siteAddress: addressText(row.site.address),
    scheme: row.org.taxScheme,
    timeZone: row.org.timeZone,
    language: w.language,
    open: isOpenChangeOrder(order.status),
    closedBecause: closedBecause(order, w, row.org.timeZone),
    photos: order.photoIds.length,
  };
};

/**
 * The n-th photo of the change order a link names (from 1), small (a 320 px JPEG) or as taken: only the
 * photos the change order shows, never another of the job's.
 */
export const changeOrderPhoto = async (deps: Deps, token: string, n: number, size: 'small' | 'large') => {
  const { order } = await byToken(deps.database.db, token, deps.clock.now());
  const id = order.photoIds[n - 1];
  const [a] = id
    ? await deps.database.db
        .select()
        .from(attachments)
        .where(
          and(
            eq(attachments.organizationId, order.organizationId),
            eq(attachments.jobId, order.jobId),
            eq(attachments.id, id),
          ),
        )
    : [];
  const photo = a ? await storedImage(deps, a, size) : null;
  if (!photo) throw notFound('photo', 'n');
  return photo;
};

/** The customer opens the link: the first opening marks the change order viewed. */
export const openChangeOrderLink = (deps: Deps, token: string, who: Answerer) =>
  deps.database.transaction(async (tx) => {
    const row = await byToken(tx.db, token, deps.clock.now());
    if (row.order.status !== 'sent') return publicView(row, row.order);
    const job = await lockJob(tx, row.order.organizationId, row.order.jobId);
    const order = await lockChangeOrder(tx, row.order.organizationId, row.order.id);
    if (order.status !== 'sent') return publicView(row, order);
    const viewed = await changeChangeOrder(tx, deps, {
      job,
      order,
      action: 'view',
      actor: CUSTOMER,
      patch: { viewedAt: deps.clock.now() },
      changes: { ip: who.ip, userAgent: who.userAgent },
    });
    return publicView(row, viewed);
  });

/** Locks the job and the change order a link names, and checks the customer can still answer. */
const lockOpen = async (tx: Tx, deps: Deps, token: string) => {
  const row = await byToken(tx.db, token, deps.clock.now());
  const job = await lockJob(tx, row.order.organizationId, row.order.jobId);
  const order = await lockChangeOrder(tx, row.order.organizationId, row.order.id);
  const closed = closedBecause(order, wordsOf(row), row.org.timeZone);
  if (closed)
    throw new AppError('invalid_transition', closed, { fields: [{ field: 'status', message: closed }] });
  return { row: { ...row, job }, job, order };
};

/** The customer approves by the link, with their name and drawn signature. */
export const approveByLink = (
  deps: Deps,
  token: string,
  body: { signerName: string; signature: string; afterTotal?: string | undefined },
  who: Answerer,
) =>
  deps.database.transaction(async (tx) => {
    const { row, job, order } = await lockOpen(tx, deps, token);
    const approved = await approveChangeOrder(
      tx,
      deps,
      job,
      order,
      {
        name: body.signerName,
        signature: body.signature,
        ...who,
        inPerson: false,
        userId: null,
        seenAfterTotal: body.afterTotal,
      },
      CUSTOMER,
    );
    return publicView(row, approved);
  });

/** The customer declines by the link, with a reason; the office is told. */
export const declineByLink = (deps: Deps, token: string, body: { reason: string }, who: Answerer) =>
  deps.database.transaction(async (tx) => {
    const { row, job, order } = await lockOpen(tx, deps, token);
    const declined = await declineChangeOrder(tx, deps, job, order, body.reason, CUSTOMER, who);
    return publicView(row, declined);
  });

/** The `change_order.send` queue job: the e-mail with the link, in the organization's name. */
export const mailChangeOrder = async (
  deps: Deps,
  data: { organizationId: string; changeOrderId: string; to: string },
) => {
  const db = deps.database.db;
  const [row] = await changeOrdersWithParties(
    db,
    and(eq(changeOrders.organizationId, data.organizationId), eq(changeOrders.id, data.changeOrderId)),
  );
  // Answered or withdrawn before the e-mail went: its link would only say so.
  if (!row || !isOpenChangeOrder(row.order.status) || !row.order.linkSealed) return { sent: 0 };
  const link = changeOrderLink(deps, deps.secrets.open(row.order.linkSealed));
  const contact = row.customer.contacts.find((c) => c.email === data.to)?.name || row.customer.name;
  const w = wordsOf(row);
  const name = w.t('portal.change.name', { job: jobNumber(row.job.number), seq: row.order.seq });
  const organization = row.org.name;
  const text = [
    w.t('customerEmails.hello', { name: contact }),
    '',
    w.t('customerEmails.changeOrder.proposes', {
      organization,
      job: jobNumber(row.job.number),
      reason: row.order.reason,
    }),
    w.t('customerEmails.changeOrder.price', {
      before: w.amount(decimalString(row.order.beforeTotal), row.order.currency),
      after: w.amount(decimalString(row.order.afterTotal), row.order.currency),
    }),
    '',
    w.t('customerEmails.changeOrder.online'),
    link,
    '',
    organization,
  ].join('\n');
  await deps.mailer.send({
    to: [data.to],
    subject: w.t('customerEmails.changeOrder.subject', { name, organization }),
    text,
    fromName: row.org.name,
    replyTo: row.org.replyToEmail ?? undefined,
  });
  return { sent: 1 };
};
