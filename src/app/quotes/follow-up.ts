import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { decimalString } from '../../core/decimal';
import { printAmount } from '../../core/money';
import { printDate } from '../../core/time';
import { versionsWithParties } from '../../db/queries/quotes';
import { organizations, quotes, quoteVersions } from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import type { Deps } from '../ports';

/**
 * The daily `quotes.follow_up` job: for every organization that asks for it, billing is told once about each
 * sent quote still unanswered after its follow-up days (opened or not), with what to do; sending it again
 * starts the count anew. A quote past its validity is left alone: it has expired.
 */
export const remindUnansweredQuotes = async (deps: Deps) => {
  const now = deps.clock.now();
  const rows = await versionsWithParties(
    deps.database.db,
    and(
      eq(quotes.currentVersion, quoteVersions.version),
      inArray(quoteVersions.status, ['sent', 'viewed']),
      isNull(quoteVersions.followUpAt),
      isNotNull(organizations.quoteFollowUpDays),
      sql`${quoteVersions.sentAt} < ${now}::timestamptz - make_interval(days => ${organizations.quoteFollowUpDays})`,
      sql`${quoteVersions.validUntil} >= (${now}::timestamptz AT TIME ZONE ${organizations.timeZone})::date`,
    ),
  );
  let reminded = 0;
  for (const r of rows) {
    const done = await deps.database.transaction(async (tx) => {
      // Once per version, whatever two workers do: the first to mark it sends the reminder.
      const marked = await tx.db
        .update(quoteVersions)
        .set({ followUpAt: now })
        .where(
          and(
            eq(quoteVersions.organizationId, r.version.organizationId),
            eq(quoteVersions.quoteId, r.version.quoteId),
            eq(quoteVersions.version, r.version.version),
            isNull(quoteVersions.followUpAt),
          ),
        )
        .returning({ quoteId: quoteVersions.quoteId });
      if (marked.length === 0) return false;
      const days = Math.floor((now.getTime() - (r.version.sentAt as Date).getTime()) / 86_400_000);
      const seen = r.version.viewedAt ? 'opened it but have not answered' : 'have not opened it';
      await notifyRole(
        tx,
        deps,
        r.quote.organizationId,
        'billing',
        null,
        `${r.quote.number} (${r.quote.title}, ${printAmount(decimalString(r.version.total), r.version.currency)}) went to ${r.customer.name} ${days} days ago; they ${seen}. It is valid until ${printDate(r.version.validUntil)}: call them, or send it again.`,
        null,
        { kind: 'quote_follow_up' },
      );
      return true;
    });
    if (done) reminded++;
  }
  return { reminded };
};
