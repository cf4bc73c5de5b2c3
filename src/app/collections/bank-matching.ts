import Decimal from 'decimal.js';
import { and, between, eq, inArray, isNull, sql } from 'drizzle-orm';
import {
  ibanKey,
  type KnownPayers,
  matchEntry,
  nameKey,
  type OpenItem,
  PAYOUT_WINDOW,
  type ParsedEntry,
  type Proposal,
  payoutDays,
} from '../../core/bank-matching';
import { AppError, invalid, notFound } from '../../core/errors';
import type { Actor } from '../../core/principal';
import { SYSTEM_ACTOR } from '../../core/principal';
import { addDays } from '../../core/time';
import type { Tx } from '../../db/client';
import { learnedPayers, openItemsFor } from '../../db/queries/bank';
import {
  bankApplications,
  bankEntries,
  customers,
  invoices,
  paymentPayouts,
  payments,
} from '../../db/schema';
import { notifyRole } from '../approvals/approvals';
import { appendAudit } from '../audit/audit';
import { todayOf } from '../invoicing/receivables';
import { recordPaymentIn } from '../invoicing/record-payment';
import { reversePaymentIn } from '../invoicing/reverse-payment';
import type { Deps } from '../ports';

type EntryRow = typeof bankEntries.$inferSelect;

/**
 * Applying and undoing bank entries (#24). One place changes an entry: `changeEntry` writes it and its audit
 * event. Each part applied to an invoice is a payment recorded the usual way (the invoice's status follows, the
 * payment is pushed to accounting); undone, the payment is taken back the way a chargeback is, so the books at
 * the provider follow too.
 */

const parsedOf = (e: EntryRow): ParsedEntry => ({
  ref: e.ref,
  bookedOn: e.bookedOn,
  amount: e.amount,
  currency: e.currency,
  counterpartyName: e.counterpartyName,
  counterpartyIban: e.counterpartyIban,
  remittance: e.remittance,
  structuredRef: e.structuredRef,
  endToEndId: e.endToEndId,
  charges: e.charges,
  reversal: false,
});

const lockEntry = async (tx: Tx, organizationId: string, id: string) => {
  const [row] = await tx.db
    .select()
    .from(bankEntries)
    .where(and(eq(bankEntries.organizationId, organizationId), eq(bankEntries.id, id)))
    .for('update');
  if (!row) throw notFound('bank entry');
  return row;
};

const changeEntry = async (
  tx: Tx,
  deps: Deps,
  row: EntryRow,
  action: string,
  actor: Actor,
  patch: Partial<
    Pick<
      EntryRow,
      'status' | 'customerId' | 'applied' | 'suggestions' | 'ignoredBecause' | 'matchedAt' | 'payoutId'
    >
  >,
  changes: Record<string, unknown>,
  reason: string | null = null,
) => {
  const [after] = await tx.db
    .update(bankEntries)
    .set({ ...patch, updatedAt: deps.clock.now(), version: row.version + 1 })
    .where(and(eq(bankEntries.organizationId, row.organizationId), eq(bankEntries.id, row.id)))
    .returning();
  if (!after) throw notFound('bank entry');
  await appendAudit(tx, deps, {
    organizationId: row.organizationId,
    aggregateType: 'bank_entry',
    aggregateId: row.id,
    action,
    actor,
    changes,
    reason,
  });
  return after;
};

/** Whether a credit says it is this payout: the provider's name or the payout's ID anywhere in what the bank shows. */
export type PayoutRow = typeof paymentPayouts.$inferSelect;

const saysPayout = (e: EntryRow, providerPayoutId: string) => {
  const text = [e.counterpartyName, e.remittance, e.structuredRef, e.endToEndId]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return text.includes('stripe') || text.includes(providerPayoutId.toLowerCase());
};

/** The credit a new payout is, among those still to review: same amount and currency, booked near its arrival, saying so. */
export const payoutEntryFor = async (tx: Tx, organizationId: string, p: PayoutRow) => {
  const days = payoutDays(p.arrivalDate);
  const rows = await tx.db
    .select()
    .from(bankEntries)
    .where(
      and(
        eq(bankEntries.organizationId, organizationId),
        eq(bankEntries.status, 'review'),
        eq(bankEntries.currency, p.currency),
        eq(bankEntries.amount, p.amount),
        eq(bankEntries.applied, '0'),
        between(bankEntries.bookedOn, days.from, days.to),
      ),
    )
    .orderBy(bankEntries.bookedOn)
    .for('update');
  return rows.find((e) => saysPayout(e, p.providerPayoutId)) ?? null;
};

