import Decimal from 'decimal.js';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { BankEntriesQuery, BankEntry, BankStatement } from '../../contracts/bank';
import { statementCounts } from '../../db/queries/bank';
import {
  bankApplications,
  bankEntries,
  bankStatements,
  customers,
  invoices,
  paymentPayouts,
} from '../../db/schema';
import { outstandingOf } from '../invoicing/invoice-store';
import type { Deps } from '../ports';
import { leftOf } from './bank-matching';

const money = (v: string | null) => (v === null ? null : new Decimal(v).toFixed(2));

/** The bank entries of one status (the review queue by default), newest booking first, with their suggestions and applications in words the office reads. */
export const listBankEntries = async (
  deps: Deps,
  organizationId: string,
  q: z.infer<typeof BankEntriesQuery>,
  only: string[] | null = null,
): Promise<z.infer<typeof BankEntry>[]> => {
  const db = deps.database.db;
  const rows = await db
    .select()
    .from(bankEntries)
    .where(
      and(
        eq(bankEntries.organizationId, organizationId),
        ...(q.status === 'all' ? [] : [eq(bankEntries.status, q.status)]),
        ...(q.statementId ? [eq(bankEntries.statementId, q.statementId)] : []),
        ...(q.customerId ? [eq(bankEntries.customerId, q.customerId)] : []),
        ...(only ? [inArray(bankEntries.id, only)] : []),
      ),
    )
    .orderBy(desc(bankEntries.bookedOn), asc(bankEntries.ref))
    .limit(q.limit);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const apps = await db
    .select()
    .from(bankApplications)
    .where(and(eq(bankApplications.organizationId, organizationId), inArray(bankApplications.entryId, ids)))
    .orderBy(asc(bankApplications.appliedAt));
  const payoutIds = rows.flatMap((r) => (r.payoutId ? [r.payoutId] : []));
  const payouts = payoutIds.length
    ? await db
        .select()
        .from(paymentPayouts)
        .where(and(eq(paymentPayouts.organizationId, organizationId), inArray(paymentPayouts.id, payoutIds)))
    : [];
  const invoiceIds = [
    ...new Set([
      ...payouts.flatMap((p) => p.items.flatMap((i) => (i.invoiceId ? [i.invoiceId] : []))),
      ...apps.map((a) => a.invoiceId),
      ...rows.flatMap((r) => r.suggestions.flatMap((s) => s.allocations.map((a) => a.invoiceId))),
    ]),
  ];
  const docs = invoiceIds.length
    ? await db
        .select({
          id: invoices.id,
          number: invoices.number,
          dueDate: invoices.dueDate,
          payable: invoices.payable,
          amountPaid: invoices.amountPaid,
          amountCredited: invoices.amountCredited,
          amountWrittenOff: invoices.amountWrittenOff,
        })
        .from(invoices)
        .where(and(eq(invoices.organizationId, organizationId), inArray(invoices.id, invoiceIds)))
    : [];
  const customerIds = [
    ...new Set([
      ...rows.map((r) => r.customerId),
      ...rows.flatMap((r) => r.suggestions.map((s) => s.customerId)),
    ]),
  ].filter((x): x is string => x !== null);
  const names = customerIds.length
    ? await db
        .select({ id: customers.id, name: customers.name })
        .from(customers)
        .where(and(eq(customers.organizationId, organizationId), inArray(customers.id, customerIds)))
    : [];
  const customerOf = (id: string | null) => {
    const c = id ? names.find((n) => n.id === id) : undefined;
    return c ? { id: c.id, name: c.name } : null;
  };
  const doc = (id: string) => docs.find((d) => d.id === id);
  return rows.map((r) => ({
    id: r.id,
    statementId: r.statementId,
    bookedOn: r.bookedOn,
    amount: new Decimal(r.amount).toFixed(2),
    currency: r.currency,
    counterpartyName: r.counterpartyName,
    counterpartyIban: r.counterpartyIban,
    remittance: r.remittance,
    structuredRef: r.structuredRef,
    charges: money(r.charges),
    status: r.status,
    customer: customerOf(r.customerId),
    applied: new Decimal(r.applied).toFixed(2),
    credit: r.status === 'credit' ? leftOf(r).toFixed(2) : '0.00',
    ignoredBecause: r.ignoredBecause,
    suggestions:
      r.status === 'review'
        ? r.suggestions.map((s) => ({
            basis: s.basis,
            sure: s.sure,
            customer: customerOf(s.customerId),
            credit: s.credit,
            charges: s.charges,
            allocations: s.allocations.map((a) => {
              const d = doc(a.invoiceId);
              return {
                invoiceId: a.invoiceId,
                number: d?.number ?? null,
                amount: a.amount,
                outstanding: d ? outstandingOf(d).toFixed(2) : '0.00',
                dueDate: d?.dueDate ?? null,
              };
            }),
          }))
        : [],
    applications: apps
      .filter((a) => a.entryId === r.id)
      .map((a) => ({
        id: a.id,
        invoiceId: a.invoiceId,
        number: doc(a.invoiceId)?.number ?? null,
        amount: new Decimal(a.amount).toFixed(2),
        basis: a.basis,
        automatic: a.appliedByType === 'system',
        appliedAt: a.appliedAt.toISOString(),
        undoneAt: a.undoneAt?.toISOString() ?? null,
      })),
    payout: (() => {
      const p = payouts.find((x) => x.id === r.payoutId);
      return p
        ? {
            id: p.id,
            provider: 'Stripe',
            arrivalDate: p.arrivalDate,
            gross: new Decimal(p.gross).toFixed(2),
            fees: new Decimal(p.fees).toFixed(2),
            items: p.items.map((i) => ({
              kind: i.type,
              invoiceId: i.invoiceId,
              number: i.invoiceId ? (doc(i.invoiceId)?.number ?? null) : null,
              gross: new Decimal(i.gross).toFixed(2),
              fee: new Decimal(i.fee).toFixed(2),
            })),
          }
        : null;
    })(),
    version: r.version,
  }));
};

/** Statements imported, newest first, or the ones given; with how many entries are settled and how many wait. */
export const listBankStatements = async (
  deps: Deps,
  organizationId: string,
  only: string[] | null = null,
): Promise<z.infer<typeof BankStatement>[]> => {
  if (only && only.length === 0) return [];
  const rows = await deps.database.db
    .select()
    .from(bankStatements)
    .where(
      and(
        eq(bankStatements.organizationId, organizationId),
        ...(only ? [inArray(bankStatements.id, only)] : []),
      ),
    )
    .orderBy(desc(bankStatements.importedAt), desc(bankStatements.toDate))
    .limit(100);
  if (rows.length === 0) return [];
  const counts = await statementCounts(
    deps.database.raw,
    organizationId,
    rows.map((r) => r.id),
  );
  return rows.map((r) => {
    const c = counts.find((x) => x.statementId === r.id);
    return {
      id: r.id,
      format: r.format,
      reference: r.reference,
      account: r.account,
      fileName: r.fileName,
      from: r.fromDate,
      to: r.toDate,
      opening: money(r.opening),
      closing: money(r.closing),
      currency: r.currency,
      entryCount: r.entryCount,
      duplicateCount: r.duplicateCount,
      applied: c?.applied ?? 0,
      toReview: c?.toReview ?? 0,
      unmatched: c?.unmatched ?? 0,
      importedAt: r.importedAt.toISOString(),
    };
  });
};
