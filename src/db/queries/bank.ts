import { sql } from 'drizzle-orm';
import type { OpenItem } from '../../core/bank-matching';
import type { RawSql } from '../client';
import { rowsOf } from './sql';

/** Every open receivable a bank credit could pay, in the currencies given, oldest due first. */
export const openItemsFor = (raw: RawSql, organizationId: string, currencies: string[]) =>
  currencies.length === 0
    ? Promise.resolve([] as OpenItem[])
    : rowsOf<OpenItem>(
        raw,
        sql`
    SELECT i.id::text AS "invoiceId", i.number, i.customer_id::text AS "customerId", c.name AS "customerName",
           i.currency, (i.payable - i.amount_paid - i.amount_credited - i.amount_written_off)::text AS outstanding,
           i.due_date::text AS "dueDate"
      FROM invoices i
      JOIN customers c ON c.organization_id = i.organization_id AND c.id = i.customer_id
     WHERE i.organization_id = ${organizationId}
       AND i.kind IN ('invoice', 'deposit_invoice') AND i.status IN ('issued', 'sent', 'partially_paid')
       AND i.number IS NOT NULL AND i.payable - i.amount_paid - i.amount_credited - i.amount_written_off > 0
       AND i.currency IN (${sql.join(
         currencies.map((c) => sql`${c}`),
         sql`, `,
       )})
     ORDER BY i.due_date NULLS LAST, i.number`,
      );

/**
 * Who paid before: each paying IBAN and payer name with the one customer earlier matches gave it. One that
 * paid for several customers says nothing about the next payment, so it is left out.
 */
export const learnedPayers = (raw: RawSql, organizationId: string) =>
  rowsOf<{ iban: string | null; name: string | null; customerId: string }>(
    raw,
    sql`
    SELECT counterparty_iban AS iban, counterparty_name AS name, MIN(customer_id::text) AS "customerId"
      FROM bank_entries
     WHERE organization_id = ${organizationId} AND customer_id IS NOT NULL AND status IN ('applied', 'credit')
     GROUP BY counterparty_iban, counterparty_name
    HAVING COUNT(DISTINCT customer_id) = 1`,
  );

/** Each statement with how many of its entries are settled and how many wait for the office. */
export const statementCounts = (raw: RawSql, organizationId: string, ids: string[]) =>
  rowsOf<{ statementId: string; applied: number; toReview: number; unmatched: number }>(
    raw,
    sql`
    SELECT statement_id::text AS "statementId",
           COUNT(*) FILTER (WHERE status IN ('applied', 'credit', 'payout'))::int AS applied,
           COUNT(*) FILTER (WHERE status = 'review')::int AS "toReview",
           COUNT(*) FILTER (WHERE status = 'review' AND matched_at IS NULL)::int AS unmatched
      FROM bank_entries
     WHERE organization_id = ${organizationId}
       AND statement_id::text IN (${sql.join(
         ids.map((i) => sql`${i}`),
         sql`, `,
       )})
     GROUP BY statement_id`,
  );