/** The payout a credit is, among those not reconciled yet. */
const payoutOfEntry = async (tx: Tx, organizationId: string, e: EntryRow) => {
  const rows = await tx.db
    .select()
    .from(paymentPayouts)
    .where(
      and(
        eq(paymentPayouts.organizationId, organizationId),
        eq(paymentPayouts.currency, e.currency),
        eq(paymentPayouts.amount, e.amount),
        between(
          paymentPayouts.arrivalDate,
          addDays(e.bookedOn, -PAYOUT_WINDOW.after),
          addDays(e.bookedOn, PAYOUT_WINDOW.before),
        ),
        sql`NOT EXISTS (SELECT 1 FROM bank_entries b WHERE b.organization_id = ${paymentPayouts.organizationId}
              AND b.payout_id = ${paymentPayouts.id})`,
      ),
    )
    .orderBy(paymentPayouts.arrivalDate);
  return rows.find((p) => saysPayout(e, p.providerPayoutId)) ?? null;
};

/** The credit is the payout: reconciled, no invoice paid again (its payments were recorded when made online). */
export const linkPayoutIn = (tx: Tx, deps: Deps, e: EntryRow, p: PayoutRow, actor: Actor) =>
  changeEntry(
    tx,
    deps,
    e,
    'bank_entry.payout_reconciled',
    actor,
    { status: 'payout', payoutId: p.id, suggestions: [], matchedAt: deps.clock.now() },
    { payoutId: p.id, providerPayoutId: p.providerPayoutId, amount: p.amount, fees: p.fees },
  );

/** What of an entry is not on an invoice yet. */
export const leftOf = (e: Pick<EntryRow, 'amount' | 'applied'>) =>
  Decimal.max(0, new Decimal(e.amount).minus(e.applied));

const statusAfter = (e: Pick<EntryRow, 'amount'>, applied: Decimal, customerId: string | null) =>
  applied.gte(e.amount) ? 'applied' : customerId ? 'credit' : 'review';

export type Allocation = { invoiceId: string; amount: string };

/**
 * Applies parts of an entry to invoices, in the caller's transaction, the entry locked. Together they may reach
 * the amount plus the bank charges the file reports (the customer paid those too); whatever is left, once the
 * payer is known, is their credit.
 */
