import { z } from 'zod';

/** Connecting the organization's Twilio account for texts to customers. */
export const ConnectSmsBody = z.strictObject({
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio account SID: AC and 32 hexadecimal characters'),
  authToken: z.string().trim().min(16).max(200),
  /** The sender: a number in E.164 (+353…) or a messaging service SID (MG…). */
  sender: z
    .string()
    .trim()
    .regex(
      /^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/,
      'a number such as +353861234567, or a messaging service SID (MG…)',
    ),
  /** A stand-in for Twilio's API (a gateway); Twilio's own when absent. */
  apiBaseUrl: z.url().optional(),
  monthlyCap: z.number().int().min(0).max(1_000_000).default(500),
  /** No text in these hours of the business's day (start to end, may wrap midnight); equal: none quiet. */
  quietStart: z.number().int().min(0).max(23).default(21),
  quietEnd: z.number().int().min(0).max(23).default(8),
});

export const SmsSettings = z
  .object({
    connected: z.boolean(),
    provider: z.enum(['twilio']).nullable(),
    /** The account SID's last characters, to tell accounts apart without showing it. */
    accountHint: z.string().nullable(),
    sender: z.string().nullable(),
    monthlyCap: z.number().int(),
    quietStart: z.number().int(),
    quietEnd: z.number().int(),
    sentThisMonth: z.number().int(),
    /** Numbers that replied STOP. */
    optedOut: z.number().int(),
    /** Set as the status callback and the number's messaging webhook at Twilio. */
    statusUrl: z.string(),
    inboundUrl: z.string(),
  })
  .meta({ id: 'SmsSettings' });

export const SmsWebhookParams = z.strictObject({
  organizationId: z.uuid(),
  hook: z.enum(['status', 'inbound']),
});
/** Twilio posts form fields; every value is text. */
export const SmsWebhookBody = z.record(z.string(), z.string());
