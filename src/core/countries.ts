/**
 * What a new organization's country decides before anyone types it: the currency, a time zone, the tax
 * regime with its rates, and the language its documents default to. The VAT rates are the standard and
 * reduced rates in force in December 2026 (EU: the Commission's "VAT rates applied in the Member States";
 * United Kingdom, Norway, Switzerland: their tax authorities). They are starting values: the organization
 * edits its tax codes afterwards, and a rate that changes is a new tax code, never an edit of an issued one.
 */

export type TaxScheme = 'vat' | 'us_sales_tax';

export type Country = {
  code: string;
  name: string;
  currency: string;
  /** The zone most of the country keeps; the wizard offers every zone for countries that span several. */
  timeZone: string;
  taxScheme: TaxScheme;
  /** Percent, as decimal strings: the standard rate, then the reduced rates from highest to lowest. */
  vat?: { standard: string; reduced: string[] };
  /** In the EU: intra-community reverse charge (AE) and the EU exemption wording apply. */
  eu: boolean;
  locale: string;
  /** The tax code labour is sold at where it is not the standard rate (Ireland: repair and maintenance at 13.5 %). */
  labourTaxCode?: string;
};

const vat = (
  code: string,
  name: string,
  currency: string,
  timeZone: string,
  standard: string,
  reduced: string[],
  locale: string,
  eu = true,
): Country => ({ code, name, currency, timeZone, taxScheme: 'vat', vat: { standard, reduced }, eu, locale });

export const COUNTRIES: readonly Country[] = [
  vat('AT', 'Austria', 'EUR', 'Europe/Vienna', '20', ['13', '10'], 'de-AT'),
  vat('BE', 'Belgium', 'EUR', 'Europe/Brussels', '21', ['12', '6'], 'nl-BE'),
  vat('BG', 'Bulgaria', 'EUR', 'Europe/Sofia', '20', ['9'], 'bg-BG'),
  vat('HR', 'Croatia', 'EUR', 'Europe/Zagreb', '25', ['13', '5'], 'hr-HR'),
  vat('CY', 'Cyprus', 'EUR', 'Asia/Nicosia', '19', ['9', '5'], 'el-CY'),
  vat('CZ', 'Czechia', 'CZK', 'Europe/Prague', '21', ['12'], 'cs-CZ'),
  vat('DK', 'Denmark', 'DKK', 'Europe/Copenhagen', '25', [], 'da-DK'),
  vat('EE', 'Estonia', 'EUR', 'Europe/Tallinn', '24', ['13', '9'], 'et-EE'),
  vat('FI', 'Finland', 'EUR', 'Europe/Helsinki', '25.5', ['13.5', '10'], 'fi-FI'),
  vat('FR', 'France', 'EUR', 'Europe/Paris', '20', ['10', '5.5', '2.1'], 'fr-FR'),
  vat('DE', 'Germany', 'EUR', 'Europe/Berlin', '19', ['7'], 'de-DE'),
  vat('GR', 'Greece', 'EUR', 'Europe/Athens', '24', ['13', '6'], 'el-GR'),
  vat('HU', 'Hungary', 'HUF', 'Europe/Budapest', '27', ['18', '5'], 'hu-HU'),
  { ...vat('IE', 'Ireland', 'EUR', 'Europe/Dublin', '23', ['13.5', '9'], 'en-IE'), labourTaxCode: 'S-RED' },
  vat('IT', 'Italy', 'EUR', 'Europe/Rome', '22', ['10', '5', '4'], 'it-IT'),
  vat('LV', 'Latvia', 'EUR', 'Europe/Riga', '21', ['12', '5'], 'lv-LV'),
  vat('LT', 'Lithuania', 'EUR', 'Europe/Vilnius', '21', ['9', '5'], 'lt-LT'),
  vat('LU', 'Luxembourg', 'EUR', 'Europe/Luxembourg', '17', ['14', '8', '3'], 'fr-LU'),
  vat('MT', 'Malta', 'EUR', 'Europe/Malta', '18', ['7', '5'], 'en-MT'),
  vat('NL', 'Netherlands', 'EUR', 'Europe/Amsterdam', '21', ['9'], 'nl-NL'),
  vat('PL', 'Poland', 'PLN', 'Europe/Warsaw', '23', ['8', '5'], 'pl-PL'),
  vat('PT', 'Portugal', 'EUR', 'Europe/Lisbon', '23', ['13', '6'], 'pt-PT'),
  vat('RO', 'Romania', 'RON', 'Europe/Bucharest', '21', ['11'], 'ro-RO'),
  vat('SK', 'Slovakia', 'EUR', 'Europe/Bratislava', '23', ['19', '5'], 'sk-SK'),
  vat('SI', 'Slovenia', 'EUR', 'Europe/Ljubljana', '22', ['9.5', '5'], 'sl-SI'),
  vat('ES', 'Spain', 'EUR', 'Europe/Madrid', '21', ['10', '4'], 'es-ES'),
  vat('SE', 'Sweden', 'SEK', 'Europe/Stockholm', '25', ['12', '6'], 'sv-SE'),
  vat('GB', 'United Kingdom', 'GBP', 'Europe/London', '20', ['5'], 'en-GB', false),
  vat('NO', 'Norway', 'NOK', 'Europe/Oslo', '25', ['15', '12'], 'nb-NO', false),
  vat('CH', 'Switzerland', 'CHF', 'Europe/Zurich', '8.1', ['3.8', '2.6'], 'de-CH', false),
  {
    code: 'US',
    name: 'United States',
    currency: 'USD',
    timeZone: 'America/New_York',
    taxScheme: 'us_sales_tax',
    eu: false,
    locale: 'en-US',
  },
];