const applyIn = async (
  tx: Tx,
  deps: Deps,
  entry: EntryRow,
  allocations: Allocation[],
  customerId: string | null,
  basis: (typeof bankApplications.$inferInsert)['basis'],
  actor: Actor,
) => {
  if (entry.status !== 'review' && entry.status !== 'credit')
    throw new AppError(
      'invalid_transition',
      'Only an entry to review, or a customer credit, can be applied',
      {
        fields: [{ field: 'id', message: `the entry is ${entry.status}` }],
      },
    );
  const total = allocations.reduce((s, a) => s.plus(a.amount), new Decimal(0));
  const room = new Decimal(entry.amount).plus(entry.charges ?? 0).minus(entry.applied);
  if (total.gt(room))
    throw invalid('allocations', `Together at most the ${room.toFixed(2)} the entry still has to place`);
  const ids = [...new Set(allocations.map((a) => a.invoiceId))];
  if (ids.length !== allocations.length) throw invalid('allocations', 'Each invoice once');
  const docs = ids.length
    ? await tx.db
        .select({ id: invoices.id, currency: invoices.currency, customerId: invoices.customerId })
        .from(invoices)
        .where(and(eq(invoices.organizationId, entry.organizationId), inArray(invoices.id, ids)))
    : [];
  for (const [i, a] of allocations.entries()) {
    const d = docs.find((x) => x.id === a.invoiceId);
    if (!d) throw invalid(`allocations.${i}.invoiceId`, 'no such invoice');
    if (d.currency !== entry.currency)
      throw invalid(
        `allocations.${i}.invoiceId`,
        `the invoice is in ${d.currency}, the payment in ${entry.currency}`,
      );
  }
  const owners = new Set(docs.map((d) => d.customerId));
  const payer = customerId ?? entry.customerId ?? (owners.size === 1 ? ([...owners][0] ?? null) : null);
  if (payer && customerId) {
    const [c] = await tx.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.organizationId, entry.organizationId), eq(customers.id, payer)));
    if (!c) throw invalid('customerId', 'no such customer');
  }
  const now = deps.clock.now();
  const made: { invoiceId: string; amount: string; paymentId: string }[] = [];
  for (const a of allocations) {
    const earlier = await tx.db
      .select({ id: bankApplications.id })
      .from(bankApplications)
      .where(
        and(
          eq(bankApplications.organizationId, entry.organizationId),
          eq(bankApplications.entryId, entry.id),
          eq(bankApplications.invoiceId, a.invoiceId),
        ),
      );
    // The bank's reference is the payment's; applied again after an undo, it is numbered so it stays unique.
    const reference = earlier.length ? `${entry.ref} (${earlier.length + 1})` : entry.ref;
    const { paymentId } = await recordPaymentIn(
      tx,
      deps,
      entry.organizationId,
      {
        invoiceId: a.invoiceId,
        amount: a.amount,
        receivedOn: entry.bookedOn,
        method: 'bank_transfer',
        reference,
        quiet: actor.type === 'system',
      },
      actor,
    );
    await tx.db.insert(bankApplications).values({
      organizationId: entry.organizationId,
      id: deps.ids.uuid(),
      entryId: entry.id,
      invoiceId: a.invoiceId,
      paymentId,
      amount: new Decimal(a.amount).toFixed(2),
      basis,
      appliedByType: actor.type,
      appliedById: actor.id,
      appliedAt: now,
    });
    made.push({ ...a, paymentId });
  }
  const applied = new Decimal(entry.applied).plus(total);
  return changeEntry(
    tx,
    deps,
    entry,
    'bank_entry.applied',
    actor,
    {
      applied: applied.toFixed(2),
      customerId: payer,
      status: statusAfter(entry, applied, payer),
      matchedAt: deps.clock.now(),
    },
    {
      basis,
      customerId: payer,
      allocations: made,
      credit: leftOf({ amount: entry.amount, applied: applied.toFixed() }).toFixed(2),
    },
  );
};

const knownPayersOf = async (deps: Deps, organizationId: string): Promise<KnownPayers> => {
  const byIban = new Map<string, string | null>();
  const byName = new Map<string, string | null>();
  const learn = (m: Map<string, string | null>, k: string, c: string) =>
    m.set(k, m.has(k) && m.get(k) !== c ? null : c);
  for (const r of await learnedPayers(deps.database.raw, organizationId)) {
    if (r.iban) learn(byIban, ibanKey(r.iban), r.customerId);
    if (r.name) learn(byName, nameKey(r.name), r.customerId);
  }
  const sure = (m: Map<string, string | null>) =>
    new Map([...m].filter((e): e is [string, string] => e[1] !== null));
  return { byIban: sure(byIban), byName: sure(byName) };
};

/**
 * Matches entries to open invoices: a sure proposal is applied at once (by the system, audited as such), any
 * other is stored as the entry's suggestions for the review queue. Entries are taken one at a time in booking
 * order, and what each applies comes off the open items the next one sees.
 */
