import { z } from 'zod';

/** Connecting the organization's Peppol access point (Storecove), which carries its e-invoices. */
export const ConnectPeppolBody = z.strictObject({
  provider: z.enum(['storecove']).default('storecove'),
  apiKey: z.string().trim().min(16, 'the API key from the access point, at least 16 characters').max(400),
  /** The sender as the access point knows it: Storecove's legal entity ID (a number). */
  senderAccount: z
    .string()
    .trim()
    .regex(/^\d{1,12}$/, 'the legal entity ID, a number such as 100443'),
  /** A stand-in for the provider's API (a gateway); the provider's own when absent. */
  apiBaseUrl: z.url().optional(),
});

export const PeppolSettings = z
  .object({
    connected: z.boolean(),
    provider: z.enum(['storecove']).nullable(),
    /** The API key's last characters, to tell keys apart without showing it. */
    keyHint: z.string().nullable(),
    senderAccount: z.string().nullable(),
    /** The business's own Peppol ID (billing settings): without it no document is a Peppol one. */
    participantId: z.string().nullable(),
  })
  .meta({ id: 'PeppolSettings' });