const BY_CODE = new Map(COUNTRIES.map((c) => [c.code, c]));

export const countryOf = (code: string): Country | undefined => BY_CODE.get(code.toUpperCase());

export type StarterTaxCode = {
  code: string;
  name: string;
  category: string | null;
  rate: string;
  exemptionReasonCode?: string;
  exemptionReason?: string;
  jurisdiction?: string;
};

/**
 * The tax codes a new organization of this country starts with: under VAT the standard rate (S-STD), each
 * reduced rate (S-RED, S-RED2, …), zero rated, exempt, and reverse charge with the EN 16931 exemption codes;
 * under US sales tax a taxable and a non-taxable code whose rates come from the jurisdictions later.
 */
export const starterTaxCodes = (country: Country): StarterTaxCode[] => {
  if (country.taxScheme === 'us_sales_tax' || !country.vat)
    return [
      { code: 'TAXABLE', name: 'Sales tax', category: null, rate: '0', jurisdiction: 'default' },
      { code: 'NONTAX', name: 'Not taxable', category: null, rate: '0', jurisdiction: 'default' },
    ];
  const reduced = country.vat.reduced.map((rate, i) => ({
    code: i === 0 ? 'S-RED' : `S-RED${i + 1}`,
    name: `Reduced rate ${rate} %`,
    category: 'S',
    rate,
  }));
  return [
    {
      code: 'S-STD',
      name: `Standard rate ${country.vat.standard} %`,
      category: 'S',
      rate: country.vat.standard,
    },
    ...reduced,
    { code: 'Z', name: 'Zero rated', category: 'Z', rate: '0' },
    {
      code: 'E',
      name: 'Exempt',
      category: 'E',
      rate: '0',
      ...(country.eu
        ? {
            exemptionReasonCode: 'VATEX-EU-132',
            exemptionReason: 'Exempt based on article 132 of Council Directive 2006/112/EC',
          }
        : { exemptionReason: 'Exempt from VAT' }),
    },
    {
      code: 'AE',
      name: 'Reverse charge',
      category: 'AE',
      rate: '0',
      exemptionReasonCode: 'VATEX-EU-AE',
      exemptionReason: 'Reverse charge',
    },
  ];
};
