/**
 * A customer's statement of account for a period, in one currency: the balance brought forward, every
 * movement in the period with a running balance (documents issued, payments, refunds, payments taken back),
 * the balance carried, and what is open at the end, aged by due date. Pure: the entries come in, the
 * statement comes out; its balance and its open items are two sums of the same entries, so they agree.
 */

import Decimal from 'decimal.js';
import { en } from './i18n/en';

export type StatementEntryKind =
  | 'invoice'
  | 'credit_note'
  | 'payment'
  | 'payment_reversed'
  | 'refund'
  | 'written_off';

/** One movement: what the customer owes goes up (positive) or down (negative). `group` is the invoice it belongs to. */
export type StatementEntry = {
  date: string;
  kind: StatementEntryKind;
  /** The document's number; for money, the document it was paid against. */
  number: string;
  group: string;
  amount: string;
  reference: string | null;
};

/** The invoice a group stands for: its number and dates. */
export type StatementDocument = { group: string; number: string; issueDate: string; dueDate: string | null };

export const AGE_BANDS = ['current', 'days_1_30', 'days_31_60', 'days_61_90', 'days_over_90'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];
export const AGE_WORDS: Record<AgeBand, string> = en.statement.ages;

const DAY_MS = 86_400_000;
export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

const bandOf = (dueDate: string | null, asOf: string): AgeBand => {
  const late = dueDate ? daysBetween(dueDate, asOf) : 0;
  if (late <= 0) return 'current';
  if (late <= 30) return 'days_1_30';
  if (late <= 60) return 'days_31_60';
  if (late <= 90) return 'days_61_90';
  return 'days_over_90';
};

const ORDER: Record<StatementEntryKind, number> = {
  invoice: 0,
  credit_note: 1,
  payment: 2,
  refund: 3,
  payment_reversed: 4,
  written_off: 5,
};

export type Statement = ReturnType<typeof buildStatement>;

export const buildStatement = (input: {
  from: string;
  to: string;
  decimals: number;
  entries: readonly StatementEntry[];
  documents: readonly StatementDocument[];
}) => {
  const { from, to, decimals } = input;
  const fix = (d: Decimal) => d.toFixed(decimals);
  const upTo = input.entries.filter((e) => e.date <= to);
  const opening = upTo.filter((e) => e.date < from).reduce((s, e) => s.plus(e.amount), new Decimal(0));
  let running = opening;
  const lines = upTo
    .filter((e) => e.date >= from)
    .sort(
      (a, b) =>
        a.date.localeCompare(b.date) || ORDER[a.kind] - ORDER[b.kind] || a.number.localeCompare(b.number),
    )
    .map((e) => {
      running = running.plus(e.amount);
      return { ...e, amount: fix(new Decimal(e.amount)), balance: fix(running) };
    });
  const net = new Map<string, Decimal>();
  for (const e of upTo) net.set(e.group, (net.get(e.group) ?? new Decimal(0)).plus(e.amount));
  const docs = new Map(input.documents.map((d) => [d.group, d]));
  const open = [...net.entries()]
    .filter(([, amount]) => !amount.isZero())
    .map(([group, amount]) => {
      const d = docs.get(group);
      const owed = amount.gt(0);
      return {
        number: d?.number ?? '',
        issueDate: d?.issueDate ?? '',
        dueDate: d?.dueDate ?? null,
        /** Positive: the customer owes it; negative: a credit Closeout owes them (to refund or set off). */
        amount: fix(amount),
        daysOverdue: owed && d?.dueDate ? Math.max(0, daysBetween(d.dueDate, to)) : 0,
        band: owed ? bandOf(d?.dueDate ?? null, to) : ('current' as AgeBand),
      };
    })
    .sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.number.localeCompare(b.number));
  const aging = Object.fromEntries(AGE_BANDS.map((b) => [b, new Decimal(0)])) as Record<AgeBand, Decimal>;
  for (const o of open) if (new Decimal(o.amount).gt(0)) aging[o.band] = aging[o.band].plus(o.amount);
  const credits = open
    .filter((o) => new Decimal(o.amount).lt(0))
    .reduce((s, o) => s.plus(o.amount), new Decimal(0));
  return {
    from,
    to,
    opening: fix(opening),
    lines,
    closing: fix(running),
    open,
    aging: AGE_BANDS.map((band) => ({ band, amount: fix(aging[band]) })),
    /** Credits the customer holds (negative), shown beside the aging. */
    credits: fix(credits),
    overdue: fix(AGE_BANDS.filter((b) => b !== 'current').reduce((s, b) => s.plus(aging[b]), new Decimal(0))),
  };
};

// The customer's document says what happened to their balance, never the internal reason (a write-off).
export const ENTRY_WORDS: Record<StatementEntryKind, string> = en.statement.entries;
