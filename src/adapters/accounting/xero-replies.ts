import { z } from 'zod';
import { ConnectorError } from '../../app/accounting/port';
import type { ErrorReader } from './http';

/** What Xero answers, as its API documents it: every reply is parsed before it is believed. */

export const Contacts = z
  .object({ Contacts: z.array(z.object({ ContactID: z.string().min(1) }).loose()).min(1) })
  .loose();
export const ContactList = z
  .object({
    Contacts: z
      .array(
        z
          .object({
            ContactID: z.string().min(1),
            Name: z.string().optional(),
            EmailAddress: z.string().optional(),
          })
          .loose(),
      )
      .default([]),
  })
  .loose();
export const Organisations = z
  .object({ Organisations: z.array(z.object({ Name: z.string().min(1) }).loose()).min(1) })
  .loose();
/** What a looked-up document must show to be ours: its type, contact, total and our reference. */
export const Found = {
  Type: z.string().optional(),
  Contact: z.object({ ContactID: z.string().optional() }).loose().optional(),
  Total: z.number().optional(),
  Reference: z.string().optional(),
  Status: z.string().optional(),
};
export const Invoices = z
  .object({ Invoices: z.array(z.object({ InvoiceID: z.string().min(1), ...Found }).loose()) })
  .loose();
export const CreditNotes = z
  .object({
    CreditNotes: z.array(
      z
        .object({
          CreditNoteID: z.string().min(1),
          ...Found,
          Allocations: z
            .array(
              z
                .object({
                  AllocationID: z.string().optional(),
                  Amount: z.number(),
                  Invoice: z.object({ InvoiceID: z.string() }).loose(),
                })
                .loose(),
            )
            .optional(),
        })
        .loose(),
    ),
  })
  .loose();
export const Payments = z
  .object({
    Payments: z.array(
      z
        .object({
          PaymentID: z.string().min(1),
          Amount: z.number().optional(),
          Reference: z.string().optional(),
          Status: z.string().optional(),
        })
        .loose(),
    ),
  })
  .loose();
export const AttachmentList = z
  .object({
    Attachments: z
      .array(z.object({ AttachmentID: z.string().min(1), FileName: z.string().optional() }).loose())
      .default([]),
  })
  .loose();
export const Allocations = z
  .object({ Allocations: z.array(z.object({ AllocationID: z.string().optional() }).loose()).min(1) })
  .loose();

/** Xero answers validation failures with Elements[].ValidationErrors[].Message. */
export const readError: ErrorReader = (status, body) => {
  const b = body as {
    Type?: string;
    Message?: string;
    Detail?: string;
    Title?: string;
    Elements?: { ValidationErrors?: { Message?: string }[] }[];
  } | null;
  const validation = b?.Elements?.flatMap((e) => e.ValidationErrors ?? [])
    .map((v) => v.Message)
    .filter(Boolean);
  return {
    code: b?.Type ?? (status === 400 ? 'ValidationException' : null),
    message: validation?.length
      ? validation.join('; ')
      : (b?.Message ??
        b?.Detail ??
        b?.Title ??
        (typeof body === 'string' ? body.slice(0, 300) : `HTTP ${status}`)),
  };
};

export const parse = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new ConnectorError(`Xero's reply to ${what} is not what its API documents`, {
      retryable: false,
      providerCode: 'bad_reply',
    });
  return r.data;
};
