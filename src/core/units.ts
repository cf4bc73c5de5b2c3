import { en } from './i18n/en';

/** UN/ECE Rec 20 units as a reader writes them; a code with no common word prints as is. */
export const UNIT_WORDS: Record<string, string> = en.units;
export const unitText = (code: string): string => UNIT_WORDS[code] ?? code;
