import { describe, expect, it } from 'vitest';
import { en } from './en';
import { documentLanguage, LANGUAGES, MESSAGES, translator } from './index';

/** Every key of a message tree with its text. */
const leaves = (tree: object, prefix = ''): [string, string][] =>
  Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string'
      ? [[`${prefix}${k}`, v] as [string, string]]
      : leaves(v as object, `${prefix}${k}.`),
  );
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('the customer’s languages', () => {
  it('has every key of English in every language, with the same placeholders and no empty text', () => {
    const reference = leaves(en);
    for (const language of LANGUAGES) {
      const theirs = new Map(leaves(MESSAGES[language]));
      expect([...theirs.keys()].sort(), language).toEqual(reference.map(([k]) => k).sort());
      for (const [key, text] of reference) {
        const translated = theirs.get(key) ?? '';
        expect(translated.trim(), `${language} ${key}`).not.toBe('');
        expect(placeholders(translated), `${language} ${key}`).toEqual(placeholders(text));
      }
    }
  });

  it('writes dates, amounts, quantities and rates as each language’s readers do, never through a float', () => {
    const en = translator('en');
    const de = translator('de');
    expect(en.date('2026-12-03')).toBe('3 December 2026');
    expect(de.date('2026-12-03')).toBe('3. Dezember 2026');
    expect(en.amount('1234567.89', 'EUR')).toBe('EUR 1,234,567.89');
    expect(de.amount('1234567.89', 'EUR')).toBe('1.234.567,89 EUR');
    expect(de.amount('-0.10', 'EUR')).toBe('-0,10 EUR');
    // More digits than a double holds: kept to the last one.
    expect(de.amount('9999999999999.99', 'EUR')).toBe('9.999.999.999.999,99 EUR');
    expect(de.decimal('1.5')).toBe('1,5');
    expect(de.percent('13.5')).toBe('13,5 %');
    expect(en.percent('13.5')).toBe('13.5%');
    expect(de.t('invoice.termsDue', { days: 14, date: de.date('2026-12-17') })).toBe(
      'Zahlungsziel: 14 Tage, fällig am 17. Dezember 2026.',
    );
    expect(de.unit('HUR')).toBe('Std.');
    expect(de.unit('XYZ')).toBe('XYZ');
    expect(de.vatCategory('AE')).toBe('Steuerschuldnerschaft des Leistungsempfängers');
  });

  it('reads the customer’s language, else the organization’s, else English', () => {
    expect(documentLanguage('de', 'en')).toBe('de');
    expect(documentLanguage(null, 'de')).toBe('de');
    expect(documentLanguage('xx', 'yy')).toBe('en');
  });
});
