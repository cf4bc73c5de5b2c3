import { z } from 'zod';
import { CurrencyCode, Day, Decimal, Instant, PositiveAmount } from './common';

/** Bank reconciliation (#24): statement imports, the CSV column mapping, entries and their matches. */

const Column = z.number().int().min(0).max(99);
export const DATE_FORMATS = ['YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYYMMDD'] as const;

/** How a bank's CSV export reads; columns are counted from 0. Amount is one signed column, or credit and debit. */
export const CsvMapping = z
  .strictObject({
    delimiter: z.enum([',', ';', '\t', '|']),
    /** Lines before the header (a bank's title rows). */
    skipLines: z.number().int().min(0).max(20),
    hasHeader: z.boolean(),
    date: Column,
    dateFormat: z.enum(DATE_FORMATS),
    amount: Column.nullable(),
    credit: Column.nullable(),
    debit: Column.nullable(),
    decimalMark: z.enum(['.', ',']),
    /** The remittance text: one column or several read together. */
    text: z.array(Column).min(1).max(4),
    name: Column.nullable(),
    iban: Column.nullable(),
    /** The bank's ID of the transaction, when the export has one (else the line's content identifies it). */
    reference: Column.nullable(),
    currency: CurrencyCode,
    /** The account the export is of: its IBAN or a name. */
    account: z.string().trim().min(1).max(60),
  })
  .refine((m) => m.amount !== null || m.credit !== null, {
    message: 'an amount column, or a credit column',
    path: ['amount'],
  })
  .meta({ id: 'CsvMapping' });
export type CsvMapping = z.infer<typeof CsvMapping>;

/** A bank file up to 5 MB, as its text (the browser reads the file, so no upload of a binary is involved). */
export const BankImportBody = z.strictObject({
  fileName: z.string().trim().min(1).max(200),
  content: z.string().min(1).max(5_000_000),
  /** For a CSV: how to read it, given or saved earlier. */
  mapping: CsvMapping.optional(),
  mappingId: z.uuid().optional(),
  /** Save the mapping given under this name (the bank's), for the next file. */
  saveMappingAs: z.string().trim().min(1).max(80).optional(),
});

export const CsvPreviewBody = z.strictObject({ content: z.string().min(1).max(5_000_000) });
export const CsvPreview = z.object({
  rows: z.array(z.array(z.string())),
  /** A first guess at the mapping, from the header's words and the values' shapes. */
  guess: CsvMapping,
});

export const SavedCsvMapping = z
  .object({ id: z.uuid(), name: z.string(), mapping: CsvMapping })
  .meta({ id: 'SavedCsvMapping' });

export const BankStatement = z
  .object({
    id: z.uuid(),
    format: z.enum(['camt053', 'camt054', 'csv']),
    reference: z.string(),
    account: z.string(),
    fileName: z.string(),
    from: Day.nullable(),
    to: Day.nullable(),
    opening: Decimal.nullable(),
    closing: Decimal.nullable(),
    currency: z.string().nullable(),
    entryCount: z.number().int(),
    duplicateCount: z.number().int(),
    applied: z.number().int(),
    toReview: z.number().int(),
    /** Credits the background matching has not reached yet (a large file); 0 once it is done. */
    unmatched: z.number().int(),
    importedAt: Instant,
  })
  .meta({ id: 'BankStatement' });

export const BankImportResult = z.object({
  statements: z.array(BankStatement),
  /** Entries the files brought that were new; those seen before add nothing. */
  added: z.number().int(),
  duplicates: z.number().int(),
  applied: z.number().int(),
  /** Credits that are a payment provider's payouts, reconciled with them. */
  payouts: z.number().int(),
  toReview: z.number().int(),
  /** Credits being matched in the background (a large file): the statements show how far it got. */
  matching: z.number().int(),
});

export const MATCH_BASES = ['reference', 'payer_and_amount', 'payer', 'amount', 'office'] as const;
const Allocation = z.object({
  invoiceId: z.uuid(),
  number: z.string().nullable(),
  amount: Decimal,
  outstanding: Decimal,
  dueDate: Day.nullable(),
});

export const BankSuggestion = z.object({
  basis: z.enum(MATCH_BASES),
  sure: z.boolean(),
  customer: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  allocations: z.array(Allocation),
  credit: Decimal,
  charges: Decimal,
});

export const BankEntryStatus = z.enum(['review', 'applied', 'credit', 'ignored', 'outgoing', 'payout']);

export const BankEntry = z
  .object({
    id: z.uuid(),
    statementId: z.uuid(),
    bookedOn: Day,
    amount: Decimal,
    currency: z.string(),
    counterpartyName: z.string().nullable(),
    counterpartyIban: z.string().nullable(),
    remittance: z.string(),
    structuredRef: z.string().nullable(),
    charges: Decimal.nullable(),
    status: BankEntryStatus,
    customer: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    applied: Decimal,
    /** What of the entry is the customer's credit, not yet applied to an invoice. */
    credit: Decimal,
    ignoredBecause: z.string().nullable(),
    suggestions: z.array(BankSuggestion),
    applications: z.array(
      z.object({
        id: z.uuid(),
        invoiceId: z.uuid(),
        number: z.string().nullable(),
        amount: Decimal,
        basis: z.enum(MATCH_BASES),
        /** Applied by the matching itself (a sure match), not by a person. */
        automatic: z.boolean(),
        appliedAt: Instant,
        undoneAt: Instant.nullable(),
      }),
    ),
    /** The provider's payout this credit is: the online payments it settles and the fees kept. */
    payout: z
      .object({
        id: z.uuid(),
        provider: z.string(),
        arrivalDate: Day,
        gross: Decimal,
        fees: Decimal,
        items: z.array(
          z.object({
            kind: z.enum(['charge', 'refund', 'adjustment', 'other']),
            invoiceId: z.uuid().nullable(),
            number: z.string().nullable(),
            gross: Decimal,
            fee: Decimal,
          }),
        ),
      })
      .nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'BankEntry' });

export const BankEntriesQuery = z.strictObject({
  status: z.enum(['review', 'applied', 'credit', 'ignored', 'outgoing', 'payout', 'all']).default('review'),
  statementId: z.uuid().optional(),
  /** One customer's entries (their credit not yet applied, with `status=credit`). */
  customerId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Apply an entry: one of its suggestions by position, or invoices the office chose. */
export const ApplyBankEntryBody = z.union([
  z.strictObject({ suggestion: z.number().int().min(0).max(9), version: z.number().int() }),
  z.strictObject({
    allocations: z.array(z.strictObject({ invoiceId: z.uuid(), amount: PositiveAmount })).max(20),
    /** Whose payment it is: needed when no invoice says so, to keep the rest as their credit. */
    customerId: z.uuid().nullable(),
    version: z.number().int(),
  }),
]);

export const BankEntryReasonBody = z.strictObject({
  reason: z.string().trim().min(3).max(500),
  version: z.number().int(),
});
