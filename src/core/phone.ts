import type { CountryCode } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * A number a text can reach, in E.164 (+353871234567), read in the business's country when it has no
 * prefix; null when it is not a valid mobile (a landline cannot receive texts).
 */
export const mobileOf = (raw: string | null | undefined, country: string): string | null => {
  if (!raw) return null;
  const n = parsePhoneNumberFromString(raw, country as CountryCode);
  if (!n?.isValid()) return null;
  const type = n.getType();
  if (type !== undefined && type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return null;
  return n.number;
};