export const matchBankEntries = async (deps: Deps, organizationId: string, entryIds: string[] | 'all') => {
  if (entryIds !== 'all' && entryIds.length === 0) return { applied: 0, payouts: 0, toReview: 0 };
  const rows = await deps.database.db
    .select()
    .from(bankEntries)
    .where(
      and(
        eq(bankEntries.organizationId, organizationId),
        eq(bankEntries.status, 'review'),
        ...(entryIds === 'all' ? [] : [inArray(bankEntries.id, entryIds)]),
      ),
    )
    .orderBy(bankEntries.bookedOn, bankEntries.ref);
  if (rows.length === 0) return { applied: 0, payouts: 0, toReview: 0 };
  let open: OpenItem[] = await openItemsFor(deps.database.raw, organizationId, [
    ...new Set(rows.map((r) => r.currency)),
  ]);
  const known = await knownPayersOf(deps, organizationId);
  let applied = 0;
  let payouts = 0;
  for (const row of rows) {
    if (new Decimal(row.applied).gt(0)) continue;
    // A payout of the online payments first: it is no customer's payment.
    const payout = await deps.database.transaction(async (tx) => {
      const p = await payoutOfEntry(tx, organizationId, row);
      if (!p) return false;
      const locked = await lockEntry(tx, organizationId, row.id);
      if (locked.status !== 'review' || new Decimal(locked.applied).gt(0)) return false;
      await linkPayoutIn(tx, deps, locked, p, SYSTEM_ACTOR);
      return true;
    });
    if (payout) {
      payouts++;
      continue;
    }
    const proposals = matchEntry(parsedOf(row), open, known);
    const best = proposals[0];
    if (best?.sure) {
      try {
        await deps.database.transaction(async (tx) => {
          const locked = await lockEntry(tx, organizationId, row.id);
          if (locked.status !== 'review' || new Decimal(locked.applied).gt(0)) return;
          await applyIn(tx, deps, locked, best.allocations, best.customerId, best.basis, SYSTEM_ACTOR);
        });
        applied++;
        open = open.map((o) => {
          const a = best.allocations.find((x) => x.invoiceId === o.invoiceId);
          return a ? { ...o, outstanding: new Decimal(o.outstanding).minus(a.amount).toFixed(2) } : o;
        });
        continue;
      } catch (e) {
        // Paid meanwhile by someone else (the outstanding moved): the office decides, with the suggestion.
        if (!(e instanceof AppError)) throw e;
      }
    }
    await deps.database.transaction(async (tx) => {
      const locked = await lockEntry(tx, organizationId, row.id);
      if (locked.status !== 'review') return;
      await tx.db
        .update(bankEntries)
        .set({
          suggestions: proposals.map((p) => ({ ...p, sure: false })),
          matchedAt: deps.clock.now(),
          updatedAt: deps.clock.now(),
        })
        .where(and(eq(bankEntries.organizationId, organizationId), eq(bankEntries.id, row.id)));
    });
  }
  const toReview = rows.length - applied - payouts;
  // One notice per file for the people who work the queue, not one per payment (the office asking to match
  // again sees the answer on the page).
  if (entryIds === 'all') return { applied, payouts, toReview };
  const words = [
    applied > 0 ? `${applied} ${applied === 1 ? 'payment' : 'payments'} applied to invoices` : null,
    payouts > 0 ? `${payouts} ${payouts === 1 ? 'payout' : 'payouts'} of online payments reconciled` : null,
    toReview > 0 ? `${toReview} to review` : null,
  ].filter(Boolean);
  await deps.database.transaction(async (tx) => {
    for (const role of ['billing', 'owner'] as const)
      await notifyRole(tx, deps, organizationId, role, null, `Bank: ${words.join(', ')}.`, null, {
        kind: 'bank',
      });
  });
  return { applied, payouts, toReview };
};

/** The `bank.match` job: the credits of one statement the matching has not reached yet. */
export const matchStatement = async (deps: Deps, organizationId: string, statementId: string) => {
  const rows = await deps.database.db
    .select({ id: bankEntries.id })
    .from(bankEntries)
    .where(
      and(
        eq(bankEntries.organizationId, organizationId),
        eq(bankEntries.statementId, statementId),
        eq(bankEntries.status, 'review'),
        isNull(bankEntries.matchedAt),
      ),
    );
  return matchBankEntries(
    deps,
    organizationId,
    rows.map((r) => r.id),
  );
};

export type ApplyChoice =
  | { suggestion: number; version: number }
  | { allocations: Allocation[]; customerId: string | null; version: number };

const checkVersion = (row: EntryRow, version: number) => {
  if (row.version !== version)
    throw new AppError('changed_since', 'The entry changed since you loaded it', {
      fields: [{ field: 'version', message: `now ${row.version}` }],
    });
};

