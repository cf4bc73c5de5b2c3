import { ConnectorError } from '../../app/accounting/port';

/**
 * The step stops for a person: the provider has a contact under our customer's name with the same e-mail,
 * perhaps this customer from before Closeout. Linking it or making a new one is their call.
 */
export const contactMatchError = (
  provider: string,
  contact: { customerId: string; name: string },
  holder: { id: string; name: string; email: string | null },
) =>
  new ConnectorError(
    `${provider} already has a contact named “${holder.name}” with the same e-mail${holder.email ? ` (${holder.email})` : ''}: link this customer to it, or make a new contact`,
    {
      retryable: false,
      providerCode: 'contact_match',
      contactMatch: { customerId: contact.customerId, ...holder },
    },
  );

/** Whether two e-mail addresses are the same mailbox as people type them (case and spaces aside). */
export const sameEmail = (a: string | null | undefined, b: string | null | undefined) =>
  !!a?.trim() && !!b?.trim() && a.trim().toLowerCase() === b.trim().toLowerCase();

/** A name no other contact has: ours with a part of our customer ID that is random, not a timestamp. */
export const disambiguated = (c: { name: string; customerId: string }) =>
  `${c.name.trim()} [${c.customerId.replaceAll('-', '').slice(-6)}]`;
