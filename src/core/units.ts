/** UN/ECE Rec 20 units as a reader writes them; a code with no common word prints as is. */
export const UNIT_WORDS: Record<string, string> = {
  C62: 'pcs',
  H87: 'pcs',
  EA: 'each',
  HUR: 'h',
  MIN: 'min',
  DAY: 'days',
  MTR: 'm',
  MTK: 'm²',
  MTQ: 'm³',
  KGM: 'kg',
  LTR: 'l',
  SET: 'set',
  PR: 'pair',
  KWH: 'kWh',
};
export const unitText = (code: string): string => UNIT_WORDS[code] ?? code;
