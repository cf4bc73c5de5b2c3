import { z } from 'zod';
import { WRITE_OFF_REASONS } from '../core/write-offs';
import { CurrencyCode, Day, Instant, PositiveAmount } from './common';

/** Write-offs (#24): what is left on an invoice, given up with a reason; above the limit, the owner decides. */

export const WriteOffBody = z.strictObject({
  /** What is left on the invoice, as the caller read it: it must equal the balance. */
  amount: PositiveAmount,
  reason: z.enum(WRITE_OFF_REASONS),
  /** Why, for the owner and the audit trail (never shown to the customer). */
  note: z.string().trim().min(3).max(1000),
  /** The invoice's version the caller read. */
  version: z.number().int().min(1),
});

export const DecideWriteOffBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  /** Required to refuse. */
  note: z.string().trim().max(1000).optional(),
});

export const WriteOffListQuery = z.strictObject({
  status: z.enum(['pending', 'applied', 'rejected', 'withdrawn']).optional(),
  invoiceId: z.uuid().optional(),
  customerId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const WriteOff = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid(),
    invoiceNumber: z.string().nullable(),
    customerId: z.uuid().nullable(),
    customerName: z.string().nullable(),
    dueDate: Day.nullable(),
    amount: z.string(),
    currency: CurrencyCode,
    reason: z.enum(WRITE_OFF_REASONS),
    note: z.string(),
    status: z.enum(['pending', 'applied', 'rejected', 'withdrawn']),
    requestedBy: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decisionNote: z.string().nullable(),
    appliedOn: Day.nullable(),
    createdAt: Instant,
    decidedAt: Instant.nullable(),
  })
  .meta({ id: 'WriteOff' });

export const WriteOffResult = z.object({
  writeOff: WriteOff,
  /** The invoice after it: written off, or unchanged while the request waits for the owner. */
  invoiceStatus: z.string(),
  invoiceVersion: z.number().int(),
});
