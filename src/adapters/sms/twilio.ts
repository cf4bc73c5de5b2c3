import twilio from 'twilio';
import { z } from 'zod';
import {
  type SmsCredentials,
  type SmsProvider,
  type SmsProviders,
  SmsRefused,
  SmsRetryLater,
  type TextMessage,
} from '../../app/messages/sms-port';

/** The parts of Twilio's Message resource the application acts on. */
const Sent = z.object({ sid: z.string().min(1), status: z.string().min(1) });

/** Twilio's error codes that no retry can mend (https://www.twilio.com/docs/api/errors). */
const INVALID_NUMBER = new Set([21211, 21214, 21217, 21401, 21407, 21408, 21612, 21614]);
const OPTED_OUT = 21610;

const sendWith = (c: SmsCredentials, timeoutMs: number) => {
  const client = twilio(c.accountSid, c.authToken, { timeout: timeoutMs, autoRetry: false });
  // A stand-in for Twilio's API (a gateway, a test's fake) is addressed instead of api.twilio.com.
  if (c.apiBaseUrl) client.api.baseUrl = c.apiBaseUrl.replace(/\/$/, '');
  return async (m: TextMessage) => {
    try {
      const sent = await client.messages.create({
        to: m.to,
        body: m.body,
        statusCallback: m.statusCallback,
        ...(c.sender.startsWith('MG') ? { messagingServiceSid: c.sender } : { from: c.sender }),
      });
      const parsed = Sent.parse({ sid: sent.sid, status: sent.status });
      return { id: parsed.sid, status: parsed.status };
    } catch (err) {
      const e = err as { status?: number; code?: number; message?: string };
      if (typeof e.code === 'number' && e.code === OPTED_OUT)
        throw new SmsRefused('The number opted out of texts with the carrier', 'opted_out');
      if (typeof e.code === 'number' && INVALID_NUMBER.has(e.code))
        throw new SmsRefused(`The number cannot receive texts (Twilio ${e.code})`, 'invalid_number');
      if (e.status === 429 || (typeof e.status === 'number' && e.status >= 500))
        throw new SmsRetryLater(`Twilio answered ${e.status}: ${e.message ?? 'try again later'}`);
      if (e.status === 401 || e.status === 403)
        throw new SmsRefused(
          'Twilio refused the account’s credentials: reconnect texts in Settings',
          'refused',
        );
      if (typeof e.status === 'number' && e.status >= 400)
        throw new SmsRefused(`Twilio refused the text: ${e.message ?? e.status}`, 'refused');
      throw err;
    }
  };
};

export const twilioProvider: SmsProvider = {
  gateway: (c, timeoutMs) => ({ send: sendWith(c, timeoutMs) }),
  verify: (authToken, signature, url, params) => twilio.validateRequest(authToken, signature, url, params),
};

export const SMS_PROVIDERS: SmsProviders = { twilio: twilioProvider };