/** The office applies an entry: one of its suggestions, or invoices it chose (a customer's credit, later). */
export const applyBankEntry = (
  deps: Deps,
  organizationId: string,
  entryId: string,
  choice: ApplyChoice,
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const row = await lockEntry(tx, organizationId, entryId);
    checkVersion(row, choice.version);
    if ('suggestion' in choice) {
      const s: Proposal | undefined = row.suggestions[choice.suggestion];
      if (!s) throw invalid('suggestion', 'no such suggestion');
      return applyIn(tx, deps, row, s.allocations, s.customerId, s.basis, actor);
    }
    if (choice.allocations.length === 0 && !choice.customerId)
      throw invalid('allocations', 'Choose an invoice, or whose credit the payment is');
    return applyIn(tx, deps, row, choice.allocations, choice.customerId, 'office', actor);
  });

/**
 * Undoes everything applied from an entry (a wrong match): each payment it recorded is taken back, at the
 * provider too, and the entry returns to review. An ignored entry returns to review the same way.
 */
export const undoBankEntry = async (
  deps: Deps,
  organizationId: string,
  entryId: string,
  input: { reason: string; version: number },
  actor: Actor,
) => {
  const today = await todayOf(deps, organizationId);
  return deps.database.transaction(async (tx) => {
    const row = await lockEntry(tx, organizationId, entryId);
    checkVersion(row, input.version);
    if (row.status === 'outgoing' || (row.status === 'review' && new Decimal(row.applied).isZero()))
      throw new AppError('invalid_transition', 'Nothing to undo: the entry is not applied or ignored', {
        fields: [{ field: 'id', message: `the entry is ${row.status}` }],
      });
    const apps = await tx.db
      .select({
        id: bankApplications.id,
        paymentId: bankApplications.paymentId,
        amount: bankApplications.amount,
      })
      .from(bankApplications)
      .where(
        and(
          eq(bankApplications.organizationId, organizationId),
          eq(bankApplications.entryId, row.id),
          isNull(bankApplications.undoneAt),
        ),
      );
    for (const a of apps) {
      const [p] = await tx.db
        .select({ reversedAt: payments.reversedAt })
        .from(payments)
        .where(and(eq(payments.organizationId, organizationId), eq(payments.id, a.paymentId)));
      // A payment the bank itself took back meanwhile (a chargeback) is already off the invoice.
      if (p && !p.reversedAt)
        await reversePaymentIn(
          tx,
          deps,
          organizationId,
          {
            paymentId: a.paymentId,
            amount: new Decimal(a.amount).toFixed(2),
            on: today,
            reference: input.reason,
            cause: 'bank_unmatched',
          },
          actor,
        );
      await tx.db
        .update(bankApplications)
        .set({ undoneAt: deps.clock.now(), undoneById: actor.id })
        .where(and(eq(bankApplications.organizationId, organizationId), eq(bankApplications.id, a.id)));
    }
    return changeEntry(
      tx,
      deps,
      row,
      row.status === 'ignored'
        ? 'bank_entry.restored'
        : row.status === 'payout'
          ? 'bank_entry.payout_unlinked'
          : 'bank_entry.undone',
      actor,
      { status: 'review', applied: '0', customerId: null, ignoredBecause: null, payoutId: null },
      { undone: apps.map((a) => ({ paymentId: a.paymentId, amount: a.amount })), payoutId: row.payoutId },
      input.reason,
    );
  });
};

/** Not a customer's payment (a transfer between own accounts, a loan, a refund from a supplier): set aside, with why. */
export const ignoreBankEntry = (
  deps: Deps,
  organizationId: string,
  entryId: string,
  input: { reason: string; version: number },
  actor: Actor,
) =>
  deps.database.transaction(async (tx) => {
    const row = await lockEntry(tx, organizationId, entryId);
    checkVersion(row, input.version);
    if (row.status !== 'review' || new Decimal(row.applied).gt(0))
      throw new AppError(
        'invalid_transition',
        'Only an entry to review with nothing applied can be set aside',
        {
          fields: [{ field: 'id', message: `the entry is ${row.status}` }],
        },
      );
    return changeEntry(
      tx,
      deps,
      row,
      'bank_entry.ignored',
      actor,
      { status: 'ignored', ignoredBecause: input.reason },
      {},
      input.reason,
    );
  });
