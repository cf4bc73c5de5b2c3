import type { Role } from './roles';

/** The roles an organization's "second factor required" setting covers: those who move money or grant access. */
export const SECOND_FACTOR_ROLES: readonly Role[] = ['owner', 'billing'];

/** Whether this person must have a second factor before they may do anything else. */
export const mustUseSecondFactor = (roles: readonly Role[], organizationRequires: boolean): boolean =>
  organizationRequires && roles.some((r) => SECOND_FACTOR_ROLES.includes(r));

/** Recovery codes: ten, each 12 characters of an alphabet without look-alikes, shown as xxxx-xxxx-xxxx. */
export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code from random bytes (one byte per character, rejection-free: 256 % 31 bias is < 1 %). */
export const recoveryCodeFrom = (bytes: Uint8Array): string => {
  const chars = [...bytes.slice(0, 12)].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8, 12).join('')}`;
};

/** How a code is compared: case, spaces and dashes as people type them do not matter. */
export const normalizeRecoveryCode = (typed: string): string => typed.toLowerCase().replace(/[\s-]/g, '');

/** A six-digit authenticator code (spaces allowed, as apps show "123 456"). */
export const totpCodeOf = (typed: string): string | null => {
  const digits = typed.replace(/\s/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
};

export type SignInOutcome = 'signed_in' | 'wrong_password' | 'code_needed' | 'wrong_code';

export const SIGN_IN_OUTCOME_WORDS: Record<SignInOutcome, string> = {
  signed_in: 'Signed in',
  wrong_password: 'Wrong password',
  code_needed: 'Password right, asked for the code',
  wrong_code: 'Wrong code',
};

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** "Chrome on Windows": what a person recognizes of a user agent; the raw string stays in the records. */
export const deviceWords = (userAgent: string | null): string => {
  if (!userAgent) return 'Unknown device';
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown device';
};
