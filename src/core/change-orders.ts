import Decimal from 'decimal.js';

/**
 * Change orders (#22): a structured amendment to a job's agreed scope (its estimate, usually the accepted
 * quote), never free text. Lines are added to it or taken off it (a reprice is one of each); the customer
 * approves it in person on the technician's phone or by a link, and only approved ones reach the invoice,
 * each under its own heading after the original scope. Pure: the server, the office and the phones share it.
 */
export const CHANGE_ORDER_STATUSES = [
  'draft',
  'sent',
  'viewed',
  'approved',
  'declined',
  'withdrawn',
] as const;
export type ChangeOrderStatus = (typeof CHANGE_ORDER_STATUSES)[number];
export type ChangeOrderAction = 'send' | 'view' | 'approve' | 'decline' | 'withdraw';

const TABLE: Record<ChangeOrderStatus, Partial<Record<ChangeOrderAction, ChangeOrderStatus>>> = {
  // In person the customer signs the draft on the technician's phone; otherwise it is sent as a link.
  draft: { send: 'sent', approve: 'approved', decline: 'declined', withdraw: 'withdrawn' },
  sent: { send: 'sent', view: 'viewed', approve: 'approved', decline: 'declined', withdraw: 'withdrawn' },
  viewed: { send: 'viewed', view: 'viewed', approve: 'approved', decline: 'declined', withdraw: 'withdrawn' },
  // The customer's answer is final: a further change is another change order.
  approved: {},
  declined: {},
  withdrawn: {},
};

export const isChangeOrderStatus = (s: string): s is ChangeOrderStatus =>
  (CHANGE_ORDER_STATUSES as readonly string[]).includes(s);

export const changeOrderTransition = (
  from: ChangeOrderStatus,
  action: ChangeOrderAction,
): { ok: true; to: ChangeOrderStatus } | { ok: false; allowed: ChangeOrderAction[] } => {
  const to = TABLE[from][action];
  return to ? { ok: true, to } : { ok: false, allowed: Object.keys(TABLE[from]) as ChangeOrderAction[] };
};

/** Open: the customer may still answer it. */
export const isOpenChangeOrder = (s: ChangeOrderStatus) => s === 'draft' || s === 'sent' || s === 'viewed';

/** A line of agreed scope, as the job's estimate keeps it (quantity signed on a change order's removals). */
export type ScopeLine = {
  sku: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
  /** The line's own tax code, when it is taxed apart from its item (a quote's line); else the item's. */
  taxCodeId?: string | null | undefined;
};

/** A change order line: work added to the scope, or taken off it, at its unit price. Quantity is positive. */
export type ChangeOrderLine = ScopeLine & { change: 'add' | 'remove' };

/** The change order's lines as scope: a removal is the same line with its quantity negated. */
export const signedLines = (lines: readonly ChangeOrderLine[]): ScopeLine[] =>
  lines.map(({ change, ...l }) => ({
    ...l,
    quantity: change === 'remove' ? new Decimal(l.quantity).neg().toFixed() : l.quantity,
  }));

/** The scope after the approved change orders, in order: the original lines, then each order's lines. */
export const agreedScope = (
  estimate: readonly ScopeLine[],
  approved: readonly { lines: readonly ChangeOrderLine[] }[],
): ScopeLine[] => [...estimate, ...approved.flatMap((c) => signedLines(c.lines))];

/** Which item of the scope a line is: its SKU, else its description at its price. */
const keyOf = (l: ScopeLine) => (l.sku ? `sku:${l.sku}` : `text:${l.description.trim()}|${l.unitPrice}`);

/**
 * A removal taxed as the line it takes off: the scope's line of the same item lends its tax code, so taking
 * off a quote's reduced-rate line takes off exactly what it added.
 */
export const withScopeTax = (
  before: readonly ScopeLine[],
  lines: readonly ChangeOrderLine[],
): ChangeOrderLine[] =>
  lines.map((l) => {
    if (l.change !== 'remove') return l;
    const match = before.find((b) => keyOf(b) === keyOf(l) && !b.quantity.startsWith('-'));
    return match?.taxCodeId ? { ...l, taxCodeId: match.taxCodeId } : l;
  });

/**
 * What a change order may not take off: more of an item than the scope before it holds (by SKU, else by
 * description and price). Returns the line indexes that remove too much.
 */
export const overRemovals = (before: readonly ScopeLine[], lines: readonly ChangeOrderLine[]): number[] => {
  const held = new Map<string, Decimal>();
  for (const l of before) held.set(keyOf(l), (held.get(keyOf(l)) ?? new Decimal(0)).plus(l.quantity));
  for (const l of lines)
    if (l.change === 'add') held.set(keyOf(l), (held.get(keyOf(l)) ?? new Decimal(0)).plus(l.quantity));
  const bad: number[] = [];
  lines.forEach((l, i) => {
    if (l.change !== 'remove') return;
    const left = (held.get(keyOf(l)) ?? new Decimal(0)).minus(l.quantity);
    if (left.isNeg()) bad.push(i);
    else held.set(keyOf(l), left);
  });
  return bad;
};

/** A change order as people name it: "J-1042 change order 2". */
export const changeOrderName = (jobNo: string, seq: number) => `${jobNo} change order ${seq}`;
