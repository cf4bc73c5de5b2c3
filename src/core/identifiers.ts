/**
 * Identifier checks the official validators make fatal, run when the identifier is entered (so a wrong
 * digit is a 400 naming the field, not an invoice failing validation a week later): the VAT identifier's
 * country prefix (EN 16931 BR-CO-09) and the check digits of the Peppol participant schemes that the
 * Peppol BIS rules verify (PEPPOL-COMMON-R040 … R053).
 */

/** BR-CO-09: the prefixes the CEN rules accept (ISO 3166-1 alpha-2, EL for Greece, XI, 1A). */
const VAT_PREFIXES = new Set(
  `1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
  CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR
  GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
  KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT
  MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
  SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
  UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE YT ZA ZM ZW`.split(/\s+/),
);

/** Why a VAT identifier cannot go on an EN 16931 invoice, or null. */
export const vatIdProblem = (vatId: string): string | null =>
  VAT_PREFIXES.has(vatId.slice(0, 2))
    ? null
    : 'must start with the country prefix, e.g. IE6388047V (BR-CO-09; Greece uses EL)';

const digits = (s: string) => [...s].map((c) => c.charCodeAt(0) - 48);

/** GS1 check digit (GLN, 0088): weights 3 and 1 from the right. */
const gln = (v: string) => {
  const d = digits(v);
  const body = d.slice(0, -1).reverse();
  const sum = body.reduce((s, x, i) => s + x * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === d.at(-1);
};
/** Norwegian organization number (0192): mod 11, weights 2…7 from the right. */
const mod11 = (v: string) => {
  const d = digits(v);
  const sum = d
    .slice(0, -1)
    .reverse()
    .reduce((s, x, i) => s + x * ((i % 6) + 2), 0);
  return Number(v) > 0 && (11 - (sum % 11)) % 11 === d.at(-1);
};
/** Belgian enterprise number (0208): the last two digits are 97 − (the first eight mod 97). */
const mod97be = (v: string) => 97 - (Number(v.slice(0, 8)) % 97) === Number(v.slice(8, 10));
/** Swedish organization number (0007): Luhn over ten digits. */
const luhn = (v: string) => {
  const sum = digits(v)
    .reverse()
    .reduce((s, x, i) => {
      const y = i % 2 === 1 ? x * 2 : x;
      return s + (y > 9 ? y - 9 : y);
    }, 0);
  return sum % 10 === 0;
};
/** Australian Business Number (0151): weighted sum mod 89. */
const abn = (v: string) => {
  const w = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
  const d = digits(v);
  d[0] = (d[0] ?? 0) - 1;
  return d.reduce((s, x, i) => s + x * (w[i] ?? 0), 0) % 89 === 0;
};

const SCHEMES: Record<string, { pattern: RegExp; check?: (v: string) => boolean; name: string }> = {
  '0088': { pattern: /^\d{8,14}$/, check: gln, name: 'GLN' },
  '0192': { pattern: /^\d{9}$/, check: mod11, name: 'Norwegian organization number' },
  '0208': { pattern: /^\d{10}$/, check: mod97be, name: 'Belgian enterprise number' },
  '0007': { pattern: /^\d{10}$/, check: luhn, name: 'Swedish organization number' },
  '0151': { pattern: /^\d{11}$/, check: abn, name: 'Australian Business Number' },
  '0184': { pattern: /^DK\d{8}$/, name: 'Danish CVR number (DK and eight digits)' },
  '0096': { pattern: /^DK\d{8}$/, name: 'Danish CVR number (DK and eight digits)' },
  '0198': { pattern: /^DK\d{8}$/, name: 'Danish CVR number (DK and eight digits)' },
};

/** Why a Peppol participant identifier ("scheme:identifier") would fail the Peppol rules, or null. */
export const peppolEndpointProblem = (endpoint: string): string | null => {
  const [scheme = '', ...rest] = endpoint.split(':');
  const id = rest.join(':');
  const rule = SCHEMES[scheme];
  if (!rule) return null;
  if (!rule.pattern.test(id) || (rule.check && !rule.check(id)))
    return `not a valid ${rule.name}: check the digits (scheme ${scheme})`;
  return null;
};
