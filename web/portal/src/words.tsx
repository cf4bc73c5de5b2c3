import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { isLanguage, type Language, type Translator, translator } from '../../../src/core/i18n';

/**
 * The customer's pages speak the customer's language: the one each page's answer names (theirs, else the
 * business's). Until an answer arrives, and when a link fails, the browser's own language where we have it.
 */
const browserLanguage = (): Language => {
  const tag = (navigator.language ?? 'en').slice(0, 2).toLowerCase();
  return isLanguage(tag) ? tag : 'en';
};

const Words = createContext<{ w: Translator; speak: (language: Language) => void }>({
  w: translator('en'),
  speak: () => undefined,
});

export const WordsProvider = ({ children }: { children: ReactNode }) => {
  const [language, speak] = useState<Language>(browserLanguage);
  const value = useMemo(() => ({ w: translator(language), speak }), [language]);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  return <Words.Provider value={value}>{children}</Words.Provider>;
};

/** The words of the page, in the language it speaks now. */
export const useWords = () => useContext(Words).w;

/** From this answer on, the page speaks the language it names. */
export const useSpeak = (language: Language | undefined) => {
  const { speak } = useContext(Words);
  useEffect(() => {
    if (language) speak(language);
  }, [language, speak]);
};
