import { de } from './de';
import { en, type Messages } from './en';

/*
 * The languages and their words, without the translator: what contracts and the browsers' bundles import
 * (i18next stays out of the technician app unless it translates).
 */

/**
 * The languages a customer can read their documents and messages in (BCP 47). English is the reference;
 * adding one is a file with every key of en.ts, here and in LANGUAGE_NAMES.
 */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
export const isLanguage = (v: unknown): v is Language => LANGUAGES.includes(v as Language);

/** The language a customer reads: their own, else their organization's, else English. */
export const documentLanguage = (customer: string | null | undefined, organization: string): Language =>
  isLanguage(customer) ? customer : isLanguage(organization) ? organization : 'en';

/** Each language by its own name, as a person who reads it looks for it in a list. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', de: 'Deutsch' };

export const MESSAGES: Record<Language, Messages> = { en, de };
