/**
 * The text-message port (#25): what the application asks of an SMS provider (Twilio first), owned here and
 * implemented in src/adapters/sms. A provider's answer can be lost: a send whose outcome is unknown is never
 * repeated (the message is marked so), because providers take no idempotency key for a text.
 */

export type TextMessage = {
  /** E.164. */
  to: string;
  body: string;
  /** Where the provider reports delivery (signed). */
  statusCallback: string;
};

export type SmsReceipt = { id: string; status: string };

/** The provider refused this text for good: a number that cannot get texts, or one that opted out with it. */
export class SmsRefused extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid_number' | 'opted_out' | 'refused',
  ) {
    super(message);
  }
}

/** The provider asked us to slow down, or failed on its side: the same text may be tried again later. */
export class SmsRetryLater extends Error {}

export type SmsCredentials = {
  accountSid: string;
  authToken: string;
  sender: string;
  apiBaseUrl: string | null;
};

export type SmsGateway = { send(message: TextMessage): Promise<SmsReceipt> };

export type SmsProvider = {
  gateway(credentials: SmsCredentials, timeoutMs: number): SmsGateway;
  /** Whether a request the provider signed (a delivery report, a reply) is genuine, checked with its library. */
  verify(authToken: string, signature: string, url: string, params: Record<string, string>): boolean;
};

export type SmsProviders = { twilio: SmsProvider };
