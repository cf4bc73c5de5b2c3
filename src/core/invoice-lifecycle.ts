/**
 * The invoice's state machine. A draft is rebuilt from its job until issued; issuing freezes the
 * document and gives it its number. Payments and credit notes move it on; only money taken back by the
 * customer's bank (a chargeback) moves a paid document back to owing.
 */
export const INVOICE_STATUSES = [
  'draft',
  'needs_review',
  'issued',
  'sent',
  'partially_paid',
  'paid',
  'credited',
  'written_off',
  'void',
] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export type InvoiceAction =
  | 'issue'
  | 'fail'
  | 'reprocess'
  | 'send'
  | 'pay_part'
  | 'pay_full'
  | 'unpay_part'
  | 'unpay_full'
  | 'credit_full'
  | 'write_off'
  | 'discard';

const TABLE: Record<InvoiceStatus, Partial<Record<InvoiceAction, InvoiceStatus>>> = {
  // A draft never numbered is discarded (void) when its job is closed as not billable; it stays on record.
  draft: { issue: 'issued', fail: 'needs_review', discard: 'void' },
  // A document that broke an EN 16931 rule waits here, with the rule IDs, until the office reprocesses it.
  needs_review: { reprocess: 'draft', fail: 'needs_review', discard: 'void' },
  issued: {
    send: 'sent',
    pay_part: 'partially_paid',
    pay_full: 'paid',
    credit_full: 'credited',
    write_off: 'written_off',
  },
  sent: {
    send: 'sent',
    pay_part: 'partially_paid',
    pay_full: 'paid',
    credit_full: 'credited',
    write_off: 'written_off',
  },
  partially_paid: {
    write_off: 'written_off',
    send: 'partially_paid',
    pay_part: 'partially_paid',
    pay_full: 'paid',
    credit_full: 'credited',
    unpay_part: 'partially_paid',
    unpay_full: 'sent',
  },
  // A payment reversed leaves it part paid, or owed in full (the customer has it: they had paid it).
  paid: { send: 'paid', credit_full: 'credited', unpay_part: 'partially_paid', unpay_full: 'sent' },
  credited: {},
  // The rest given up (a write-off): settled without cash; final, like a credited document.
  written_off: {},
  void: {},
};

export const isInvoiceStatus = (s: string): s is InvoiceStatus =>
  (INVOICE_STATUSES as readonly string[]).includes(s);

export const invoiceTransition = (
  from: InvoiceStatus,
  action: InvoiceAction,
): { ok: true; to: InvoiceStatus } | { ok: false; allowed: string[] } => {
  const to = TABLE[from][action];
  return to ? { ok: true, to } : { ok: false, allowed: Object.keys(TABLE[from]) };
};

/**
 * Holds on a draft that a person passes by issuing it (auto-issue off, a PO still to add, the re-invoice
 * after a credit); any other hold blocks issuing until its cause is fixed and the draft is rebuilt.
 */
export const PASSABLE_HOLDS: readonly string[] = ['auto_issue_off', 'po_missing', 'after_credit'];
