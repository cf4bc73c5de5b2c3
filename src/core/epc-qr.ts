import Decimal from 'decimal.js';

/**
 * The EPC QR code (EPC069-12, "GiroCode"): a SEPA credit transfer a banking app fills in when it scans the
 * code — beneficiary, IBAN, amount and the structured creditor reference — so the customer pays without
 * typing, and the money arrives with the reference bank matching reads back. Euro only, to an account in
 * the SEPA area. Pure: the same payload on the pay page, the PDF and in tests.
 */

/** Countries whose IBANs reach SEPA credit transfers (the EPC's list of SEPA scheme countries). */
const SEPA_COUNTRIES = new Set(
  'AD AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT RO SE SI SK SM VA'.split(
    ' ',
  ),
);

const MAX_BYTES = 331;
const MAX_AMOUNT = new Decimal('999999999.99');

export type EpcTransfer = {
  /** The beneficiary's name, as the bank will show it (cut to 70 characters). */
  beneficiary: string;
  iban: string;
  /** Decimal string in euro; more than 0.00. */
  amount: string;
  currency: string;
  /** The ISO 11649 creditor reference (RF…), printed in groups or not. */
  creditorReference: string;
};

const compact = (s: string) => s.replace(/\s+/g, '').toUpperCase();

/** Whether a transfer can be a QR code at all: euro, a positive amount in range, a SEPA IBAN. */
export const epcApplies = (t: Pick<EpcTransfer, 'iban' | 'amount' | 'currency'>) => {
  const amount = new Decimal(t.amount).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  return (
    t.currency === 'EUR' &&
    amount.gte('0.01') &&
    amount.lte(MAX_AMOUNT) &&
    SEPA_COUNTRIES.has(compact(t.iban).slice(0, 2))
  );
};

/**
 * The QR code's text (version 002: no BIC needed inside the EEA), or null when the transfer cannot be one.
 * Lines: service tag, version, UTF-8, SCT, BIC (empty), name, IBAN, amount, purpose (empty), structured
 * reference; nothing after the last filled line.
 */
export const epcPayload = (t: EpcTransfer): string | null => {
  if (!epcApplies(t)) return null;
  // Two decimals at most, no trailing zeros needed: EUR12.3 is as valid as EUR12.30; we keep two.
  const amount = new Decimal(t.amount).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
  const name = t.beneficiary.replace(/[\r\n]+/g, ' ').trim();
  const lines = [
    'BCD',
    '002',
    '1',
    'SCT',
    '',
    [...name].slice(0, 70).join(''),
    compact(t.iban),
    `EUR${amount}`,
    '',
    compact(t.creditorReference),
  ];
  const text = lines.join('\n');
  return Buffer.byteLength(text, 'utf8') <= MAX_BYTES ? text : null;
};
