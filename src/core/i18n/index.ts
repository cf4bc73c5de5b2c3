import i18next, { type i18n } from 'i18next';
import { groupedDigits, printAmount } from '../money';
import type { en } from './en';
import { documentLanguage, LANGUAGES, type Language, MESSAGES } from './languages';

export {
  documentLanguage,
  isLanguage,
  LANGUAGE_NAMES,
  LANGUAGES,
  type Language,
  MESSAGES,
} from './languages';

/** Where a language's dates, numbers and amounts are written as its readers write them. */
const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE' };

/** "invoice.totals.amountDue": every key of the reference language, checked where it is used. */
type Paths<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`>;
}[keyof T & string];
export type MessageKey = Paths<typeof en>;

const instances = new Map<Language, i18n>();
const instanceOf = (language: Language): i18n => {
  const known = instances.get(language);
  if (known) return known;
  const made = i18next.createInstance();
  // Synchronous: the resources are in memory, so `t` works as soon as this returns.
  void made.init({
    lng: language,
    fallbackLng: 'en',
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: MESSAGES[l] }])),
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
  });
  instances.set(language, made);
  return made;
};

/** A quantity, price or rate exactly as given, with the language's decimal point ("1.5" / "1,5"). */
const decimalText = (language: Language, value: string): string =>
  language === 'en' ? value : value.replace('.', ',');

export type Translator = {
  language: Language;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  /** A business date: "18 November 2026" / "18. November 2026". */
  date: (day: string) => string;
  /** An instant on a zone's clock: "18 November 2026, 14:30" / "18. November 2026, 14:30". */
  dateTime: (at: Date | string, timeZone: string) => string;
  /** A day with its weekday, no year: "Tuesday 8 December" / "Dienstag, 8. Dezember". */
  weekday: (at: Date | string, timeZone: string) => string;
  /** A visit's window: "8 December 2026, 09:00 to 13:00" (the end's day too when it differs). */
  window: (start: Date | string, end: Date | string, timeZone: string) => string;
  /** An amount with its currency, never through a float: "EUR 1,234.50" / "1.234,50 EUR". */
  amount: (amount: string, currency: string) => string;
  /** A quantity or price exactly as given (not grouped, as the documents always printed it), with the language's decimal point. */
  decimal: (value: string) => string;
  /** A tax rate: "23%" / "23 %". */
  percent: (rate: string) => string;
  /** A UN/ECE Rec 20 unit as a reader writes it ("pcs" / "Stk."); a code with no word prints as is. */
  unit: (code: string) => string;
  /** An EN 16931 VAT category in words ("Reverse charge" / "Steuerschuldnerschaft …"). */
  vatCategory: (code: string) => string;
  /** A list as a sentence says it: "A", "A and B", "A, B and C". */
  list: (items: string[]) => string;
};

/** The translator of what a customer reads: in their language, else their organization's (documentLanguage). */
export const customerTranslator = (customer: string | null | undefined, organization: string): Translator =>
  translator(documentLanguage(customer, organization));

/** Everything a document or message needs to speak one language. */
export const translator = (language: Language = 'en'): Translator => {
  const i = instanceOf(language);
  const day = new Intl.DateTimeFormat(LOCALES[language], {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const dateTime = (at: Date | string, timeZone: string) => {
    const parts = new Intl.DateTimeFormat(LOCALES[language], {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone,
    }).format(new Date(at));
    const time = new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
    }).format(new Date(at));
    return { day: parts, time, both: `${parts}, ${time}` };
  };
  return {
    language,
    t: (key, vars) => i.t(key, vars ?? {}),
    date: (d) => day.format(new Date(`${d}T00:00:00Z`)),
    dateTime: (at, timeZone) => dateTime(at, timeZone).both,
    weekday: (at, timeZone) => {
      const parts = new Intl.DateTimeFormat(LOCALES[language], {
        weekday: 'long',
        day: 'numeric',
        month: 'long',
        timeZone,
      }).formatToParts(new Date(at));
      // English as our readers write it, without the comma Intl puts after the weekday.
      return language === 'en'
        ? ['weekday', 'day', 'month'].map((type) => parts.find((p) => p.type === type)?.value ?? '').join(' ')
        : parts.map((p) => p.value).join('');
    },
    window: (start, end, timeZone) => {
      const from = dateTime(start, timeZone);
      const to = dateTime(end, timeZone);
      return i.t('quote.window', { from: from.both, to: from.day === to.day ? to.time : to.both });
    },
    amount: (a, currency) => {
      if (language === 'en') return printAmount(a, currency);
      const { negative, digits } = groupedDigits(a, '.', ',');
      return `${negative ? '-' : ''}${digits} ${currency}`;
    },
    decimal: (v) => decimalText(language, v),
    percent: (r) => (language === 'en' ? `${r}%` : `${decimalText(language, r)} %`),
    unit: (code) => (MESSAGES[language].units as Record<string, string>)[code] ?? code,
    vatCategory: (code) => (MESSAGES[language].vatCategories as Record<string, string>)[code] ?? code,
    list: (items) =>
      items.length <= 1
        ? (items[0] ?? '')
        : i.t('and', { first: items.slice(0, -1).join(', '), last: items.at(-1) ?? '' }),
  };
};
