/** A name no other contact has: ours with a part of our customer ID that is random, not a timestamp. */
export const disambiguated = (c: { name: string; customerId: string }) =>
  `${c.name.trim()} [${c.customerId.replaceAll('-', '').slice(-6)}]`;
