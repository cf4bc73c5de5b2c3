import { sql } from 'drizzle-orm';
import type { StatementDocument, StatementEntry } from '../../core/statement';
import type { RawSql } from '../client';
import { rowsOf } from './sql';

/**
 * Every movement on a customer's account in one currency up to a date: documents issued (a credit note
 * against the invoice it corrects), payments and refunds on the day received, payments taken back on the day
 * the bank took them. Grouped by the invoice each belongs to, so a statement's open items sum to its balance.
 */
export const statementEntries = (
  raw: RawSql,
  p: { organizationId: string; customerId: string; currency: string; to: string },
) =>
  rowsOf<StatementEntry>(
    raw,
    sql`
    WITH docs AS (
      SELECT d.id, d.kind, d.number, d.issue_date, d.payable,
             CASE WHEN d.kind = 'credit_note' THEN COALESCE(d.corrects_invoice_id, d.id) ELSE d.id END AS grp
        FROM invoices d
       WHERE d.organization_id = ${p.organizationId} AND d.customer_id = ${p.customerId}
         AND d.currency = ${p.currency} AND d.number IS NOT NULL
         AND d.status NOT IN ('draft', 'needs_review', 'void') AND d.issue_date <= ${p.to}::date
    )
    SELECT d.issue_date::text AS date,
           CASE WHEN d.kind = 'credit_note' THEN 'credit_note' ELSE 'invoice' END AS kind,
           d.number, d.grp::text AS "group",
           (CASE WHEN d.kind = 'credit_note' THEN -d.payable ELSE d.payable END)::text AS amount,
           NULL::text AS reference
      FROM docs d
    UNION ALL
    SELECT p.received_on::text, CASE WHEN d.kind = 'credit_note' THEN 'refund' ELSE 'payment' END,
           d.number, d.grp::text,
           (CASE WHEN d.kind = 'credit_note' THEN p.amount ELSE -p.amount END)::text, p.reference
      FROM payments p JOIN docs d ON p.organization_id = ${p.organizationId} AND p.invoice_id = d.id
     WHERE p.received_on <= ${p.to}::date
    UNION ALL
    SELECT p.reversed_on::text, 'payment_reversed', d.number, d.grp::text,
           (CASE WHEN d.kind = 'credit_note' THEN -p.amount ELSE p.amount END)::text, p.reversal_reference
      FROM payments p JOIN docs d ON p.organization_id = ${p.organizationId} AND p.invoice_id = d.id
     WHERE p.reversed_on IS NOT NULL AND p.reversed_on <= ${p.to}::date
    UNION ALL
    SELECT w.applied_on::text, 'written_off', d.number, d.grp::text, (-w.amount)::text, NULL
      FROM write_offs w JOIN docs d ON w.organization_id = ${p.organizationId} AND w.invoice_id = d.id
     WHERE w.status = 'applied' AND w.applied_on <= ${p.to}::date`,
  );

/** The invoices the groups stand for (not credit notes): number and dates for the open items. */
export const statementDocuments = (
  raw: RawSql,
  p: { organizationId: string; customerId: string; currency: string; to: string },
) =>
  rowsOf<StatementDocument>(
    raw,
    sql`SELECT d.id::text AS "group", d.number, d.issue_date::text AS "issueDate", d.due_date::text AS "dueDate"
          FROM invoices d
         WHERE d.organization_id = ${p.organizationId} AND d.customer_id = ${p.customerId}
           AND d.currency = ${p.currency} AND d.number IS NOT NULL AND d.kind <> 'credit_note'
           AND d.status NOT IN ('draft', 'needs_review', 'void') AND d.issue_date <= ${p.to}::date`,
  );
